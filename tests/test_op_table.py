"""Note [Op table]: the rows' argument parser against torch: values for valid calls,
and for bad ones the same TypeError, word for word (a bool is not an int, missing,
extra, unexpected and repeated arguments, int lists checked at their first element and
unpacked after, several overloads reported together)."""
import warnings

import pytest
import torch

import pyautograd as pag
from helpers import assert_close, helper_test_exception

CALLS = [
    # valid
    "x.unsqueeze(0)", "x.unsqueeze(-1)", "L.unsqueeze(x, dim=1)", "x.unsqueeze(dim=0)", "x.unsqueeze(L.tensor(1))",
    "x.transpose(0, 1)", "L.transpose(x, 1, 0)", "x.transpose(dim0=0, dim1=1)", "x.swapaxes(0, 1)",
    "L.swapaxes(x, axis0=1, axis1=0)", "x.swapdims(0, 1)", "L.swapdims(x, 0, 1)", "x.t()", "L.t(x)",
    "x.flatten()", "x.flatten(1)", "L.flatten(x, end_dim=0)", "x.flatten(start_dim=0, end_dim=-1)",
    "x.select(1, -1)", "L.select(x, 0, 0)", "x.select(dim=1, index=2)",
    "x.narrow(1, 1, 2)", "L.narrow(x, 1, 0, 3)", "x.narrow(1, L.tensor(1), 2)", "x.narrow(1, start=1, length=2)",
    "x.squeeze()", "x.squeeze(0)", "x.squeeze(dim=0)", "x.squeeze((0, 1))", "x.squeeze([0])", "x.squeeze(())",
    "L.squeeze(x)", "L.squeeze(x, 0)", "L.squeeze(x, dim=(0,))",
    # a bool is not an int; floats and strings neither
    "x.unsqueeze(True)", "x.transpose(True, 0)", "x.narrow(0, True, 1)", "x.narrow(True, 0, 1)", "L.unsqueeze(x, 1.5)",
    "x.flatten(start_dim=True)", "x.select(0, True)", "x.swapaxes(0, 1.0)", "x.unsqueeze(dim='a')",
    "x.squeeze(True)", "x.squeeze('a')", "x.squeeze(1.0)", "x.t(0)", "x.t(1, 2)", "x.t(a=1)", "L.t(x, 1)", "L.t()",
    # arity and keywords
    "x.unsqueeze()", "x.unsqueeze(0, 1)", "x.unsqueeze(dim=0, foo=1)", "x.flatten(0, 1, 2)", "L.transpose(x, 0)",
    "L.unsqueeze(x, dim=0, input=x)", "x.transpose(0, dim0=1)", "L.unsqueeze(dim=0)", "L.unsqueeze(0, 0)",
    "x.narrow(0, 1)", "x.squeeze(0, 1)", "x.squeeze(foo=0)", "L.select(x, 0, index=0, dim=1)",
    # int lists: the first element is checked when matching, the rest when unpacked
    "x.squeeze((0, 'a'))", "x.squeeze(dim=(0, 1.0))", "x.squeeze(('a', 0))", "x.squeeze([True])",
    "x.squeeze(None)", "x.squeeze(dim=None)",
    # narrow's Tensor start
    "x.narrow(1, L.tensor(1.0), 2)", "x.narrow(1, L.tensor([1]), 2)",
    # the op's own errors, past the parser
    "x.unsqueeze(5)", "x.transpose(0, 7)", "x.select(1, 9)", "x.narrow(1, 2, 5)",
]


def same_as_torch(run):
    """run(L) under torch and pyautograd: the same values (a return_types tuple item by
    item), or the same exception, word for word."""
    try:
        want = run(torch)
    except Exception:
        helper_test_exception(lambda: run(torch), lambda: run(pag))
        return None
    got = run(pag)
    if isinstance(want, tuple):
        assert type(got).__name__ == type(want).__name__ and len(got) == len(want)
        for g, w in zip(got, want):
            assert_close(g, w)
    else:
        assert_close(got, want)
    return got


@pytest.mark.parametrize("call", CALLS)
def test_call_matches_torch(call):
    def run(L):
        x = L.arange(12.0).reshape(1, 3, 4)[0].unsqueeze(0)   # (1, 3, 4)
        return eval(call, {"L": L, "x": x})
    same_as_torch(run)


