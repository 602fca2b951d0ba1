"""The one test helper (in the spirit of tinygrad's helper_test_op): the same
seeded inputs go to torch and pyautograd; forward values, dtypes and shapes and
the gradients of `.sum()` are compared. A twin helper compares raised errors."""
import os
import re
import subprocess
import sys

import numpy as np
import pyautograd as pag
import pytest
import torch

TESTS = os.path.dirname(os.path.abspath(__file__))
# The directory the pyautograd under test was imported from: the installed package
# after `pip install .`, the checkout for an in-tree build. Child interpreters get it
# first on their path, and run outside the checkout so its sources cannot shadow it.
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(pag.__file__)))


def run_python(args, env=None, cwd=None, path=(), timeout=120):
    """Run `python *args` with the pyautograd under test importable (plus `path` and tests/)."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join([*map(str, path), PACKAGE_PARENT, TESTS])
    return subprocess.run([sys.executable, *map(str, args)], env=env, cwd=str(cwd or TESTS), capture_output=True,
                          text=True, timeout=timeout)


TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-12, atol=1e-12)}


def to_pag(t):
    """A torch tensor's values as a pyautograd tensor (same dtype, shape, strides' contents)."""
    a = t.detach().numpy().copy()
    r = pag.tensor(a) if a.ndim else pag.tensor(a.item(), dtype=getattr(pag, str(t.dtype).split(".")[1]))
    return r


def assert_close(p, t, rtol=None, atol=None, check_dtype=True, msg=""):
    """p: pyautograd tensor (or number), t: torch tensor (or number)."""
    if isinstance(t, torch.Tensor):
        assert isinstance(p, pag.Tensor), f"{msg} expected a Tensor, got {type(p)}"
        assert tuple(p.shape) == tuple(t.shape), f"{msg} shape {tuple(p.shape)} != torch {tuple(t.shape)}"
        if check_dtype:
            assert str(p.dtype) == str(t.dtype), f"{msg} dtype {p.dtype} != torch {t.dtype}"
        tol = TOL.get(str(t.dtype).split(".")[1], dict(rtol=0, atol=0))
        rtol = tol["rtol"] if rtol is None else rtol
        atol = tol["atol"] if atol is None else atol
        pn = p.detach().numpy()
        tn = t.detach().numpy()
        if tn.dtype == np.bool_ or tn.dtype.kind in "iu":
            np.testing.assert_array_equal(pn, tn, err_msg=msg)
        else:
            np.testing.assert_allclose(pn, tn, rtol=rtol, atol=atol, equal_nan=True, err_msg=msg)
    else:
        assert p == pytest.approx(t, rel=rtol or 1e-6, nan_ok=True), msg


def ulp_distance(a, b):
    """Elementwise distance in units in the last place between two float arrays of one
    dtype (0 for equal values, +0 and -0 included; NaN against NaN counts as 0)."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.dtype.kind == "f", (a.dtype, b.dtype)
    ints = {2: np.int16, 4: np.int32, 8: np.int64}[a.dtype.itemsize]

    def ordered(x):  # the IEEE bit patterns as integers that order like the values
        i = x.view(ints).astype(np.int64)
        return np.where(i < 0, np.iinfo(ints).min - i, i)

    d = np.abs(ordered(a) - ordered(b))
    return np.where(np.isnan(a) & np.isnan(b), 0, d)


def assert_ulps(p, t, ulps, msg=""):
    """p within `ulps` units in the last place of t, elementwise (NaN where t has NaN).
    For results IEEE does not fix (or that torch does not round correctly on every CPU):
    torch's own SIMD math differs by an ulp between CPU kinds, so these bounds are
    documented where used, never 0 unless the answer is fixed."""
    pn = p.detach().numpy() if hasattr(p, "detach") else np.asarray(p)
    tn = t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)
    assert pn.shape == tn.shape and pn.dtype == tn.dtype, f"{msg} {pn.shape} {pn.dtype} != {tn.shape} {tn.dtype}"
    d = ulp_distance(pn, tn)
    assert d.size == 0 or d.max() <= ulps, f"{msg} {int(d.max())} ulps apart (bound {ulps}) at {np.argmax(d)}"


