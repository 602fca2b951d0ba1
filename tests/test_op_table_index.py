"""Note [Op table]: the index rows (scatter, scatter_add, index_add, masked_fill,
masked_select, nonzero, argwhere, take, take_along_dim, index_put and their in-place
forms) against torch: values for valid calls, out=, and for bad calls the same error,
word for word (several overloads reported together, Note [Tensor lists])."""
import warnings

import pytest
import torch

import pyautograd as pag
from helpers import assert_close
from test_op_table import same_as_torch


def env(L):
    return {
        "L": L,
        "x": L.arange(12.0).reshape(3, 4),
        "i": L.tensor([[0, 1, 2, 0], [2, 0, 1, 1]]),  # an index for dim 0 of x
        "j": L.tensor([[1, 3], [0, 2], [3, 3]]),  # an index for dim 1 of x
        "k": L.tensor([2, 0]),
        "s": L.full((2, 4), 10.0),
        "m": L.arange(12.0).reshape(3, 4) > 5,
        "o": L.empty(0),
        "ol": L.empty(0, dtype=L.int64),
        "v": L.tensor(-1.0),
    }


def run_call(call):
    def run(L):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scatter's reduce= deprecation, resized outs
            return eval(call, env(L))
    return run


CALLS = [
    # scatter: its four overloads, function and method
    "L.scatter(x, 0, i, s)", "x.scatter(0, i, s)", "x.scatter(1, j, 5.0)", "L.scatter(x, 1, j, value=2)",
    "x.scatter(0, i, src=s)", "L.scatter(input=x, dim=0, index=i, src=s)", "x.scatter(0, i, v)",
    "x.scatter(0, i, s, reduce='add')", "x.scatter(0, i, s, reduce='multiply')", "L.scatter(x, 1, j, 2.0, reduce='add')",
    "x.scatter(1, j, value=3, reduce='multiply')", "L.scatter(x, 0, i, s, out=o)", "L.scatter(x, 0, i, 1.5, out=o)",
    "L.scatter(x, 0, i, s, reduce='add', out=o)", "L.scatter(x, 0, i, s, out=ol)",
    "L.scatter(x, True, i, s)", "x.scatter(True, i, s)", "x.scatter(0, i)", "L.scatter(x, 0, i)", "x.scatter(0, i, 'a')",
    "L.scatter(x, 0, i, 'a')", "x.scatter(0, i, s, reduce=1)", "x.scatter(0, i, s, reduce='foo')",
    "x.scatter(0, i, 1.0, reduce='max')", "x.scatter(0, i, s, 'add')", "x.scatter(0, i.float(), s)",
    "x.scatter(0, i, s, foo=1)", "x.scatter(0.0, i, s)", "x.scatter(dim=0, index=i)", "L.scatter()",
    "x.scatter(0, i, src=s, value=1)",
    # scatter_ (a method only)
    "x.scatter_(0, i, s)", "x.scatter_(1, j, -2.0)", "x.scatter_(0, i, s, reduce='add')",
    "x.scatter_(1, j, 2, reduce='multiply')", "x.scatter_(0, i, 'a')", "x.scatter_(True, i, s)", "x.scatter_(0, i)",
    "x.scatter_(0, i, s, reduce='foo')", "x.scatter_(0, i.float(), s)",
    # scatter_add / scatter_add_
    "L.scatter_add(x, 0, i, s)", "x.scatter_add(0, i, src=s)", "L.scatter_add(x, 0, i, s, out=o)",
    "x.scatter_add_(0, i, s)", "L.scatter_add(x, 0, i, 1.0)", "x.scatter_add(True, i, s)", "x.scatter_add(0, i)",
    "x.scatter_add_(0, i, 2)", "x.scatter_add(0, i.float(), s)", "x.scatter_add(0, i, s, reduce='add')",
    "L.scatter_add(x, 0, i, s, out=ol)",
    # index_add / index_add_: alpha is a keyword-only Scalar
    "L.index_add(x, 0, k, s[:, :4])", "x.index_add(1, k, x[:, :2])", "x.index_add(0, k, s, alpha=2)",
    "x.index_add(0, k, s, alpha=0.5)", "x.index_add(0, k, s, alpha=v)", "L.index_add(x, 0, k, s, alpha=-1, out=o)",
    "x.index_add_(0, k, s)", "x.index_add_(0, k, s, alpha=3)", "x.index_add(0, k, s, 2)", "x.index_add(0, k, s, alpha='a')",
    "x.index_add(0, k, s, alpha=2j)", "x.index_add(True, k, s)", "x.index_add(0, k)", "x.index_add(0, k.float(), s)",
    "x.index_add_(0, k, s, 2)", "x.index_add(0, k, source=s, alpha=None)", "L.index_add(x, 0, k, s, out=ol)",
    "L.index_add(x.long(), 0, k, s.long(), alpha=True)",
    # masked_fill / masked_fill_: the Tensor and the Scalar value
    "x.masked_fill(m, 2.5)", "L.masked_fill(x, m, -1)", "x.masked_fill(m, v)", "x.masked_fill(mask=m, value=True)",
    "x.masked_fill_(m, 0.5)", "x.masked_fill_(m, v)", "x.masked_fill(m, 'a')", "L.masked_fill(x, m, 'a')",
    "x.masked_fill_(m, 'a')", "x.masked_fill(m)", "x.masked_fill(1, 2)", "x.masked_fill(m, L.ones(4))",
    "x.masked_fill(m.float(), 1.0)", "x.masked_fill(m, 1j)", "x.masked_fill_(m, value=2+0j)", "x.scatter(0, i, 1j)",
    "x.scatter_(1, j, value=-1+0j)", "x.index_add(0, k, s, alpha=2+0j)", "x.masked_fill(m, L.tensor(2.0, dtype=L.float64))",
    "x.scatter(0, i, value=s)", "x.scatter(0, i, s, reduce=None)", "x.nonzero(as_tuple=None)",
    "x.index_put(((x > 3),), v)", "x.masked_fill_(m.int(), 1)", "x.masked_fill(m, 1, 2)", "x.masked_fill(m, val=1)",
    # masked_select
    "L.masked_select(x, m)", "x.masked_select(mask=m)", "L.masked_select(x, m, out=o)", "L.masked_select(x, 1)",
    "x.masked_select()", "x.masked_select(m.float())", "L.masked_select(x, m, out=ol)",
    # nonzero: one function signature, two method ones
    "L.nonzero(x)", "x.nonzero()", "L.nonzero(x, as_tuple=True)", "x.nonzero(as_tuple=True)",
    "x.nonzero(as_tuple=False)", "L.nonzero(x, as_tuple=False)", "L.nonzero(v, as_tuple=True)",
    "L.nonzero(x, out=ol)", "L.nonzero(x, as_tuple=False, out=ol)", "L.nonzero(x, True)", "x.nonzero(1)",
    "x.nonzero(True)", "L.nonzero(x, as_tuple=1)", "x.nonzero(as_tuple=1)", "x.nonzero(foo=1)",
    "L.nonzero(x, foo=1)", "L.nonzero(x, out=o)", "L.nonzero(x, as_tuple=True, out=ol)", "x.nonzero(out=ol)",
    "L.nonzero()",
    # argwhere
    "L.argwhere(x)", "x.argwhere()", "L.argwhere(x, 1)", "x.argwhere(1)", "x.argwhere(a=1)", "L.argwhere(x, out=ol)",
    # take / take_along_dim
    "L.take(x, k)", "x.take(index=i)", "L.take(x, k, out=o)", "L.take(x, 1)", "x.take()", "x.take(k.float())",
    "L.take(x, k, out=ol)", "L.take_along_dim(x, j, 1)", "x.take_along_dim(j, dim=1)", "L.take_along_dim(x, k)",
    "x.take_along_dim(j, None)", "L.take_along_dim(x, j, 1, out=o)", "x.take_along_dim(j, True)",
    "x.take_along_dim(j, 1.0)", "x.take_along_dim(1)", "x.take_along_dim(j.float(), 1)",
    # index_put / index_put_: indices is a tuple or list of Tensors
    "L.index_put(x, (k,), s)", "x.index_put([k], s)", "x.index_put((k, k), v)", "x.index_put((k,), s, True)",
    "x.index_put(indices=(k, k), values=v, accumulate=True)", "x.index_put_((k,), s)", "x.index_put_((k, k), v, True)",
    "L.index_put_(x, (k,), s)", "x.index_put(k, s)", "L.index_put(x, k, s)", "x.index_put((k, None), v)",
    "L.index_put(x, (None, k), v)", "x.index_put([k, 1], v)", "x.index_put_((k, 'a'), v)", "x.index_put((k,), 1.0)",
    "x.index_put((k,), s, 1)", "x.index_put_((k,), s, accumulate=1)", "x.index_put((k.float(),), s)",
    "x.index_put((k,))", "L.index_put(x, (k,), s, out=o)",
]


