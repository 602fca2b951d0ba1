"""Note [Op table]: the rows' argument parser against torch: values for valid calls,
and for bad ones the same TypeError, word for word (a bool is not an int, missing,
extra, unexpected and repeated arguments, int lists checked at their first element and
unpacked after, several overloads reported together)."""
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


@pytest.mark.parametrize("call", CALLS)
def test_call_matches_torch(call):
    def run(L):
        x = L.arange(12.0).reshape(1, 3, 4)[0].unsqueeze(0)   # (1, 3, 4)
        return eval(call, {"L": L, "x": x})
    try:
        want = run(torch)
    except Exception:
        helper_test_exception(lambda: run(torch), lambda: run(pag))
        return
    assert_close(run(pag), want)


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
    try:
        want = run(torch)
    except Exception:
        helper_test_exception(lambda: run(torch), lambda: run(pag))
        return
    assert_close(run(pag), want)