def make_inputs(shapes, dtype="float32", low=-2.0, high=2.0, seed=0, noncontig=False, requires_grad=True):
    """Seeded torch inputs; noncontig makes each >=2-D input a transposed view."""
    rng = np.random.default_rng(seed)
    out = []
    for s in shapes:
        if isinstance(s, torch.Tensor):
            out.append(s)
            continue
        if dtype in ("float32", "float64"):
            a = rng.uniform(low, high, size=s).astype(dtype)
        elif dtype == "int64":
            a = rng.integers(int(low), int(high) + 1, size=s).astype(np.int64)
        else:
            a = rng.integers(0, 2, size=s).astype(bool)
        t = torch.from_numpy(np.ascontiguousarray(a))
        if noncontig and t.dim() >= 2:
            t = t.transpose(-1, -2).contiguous().transpose(-1, -2)
        out.append(t)
    return out


def _pag_view_like(t):
    """Builds a pyautograd tensor with the same values and the same strides as torch tensor t."""
    if t.dim() >= 2 and not t.is_contiguous():
        base = to_pag(t.transpose(-1, -2).contiguous())
        return base.transpose(-1, -2)
    return to_pag(t)


def helper_test_op(shapes, torch_fn, pag_fn=None, *, dtype="float32", rtol=None, atol=None, grad_rtol=None,
                   grad_atol=None, low=-2.0, high=2.0, seed=0, noncontig=False, grad=True, inputs=None):
    """Runs torch_fn on torch inputs and pag_fn (default: torch_fn) on the same values in pyautograd."""
    pag_fn = pag_fn or torch_fn
    t_in = inputs if inputs is not None else make_inputs(shapes, dtype, low, high, seed, noncontig)
    p_in = [_pag_view_like(t) for t in t_in]
    if grad:
        for t, p in zip(t_in, p_in):
            if t.dtype.is_floating_point:
                t.requires_grad_(True)
                # p may be a view (noncontig): make its leaf require grad through a leaf copy
        p_in = [(p.detach().requires_grad_(True) if p.is_leaf else p) if t.dtype.is_floating_point else p
                for t, p in zip(t_in, p_in)]
        p_leaves = p_in
    t_out = torch_fn(*t_in)
    p_out = pag_fn(*p_in)
    t_outs = t_out if isinstance(t_out, (tuple, list)) else (t_out,)
    p_outs = p_out if isinstance(p_out, (tuple, list)) else (p_out,)
    assert len(t_outs) == len(p_outs)
    for i, (po, to) in enumerate(zip(p_outs, t_outs)):
        assert_close(po, to, rtol, atol, msg=f"forward output {i}:")
    if not grad:
        return p_out, t_out
    t_loss = [o.sum() for o in t_outs if isinstance(o, torch.Tensor) and o.requires_grad]
    p_loss = [o.sum() for o in p_outs if isinstance(o, pag.Tensor) and o.requires_grad]
    assert len(t_loss) == len(p_loss), "requires_grad of outputs differs"
    if t_loss:
        sum(t_loss).backward()
        sum(p_loss).backward()
        for i, (t, p) in enumerate(zip(t_in, p_leaves)):
            if t.requires_grad:
                if t.grad is None:
                    assert p.grad is None, f"input {i}: torch grad is None but pyautograd has one"
                else:
                    assert p.grad is not None, f"input {i}: pyautograd grad is None"
                    assert_close(p.grad, t.grad, grad_rtol or rtol, grad_atol or atol, msg=f"grad of input {i}:")
    return p_out, t_out


def helper_test_exception(torch_call, pag_call, exact=True, match=None):
    """Both calls must raise the same exception type; with exact=True the same message too."""
    with pytest.raises(Exception) as te:
        torch_call()
    with pytest.raises(Exception) as pe:
        pag_call()
    assert pe.type is te.type or issubclass(pe.type, te.type), f"pyautograd raised {pe.type.__name__}: {pe.value}; " \
                                                                f"torch raised {te.type.__name__}: {te.value}"
    if match is not None:
        assert re.search(match, str(pe.value)), f"{pe.value!r} does not match {match!r}"
    elif exact:
        assert str(pe.value) == str(te.value), f"messages differ:\n pyautograd: {pe.value}\n torch:      {te.value}"
    return pe.value, te.value
