"""Reductions and normalizations against torch: values, dtypes, shapes, gradients
(first and second order), grad_fn names, overloads, return types and errors."""
import os

import numpy as np
import pyautograd as pag
import pytest
import torch
from helpers import assert_close, helper_test_exception, helper_test_op, make_inputs, run_python, to_pag

FLOATS = ["float32", "float64"]
inf, nan = float("inf"), float("nan")


def lib_fns(f):
    """f(lib, *tensors) -> (torch_fn, pag_fn): for calls that name a dtype or module function."""
    return (lambda *a: f(torch, *a)), (lambda *a: f(pag, *a))


def grad_fn_name(t):
    return t.grad_fn.name() if isinstance(t, pag.Tensor) else type(t.grad_fn).__name__


def t_and_p(values, dtype=torch.float32):
    t = torch.tensor(values, dtype=dtype)
    return t, to_pag(t)


# ---------------------------------------------------------------- sum / mean
DIM_CASES = [((), None), ((), 0), ((), -1), ((1,), 0), ((5,), -1), ((2, 3, 4), 1), ((2, 3, 4), (0, 2)),
             ((2, 3, 4), [-1, 0]), ((2, 3, 4), ()), ((2, 3, 4), (0, 1, 2)), ((3, 1, 2), 1), ((0, 3), 0), ((0, 3), 1),
             ((4, 0, 2), (0, 2))]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", DIM_CASES)
def test_sum_mean_dims(shape, dim, keepdim, dtype):
    helper_test_op([shape], lambda x: x.sum(dim, keepdim=keepdim), dtype=dtype)
    helper_test_op([shape], lambda x: x.mean(dim, keepdim), dtype=dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(), (1,), (7,), (3, 4), (0,), (2, 0, 3)])
def test_sum_mean_all(shape, dtype):
    helper_test_op([shape], lambda x: x.sum(), dtype=dtype)
    helper_test_op([shape], lambda x: x.mean(), dtype=dtype)
    helper_test_op([shape], *lib_fns(lambda lib, x: lib.sum(x, dim=None, keepdim=True)), dtype=dtype)


def test_sum_mean_noncontig_and_dtype():
    helper_test_op([(4, 6)], lambda x: x.sum(0), noncontig=True)
    helper_test_op([(4, 6)], lambda x: x.mean((1,), keepdim=True), noncontig=True)
    helper_test_op([(3, 5)], lambda x: x.t().sum(1))
    helper_test_op([(3, 5)], *lib_fns(lambda lib, x: x.sum(1, dtype=lib.float64)))
    helper_test_op([(3, 5)], *lib_fns(lambda lib, x: lib.mean(x, dtype=lib.float64)))
    helper_test_op([(3, 5)], lambda x: x.sum(1), dtype="int64")
    helper_test_op([(3, 5)], lambda x: x.sum(), dtype="bool")
    helper_test_op([(3, 5)], *lib_fns(lambda lib, x: x.sum(0, dtype=lib.float32)), dtype="int64")
    helper_test_op([(3, 5)], *lib_fns(lambda lib, x: x.mean(0, dtype=lib.float64)), dtype="int64")
    helper_test_op([(3, 5)], *lib_fns(lambda lib, x: x.sum(dtype=lib.bool)), dtype="int64")
    helper_test_op([(3, 5)], *lib_fns(lambda lib, x: x.detach().sum(dtype=lib.int64)))
    # a broadcast (stride-0) input
    helper_test_op([(1, 4)], lambda x: x.expand(3, 4).sum(0))
    helper_test_op([(3, 1)], lambda x: x.expand(3, 5).mean(1))


def test_sum_large_vertical_and_blocks():
    # Long reductions cross kReduceBlock; a strided reduced dim takes the vertical path.
    helper_test_op([(40000, 3)], lambda x: x.sum(0), rtol=1e-5, atol=1e-3)
    helper_test_op([(3, 40000)], lambda x: x.sum(1), rtol=1e-5, atol=1e-3)
    helper_test_op([(200, 300)], lambda x: x.sum(0), dtype="float64")
    helper_test_op([(200, 300)], lambda x: x.amax(0), grad=False)
    helper_test_op([(20000, 3)], lambda x: x.max(0), grad=False)