def test_rows_are_functions_and_methods():
    x = pag.ones(2, 3)
    for name in ("unsqueeze", "squeeze", "transpose", "swapaxes", "swapdims", "t", "flatten", "select", "narrow"):
        assert callable(getattr(pag, name)) and callable(getattr(x, name))
        assert getattr(pag, name).__name__ == name
    # a method is found on the class and bound to the tensor, as torch's are
    assert pag.Tensor.unsqueeze(x, 0).shape == (1, 2, 3)


def test_gradients_through_table_ops():
    t = torch.arange(12.0).reshape(3, 4).requires_grad_()
    p = pag.arange(12.0).reshape(3, 4).requires_grad_()
    for L, x in ((torch, t), (pag, p)):
        y = L.flatten(x.t().unsqueeze(0).narrow(2, 1, 2).select(1, 0).squeeze(0).transpose(0, 0))
        (y * y).sum().backward()
    assert_close(p.grad, t.grad)


UNARY_ROWS = ["neg", "negative", "abs", "absolute", "sign", "sgn", "sqrt", "rsqrt", "exp", "log", "log1p", "erf",
              "sin", "cos", "tanh", "sigmoid", "relu", "reciprocal", "square", "floor", "ceil", "isnan", "isinf",
              "isfinite"]


@pytest.mark.parametrize("name", UNARY_ROWS)
def test_unary_rows_match_torch(name):
    from helpers import helper_test_op
    positive = name in ("sqrt", "rsqrt", "log", "log1p", "reciprocal")
    smooth = name not in ("sign", "sgn", "floor", "ceil", "isnan", "isinf", "isfinite")
    for dtype in ("float32", "float64"):
        helper_test_op([(3, 5)], lambda x: getattr(x, name)(), dtype=dtype, low=0.1 if positive else -2.0,
                       grad=smooth)
        helper_test_op([(4, 3)], lambda x: getattr(torch, name)(x.t()), lambda x: getattr(pag, name)(x.t()),
                       dtype=dtype, low=0.1 if positive else -2.0, grad=smooth)
    for call in ("L.{n}(1)", "L.{n}(x, 1)", "L.{n}()", "L.{n}(x, foo=1)", "x.{n}(1)", "x.{n}(a=1)", "L.{n}(True)"):
        c = call.format(n=name)
        helper_test_exception(lambda: eval(c, {"L": torch, "x": torch.ones(2)}),
                              lambda: eval(c, {"L": pag, "x": pag.ones(2)}))
    assert getattr(pag, name)(input=pag.ones(2)).shape == (2,)


def test_erf_values_gradients_and_second_derivatives():
    from helpers import assert_ulps
    x = torch.linspace(-6, 6, 2001, dtype=torch.float64)
    p = pag.tensor(x.numpy())
    # erf is not fixed by IEEE; libm's and torch's float64 erf agree to an ulp or two
    assert_ulps(pag.erf(p), torch.erf(x), 2)
    xf = x.float()
    assert_ulps(pag.erf(pag.tensor(xf.numpy())), torch.erf(xf), 2)
    specials = torch.tensor([float("nan"), float("inf"), -float("inf"), 0.0, -0.0, 1e-45], dtype=torch.float32)
    got, want = pag.erf(pag.tensor(specials.numpy())).numpy(), torch.erf(specials).numpy()
    import numpy as np
    np.testing.assert_array_equal(got, want)
    assert np.signbit(got[4]) and not np.signbit(got[3])
    # the gradient's graph, and double backward through it (create_graph)
    t = torch.linspace(-2, 2, 7, dtype=torch.float64).requires_grad_()
    q = pag.tensor(t.detach().numpy()).requires_grad_()
    for L, v in ((torch, t), (pag, q)):
        (g,) = L.autograd.grad(L.erf(v).sum(), v, create_graph=True)
        g.sum().backward()
    assert pag.erf(q).grad_fn.name() == "ErfBackward0"
    assert_close(q.grad, t.grad, rtol=1e-12, atol=1e-14)
    assert pag.autograd.gradgradcheck(pag.erf, (pag.tensor(t.detach().numpy()).requires_grad_(),))
    # integer inputs compute in the default float dtype, as torch's
    assert_close(pag.erf(pag.tensor([0, 1, -2])), torch.erf(torch.tensor([0, 1, -2])))