@pytest.mark.parametrize("call", CALLS)
def test_index_rows_match_torch(call):
    same_as_torch(run_call(call))


INPLACE = ["x.scatter_(0, i, s)", "x.scatter_(1, j, 2.0)", "x.scatter_(0, i, s, reduce='add')",
           "x.scatter_(1, j, 2.0, reduce='multiply')", "x.scatter_add_(0, i, s)", "x.index_add_(0, k, s, alpha=2)",
           "x.masked_fill_(m, 1.5)", "x.masked_fill_(m, v)", "x.index_put_((k,), s)", "L.index_put_(x, (k, k), v, True)"]


@pytest.mark.parametrize("call", INPLACE)
def test_inplace_rows_return_self(call):
    for L in (torch, pag):
        e = env(L)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = eval(call, e)
        assert y is e["x"]
    same_as_torch(lambda L: (lambda e: (eval(call, e), e["x"])[1])(env(L)))


@pytest.mark.parametrize("call", ["L.scatter(x, 0, i, s, out=o)", "L.scatter_add(x, 0, i, s, out=o)",
                                  "L.index_add(x, 0, k, s, out=o)", "L.masked_select(x, m, out=o)",
                                  "L.take(x, k, out=o)", "L.take_along_dim(x, j, 1, out=o)",
                                  "L.nonzero(x, out=ol)", "L.gather(x, 1, j, out=o)",
                                  "L.index_select(x, 0, k, out=o)"])