# ---------------------------------------------------------------- prod
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape,dim", [((), None), ((), 0), ((1,), 0), ((5,), 0), ((2, 3, 4), 1), ((2, 3, 4), -1),
                                       ((0, 3), 0), ((0, 3), 1), ((3, 0), 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_prod(shape, dim, keepdim, dtype):
    if dim is None:
        helper_test_op([shape], lambda x: x.prod(), dtype=dtype, low=0.5, high=1.5)
    else:
        helper_test_op([shape], lambda x: x.prod(dim, keepdim), dtype=dtype, low=0.5, high=1.5)


@pytest.mark.parametrize("values", [[[2.0, 0.0, 3.0], [0.0, 0.0, 1.0], [1.0, 2.0, 3.0], [4.0, -1.0, 0.0]],
                                    [[0.0, 0.0, 0.0], [5.0, 0.0, 2.0], [1.5, 2.0, -3.0], [0.0, 1.0, 1.0]]])
def test_prod_zeros(values):
    for dtype in (torch.float32, torch.float64):
        t = torch.tensor(values, dtype=dtype)
        for f in (lambda x: x.prod(), lambda x: x.prod(1), lambda x: x.prod(0, True),
                  lambda x: x.narrow(1, 0, 1).prod()):
            helper_test_op([], f, inputs=[t.clone()])
    helper_test_op([], lambda x: x.prod(), inputs=[torch.tensor([2.0, 0.0, 3.0])])
    helper_test_op([], lambda x: x.prod(), inputs=[torch.tensor([2.0, 0.0, 0.0])])


def test_prod_dtypes_and_noncontig():
    helper_test_op([(3, 4)], lambda x: x.prod(0), noncontig=True, low=0.5, high=1.5)
    helper_test_op([(3, 4)], lambda x: x.prod(1), dtype="int64")
    helper_test_op([(3, 4)], lambda x: x.prod(), dtype="bool")
    helper_test_op([(3, 4)], *lib_fns(lambda lib, x: lib.prod(x, 1, True, dtype=lib.float64)), low=0.5, high=1.5)
    helper_test_op([], *lib_fns(lambda lib, x: x.prod(dtype=lib.int64)), inputs=[torch.tensor([1.5, 2.5])], grad=False)


# ---------------------------------------------------------------- amax / amin / max / min
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape,dim", [((), ()), ((), 0), ((1,), 0), ((5,), -1), ((2, 3, 4), 1), ((2, 3, 4), (0, 2)),
                                       ((2, 3, 4), ()), ((0, 3), 1), ((2, 3), None)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_amax_amin(shape, dim, keepdim, dtype):
    helper_test_op([shape], lambda x: x.amax(dim, keepdim), dtype=dtype)
    helper_test_op([shape], lambda x: x.amin(dim=dim, keepdim=keepdim), dtype=dtype)


def test_amax_ties_and_defaults():
    ties = torch.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [-1.0, 5.0, 0.0]])
    helper_test_op([], lambda x: x.amax(1), inputs=[ties.clone()])
    helper_test_op([], lambda x: x.amin(0, True), inputs=[ties.clone()])
    helper_test_op([], lambda x: x.amax(), inputs=[ties.clone()])
    helper_test_op([(2, 3)], lambda x: x.amax(keepdim=True))
    helper_test_op([(2, 3)], lambda x: torch.amax(x, 1) if isinstance(x, torch.Tensor) else pag.amax(x, 1))
    helper_test_op([(4, 5)], lambda x: x.amax(0), noncontig=True)
    helper_test_op([(4, 5)], lambda x: x.amin(1), dtype="int64")
    helper_test_op([(4, 5)], lambda x: x.amax(), dtype="bool")


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(), (1,), (6,), (2, 3, 4)])
def test_max_min_all(shape, dtype):
    helper_test_op([shape], lambda x: x.max(), dtype=dtype)
    helper_test_op([shape], lambda x: x.min(), dtype=dtype)