def test_public_namespace_has_only_torch_names():
    """Every public name pyautograd exports is one torch has (torch.linear does not exist:
    linear is torch.nn.functional.linear)."""
    extra = [n for n in dir(pag) if not n.startswith("_") and not hasattr(torch, n)]
    assert extra == []
    assert not hasattr(pag, "linear") and callable(pag.nn.functional.linear)


LINALG_CALLS = ["x.matmul(y)", "L.matmul(x, y)", "x.matmul(1)", "L.matmul(x)", "L.matmul(x, y, 1)",
                "L.matmul(x, other=y)", "x.matmul(other=y, foo=1)", "x @ y", "x.mv(y[:, 0])", "L.mv(x, vec=y[0])",
                "x.mv(1)", "x.dot(1)", "L.dot(x[0], y[1])", "L.dot(x[0], y[1], 1)", "x[0].dot(tensor=y[0])"]


@pytest.mark.parametrize("call", LINALG_CALLS)
def test_linalg_rows_match_torch(call):
    def run(L):
        return eval(call, {"L": L, "x": L.arange(9.0).reshape(3, 3), "y": L.ones(3, 3) * 2})
    same_as_torch(run)


# The reduction, index and shape rows: valid calls, numpy's keyword names, and torch's
# messages for calls no overload takes (several overloads are reported together).
FAMILY_CALLS = [
    "x.sum()", "L.sum(x, 1)", "x.sum((0, 1), True)", "x.sum(dim=None)", "L.sum(x, dtype=L.float64)", "x.sum(axis=1)",
    "L.sum(x, 1.5)", "x.sum(1.5)", "x.sum('a')", "x.sum(dim=1, foo=2)", "x.sum(axis=1, dim=1)", "L.sum(a=x)",
    "x.mean(0, keepdims=True)", "L.mean(x, (0,), dtype=L.float64)", "x.mean(True)", "x.prod(1)", "x.prod((0, 1))",
    "x.max()", "x.max(1)", "x.max(1, True)", "x.max(x)", "L.max(x, dim=0)", "x.max('a')", "L.max(x, 1, 2)",
    "x.min(dim=1, keepdim=True)", "x.amax(None)", "L.amax(x, (0, 1))", "x.amin(dim=None, keepdim=True)", "x.amax(1.0)",
    "x.argmax()", "x.argmin(1)", "x.argmax(dim=None)", "x.argmax(True)",
    "x.var()", "x.var(1)", "x.var(True)", "x.var(1, False)", "x.var(1, correction=0)", "x.std(dim=0, keepdim=True)",
    "x.std(1.5)", "L.std(x, 1, 2, 3)", "x.var(None, True)",
    "x.any()", "(x > 3).all(1)", "(x > 3).any((0, 1))", "x.any(dim=None)", "x.all('a')",
    "x.logsumexp(1)", "x.logsumexp(None)", "x.softmax(1)", "x.softmax(1.5)", "L.softmax(x, 0, L.float64)",
    "x.log_softmax(dim=-1)", "x.cumsum(1)", "L.cumsum(x, 0, dtype=L.float64)", "x.cumsum()",
    "L.maximum(x, x.t().t())", "x.minimum(1)", "L.maximum(x, x2=x)",
    "x.gather(1, L.tensor([[0, 1], [1, 0], [2, 2]]))", "x.gather(1.0, x)", "L.index_select(x, 0, L.tensor([2, 0]))",
    "x.index_select(0, [1])",
    "x.view(4, 3)", "x.view((2, 6))", "x.view(-1)", "x.view(12)", "x.view('a')", "x.view(2.0, 6)", "x.view(L.int32)",
    "x.view(L.int16)", "x.view(L.float64)", "x[:, :2].view(L.float64)", "x.view(L.uint8)",
    "x.reshape(12)", "L.reshape(x, (4, 3))", "x.reshape('a')", "x.permute(1, 0)", "L.permute(x, (1, 0))",
    "x.permute('a')", "L.permute(x, 1, 0)", "x.expand(2, 3, 4)", "x.expand('a')", "x.expand_as(L.ones(2, 3, 4))",
    "L.broadcast_to(x, (2, 3, 4))", "L.as_strided(x, (2, 2), (1, 2))", "L.as_strided(x, 'a')", "x.contiguous(1)",
    "x.clone(1)", "x.chunk(2)", "x.chunk('a')", "x.unbind(1)", "L.unbind(x)", "x.unflatten(1, (2, 2))",
    "x.unflatten('a', 1)", "x.view_as(1)", "x.reshape_as(L.ones(4, 3))",
]