def test_out_returns_out(call):
    e = env(pag)
    out = e["ol"] if "ol" in call else e["o"]
    assert eval(call, e) is out
    same_as_torch(lambda L: (lambda e: (eval(call, e), e["ol" if "ol" in call else "o"])[1])(env(L)))


def test_out_dtype_messages():
    for call in ("L.index_select(x, 0, k, out=ol)", "L.take(x, k, out=ol)", "L.masked_select(x, m, out=ol)",
                 "L.gather(x, 1, j, out=ol)", "L.nonzero(x, out=L.empty(0, dtype=L.int32))"):
        same_as_torch(run_call(call))


def test_out_and_grad():
    # out= with an argument that requires grad: torch refuses for the differentiable ops only
    for call in ("L.nonzero(x.requires_grad_(), out=ol)", "L.masked_select(x.requires_grad_(), m, out=o)",
                 "L.scatter(x, 0, i, s.requires_grad_(), out=o)", "L.take(x.requires_grad_(), k, out=o)"):
        same_as_torch(run_call(call))


def test_scatter_reduce_with_a_number_does_not_warn():
    # torch's deprecation of reduce= is for a Tensor src only
    for L in (torch, pag):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            L.zeros(3).scatter(0, L.tensor([0]), 1.0, reduce="add")
            L.zeros(3).scatter_(0, L.tensor([0]), 2, reduce="multiply")
        assert not w


def test_failed_calls_change_nothing():
    e = env(pag)
    before = e["x"].clone()
    for call in ("x.scatter_(0, i, 'a')", "x.index_add_(0, k, s, 2)", "x.masked_fill_(m, 'a')",
                 "x.index_put_((k, None), v)", "x.scatter_(0, i, s, reduce='foo')"):
        with pytest.raises((TypeError, RuntimeError)):
            eval(call, e)
        assert_close(e["x"], before)


def test_index_rows_are_functions_and_methods():
    x = pag.ones(2, 3)
    for name in ("scatter", "scatter_add", "index_add", "masked_fill", "masked_select", "nonzero", "argwhere", "take",
                 "take_along_dim", "index_put", "index_put_"):
        assert getattr(pag, name).__name__ == name and callable(getattr(x, name))
    for name in ("scatter_", "scatter_add_", "index_add_", "masked_fill_"):
        assert hasattr(torch.Tensor, name) and not hasattr(torch, name)
        assert callable(getattr(x, name)) and not hasattr(pag, name)


def grads(L, fn, *shapes):
    g = torch.Generator().manual_seed(0)
    leaves = [L.tensor(torch.randn(sh, generator=g, dtype=torch.float64).numpy()).requires_grad_() for sh in shapes]
    out = fn(L, *leaves)
    w = L.tensor(torch.randn(tuple(out.shape), generator=torch.Generator().manual_seed(1), dtype=torch.float64).numpy())
    (out * w).sum().backward()
    return [out] + [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("fn,shapes", [
    (lambda L, x, v: x.index_put((L.tensor([0, 2, 0]), L.tensor([1, 1, 1])), v, accumulate=True), [(3, 4), (3,)]),
    (lambda L, x, v: L.index_put(x, [L.tensor([2, 0])], v), [(3, 4), (4,)]),
    (lambda L, x, v: (x * 1).index_put_((L.tensor([1, 2]),), v, True), [(3, 4), (2, 4)]),
    (lambda L, x, v: L.masked_fill(x, x > 0, v), [(3, 4), ()]),
    (lambda L, x, v: (x * 1).masked_fill_(x > 0, v.sum()), [(3, 4), (2,)]),
    (lambda L, x, s: (x * 1).scatter_(1, L.tensor([[0], [3], [1]]), s), [(3, 4), (3, 1)]),
    (lambda L, x, s: L.scatter(x, 0, L.tensor([[2, 0, 1, 1]]), s), [(3, 4), (1, 4)]),
    (lambda L, x, s: (x * 1).index_add_(1, L.tensor([3, 0]), s, alpha=-1.5), [(3, 4), (3, 2)]),
    (lambda L, x, s: L.scatter_add(x, 1, L.tensor([[0, 0], [1, 3], [2, 2]]), s), [(3, 4), (3, 2)]),
    (lambda L, x: L.take_along_dim(x, L.tensor([[3], [0], [1]]), dim=1), [(3, 4)]),
    (lambda L, x: x.take(L.tensor([[11, 0], [5, 5]])), [(3, 4)]),
    (lambda L, x: L.masked_select(x, L.tensor([True, False, True, True])), [(3, 4)]),
])
def test_index_row_gradients(fn, shapes):
    want = grads(torch, fn, *shapes)
    got = grads(pag, fn, *shapes)
    for g, w in zip(got, want):
        assert_close(g, w)