def test_max_min_all_ties_nan_and_dtypes():
    ties = torch.tensor([[1.0, 3.0], [3.0, 0.0]])
    helper_test_op([], lambda x: x.max(), inputs=[ties.clone()])
    helper_test_op([], lambda x: x.min(), inputs=[torch.tensor([2.0, 0.0, 0.0, 5.0])])
    helper_test_op([], lambda x: x.max(), inputs=[torch.tensor([1.0, nan, 3.0, nan])])
    helper_test_op([], lambda x: x.min(), inputs=[torch.tensor([1.0, nan, 3.0])])
    helper_test_op([], lambda x: x.max(), inputs=[torch.tensor([-inf, -inf])])
    helper_test_op([(3, 4)], lambda x: x.max(), dtype="int64")
    helper_test_op([(3, 4)], lambda x: x.min(), dtype="bool")
    helper_test_op([(3, 4)], lambda x: x.max(), noncontig=True)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape,dim", [((), 0), ((), -1), ((1,), 0), ((5,), 0), ((2, 3, 4), 1), ((2, 3, 4), -1),
                                       ((2, 3, 4), 0), ((0, 3), 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_dim(shape, dim, keepdim, dtype):
    helper_test_op([shape], lambda x: x.max(dim, keepdim), dtype=dtype)
    helper_test_op([shape], lambda x: x.min(dim, keepdim=keepdim), dtype=dtype)
    helper_test_op([shape], lambda x: x.argmax(dim, keepdim), dtype=dtype)
    helper_test_op([shape], lambda x: x.argmin(dim=dim, keepdim=keepdim), dtype=dtype)


def test_max_dim_ties_nan_noncontig():
    ties = torch.tensor([[3.0, 1.0, 3.0], [2.0, 2.0, 2.0], [0.0, 5.0, 5.0]])
    helper_test_op([], lambda x: x.max(1), inputs=[ties.clone()])
    helper_test_op([], lambda x: x.min(0), inputs=[ties.clone()])
    helper_test_op([], lambda x: x.max(0), inputs=[torch.tensor([1.0, nan, 3.0, nan])])
    helper_test_op([], lambda x: x.min(0), inputs=[torch.tensor([1.0, nan, nan])])
    helper_test_op([], lambda x: x.max(0), inputs=[torch.tensor([-inf, -inf, -inf])])
    helper_test_op([], lambda x: x.argmax(), inputs=[torch.tensor([1.0, nan, 3.0])])
    helper_test_op([], lambda x: x.argmin(), inputs=[torch.tensor([1.0, nan, nan])])
    helper_test_op([(4, 5)], lambda x: x.max(0), noncontig=True)
    helper_test_op([(4, 5)], lambda x: x.min(1, True), noncontig=True)
    helper_test_op([(4, 5)], lambda x: x.argmax(), noncontig=True)
    helper_test_op([(4, 5)], lambda x: x.argmin(0), noncontig=True)
    helper_test_op([(4, 5)], lambda x: x.max(1), dtype="int64")
    helper_test_op([(4, 5)], lambda x: x.min(0), dtype="bool")
    helper_test_op([], lambda x: x.argmax(), inputs=[torch.tensor([[1, 5], [5, 1]])])


def test_argmax_argmin_all():
    for shape in [(), (1,), (6,), (3, 4), (2, 3, 4)]:
        helper_test_op([shape], lambda x: x.argmax())
        helper_test_op([shape], lambda x: x.argmin(keepdim=True))
        helper_test_op([shape], lambda x: x.argmax(None, True), dtype="int64")


def test_max_min_overloads():
    helper_test_op([(2, 3), (2, 3)], lambda x, y: x.max(y))
    helper_test_op([(2, 3), (3,)], lambda x, y: torch.max(x, y) if isinstance(x, torch.Tensor) else pag.max(x, y))
    helper_test_op([(2, 3), (2, 3)], lambda x, y: x.min(other=y))
    helper_test_op([(2, 3)], *lib_fns(lambda lib, x: lib.max(x, dim=1)))
    helper_test_op([(2, 3)], *lib_fns(lambda lib, x: lib.min(x, 0, True)))
    helper_test_op([(2, 3)], *lib_fns(lambda lib, x: lib.max(x)))
    helper_test_op([(2, 3)], *lib_fns(lambda lib, x: lib.argmax(x, dim=1, keepdim=True)))


def test_return_types():
    t = torch.tensor([[1, 5, 3], [4, 2, 6]])
    p = to_pag(t)
    for name in ("max", "min"):
        tr, pr = getattr(t, name)(1), getattr(p, name)(1)
        assert isinstance(pr, tuple) and len(pr) == 2
        assert type(pr).__name__ == type(tr).__name__ == name
        assert pr.values is pr[0] and pr.indices is pr[1]
        v, i = pr
        assert_close(v, tr.values)
        assert_close(i, tr.indices)
        assert repr(pr) == f"torch.return_types.{name}(\nvalues={pr.values!r},\nindices={pr.indices!r})"
        assert repr(pr).split("\n")[0] == repr(tr).split("\n")[0]
    assert isinstance(p.max(0), pag.return_types.max)
    assert repr(p.max(1)) == repr(t.max(1))  # integer tensors print the same in both


# ---------------------------------------------------------------- var / std
VAR_CASES = [dict(), dict(dim=0), dict(dim=1, keepdim=True), dict(dim=(0, 1)), dict(dim=[-1]), dict(dim=None),
             dict(correction=0), dict(dim=1, correction=2), dict(dim=0, correction=1.5, keepdim=True),
             dict(unbiased=False), dict(dim=1, unbiased=False, keepdim=True)]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("kwargs", VAR_CASES)
def test_var_std(kwargs, dtype):
    helper_test_op([(3, 5)], lambda x: x.var(**kwargs), dtype=dtype)
    helper_test_op([(3, 5)], lambda x: x.std(**kwargs), dtype=dtype)


def test_var_std_positional_and_shapes():
    helper_test_op([(3, 5)], lambda x: x.var(False))
    helper_test_op([(3, 5)], lambda x: x.std(True))
    helper_test_op([(3, 5)], lambda x: x.var(0, False))
    helper_test_op([(3, 5)], lambda x: x.std(1, True, True))
    helper_test_op([(3, 5)], lambda x: torch.var(x, 0, True, True) if isinstance(x, torch.Tensor)
                   else pag.var(x, 0, True, True))
    helper_test_op([(3, 5)], *lib_fns(lambda lib, x: lib.std(x, dim=0, keepdim=True, unbiased=False)))
    helper_test_op([(4, 6)], lambda x: x.var(0), noncontig=True)
    helper_test_op([(4, 6)], lambda x: x.std(), noncontig=True)
    helper_test_op([(2, 3, 4)], lambda x: x.var((0, 2)))
    helper_test_op([(1,)], lambda x: x.var(correction=0))
    helper_test_op([(5,)], lambda x: x.std(0))
    helper_test_op([(3, 1)], lambda x: x.std(1, correction=0))
    # constant rows: std's gradient is masked to 0 where std == 0
    helper_test_op([], lambda x: x.std(1), inputs=[torch.tensor([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])])
    helper_test_op([], lambda x: x.std(), inputs=[torch.ones(3)])


def test_var_degenerate():
    # dof <= 0: inf / nan values and torch's gradients for both forms
    helper_test_op([(2, 3)], lambda x: x.var(0, correction=2))
    helper_test_op([(2, 3)], lambda x: x.var(correction=6))
    helper_test_op([(2, 3)], lambda x: x.var(correction=7))
    helper_test_op([(1, 2)], lambda x: x.std(0))
    helper_test_op([()], lambda x: x.var())
    helper_test_op([()], lambda x: x.std(0))
    helper_test_op([(0, 3)], lambda x: x.var())
    helper_test_op([(0, 3)], lambda x: x.var(0))
    helper_test_op([(3, 0)], lambda x: x.std(1))


def test_var_empty_dim_list():
    # var(()) reduces every dim; its gradient is the full reduction's (torch returns inf there).
    t = make_inputs([(2, 3)], "float64")[0]
    tx, px = t.clone().requires_grad_(True), to_pag(t).requires_grad_(True)
    assert_close(px.var(()), tx.var(()))
    tx.var().backward()
    px.var(()).backward()
    assert_close(px.grad, tx.grad)


def test_var_numerics():
    # A large mean against a small spread (float32 data; compared with torch in float64).
    rng = np.random.default_rng(1)
    a = (1e4 + rng.standard_normal((3, 50000))).astype(np.float32)
    ref = torch.from_numpy(a.astype(np.float64))
    p = pag.tensor(a)
    assert_close(p.var(1), ref.var(1).float(), rtol=1e-6, atol=0)
    assert_close(p.std(), ref.std().float(), rtol=1e-6, atol=0)
    assert_close(p.t().var(0), ref.var(1).float(), rtol=1e-6, atol=0)
    # the reduced dim strided, the kept dim dense (adjacent outputs folded together)
    c = np.ascontiguousarray(a.T)
    assert_close(pag.tensor(c).var(0), ref.var(1).float(), rtol=1e-6, atol=0)
    assert_close(pag.tensor(c).std(0, correction=0), ref.std(1, correction=0).float(), rtol=1e-6, atol=0)


# ---------------------------------------------------------------- softmax / log_softmax / logsumexp
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape,dim", [((), 0), ((1,), 0), ((5,), -1), ((2, 3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), 2),
                                       ((0, 3), 1), ((3, 0), 1), ((0, 3), 0)])