@pytest.mark.parametrize("call", FAMILY_CALLS)
def test_family_rows_match_torch(call):
    def run(L):
        return eval(call, {"L": L, "x": L.arange(12.0).reshape(3, 4)})
    same_as_torch(run)


# The named binary rows: numbers where torch takes them as tensors (add, sub, mul, div
# and their aliases: self too) or through a Scalar overload, alpha, rounding_mode, out=,
# torch's hidden deprecated (self, alpha, other), and the messages of calls none takes.
BINARY_CALLS = [
    "L.add(x, y)", "x.add(y)", "L.add(x, 2)", "L.add(2, x)", "L.add(1, 2)", "x.add(2.5)", "L.add(x, True)",
    "L.add(x, y, alpha=2)", "L.add(x, y, alpha=0.5)", "L.add(i, i, alpha=0.5)", "L.add(i, i, alpha=2)",
    "L.add(b, b, alpha=True)", "L.add(x, x, alpha=True)", "L.add(x, 'a')", "x.add('a')", "L.add(x)", "x.add()",
    "L.add(x, y, alpha='a')", "L.add(x, y, beta=1)", "L.add(x, y, out=o)", "L.add(x, 2, out=o)", "L.add(x, 2, y)",
    "x.add(2, y)", "L.add(x, y, 3)", "L.add(input=x, other=y)", "L.add(x, other=y, alpha=3)", "L.add(x, x2=y)",
    "L.sub(x, y)", "x.sub(2)", "L.sub(3, x)", "L.sub(x, y, alpha=2)", "L.sub(b, b)", "L.sub(b, b, alpha=0.5)",
    "L.sub(True, x)", "L.sub(i, i, alpha=0.5)", "L.sub(x, 'a')", "L.sub()", "x.sub(2, y)",
    "L.subtract(x, y, alpha=2)", "x.subtract(2)", "L.subtract(x, 'a')", "x.subtract()", "L.subtract(x, y, out=o)",
    "L.mul(x, y)", "L.mul(2, x)", "x.mul(3)", "L.mul(x, 'a')", "x.mul('a')", "L.mul()", "x.mul()", "L.mul(x, y, out=o)",
    "L.multiply(x, 2)", "L.multiply(x, 'a')", "x.multiply()", "L.multiply(x, y, out=o)",
    "L.div(x, y)", "x.div(2)", "L.div(2, y)", "L.div(x, y, rounding_mode='floor')", "x.div(3, rounding_mode='trunc')",
    "L.div(x, y, rounding_mode=None)", "L.div(x, 2, rounding_mode=3)", "L.div(x, 'a')", "L.div()", "x.div()",
    "L.div(x, y, out=o)", "L.div(x, y, rounding_mode='floor', out=o)", "L.div(i, 2, rounding_mode='floor')",
    "L.divide(x, 2)", "L.divide(x, 3, rounding_mode='trunc')", "L.divide(x, 'a')", "x.divide()",
    "L.true_divide(x, 2)", "L.true_divide(i, i)", "L.true_divide(x, 'a')", "x.true_divide()",
    "L.floor_divide(x, 3)", "L.floor_divide(7, y)", "L.floor_divide(x, 'a')", "x.floor_divide()",
    "L.remainder(x, 3)", "L.remainder(5, y)", "x.remainder(y)", "L.remainder(2, 3)", "L.remainder(x, 'a')",
    "L.remainder('a', x)", "x.remainder('a')", "L.remainder()", "L.remainder(x, y, out=o)", "L.remainder(self=5, other=y)",
    "L.fmod(x, 3)", "L.fmod(2, x)", "x.fmod(y)", "L.fmod(x, 'a')", "x.fmod('a')", "L.fmod(x, 3, out=o)",
    "L.pow(x, 2)", "L.pow(2, x)", "x.pow(y)", "L.pow(x, exponent=2)", "L.pow(2, 3)", "L.pow(x, 'a')", "L.pow('a', x)",
    "x.pow('a')", "L.pow()", "L.pow(x, y, out=o)", "L.pow(2, x, out=o)",
    "L.eq(x, y)", "x.eq(5)", "L.eq(2, x)", "L.eq(x, 'a')", "x.eq('a')", "L.eq(x, None)", "L.eq()",
    "L.ne(x, 5)", "x.lt(y)", "L.le(x, 5.5)", "x.gt(3)", "L.ge(x, y)", "L.greater(x, 'a')", "x.less(3)",
    "L.greater_equal(x, y)", "L.less_equal(x, 'a')", "L.not_equal(x, 5)", "L.eq(x, y, out=ob)", "L.lt(x, 3, out=ob)",
    "L.logical_and(b, b)", "x.logical_or(y)", "L.logical_and(x, 'a')", "L.logical_and(1, x)", "L.logical_and()",
    "x.logical_and()", "L.logical_or(b, b, out=ob)",
    "L.bitwise_and(i, i)", "i.bitwise_or(3)", "L.bitwise_xor(6, i)", "L.bitwise_and(i, 'a')", "i.bitwise_and('a')",
    "L.bitwise_and(2, 3)", "L.bitwise_and()", "L.bitwise_left_shift(i, 1)", "L.bitwise_right_shift(8, i)",
    "i.bitwise_left_shift(i)", "L.bitwise_left_shift(i, 'a')", "L.bitwise_or(i, i, out=oi)",
]


