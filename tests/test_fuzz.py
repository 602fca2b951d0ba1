"""Differential fuzzing: hypothesis generates random programs (op sequences over
random shapes with broadcasting, views, dtypes and in-place ops, then backward),
runs them in torch and pyautograd, and compares values, gradients and raised
exception types. CI runs a bounded number of examples; PAG_FUZZ_EXAMPLES=N runs more."""
import os

import numpy as np
import pyautograd as pag
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

N_EXAMPLES = int(os.environ.get("PAG_FUZZ_EXAMPLES", "150"))

DTYPES = ["float32", "float32", "float32", "float64", "int64", "bool"]


def _u(f):
    return ("unary", f)


def _b(f):
    return ("binary", f)


# name -> (kind, fn(lib, *args)); the same code runs on both libraries.
OPS = {
    "neg": _u(lambda L, x: -x),
    "abs": _u(lambda L, x: x.abs()),
    "exp": _u(lambda L, x: (x.clamp(-5, 5) if x.dtype.is_floating_point else x).exp()),
    "tanh": _u(lambda L, x: x.tanh()),
    "sigmoid": _u(lambda L, x: x.sigmoid()),
    "relu": _u(lambda L, x: x.relu()),
    "sqrt_abs": _u(lambda L, x: x.abs().sqrt()),
    "log1p_abs": _u(lambda L, x: x.abs().log1p()),
    "sin": _u(lambda L, x: x.sin()),
    "square": _u(lambda L, x: x * x),
    "sum": _u(lambda L, x: x.sum()),
    "sum0": _u(lambda L, x: x.sum(0)),
    "sum_last_keep": _u(lambda L, x: x.sum(-1, keepdim=True)),
    "mean": _u(lambda L, x: x.mean()),
    "t": _u(lambda L, x: x.t()),
    "transpose": _u(lambda L, x: x.transpose(0, -1)),
    "unsqueeze": _u(lambda L, x: x.unsqueeze(0)),
    "squeeze": _u(lambda L, x: x.squeeze()),
    "flatten": _u(lambda L, x: x.reshape(-1)),
    "narrow": _u(lambda L, x: x.narrow(0, 0, 1)),
    "select": _u(lambda L, x: x.select(0, -1)),
    "expand": _u(lambda L, x: x.expand(2, *x.shape)),
    "clone": _u(lambda L, x: x.clone()),
    "contig": _u(lambda L, x: x.contiguous()),
    "clamp": _u(lambda L, x: x.clamp(-0.5, 0.7)),
    "float": _u(lambda L, x: x.float()),
    "double": _u(lambda L, x: x.double()),
    "add_scalar": _u(lambda L, x: x + 1.5),
    "rsub_scalar": _u(lambda L, x: 2 - x),
    "mul_int": _u(lambda L, x: x * 3),
    "pow2": _u(lambda L, x: x ** 2),
    "iadd_clone": _u(lambda L, x: _inplace(x, lambda c: c.add_(1))),
    "imul_clone": _u(lambda L, x: _inplace(x, lambda c: c.mul_(0.5))),
    "add": _b(lambda L, x, y: x + y),
    "sub": _b(lambda L, x, y: x - y),
    "mul": _b(lambda L, x, y: x * y),
    "div": _b(lambda L, x, y: x / (y.abs() + 1) if y.dtype.is_floating_point else x / y),
    "maximum": _b(lambda L, x, y: L.maximum(x, y)),
    "minimum": _b(lambda L, x, y: L.minimum(x, y)),
    "where": _b(lambda L, x, y: L.where(x > y, x, y)),
    "lt": _b(lambda L, x, y: x < y),
    "eq": _b(lambda L, x, y: x == y),
    "add_alpha": _b(lambda L, x, y: L.add(x, y, alpha=2)),
}


def _inplace(x, f):
    c = x.clone()
    f(c)
    return c


SHAPES = [(), (1,), (3,), (2, 3), (1, 3), (2, 1), (4, 2, 3), (2, 1, 3), (0,), (3, 0)]


@st.composite
def programs(draw):
    n_in = draw(st.integers(1, 3))
    inputs = [(draw(st.sampled_from(SHAPES)), draw(st.sampled_from(DTYPES)), draw(st.integers(0, 2 ** 16)))
              for _ in range(n_in)]
    steps = []
    for _ in range(draw(st.integers(1, 6))):
        name = draw(st.sampled_from(sorted(OPS)))
        arity = 1 if OPS[name][0] == "unary" else 2
        steps.append((name, [draw(st.integers(0, 100)) for _ in range(arity)]))
    return inputs, steps


def _make(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    if dtype.startswith("float"):
        a = rng.uniform(-2, 2, shape).astype(dtype)
    elif dtype == "int64":
        a = rng.integers(-3, 4, shape).astype(np.int64)
    else:
        a = rng.integers(0, 2, shape).astype(bool)
    return a


def _run(lib, inputs, steps):
    leaves = []
    pool = []
    for shape, dtype, seed in inputs:
        a = _make(shape, dtype, seed)
        t = lib.tensor(a.tolist(), dtype=getattr(lib, dtype)) if a.ndim else lib.tensor(a.item(), dtype=getattr(lib, dtype))
        if dtype.startswith("float"):
            t.requires_grad_(True)
        leaves.append(t)
        pool.append(t)
    trace = []
    for name, picks in steps:
        args = [pool[p % len(pool)] for p in picks]
        try:
            r = OPS[name][1](lib, *args)
            pool.append(r)
            trace.append(("ok", r))
        except Exception as e:  # the exception type is part of the result
            trace.append(("err", type(e)))
    outs = [r for kind, r in trace if kind == "ok" and r.requires_grad]
    grads = None
    if outs:
        total = sum(o.sum() for o in outs)
        total.backward()
        grads = [leaf.grad for leaf in leaves]
    return trace, grads


def _close(p, t):
    assert tuple(p.shape) == tuple(t.shape)
    assert str(p.dtype) == str(t.dtype), (p.dtype, t.dtype)
    pn, tn = p.detach().numpy(), t.detach().numpy()
    if tn.dtype.kind in "biu":
        np.testing.assert_array_equal(pn, tn)
    else:
        np.testing.assert_allclose(pn, tn, rtol=1e-5, atol=1e-6, equal_nan=True)


@settings(max_examples=N_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(programs())
def test_random_programs_match_torch(prog):
    inputs, steps = prog
    t_trace, t_grads = _run(torch, inputs, steps)
    p_trace, p_grads = _run(pag, inputs, steps)
    assert len(t_trace) == len(p_trace)
    for i, ((tk, tv), (pk, pv)) in enumerate(zip(t_trace, p_trace)):
        assert tk == pk, f"step {i} {steps[i][0]}: torch {tk} {tv}, pyautograd {pk} {pv}"
        if tk == "ok":
            _close(pv, tv)
        else:
            assert pv is tv or issubclass(pv, tv), f"step {i} {steps[i][0]}: {pv} vs torch {tv}"
    if t_grads is not None:
        for tg, pg in zip(t_grads, p_grads):
            assert (tg is None) == (pg is None)
            if tg is not None:
                _close(pg, tg)