def test_softmax_log_softmax(shape, dim, dtype):
    helper_test_op([shape], lambda x: x.softmax(dim), dtype=dtype)
    helper_test_op([shape], lambda x: x.log_softmax(dim=dim), dtype=dtype)
    helper_test_op([shape], *lib_fns(lambda lib, x: lib.softmax(x, dim)), dtype=dtype)
    helper_test_op([shape], *lib_fns(lambda lib, x: lib.log_softmax(x, dim)), dtype=dtype)


def test_softmax_dtype_noncontig_extremes():
    helper_test_op([(3, 4)], *lib_fns(lambda lib, x: x.softmax(1, dtype=lib.float64)))
    helper_test_op([(3, 4)], *lib_fns(lambda lib, x: x.log_softmax(0, lib.float64)))
    # float32 results of float64 inputs: float32 tolerances
    helper_test_op([(3, 4)], *lib_fns(lambda lib, x: lib.softmax(x, 1, dtype=lib.float32)), dtype="float64",
                   rtol=1e-5, atol=1e-6)
    helper_test_op([(3, 4)], *lib_fns(lambda lib, x: x.softmax(1, dtype=lib.float32)), dtype="int64")
    helper_test_op([(4, 5)], lambda x: x.softmax(0), noncontig=True)
    helper_test_op([(4, 5)], lambda x: x.log_softmax(1), noncontig=True)
    big = torch.tensor([[1000.0, 0.0, -1000.0], [-inf, 0.0, 1.0], [-inf, -inf, 2.0], [88.0, 89.0, 90.0]])
    helper_test_op([], lambda x: x.softmax(1), inputs=[big.clone()])
    helper_test_op([], lambda x: x.log_softmax(1), inputs=[big.clone()])
    helper_test_op([], lambda x: x.softmax(0), inputs=[torch.tensor([-inf, -inf])], grad=False)
    helper_test_op([], lambda x: x.log_softmax(0), inputs=[torch.tensor([-inf, -inf])], grad=False)
    helper_test_op([], lambda x: x.softmax(0), inputs=[torch.tensor([inf, 1.0])], grad=False)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape,dim", [((), 0), ((1,), 0), ((5,), -1), ((2, 3, 4), 1), ((2, 3, 4), (0, 2)),
                                       ((2, 3, 4), [2, 1, 0]), ((0, 3), 0), ((0, 3), 1), ((3, 0), 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp(shape, dim, keepdim, dtype):
    helper_test_op([shape], lambda x: x.logsumexp(dim, keepdim), dtype=dtype)


def test_logsumexp_extremes():
    rows = torch.tensor([[-inf, -inf, -inf], [1000.0, 1000.0, -1000.0], [-1000.0, -1001.0, -inf], [1.0, 2.0, 3.0]])
    helper_test_op([], lambda x: x.logsumexp(1), inputs=[rows.clone()])
    helper_test_op([], lambda x: x.logsumexp(0, True), inputs=[rows.clone()])
    helper_test_op([], lambda x: x.logsumexp(1), inputs=[torch.tensor([[inf, 1.0], [inf, inf], [inf, -inf]])])
    helper_test_op([], lambda x: x.logsumexp(0), inputs=[torch.tensor([1.0, nan, 2.0])])
    cols = torch.tensor([[-inf, inf, 1.0, -inf, 0.0], [-inf, 1.0, nan, 3.0, -inf], [-inf, inf, 2.0, -inf, 1.0]])
    helper_test_op([], lambda x: x.logsumexp(0), inputs=[cols.clone()], grad=False)
    helper_test_op([], lambda x: x.t().logsumexp(1), inputs=[cols.clone()], grad=False)
    helper_test_op([], lambda x: x.logsumexp(0), inputs=[cols.clone().double()], grad=False)
    helper_test_op([(3, 4)], lambda x: x.logsumexp(1), dtype="int64")
    helper_test_op([(3, 4)], lambda x: x.logsumexp(0), dtype="bool")
    helper_test_op([(4, 5)], lambda x: x.logsumexp(0), noncontig=True)
    helper_test_op([(200, 300)], lambda x: x.logsumexp(0), dtype="float64")
    helper_test_op([(3, 4)], *lib_fns(lambda lib, x: lib.logsumexp(x, dim=[0, 1], keepdim=True)))


# ---------------------------------------------------------------- any / all / cumsum
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
@pytest.mark.parametrize("shape,dim", [((), None), ((), 0), ((1,), 0), ((5,), None), ((2, 3, 4), 1),
                                       ((2, 3, 4), (0, 2)), ((2, 3, 4), ()), ((0, 3), None), ((0, 3), 0), ((3, 0), 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_any_all(shape, dim, keepdim, dtype):
    helper_test_op([shape], lambda x: x.any(dim, keepdim), dtype=dtype, low=-1, high=1)
    helper_test_op([shape], lambda x: x.all(dim=dim, keepdim=keepdim), dtype=dtype, low=-1, high=1)


def test_any_all_values():
    t = torch.tensor([[0.0, 0.0, 0.0], [0.0, nan, 0.0], [1.0, 2.0, 3.0], [0.0, -1.0, 2.0]])
    for f in (lambda x: x.any(), lambda x: x.all(), lambda x: x.any(1), lambda x: x.all(1), lambda x: x.all(0, True)):
        helper_test_op([], f, inputs=[t.clone()], grad=False)
    helper_test_op([], lambda x: torch.any(x, 1) if isinstance(x, torch.Tensor) else pag.any(x, 1),
                   inputs=[t.clone()], grad=False)
    helper_test_op([(4, 5)], lambda x: x.all(0), dtype="bool", noncontig=True)
    helper_test_op([(4, 5)], lambda x: x.any(), dtype="int64", noncontig=True, low=0, high=0)
    assert bool(pag.tensor([1.0, 2.0]).__contains__(2.0)) and not pag.tensor([1.0, 2.0]).__contains__(3.0)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape,dim", [((), 0), ((1,), 0), ((6,), 0), ((2, 3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), -1),
                                       ((0, 3), 1), ((3, 0), 1)])
def test_cumsum(shape, dim, dtype):
    helper_test_op([shape], lambda x: x.cumsum(dim), dtype=dtype)
    helper_test_op([shape], *lib_fns(lambda lib, x: lib.cumsum(x, dim=dim)), dtype=dtype)


def test_cumsum_dtypes_noncontig():
    helper_test_op([(3, 4)], lambda x: x.cumsum(1), dtype="int64")
    helper_test_op([(3, 4)], lambda x: x.cumsum(0), dtype="bool")
    helper_test_op([(3, 4)], *lib_fns(lambda lib, x: x.cumsum(0, dtype=lib.float64)))
    helper_test_op([(3, 4)], *lib_fns(lambda lib, x: x.cumsum(1, dtype=lib.float32)), dtype="int64")
    helper_test_op([(4, 5)], lambda x: x.cumsum(0), noncontig=True)


def test_numpy_aliases():
    # torch also takes numpy's axis= and keepdims=
    for f in (lambda x: x.sum(axis=1), lambda x: x.mean(axis=0, keepdims=True), lambda x: x.max(axis=1),
              lambda x: x.amin(axis=(0, 1)), lambda x: x.var(axis=1), lambda x: x.std(axis=0, keepdims=True),
              lambda x: x.softmax(axis=1), lambda x: x.log_softmax(axis=0), lambda x: x.logsumexp(axis=1),
              lambda x: x.prod(axis=1, keepdims=True), lambda x: x.cumsum(axis=1), lambda x: x.argmax(axis=0),
              lambda x: x.any(axis=1)):
        helper_test_op([(3, 4)], f)
    helper_test_op([(3, 4)], *lib_fns(lambda lib, x: lib.max(x, dim=1, keepdims=True)))
    helper_test_op([(3, 4)], *lib_fns(lambda lib, x: lib.sum(input=x, axis=0)))
    t = make_inputs([(3, 4)])[0]
    p = to_pag(t)
    helper_test_exception(lambda: t.sum(axis=1, dim=1), lambda: p.sum(axis=1, dim=1), exact=False)
    # numpy integers are dims too
    helper_test_op([(3, 4)], lambda x: x.sum(np.int64(1)))
    helper_test_op([(3, 4)], lambda x: x.max(np.int32(0)))
    helper_test_op([(3, 4)], lambda x: x.amax((np.int64(0), 1)))


# ---------------------------------------------------------------- grad_fn names
def test_grad_fn_names():
    t = make_inputs([(2, 3)])[0].requires_grad_(True)
    p = to_pag(t.detach()).requires_grad_(True)
    calls = [lambda x: x.sum(), lambda x: x.sum(None), lambda x: x.sum(0), lambda x: x.mean(), lambda x: x.mean([]),
             lambda x: x.prod(), lambda x: x.prod(0), lambda x: x.amax(), lambda x: x.amin(1), lambda x: x.max(),
             lambda x: x.min(), lambda x: x.max(1)[0], lambda x: x.min(1).values, lambda x: x.var(),
             lambda x: x.var(0), lambda x: x.std(1), lambda x: x.softmax(1), lambda x: x.log_softmax(0),
             lambda x: x.logsumexp(1), lambda x: x.cumsum(1), lambda x: x.max(x)]
    for f in calls:
        assert grad_fn_name(f(p)) == grad_fn_name(f(t))
    assert p.softmax(1, dtype=pag.float64).grad_fn.next_functions[0][0].name() == \
        type(t.softmax(1, dtype=torch.float64).grad_fn.next_functions[0][0]).__name__
    for f in (lambda x: x.argmax(), lambda x: x.any(), lambda x: x.max(1)[1]):
        assert f(p).requires_grad is False and f(t).requires_grad is False


# ---------------------------------------------------------------- gradients against torch (1st and 2nd order)
def _onehots(shape):
    n = int(np.prod(shape)) if shape else 1
    for k in range(n):
        e = np.zeros(n)
        e[k] = 1.0
        yield e.reshape(shape)


def _jacobian(lib, out, inputs):
    """Rows d out[k] / d inputs, through lib.autograd.grad with one-hot grad_outputs."""
    rows = []
    for e in _onehots(tuple(out.shape)):
        go = lib.tensor(e, dtype=out.dtype)
        gs = lib.autograd.grad([out], inputs, [go], retain_graph=True, allow_unused=True)
        rows.append(np.concatenate([np.zeros(x.numel()) if g is None else g.detach().numpy().reshape(-1)
                                    for g, x in zip(gs, inputs)]))
    return np.stack(rows) if rows else np.zeros((0, sum(x.numel() for x in inputs)))


def check_grads(fn, values, rtol=1e-7, atol=1e-9):
    """Jacobian of fn and of its backward (w.r.t. the input and the incoming gradient, with
    create_graph=True) in pyautograd equal torch's, in float64: gradgradcheck against torch."""
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    p = to_pag(t.detach()).requires_grad_(True)
    results = []
    for lib, x in ((torch, t), (pag, p)):
        out = fn(x)
        j1 = _jacobian(lib, out, [x])
        rng = np.random.default_rng(3)
        v = lib.tensor(rng.standard_normal(tuple(out.shape)), dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad([out], [x], [v], create_graph=True)
        j2 = _jacobian(lib, g, [x, v]) if g.requires_grad else None
        results.append((j1, j2, out.detach().numpy()))
    (tj1, tj2, to), (pj1, pj2, po) = results
    np.testing.assert_allclose(po, to, rtol=rtol, atol=atol, equal_nan=True)
    np.testing.assert_allclose(pj1, tj1, rtol=rtol, atol=atol, equal_nan=True, err_msg="first derivatives")
    assert (pj2 is None) == (tj2 is None)
    if tj2 is not None:
        np.testing.assert_allclose(pj2, tj2, rtol=rtol, atol=atol, equal_nan=True, err_msg="second derivatives")


RNG_VALUES = np.random.default_rng(7).uniform(-2, 2, (3, 4)).round(3).tolist()
GRAD_CASES = {
    "prod": lambda x: x.prod(),
    "prod_dim": lambda x: x.prod(1),
    "prod_dim_keep": lambda x: x.prod(0, True),
    "var": lambda x: x.var(),
    "var_dim": lambda x: x.var(1, correction=0, keepdim=True),
    "std_dim": lambda x: x.std(0),
    "softmax": lambda x: x.softmax(1),
    "softmax0": lambda x: x.softmax(0),
    "log_softmax": lambda x: x.log_softmax(1),
    "logsumexp": lambda x: x.logsumexp(1),
    "logsumexp_all": lambda x: x.logsumexp((0, 1)),
    "amax": lambda x: x.amax(1),
    "amin_all": lambda x: x.amin(),
    "max_dim": lambda x: x.max(0)[0],
    "max_all": lambda x: x.max(),
    "mean": lambda x: x.mean(0),
    "sum": lambda x: (x * x).sum(1),
    "cumsum": lambda x: (x * x).cumsum(1),
}


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_grads_against_torch(name):
    check_grads(GRAD_CASES[name], RNG_VALUES)


@pytest.mark.parametrize("values", [[2.0, 0.0, 3.0, 1.5], [2.0, 0.0, 0.0, 1.5], [0.0, 0.0, 0.0, 2.0],
                                    [[1.0, 0.0, 2.0], [0.0, 0.0, 3.0], [1.0, 2.0, 3.0]]])
def test_prod_grads_with_zeros(values):
    check_grads(lambda x: x.prod(), values)
    check_grads(lambda x: x.prod(-1), values)
    check_grads(lambda x: x.prod(0, True), values)


def test_grads_ties():
    ties = [[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]
    check_grads(lambda x: x.amax(1), ties)
    check_grads(lambda x: x.amax(), ties)
    check_grads(lambda x: x.max(), ties)
    check_grads(lambda x: x.max(1)[0], ties)


# ---------------------------------------------------------------- numerics and determinism
def test_sum_numerics():
    rng = np.random.default_rng(2)
    a = (rng.standard_normal(300000) * 1e3 + 1e4).astype(np.float32)
    ref = torch.from_numpy(a.astype(np.float64))
    assert_close(pag.tensor(a).sum(), ref.sum().float(), rtol=1e-7, atol=0)
    assert_close(pag.tensor(a).mean(), ref.mean().float(), rtol=1e-7, atol=0)
    b = rng.standard_normal(300000) * 1e3
    assert_close(pag.tensor(b).sum(), torch.from_numpy(b).sum(), rtol=1e-13, atol=0)


_DETERMINISM_SCRIPT = """
import numpy as np, pyautograd as pag
rng = np.random.default_rng(0)
x = pag.tensor(rng.standard_normal((2, 300000)).astype(np.float32))
y = pag.tensor(rng.standard_normal((300000, 3)))
outs = [x.sum(), x.sum(1), x.mean(1), x.var(1), x.std(), x.logsumexp(1), x.amax(1), x.max(1)[1], x.argmin(),
        y.sum(0), y.var(0), y.logsumexp(0), y.prod(0), x.softmax(1).sum(1), x.cumsum(1).sum(1)]
print([o.numpy().tobytes().hex() for o in outs])
"""


def test_deterministic_across_thread_counts():
    runs = []
    for threads in ("1", "3"):
        env = dict(os.environ, OMP_NUM_THREADS=threads)
        r = run_python(["-c", _DETERMINISM_SCRIPT], env=env)
        assert r.returncode == 0, r.stderr
        runs.append(r.stdout)
    assert runs[0] == runs[1]


# ---------------------------------------------------------------- errors
def _x(shape=(2, 3), dtype=torch.float32, grad=False):
    t = torch.zeros(shape, dtype=dtype)
    p = to_pag(t)
    if grad:
        t.requires_grad_(True)
        p.requires_grad_(True)
    return t, p


ERRORS = {
    "sum_bad_dim": lambda x: x.sum(2),
    "sum_bad_dims": lambda x: x.sum((0, 2)),
    "sum_neg_dim": lambda x: x.mean(-3),
    "sum_dup_dims": lambda x: x.sum((0, 0)),
    "amax_dup_dims": lambda x: x.amax((1, -1)),
    "prod_bad_dim": lambda x: x.prod(2),
    "max_bad_dim": lambda x: x.max(5),
    "argmax_bad_dim": lambda x: x.argmax(-3),
    "var_bad_dim": lambda x: x.var(3),
    "softmax_bad_dim": lambda x: x.softmax(2),
    "log_softmax_bad_dim": lambda x: x.log_softmax(-3),
    "logsumexp_bad_dim": lambda x: x.logsumexp(2),
    "logsumexp_empty_dims": lambda x: x.logsumexp(()),
    "any_bad_dim": lambda x: x.any(5),
    "cumsum_bad_dim": lambda x: x.cumsum(3),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_dims(name):
    t, p = _x()
    helper_test_exception(lambda: ERRORS[name](t), lambda: ERRORS[name](p))


def test_errors_scalar_dims():
    t, p = _x(())
    for f in (lambda x: x.sum(1), lambda x: x.max(1), lambda x: x.amax(2), lambda x: x.argmax(1),
              lambda x: x.softmax(1), lambda x: x.sum((0, 0)), lambda x: x.any(1)):
        helper_test_exception(lambda: f(t), lambda: f(p))


def test_errors_empty():
    t, p = _x((0, 3))
    t2, p2 = _x((3, 0))
    for f in (lambda x: x.max(), lambda x: x.min(), lambda x: x.amax(), lambda x: x.amin(()), lambda x: x.argmax(),
              lambda x: x.argmin(), lambda x: x.max(0), lambda x: x.min(-2), lambda x: x.amax(0),
              lambda x: x.amin(-2), lambda x: x.amax((1, 0)), lambda x: x.argmax(0), lambda x: x.argmin(-2)):
        helper_test_exception(lambda: f(t), lambda: f(p))
    helper_test_exception(lambda: t2.max(1), lambda: p2.max(1))
    helper_test_exception(lambda: t2.amax(-1), lambda: p2.amax(-1))


def test_errors_dtypes():
    ti, pi = _x(dtype=torch.int64)
    tb, pb = _x(dtype=torch.bool)
    tf, pf = _x(grad=True)
    pairs = [
        (lambda: ti.mean(), lambda: pi.mean()),
        (lambda: tb.mean(0), lambda: pb.mean(0)),
        (lambda: tf.mean(dtype=torch.int64), lambda: pf.mean(dtype=pag.int64)),
        (lambda: ti.var(), lambda: pi.var()),
        (lambda: ti.std(0), lambda: pi.std(0)),
        (lambda: ti.softmax(1), lambda: pi.softmax(1)),
        (lambda: ti.softmax(0), lambda: pi.softmax(0)),
        (lambda: ti.log_softmax(1), lambda: pi.log_softmax(1)),
        (lambda: ti.log_softmax(0), lambda: pi.log_softmax(0)),
        (lambda: tf.softmax(1, dtype=torch.int64), lambda: pf.softmax(1, dtype=pag.int64)),
        (lambda: tb.argmax(), lambda: pb.argmax()),
        (lambda: tb.argmin(0), lambda: pb.argmin(0)),
        (lambda: tf.sum(dtype=torch.int64), lambda: pf.sum(dtype=pag.int64)),
        (lambda: tf.prod(dtype=torch.int64), lambda: pf.prod(dtype=pag.int64)),
        (lambda: tf.cumsum(0, dtype=torch.int64), lambda: pf.cumsum(0, dtype=pag.int64)),
        (lambda: tb.cumsum(0, dtype=torch.bool), lambda: pb.cumsum(0, dtype=pag.bool)),
    ]
    for tc, pc in pairs:
        helper_test_exception(tc, pc)


def test_errors_bad_arguments():
    # Both raise TypeError for overloads that do not match (the messages differ).
    t, p = _x()
    for f in (lambda x: x.sum(keepdim=True), lambda x: x.sum(0.5), lambda x: x.prod((0, 1)), lambda x: x.prod(None),
              lambda x: x.max(True), lambda x: x.max(None), lambda x: x.max(1, keepdim=1), lambda x: x.amax(1.5),
              lambda x: x.var(0.5), lambda x: x.var(0, unbiased=False, correction=1), lambda x: x.softmax(),
              lambda x: x.softmax(None), lambda x: x.logsumexp(None), lambda x: x.cumsum(),
              lambda x: x.std(dim=True)):
        helper_test_exception(lambda: f(t), lambda: f(p), exact=False)