@pytest.mark.parametrize("call", BINARY_CALLS)
def test_binary_rows_match_torch(call):
    def run(L):
        env = {"L": L, "x": L.arange(12.0).reshape(3, 4), "y": L.arange(1.0, 5.0), "i": L.arange(12).reshape(3, 4),
               "b": L.tensor([True, False]), "o": L.zeros(3, 4), "ob": L.zeros(3, 4, dtype=L.bool),
               "oi": L.zeros(3, 4, dtype=L.int64)}
        return eval(call, env)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same_as_torch(run)


def test_deprecated_alpha_overload_warns_once():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        got = pag.sub(pag.ones(2), 2, pag.ones(2))
        pag.sub(pag.ones(2), 2, pag.ones(2))
    assert_close(got, torch.tensor([-1.0, -1.0]))
    msgs = [str(x.message) for x in w if "deprecated" in str(x.message)]
    assert len(msgs) <= 1  # once per process, as TORCH_WARN_ONCE
    if msgs:
        assert msgs[0] == ("This overload of sub is deprecated:\n\tsub(Tensor input, Number alpha, Tensor other, *, "
                           "Tensor out = None)\nConsider using one of the following signatures instead:\n\tsub(Tensor "
                           "input, Tensor other, *, Number alpha = 1, Tensor out = None)")


def test_view_dtype_shares_storage_and_is_not_differentiable():
    for L in (torch, pag):
        x = L.arange(6.0).reshape(2, 3).requires_grad_()
        v = x.view(L.int32)
        assert not v.requires_grad and v._base is None and not v._is_view()
        assert v.data_ptr() == x.data_ptr()
        same = x.view(L.float32)  # an alias outside autograd, even for the same dtype
        assert same is not x and not same.requires_grad and same.data_ptr() == x.data_ptr()
        with L.no_grad():
            x.view(L.int32)[0, 0] = 1065353216  # the bits of 1.0f
        assert x[0, 0].item() == 1.0 and x._version == 1
    assert_close(pag.tensor([1.5, -2.0]).view(pag.uint8), torch.tensor([1.5, -2.0]).view(torch.uint8))
    assert_close(pag.tensor([[1, 2, 3, 4]], dtype=pag.int16).view(pag.float64),
                 torch.tensor([[1, 2, 3, 4]], dtype=torch.int16).view(torch.float64))


# Note [out= arguments]
OUT_CALLS = [
    "L.sum(x, 1, out=o)", "L.sum(x, 1, out=L.empty(0, dtype=L.float64))", "L.sum(x, 1, out=L.empty(0, dtype=L.int64))",
    "L.mean(x, 0, out=L.empty(4))", "L.mean(x, out=L.empty(()))", "L.prod(x, 1, out=L.empty(3))",
    "L.cumsum(x, 1, out=L.empty(0, dtype=L.int64))", "L.softmax(x, 1, out=L.empty(0))", "L.amax(x, 0, out=L.empty(0))",
    "L.softmax(x, 1, out=L.empty(0, dtype=L.float64))", "L.maximum(x, x, out=L.empty(3, 4))",
    "L.max(x, 1, out=(L.empty(0), L.empty(0, dtype=L.int64)))", "L.max(x, 1, out=(L.empty(0),))",
    "L.max(x, 1, out=[L.empty(0), L.empty(0, dtype=L.int32)])", "L.max(x, out=L.empty(()))",
    "L.index_select(x, 0, L.tensor([1]), out=L.empty(0))", "L.sum(x, 1, out=1)",
    "L.sum(x.requires_grad_(), 1, out=L.empty(0))", "L.sum(x, 1, out=L.empty(0, requires_grad=True))",
    "x.sum(1, out=o)", "L.sum(x, out=o)",
]


@pytest.mark.parametrize("call", OUT_CALLS)
def test_out_argument_matches_torch(call):
    envs = {}

    def run(L):
        envs[L] = {"L": L, "x": L.arange(12.0).reshape(3, 4), "o": L.empty(0)}
        return eval(call, envs[L])
    got = same_as_torch(run)
    if "o)" in call and got is not None:
        assert got is envs[pag]["o"]  # out itself is returned


def test_out_is_resized_with_torch_warning_and_keeps_its_views():
    for L in (torch, pag):
        o = L.zeros(5)
        base_view = o[:]
        with pytest.warns(UserWarning, match=r"had shape \[5\], which does not match the required output shape \[3\]"):
            r = L.sum(L.ones(3, 4), 1, out=o)
        assert r is o and o.shape == (3,) and o.tolist() == [4.0, 4.0, 4.0]
        assert base_view.tolist() == [4.0, 4.0, 4.0, 0.0, 0.0]  # the same storage
        grown = L.empty(0)
        L.cumsum(L.ones(40, 50), 1, out=grown)
        assert grown.shape == (40, 50) and grown[0, -1].item() == 50.0


@pytest.mark.parametrize("op", ["sub", "add_alpha", "rsub", "mul_scalar", "unsqueeze_sum", "mul_twice"])
def test_second_backward_without_retain_graph(op):
    """Backward without retain_graph frees saved tensors only: a rule that keeps only
    numbers (alpha, a dim) gives the same gradient again; one that saved a tensor raises
    torch's error."""
    fns = {"sub": lambda L, y: L.ones(3) - y, "add_alpha": lambda L, y: L.add(L.ones(3), y, alpha=2),
           "rsub": lambda L, y: 2 - y, "mul_scalar": lambda L, y: y * 3.0,
           "unsqueeze_sum": lambda L, y: y.unsqueeze(1).sum(1) + 1, "mul_twice": lambda L, y: y * y}

    def run(L):
        y = L.ones(3, requires_grad=True)
        z = fns[op](L, y).sum()
        z.backward()
        z.backward()
        return y.grad
    same_as_torch(run)


def test_op_ids_and_public_namespace():
    # Note [Op ids]: each bound op has a distinct id, in binding order; the namespace
    # takes the table's functions (and torch has each of them).
    rows = pag._C._op_table()
    assert [r[0] for r in rows] == list(range(len(rows)))
    assert len({(r[1], r[2], r[3]) for r in rows}) == len(rows)
    assert {r[1] for r in rows} <= {"pyautograd._C", "pyautograd._C._nn", "pyautograd._C._VF"}
    functions = {r[2] for r in rows if r[3] == "function" and r[1] == "pyautograd._C"}
    assert functions <= set(pag._C.__all__)
    for name in pag._C.__all__:
        assert getattr(pag, name) is getattr(pag._C, name)
        assert hasattr(torch, name), name
    for name in dir(pag._C):
        if not name.startswith("_"):
            assert hasattr(pag, name), name
    assert not hasattr(pag, "linear") and not hasattr(pag, "_install_ops")
