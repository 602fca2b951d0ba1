"""Elementwise ops against torch: values, dtypes, shapes, gradients, grad_fn names, errors."""
import operator
import os
import sys

import numpy as np
import pytest
import torch

sys.path.insert(0, os.path.dirname(__file__))
import pyautograd as pag  # noqa: E402
from helpers import assert_close, helper_test_exception, helper_test_op, to_pag  # noqa: E402

# 0-dim, size-1, plain, leading dims, empty.
UNARY_SHAPES = [(), (1,), (5,), (2, 3), (2, 1, 3), (0,), (2, 0, 3)]
# (a, b) pairs: equal, broadcast each way, leading dims, 0-dim either side, size-1, empty.
BINARY_SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1, 3), (4, 1)), ((4, 1), (2, 1, 3)),
                 ((), (2, 3)), ((2, 3), ()), ((), ()), ((1,), (3,)), ((3, 1), (1, 3)), ((0, 3), (3,)),
                 ((2, 0), (1,))]
FLOATS = ["float32", "float64"]


def grad_fn_name(t):
    return None if t.grad_fn is None else t.grad_fn.name()


def check_grad_fn(p, t):
    assert grad_fn_name(p) == grad_fn_name(t), f"grad_fn {grad_fn_name(p)} != torch {grad_fn_name(t)}"


def run_op(shapes, fn, dtype="float32", **kw):
    """helper_test_op plus a check that the outputs' grad_fn names match torch's."""
    p, t = helper_test_op(shapes, fn, dtype=dtype, **kw)
    ps = p if isinstance(p, (tuple, list)) else (p,)
    ts = t if isinstance(t, (tuple, list)) else (t,)
    for po, to in zip(ps, ts):
        if isinstance(to, torch.Tensor):
            check_grad_fn(po, to)
            check_layout(po, to)
    return p, t


def check_layout(p, t):
    """Same memory layout as torch's output (strides of size-1 dims do not matter)."""
    if t.numel() > 1:
        ps = [s for s, n in zip(p.stride(), p.shape) if n != 1]
        tt = [s for s, n in zip(t.stride(), t.shape) if n != 1]
        assert ps == tt, f"strides {p.stride()} != torch {t.stride()}"


# ---------------------------------------------------------------- unary
# name -> (function, low, high); domains keep values finite where torch's are.
UNARY = {
    "neg": (lambda x: x.neg(), -2, 2),
    "neg_op": (lambda x: -x, -2, 2),
    "negative": (lambda x: x.negative(), -2, 2),
    "abs": (lambda x: x.abs(), -2, 2),
    "abs_op": (lambda x: abs(x), -2, 2),
    "sign": (lambda x: x.sign(), -2, 2),
    "sqrt": (lambda x: x.sqrt(), 0.1, 3),
    "rsqrt": (lambda x: x.rsqrt(), 0.1, 3),
    "exp": (lambda x: x.exp(), -2, 2),
    "log": (lambda x: x.log(), 0.1, 3),
    "log1p": (lambda x: x.log1p(), -0.9, 3),
    "sin": (lambda x: x.sin(), -3, 3),
    "cos": (lambda x: x.cos(), -3, 3),
    "tanh": (lambda x: x.tanh(), -3, 3),
    "sigmoid": (lambda x: x.sigmoid(), -4, 4),
    "relu": (lambda x: x.relu(), -2, 2),
    "reciprocal": (lambda x: x.reciprocal(), 0.5, 2),
    "square": (lambda x: x.square(), -2, 2),
    "floor": (lambda x: x.floor(), -3, 3),
    "ceil": (lambda x: x.ceil(), -3, 3),
    "round": (lambda x: x.round(), -3, 3),
    "clamp_both": (lambda x: x.clamp(-0.5, 0.5), -2, 2),
    "clamp_min": (lambda x: x.clamp(min=-0.5), -2, 2),
    "clamp_max": (lambda x: x.clamp(max=0.5), -2, 2),
    "clamp_min_method": (lambda x: x.clamp_min(0.1), -2, 2),
    "clamp_max_method": (lambda x: x.clamp_max(0.1), -2, 2),
    "clip": (lambda x: x.clip(-1, 1), -2, 2),
    "pow_2": (lambda x: x.pow(2), -2, 2),
    "pow_3": (lambda x: x ** 3, -2, 2),
    "pow_half": (lambda x: x ** 0.5, 0.1, 3),
    "pow_neg": (lambda x: x ** -1.5, 0.5, 3),
    "pow_0": (lambda x: x ** 0, -2, 2),
    "pow_1": (lambda x: x ** 1, -2, 2),
    "rpow": (lambda x: 2 ** x, -2, 2),
    "rpow_float": (lambda x: 1.5 ** x, -2, 2),
    "rsub": (lambda x: 2 - x, -2, 2),
    "rdiv": (lambda x: 2 / x, 0.5, 2),
    "radd": (lambda x: 2 + x, -2, 2),
    "rmul": (lambda x: 2 * x, -2, 2),
    "add_scalar": (lambda x: x + 1.5, -2, 2),
    "sub_scalar": (lambda x: x - 1.5, -2, 2),
    "mul_scalar": (lambda x: x * 1.5, -2, 2),
    "div_scalar": (lambda x: x / 1.5, -2, 2),
    "add_alpha_scalar": (lambda x: x.add(2, alpha=3), -2, 2),
    "remainder_scalar": (lambda x: x % 0.7, -2, 2),
    "rremainder": (lambda x: 2.5 % x, 0.5, 2),
    "fmod_scalar": (lambda x: x.fmod(0.7), -2, 2),
    "floordiv_scalar": (lambda x: x // 0.7, -2, 2),
    "rfloordiv": (lambda x: 3 // x, 0.5, 2),
    "torch_pow_scalar_base": (lambda x: (torch if isinstance(x, torch.Tensor) else pag).pow(2.5, x), -2, 2),
}


# torch has no derivative for these (their grad_fn is NotImplemented): forward only here,
# the backward error is compared in test_not_differentiable.
NO_GRAD = {"floordiv_scalar", "rfloordiv", "rremainder", "floordiv", "floor_divide"}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name, shape, dtype):
    fn, lo, hi = UNARY[name]
    run_op([shape], fn, dtype=dtype, low=lo, high=hi, grad=name not in NO_GRAD)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_noncontig(name):
    fn, lo, hi = UNARY[name]
    run_op([(3, 4)], fn, low=lo, high=hi, noncontig=True, grad=name not in NO_GRAD)
    run_op([(2, 3, 4)], fn, dtype="float64", low=lo, high=hi, noncontig=True, grad=name not in NO_GRAD)


@pytest.mark.parametrize("fn", [lambda x, y: x // y, lambda x, y: x // 2, lambda x, y: 3 // x,
                                lambda x, y: x.floor_divide(y), lambda x, y: _ns(x).floor_divide(x, y),
                                lambda x, y: 2.5 % x, lambda x, y: _ns(x).remainder(2, x)])
def test_not_differentiable(fn):
    x = torch.tensor([1.5, -2.5], requires_grad=True)
    y = torch.tensor([0.7, 2.0], requires_grad=True)
    px, py = to_pag(x).requires_grad_(), to_pag(y).requires_grad_()
    t, p = fn(x, y), fn(px, py)
    assert_close(p, t)
    check_grad_fn(p, t)
    assert p.requires_grad == t.requires_grad
    helper_test_exception(lambda: t.sum().backward(), lambda: p.sum().backward())
    # without inputs that require grad there is no node at all
    t2, p2 = fn(x.detach(), y.detach()), fn(px.detach(), py.detach())
    assert p2.grad_fn is None and t2.grad_fn is None


# Ops torch allows on int64 / bool (torch decides which; errors must match).
INT_UNARY = ["neg", "abs", "sign", "sqrt", "exp", "log1p", "sin", "sigmoid", "relu", "reciprocal", "square",
             "floor", "ceil", "round", "clamp_both", "clamp_min", "pow_2", "rpow", "rsub", "radd", "rmul",
             "add_scalar", "mul_scalar", "div_scalar", "rdiv", "remainder_scalar", "floordiv_scalar", "tanh",
             "pow_0", "pow_1", "cos", "log", "rsqrt", "clip"]


@pytest.mark.parametrize("dtype", ["int64", "bool"])
@pytest.mark.parametrize("name", INT_UNARY)
def test_unary_int_bool(name, dtype):
    fn = UNARY[name][0]
    t_in = torch.from_numpy(np.array([[-3, -1, 0], [1, 2, 5]], dtype=np.int64))
    if dtype == "bool":
        t_in = t_in > 0
    p_in = to_pag(t_in)
    try:
        t_out = fn(t_in)
    except Exception:
        helper_test_exception(lambda: fn(t_in), lambda: fn(p_in))
        return
    p_out = fn(p_in)
    assert_close(p_out, t_out, msg=name)


@pytest.mark.parametrize("dtype", FLOATS)
def test_unary_special_values(dtype):
    vals = [0.0, -0.0, 1.0, -1.0, float("inf"), float("-inf"), float("nan"), 2.5, -2.5, 0.5, -0.5, 1.5]
    t = torch.tensor(vals, dtype=getattr(torch, dtype))
    p = to_pag(t)
    for name in ["neg", "abs", "sign", "sqrt", "rsqrt", "exp", "log", "log1p", "sin", "cos", "tanh", "sigmoid",
                 "relu", "reciprocal", "square", "floor", "ceil", "round", "clamp_both", "clamp_min", "clamp_max"]:
        fn = UNARY[name][0]
        assert_close(fn(p), fn(t), msg=name)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_sgn(dtype):
    # torch.sgn is sign for real tensors; its gradient is zero (a ZeroTensor in torch)
    t = torch.tensor([0.0, -0.0, 1.0, -1.0, float("inf"), float("-inf"), float("nan"), 2.5, -0.5])
    t = t.to(getattr(torch, dtype)) if dtype != "int64" else torch.tensor([-3, 0, 4])
    p = to_pag(t)
    assert_close(p.sgn(), t.sgn())
    assert_close(pag.sgn(p), torch.sgn(t))
    if t.is_floating_point():
        t.requires_grad_()
        p.requires_grad_()
        t.sgn().sum().backward()
        p.sgn().sum().backward()
        assert p.sgn().grad_fn.name() == t.sgn().grad_fn.name() == "SgnBackward0"
        np.testing.assert_array_equal(p.grad.numpy(), t.grad.numpy(force=True))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_float_class_predicates(name, dtype):
    t = torch.tensor([[0.0, -0.0, float("inf")], [float("-inf"), float("nan"), 1e38], [-2.5, 3e-45, 7.0]])
    t = t.to(getattr(torch, dtype)) if dtype.startswith("float") else t.nan_to_num().clamp(-5, 5).to(getattr(torch, dtype))
    p = to_pag(t)
    for tt, pp in ((t, p), (t.t(), p.t()), (t[:, ::2], p[:, ::2])):
        assert_close(getattr(pp, name)(), getattr(tt, name)())
        assert_close(getattr(pag, name)(pp), getattr(torch, name)(tt))
        check_layout(getattr(pp, name)(), getattr(tt, name)())
    x = pag.ones(2, requires_grad=True)
    assert not getattr(x, name)().requires_grad and getattr(x, name)().grad_fn is None


def test_round_half_to_even():
    t = torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5])
    assert_close(to_pag(t).round(), t.round())


# ---------------------------------------------------------------- binary
def _ns(x):
    return torch if isinstance(x, torch.Tensor) else pag


BINARY = {
    "add": (lambda x, y: x + y, None),
    "add_fn": (lambda x, y: _ns(x).add(x, y), None),
    "add_alpha": (lambda x, y: x.add(y, alpha=2.5), None),
    "sub": (lambda x, y: x - y, None),
    "sub_alpha": (lambda x, y: x.sub(y, alpha=0.5), None),
    "subtract": (lambda x, y: x.subtract(y), None),
    "mul": (lambda x, y: x * y, None),
    "multiply": (lambda x, y: _ns(x).multiply(x, y), None),
    "div": (lambda x, y: x / y, "nonzero"),
    "divide": (lambda x, y: x.divide(y), "nonzero"),
    "true_divide": (lambda x, y: x.true_divide(y), "nonzero"),
    "div_trunc": (lambda x, y: x.div(y, rounding_mode="trunc"), "nonzero"),
    "div_floor": (lambda x, y: x.div(y, rounding_mode="floor"), "nonzero"),
    "floordiv": (lambda x, y: x // y, "nonzero"),
    "floor_divide": (lambda x, y: x.floor_divide(y), "nonzero"),
    "remainder": (lambda x, y: x.remainder(y), "nonzero"),
    "mod": (lambda x, y: x % y, "nonzero"),
    "fmod": (lambda x, y: x.fmod(y), "nonzero"),
    "pow": (lambda x, y: x.pow(y), "positive_base"),
    "pow_op": (lambda x, y: x ** y, "positive_base"),
    "maximum": (lambda x, y: x.maximum(y), None),
    "minimum": (lambda x, y: _ns(x).minimum(x, y), None),
    "eq": (lambda x, y: x == y, None),
    "ne": (lambda x, y: x != y, None),
    "lt": (lambda x, y: x < y, None),
    "le": (lambda x, y: x <= y, None),
    "gt": (lambda x, y: x > y, None),
    "ge": (lambda x, y: x >= y, None),
    "eq_m": (lambda x, y: x.eq(y), None),
    "ne_m": (lambda x, y: x.ne(y), None),
    "lt_m": (lambda x, y: x.lt(y), None),
    "le_m": (lambda x, y: x.le(y), None),
    "gt_m": (lambda x, y: x.gt(y), None),
    "ge_m": (lambda x, y: x.ge(y), None),
    "greater": (lambda x, y: x.greater(y), None),
    "less": (lambda x, y: x.less(y), None),
    "logical_and": (lambda x, y: x.logical_and(y), None),
    "logical_or": (lambda x, y: _ns(x).logical_or(x, y), None),
    "where_gt": (lambda x, y: _ns(x).where(x > y, x, y), None),
    "where_method": (lambda x, y: x.where(x > 0, y), None),
    "clamp_tensor_min": (lambda x, y: x.clamp(min=y), None),
    "clamp_tensor_max": (lambda x, y: x.clamp(max=y), None),
    "clamp_tensor_both": (lambda x, y: x.clamp(y - 0.5, y + 0.5), None),
}


def _binary_inputs(shapes, dtype, domain, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for i, s in enumerate(shapes):
        if dtype in FLOATS:
            a = rng.uniform(-2, 2, size=s)
            if domain == "nonzero" and i == 1:
                a = np.where(np.abs(a) < 0.3, 0.7, a)
            if domain == "positive_base" and i == 0:
                a = np.abs(a) + 0.2
            a = a.astype(dtype)
        elif dtype == "int64":
            a = rng.integers(-5, 6, size=s)
            if domain == "nonzero" and i == 1:
                a = np.where(a == 0, 3, a)
            if domain == "positive_base" and i == 1:
                a = np.abs(a) % 4
            a = a.astype(np.int64)
        else:
            a = rng.integers(0, 2, size=s).astype(bool)
        out.append(torch.from_numpy(np.ascontiguousarray(a)))
    return out


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary(name, shapes, dtype):
    fn, domain = BINARY[name]
    run_op(None, fn, dtype=dtype, inputs=_binary_inputs(shapes, dtype, domain), grad=name not in NO_GRAD)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_noncontig(name):
    fn, domain = BINARY[name]
    for shapes in [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 3, 4), (3, 4))]:
        ins = _binary_inputs(shapes, "float32", domain, seed=1)
        ins = [t.transpose(-1, -2).contiguous().transpose(-1, -2) if t.dim() >= 2 else t for t in ins]
        run_op(None, fn, inputs=ins, grad=name not in NO_GRAD)
    # both operands strided differently (a transposed, b sliced)
    ins = _binary_inputs(((4, 3), (3, 8)), "float64", domain, seed=2)
    run_op(None, lambda x, y: fn(x.t(), y.narrow(1, 0, 4) if y.dim() else y), inputs=ins, dtype="float64",
           grad=name not in NO_GRAD)


@pytest.mark.parametrize("dtype", ["int64", "bool"])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_int_bool(name, dtype):
    fn, domain = BINARY[name]
    for shapes in [((2, 3), (2, 3)), ((2, 3), (3,)), ((), (3,))]:
        t_in = _binary_inputs(shapes, dtype, domain)
        p_in = [to_pag(t) for t in t_in]
        try:
            t_out = fn(*t_in)
        except Exception:
            helper_test_exception(lambda: fn(*t_in), lambda: fn(*p_in))
            continue
        assert_close(fn(*p_in), t_out, msg=name)


# ---------------------------------------------------------------- type promotion
DTYPES = ["bool", "int64", "float32", "float64"]


def _value(dtype, dim):
    base = {"bool": True, "int64": 3, "float32": 1.5, "float64": 2.25}[dtype]
    t = torch.tensor(base, dtype=getattr(torch, dtype))
    return t if dim == 0 else t.expand(2, 3).contiguous()


@pytest.mark.parametrize("da", DTYPES)
@pytest.mark.parametrize("db", DTYPES)
@pytest.mark.parametrize("dims", [(1, 1), (0, 1), (1, 0), (0, 0)], ids=str)
def test_promotion_table(da, db, dims):
    a, b = _value(da, dims[0]), _value(db, dims[1])
    pa, pb = to_pag(a), to_pag(b)
    assert str(pag.result_type(pa, pb)) == str(torch.result_type(a, b))
    for op in [lambda x, y: x + y, lambda x, y: x * y, lambda x, y: x / y, lambda x, y: x == y,
               lambda x, y: x.maximum(y), lambda x, y: _ns(x).where(x == x, x, y)]:
        try:
            t = op(a, b)
        except Exception:
            helper_test_exception(lambda: op(a, b), lambda: op(pa, pb))
            continue
        assert_close(op(pa, pb), t)


@pytest.mark.parametrize("da", DTYPES)
@pytest.mark.parametrize("scalar", [True, 2, 2.5, -1], ids=repr)
def test_promotion_python_scalar(da, scalar):
    for dim in (0, 1):
        a = _value(da, dim)
        pa = to_pag(a)
        assert str(pag.result_type(pa, scalar)) == str(torch.result_type(a, scalar))
        for op in [lambda x, s: x + s, lambda x, s: s + x, lambda x, s: x * s, lambda x, s: s * x,
                   lambda x, s: x / s, lambda x, s: s / x, lambda x, s: x > s, lambda x, s: x ** s,
                   lambda x, s: x - s, lambda x, s: s - x, lambda x, s: x // s, lambda x, s: x % s]:
            try:
                t = op(a, scalar)
            except Exception:
                helper_test_exception(lambda: op(a, scalar), lambda: op(pa, scalar))
                continue
            assert_close(op(pa, scalar), t)


PROMOTION_EXAMPLES = [
    lambda m: m.tensor([1, 2]) * 1.5,  # int tensor with a float scalar: float32
    lambda m: m.tensor([1, 2]) + 1,
    lambda m: m.tensor([True, False]) + 1,  # bool + int
    lambda m: m.tensor([True, False]) + m.tensor([1, 2]),
    lambda m: m.tensor(2.0, dtype=m.float64) * m.ones(3),  # 0-dim float64 with a float32 tensor: float32
    lambda m: m.tensor(2.0, dtype=m.float64) * m.tensor([1, 2]),  # ... with an int tensor: float64
    lambda m: m.tensor([1, 2, 3]) / m.tensor([2, 2, 2]),  # int division is true division
    lambda m: m.tensor([7, -7]) // 2,
    lambda m: m.tensor([7, -7]) % 3,
    lambda m: m.tensor([7, -7]).div(2, rounding_mode="trunc"),
    lambda m: m.tensor([1.0]) < 2,  # comparisons give bool
    lambda m: m.tensor([1]) == m.tensor([1.0]),
    lambda m: m.tensor([1, 2]) ** 2.0,
    lambda m: m.tensor([True]) * m.tensor(2.5, dtype=m.float64),
    lambda m: m.ones(2, dtype=m.float64) + m.ones(2),
]


@pytest.mark.parametrize("i", range(len(PROMOTION_EXAMPLES)))
def test_promotion_examples(i):
    fn = PROMOTION_EXAMPLES[i]
    assert_close(fn(pag), fn(torch))


def test_unsqueeze_pow_tensor_exponent():
    x = torch.tensor([1.5, 2.0, -1.0], requires_grad=True)
    t = x.unsqueeze(-1).pow(torch.tensor([1, 2, 3]))
    px = pag.tensor([1.5, 2.0, -1.0], requires_grad=True)
    p = px.unsqueeze(-1).pow(pag.tensor([1, 2, 3]))
    assert_close(p, t)
    check_grad_fn(p, t)
    t.sum().backward()
    p.sum().backward()
    assert_close(px.grad, x.grad)


def test_mixed_dtype_grads():
    # gradients flow back at each input's dtype
    a = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    pa = pag.tensor([1.0, 2.0], dtype=pag.float64, requires_grad=True)
    pb = pag.tensor([3.0, 4.0], requires_grad=True)
    (a * b + b / a).sum().backward()
    (pa * pb + pb / pa).sum().backward()
    assert_close(pa.grad, a.grad)
    assert_close(pb.grad, b.grad)
    # a 0-dim float64 times a float32 vector: result float32, grads at each dtype
    s = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    ps = pag.tensor(2.0, dtype=pag.float64, requires_grad=True)
    (s * b).sum().backward()
    (ps * pb).sum().backward()
    assert_close(ps.grad, s.grad)
    assert_close(pb.grad, b.grad)


def test_float_int_mixed_grad():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    px = pag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    i = torch.tensor([2, 3, 4])
    pi = pag.tensor([2, 3, 4])
    for fn in [lambda x, i: x * i, lambda x, i: i / x, lambda x, i: x ** i, lambda x, i: i ** x, lambda x, i: x - i,
               lambda x, i: x.maximum(i), lambda x, i: x % i]:
        t = fn(x, i)
        p = fn(px, pi)
        assert_close(p, t)
        check_grad_fn(p, t)
        (gt,) = torch.autograd.grad(t.sum(), x)
        (gp,) = pag.autograd.grad(p.sum(), px)
        assert_close(gp, gt)


def test_div_rounding_values():
    a = torch.tensor([7.0, -7.0, 7.0, -7.0, 0.5, -0.5, 5.0, 0.0])
    b = torch.tensor([2.0, 2.0, -2.0, -2.0, 0.0, 0.0, 0.0, 0.0])
    pa, pb = to_pag(a), to_pag(b)
    for mode in [None, "trunc", "floor"]:
        assert_close(pa.div(pb, rounding_mode=mode), a.div(b, rounding_mode=mode))
    assert_close(pa % pb, a % b)
    assert_close(pa.fmod(pb), a.fmod(b))
    ia, ib = torch.tensor([7, -7, 7, -7, 0]), torch.tensor([2, 2, -2, -2, 3])
    pia, pib = to_pag(ia), to_pag(ib)
    for mode in ["trunc", "floor"]:
        assert_close(pia.div(pib, rounding_mode=mode), ia.div(ib, rounding_mode=mode))
    assert_close(pia % pib, ia % ib)
    assert_close(pia.fmod(pib), ia.fmod(ib))
    helper_test_exception(lambda: a.div(b, rounding_mode="round"), lambda: pa.div(pb, rounding_mode="round"))


def test_maximum_ties_and_nan():
    a = torch.tensor([1.0, 2.0, float("nan"), 3.0], requires_grad=True)
    b = torch.tensor([1.0, 3.0, 1.0, float("nan")], requires_grad=True)
    pa, pb = to_pag(a).requires_grad_(), to_pag(b).requires_grad_()
    for name in ["maximum", "minimum"]:
        t = getattr(a, name)(b)
        p = getattr(pa, name)(pb)
        assert_close(p, t)
        ga, gb = torch.autograd.grad(t.sum(), [a, b])
        pga, pgb = pag.autograd.grad(p.sum(), [pa, pb])
        assert_close(pga, ga)
        assert_close(pgb, gb)


def test_clamp_grad_at_bounds():
    x = torch.tensor([-1.0, -0.5, 0.0, 0.5, 1.0], requires_grad=True)
    px = to_pag(x).requires_grad_()
    for fn in [lambda x: x.clamp(-0.5, 0.5), lambda x: x.clamp(min=0.0), lambda x: x.clamp(max=0.5),
               lambda x: x.clamp(x.detach() * 0 - 0.5, x.detach() * 0 + 0.5)]:
        (g,) = torch.autograd.grad(fn(x).sum(), x)
        (pg,) = pag.autograd.grad(fn(px).sum(), px)
        assert_close(pg, g)


def test_clamp_tensor_bounds_grads():
    # gradients flow to the bounds where they win
    x = torch.tensor([-1.0, -0.2, 0.3, 2.0], requires_grad=True)
    lo = torch.tensor([-0.5, -0.5, 0.5, 0.5], requires_grad=True)
    hi = torch.tensor([1.0, 0.0, 1.0, 1.0], requires_grad=True)
    px, plo, phi = [to_pag(t).requires_grad_() for t in (x, lo, hi)]
    for fn in [lambda x, l, h: x.clamp(l, h), lambda x, l, h: x.clamp(min=l), lambda x, l, h: x.clamp(max=h),
               lambda x, l, h: _ns(x).clamp(x, h, l)]:
        t = fn(x, lo, hi)
        p = fn(px, plo, phi)
        assert_close(p, t)
        check_grad_fn(p, t)
        gs = torch.autograd.grad(t.sum(), [x, lo, hi], allow_unused=True, materialize_grads=True)
        pgs = pag.autograd.grad(p.sum(), [px, plo, phi], allow_unused=True, materialize_grads=True)
        for pg, g in zip(pgs, gs):
            assert_close(pg, g)


def test_clamp_int_and_errors():
    i = torch.tensor([-3, 0, 4])
    pi = to_pag(i)
    assert_close(pi.clamp(-1, 2), i.clamp(-1, 2))
    assert_close(pi.clamp(-1.5, 2.5), i.clamp(-1.5, 2.5))
    assert_close(pi.clamp(min=0.5), i.clamp(min=0.5))
    helper_test_exception(lambda: i.clamp(), lambda: pi.clamp())
    helper_test_exception(lambda: torch.clamp(i), lambda: pag.clamp(pi))


def test_where_variants():
    c = torch.tensor([[True, False, True]])
    x = torch.tensor([[1.0], [2.0]], requires_grad=True)
    y = torch.tensor([10.0, 20.0, 30.0], requires_grad=True)
    pc, px, py = to_pag(c), to_pag(x).requires_grad_(), to_pag(y).requires_grad_()
    t = torch.where(c, x, y)
    p = pag.where(pc, px, py)
    assert_close(p, t)
    check_grad_fn(p, t)
    t.sum().backward()
    p.sum().backward()
    assert_close(px.grad, x.grad)
    assert_close(py.grad, y.grad)
    # scalar branches
    assert_close(pag.where(pc, px, 0.0), torch.where(c, x, 0.0))
    assert_close(pag.where(pc, 1.0, 0.0), torch.where(c, 1.0, 0.0))
    assert_close(pag.where(pc, 1, 0), torch.where(c, 1, 0))
    ci = torch.tensor([1, 0, 1])
    helper_test_exception(lambda: torch.where(ci, x, y), lambda: pag.where(to_pag(ci), px, py))


def test_logical_not_and_bool_ops():
    a = torch.tensor([True, False, True])
    b = torch.tensor([True, True, False])
    pa, pb = to_pag(a), to_pag(b)
    assert_close(pa.logical_not(), a.logical_not())
    assert_close(pag.logical_not(pa), torch.logical_not(a))
    assert_close(~pa, ~a)
    assert_close(pa & pb, a & b)
    assert_close(pa | pb, a | b)
    assert_close(pa ^ pb, a ^ b)
    f = torch.tensor([0.0, 1.5, -2.0])
    assert_close(to_pag(f).logical_not(), f.logical_not())
    assert_close(to_pag(f).logical_and(to_pag(f)), f.logical_and(f))
    i = torch.tensor([0, 3, -1])
    assert_close(to_pag(i).logical_or(to_pag(f)), i.logical_or(f))


# ---------------------------------------------------------------- in-place
INPLACE = {
    "add_": lambda x, y: x.add_(y),
    "add_alpha": lambda x, y: x.add_(y, alpha=2),
    "add_scalar": lambda x, y: x.add_(1.5),
    "sub_": lambda x, y: x.sub_(y),
    "sub_alpha": lambda x, y: x.sub_(y, alpha=0.5),
    "mul_": lambda x, y: x.mul_(y),
    "mul_scalar": lambda x, y: x.mul_(3),
    "div_": lambda x, y: x.div_(y),
    "div_floor": lambda x, y: x.div_(y, rounding_mode="floor"),
    "pow_": lambda x, y: x.pow_(2),
    "pow_tensor": lambda x, y: x.abs_().pow_(y) if hasattr(x, "abs_") else x.pow_(y),
    "clamp_": lambda x, y: x.clamp_(-0.5, 0.5),
    "clamp_min": lambda x, y: x.clamp_(min=0.0),
    "relu_": lambda x, y: x.relu_(),
    "neg_": lambda x, y: x.neg_(),
    "zero_": lambda x, y: x.zero_(),
    "fill_": lambda x, y: x.fill_(2.5),
    "fill_tensor": lambda x, y: x.fill_(y.sum()),
    "copy_": lambda x, y: x.copy_(y),
    "iadd": lambda x, y: x.__iadd__(y),
    "isub": lambda x, y: x.__isub__(y),
    "imul": lambda x, y: x.__imul__(y),
    "itruediv": lambda x, y: x.__itruediv__(y),
    "iadd_scalar": lambda x, y: x.__iadd__(2),
    "imul_scalar": lambda x, y: x.__imul__(0.5),
}


def _inplace_pair(name, dtype="float32", shapes=((2, 3), (3,))):
    rng = np.random.default_rng(3)
    a = rng.uniform(-2, 2, size=shapes[0]).astype(dtype)
    b = rng.uniform(0.5, 2, size=shapes[1]).astype(dtype)
    return torch.from_numpy(a), torch.from_numpy(b)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_values_and_version(name, dtype):
    fn = INPLACE[name]
    if name == "pow_tensor":
        fn = lambda x, y: x.pow_(y)  # noqa: E731
    a, b = _inplace_pair(name, dtype)
    if name == "pow_tensor":
        a = a.abs()
    pa, pb = to_pag(a), to_pag(b)
    va, vpa = a._version, pa._version
    ra = fn(a, b)
    rp = fn(pa, pb)
    assert rp is pa, "in-place ops return self"
    assert ra is a
    assert_close(pa, a)
    assert pa._version - vpa == a._version - va, f"version bump {pa._version - vpa} != torch {a._version - va}"


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_grad_on_nonleaf(name):
    fn = INPLACE[name]
    if name == "pow_tensor":
        fn = lambda x, y: x.pow_(y)  # noqa: E731
    a, b = _inplace_pair(name, "float64")
    if name == "pow_tensor":
        a = a.abs() + 0.1
    ta, tb = a.clone().requires_grad_(), b.clone().requires_grad_()
    pa, pb = to_pag(a).requires_grad_(), to_pag(b).requires_grad_()

    def run(x, y):
        z = x * 1.5
        fn(z, y)
        return z * z

    t = run(ta, tb)
    p = run(pa, pb)
    assert_close(p, t)
    gt = torch.autograd.grad(t.sum(), [ta, tb], allow_unused=True, materialize_grads=True)
    gp = pag.autograd.grad(p.sum(), [pa, pb], allow_unused=True, materialize_grads=True)
    assert_close(gp[0], gt[0], msg="grad of self")
    assert_close(gp[1], gt[1], msg="grad of other")


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_grad_fn_names(name):
    fn = INPLACE[name]
    if name == "pow_tensor":
        fn = lambda x, y: x.pow_(y)  # noqa: E731
    a, b = _inplace_pair(name, "float32")
    ta, tb = a.clone().requires_grad_(), b.clone().requires_grad_()
    pa, pb = to_pag(a).requires_grad_(), to_pag(b).requires_grad_()
    tz, pz = ta.abs(), pa.abs()
    fn(tz, tb)
    fn(pz, pb)
    check_grad_fn(pz, tz)


def test_inplace_noncontig_and_broadcast():
    a = torch.arange(12.0).reshape(3, 4).t()
    pa = to_pag(torch.arange(12.0).reshape(3, 4)).t()
    b = torch.tensor([1.0, 2.0, 3.0])
    pb = to_pag(b)
    for fn in [lambda x, y: x.add_(y), lambda x, y: x.mul_(y), lambda x, y: x.copy_(y), lambda x, y: x.neg_(),
               lambda x, y: x.clamp_(2, 7), lambda x, y: x.fill_(1.0), lambda x, y: x.zero_()]:
        fn(a, b)
        fn(pa, pb)
        assert_close(pa, a)
        assert pa.stride() == a.stride()


def test_inplace_on_empty():
    a, pa = torch.ones(0, 3), pag.ones(0, 3)
    for fn in [lambda x: x.add_(1), lambda x: x.mul_(x), lambda x: x.zero_(), lambda x: x.copy_(x)]:
        fn(a)
        fn(pa)
        assert_close(pa, a)
        assert pa._version == a._version


def test_inplace_int_and_bool():
    i, pi = torch.tensor([1, 2, 3]), pag.tensor([1, 2, 3])
    for fn in [lambda x: x.add_(2), lambda x: x.mul_(3), lambda x: x.sub_(1), lambda x: x.neg_(),
               lambda x: x.clamp_(0, 5), lambda x: x.fill_(7), lambda x: x.pow_(2), lambda x: x.relu_(),
               lambda x: x.__iadd__(True), lambda x: x.div_(2, rounding_mode="floor")]:
        fn(i)
        fn(pi)
        assert_close(pi, i)
    b, pb = torch.tensor([True, False]), pag.tensor([True, False])
    for fn in [lambda x: x.mul_(True), lambda x: x.add_(True), lambda x: x.fill_(False), lambda x: x.copy_(x)]:
        fn(b)
        fn(pb)
        assert_close(pb, b)
    # copy_ converts dtypes
    f = torch.zeros(3)
    pf = pag.zeros(3)
    f.copy_(torch.tensor([1, 2, 3]))
    pf.copy_(pag.tensor([1, 2, 3]))
    assert_close(pf, f)
    i2, pi2 = torch.zeros(3, dtype=torch.int64), pag.zeros(3, dtype=pag.int64)
    i2.copy_(torch.tensor([1.7, -2.7, 3.2]))
    pi2.copy_(pag.tensor([1.7, -2.7, 3.2]))
    assert_close(pi2, i2)


INPLACE_ERRORS = [
    # result type can't be cast to self's dtype
    lambda m: m.tensor([1, 2]).add_(1.5),
    lambda m: m.tensor([1, 2]).mul_(m.tensor([1.5, 2.0])),
    lambda m: m.tensor([1, 2]).div_(2),
    lambda m: m.tensor([1, 2]).__itruediv__(2),
    lambda m: m.tensor([1, 2]).__iadd__(m.tensor([1.0, 2.0])),
    lambda m: m.tensor([True, False]).add_(1),
    lambda m: m.tensor([True, False]).mul_(m.tensor([2, 3])),
    lambda m: m.tensor([1, 2]).pow_(0.5),
    lambda m: m.tensor([1, 2]).clamp_(0.5, 1.5),
    lambda m: m.tensor([1, 2]).sub_(m.tensor([True, False])),
    lambda m: m.tensor([1, 2]).neg_() if False else m.tensor([True]).neg_(),
    # broadcast result larger than self
    lambda m: m.ones(3).add_(m.ones(2, 3)),
    lambda m: m.ones(1).mul_(m.ones(3)),
    lambda m: m.ones(3).copy_(m.ones(2, 3)),
    lambda m: m.ones(3).copy_(m.ones(2)),
    lambda m: m.ones(3).fill_(m.ones(2)),
]


@pytest.mark.parametrize("i", range(len(INPLACE_ERRORS)))
def test_inplace_errors(i):
    fn = INPLACE_ERRORS[i]
    helper_test_exception(lambda: fn(torch), lambda: fn(pag))


# ---------------------------------------------------------------- errors
ERRORS = [
    lambda m: m.tensor([True]) - m.tensor([False]),
    lambda m: m.tensor([True]) - 1,
    lambda m: 1 - m.tensor([True]),
    lambda m: m.tensor([1]) - m.tensor([True]),
    lambda m: m.tensor([True]).sub(m.tensor([True]), alpha=2),
    lambda m: -m.tensor([True]),
    lambda m: m.tensor([True]).neg(),
    lambda m: m.ones(2, 3) + m.ones(4),
    lambda m: m.ones(2, 3) * m.ones(3, 2),
    lambda m: m.ones(5, 1, 3) - m.ones(2, 4),
    lambda m: m.ones(2).maximum(m.ones(3)),
    lambda m: m.where(m.ones(2) > 0, m.ones(3), m.ones(1)),
    lambda m: m.tensor([1, 2]) // m.tensor([0, 1]),
    lambda m: m.tensor([1, 2]) % 0,
    lambda m: m.tensor([1, 2]).div(0, rounding_mode="trunc"),
    lambda m: m.tensor([1, 2]).fmod(0),
    lambda m: m.tensor([2, 3]) ** -1,
    lambda m: m.tensor(3) ** -2,
    lambda m: m.tensor([True]) ** -1,
    lambda m: m.tensor([True]).add(m.tensor([True]), alpha=1.5),
    lambda m: m.tensor([1, 2]).add(1, alpha=2.5),
    lambda m: m.tensor([1, 2]).add(m.tensor([1, 2]), alpha=True),
    lambda m: m.tensor([1.0, 2.0]).sub(1, alpha=True),
    lambda m: m.tensor([1, 2]).add_(1, alpha=0.5),
    lambda m: m.tensor([True]).relu(),
    lambda m: m.tensor([True]).relu_(),
    lambda m: m.tensor([True]).clamp(True, False),
    lambda m: m.tensor([True]).clamp(max=True),
    lambda m: m.tensor([True]).clamp(m.tensor([True]), m.tensor([False])),
    lambda m: m.tensor([True]).abs(),
    lambda m: m.tensor([True]).floor(),
    lambda m: m.tensor([True]) ** m.tensor([True]),
    lambda m: m.tensor([True]) % m.tensor([True]),
    lambda m: m.tensor([True]).fmod(m.tensor([True])),
    lambda m: m.tensor([True]) // m.tensor([True]),
    lambda m: m.tensor([True]).div(m.tensor([True]), rounding_mode="trunc"),
    lambda m: m.ones(2) + "a",
    lambda m: m.ones(2).add("a"),
    lambda m: m.ones(2).mul(None),
    lambda m: m.tensor([1, 2]).clamp_(0.5),
    lambda m: m.tensor([1, 2]).clamp_(min=m.tensor(0.5)),
    lambda m: m.tensor([True]).clamp_(min=0),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    fn = ERRORS[i]
    helper_test_exception(lambda: fn(torch), lambda: fn(pag))


def test_integer_powers():
    # pow(Tensor, Tensor) computes negative integer powers (0, or +-1 for bases +-1)
    for fn in [lambda m: m.tensor([-1, 1, 2, -2, 0]) ** m.tensor([-3, -2, -1, -1, 2]),
               lambda m: 2 ** m.tensor([1, -2, 0]), lambda m: m.tensor([2, 3]) ** m.tensor(-1),
               lambda m: m.tensor([True, False]) ** True, lambda m: m.tensor([True, False]) ** 2,
               lambda m: m.tensor([3, -3]) ** 3, lambda m: m.tensor([2]) ** m.tensor([True]),
               lambda m: m.tensor([True]).add(m.tensor([True]), alpha=2), lambda m: m.tensor([1]).sub(m.tensor([2]), alpha=3),
               lambda m: m.tensor([True, False]).clamp(0), lambda m: m.tensor([True, False]).clamp(min=m.tensor([1, 0])),
               lambda m: m.tensor([1, 5]).clamp(0, 1.0), lambda m: m.tensor([1, 5]).clamp_min(2.5),
               lambda m: m.tensor([1, 5]).clamp(min=m.tensor(2.5)), lambda m: m.tensor([True]) % 2,
               lambda m: m.tensor([True]).fmod(2), lambda m: m.tensor([5, -5]).fmod(3), lambda m: m.tensor([True]).sign()]:
        assert_close(fn(pag), fn(torch))


def test_operator_returns_notimplemented():
    class Other:
        def __radd__(self, o):
            return "radd"

        def __rmul__(self, o):
            return "rmul"

    assert pag.ones(2) + Other() == "radd"
    assert pag.ones(2) * Other() == "rmul"
    assert (pag.ones(2) == "x") is False
    assert (torch.ones(2) == "x") is False


# ---------------------------------------------------------------- gradients with grad_fn names
def test_grad_fn_names_scalar_forms():
    x = torch.ones(3, requires_grad=True)
    px = pag.ones(3, requires_grad=True)
    for fn in [lambda x: x + 1, lambda x: 1 + x, lambda x: x - 1, lambda x: 1 - x, lambda x: x * 2, lambda x: 2 * x,
               lambda x: x / 2, lambda x: 2 / x, lambda x: x ** 2, lambda x: 2 ** x, lambda x: x ** x,
               lambda x: x // 2, lambda x: x % 2, lambda x: x.fmod(2), lambda x: x.square(), lambda x: x.clamp(0, 1),
               lambda x: x.clamp(min=x), lambda x: x.add(x, alpha=2), lambda x: x.sub(x, alpha=2),
               lambda x: x.div(x, rounding_mode="floor"), lambda x: x.float(), lambda x: x.double(),
               lambda x: x.to(torch.float64 if isinstance(x, torch.Tensor) else pag.float64)]:
        check_grad_fn(fn(px), fn(x))


def test_rounding_division_grad():
    # torch: rounding division has zero gradient for both inputs
    a = torch.tensor([3.0, -2.5], requires_grad=True)
    b = torch.tensor([2.0, 0.7], requires_grad=True)
    pa, pb = to_pag(a).requires_grad_(), to_pag(b).requires_grad_()
    for mode in ["trunc", "floor"]:
        ga = torch.autograd.grad(a.div(b, rounding_mode=mode).sum(), [a, b])
        gp = pag.autograd.grad(pa.div(pb, rounding_mode=mode).sum(), [pa, pb])
        for x, y in zip(gp, ga):
            assert_close(x, y)


def test_pow_special_grads():
    x = torch.tensor([0.0, 1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    e = torch.tensor([0.0, 0.0, 2.0, 0.5], dtype=torch.float64, requires_grad=True)
    px, pe = to_pag(x).requires_grad_(), to_pag(e).requires_grad_()
    for fn in [lambda x, e: x ** e, lambda x, e: x ** 0, lambda x, e: x ** 2, lambda x, e: 0 ** e,
               lambda x, e: 0.0 ** e, lambda x, e: 2 ** e, lambda x, e: x ** 0.0]:
        t = fn(x, e)
        p = fn(px, pe)
        assert_close(p, t)
        gt = torch.autograd.grad(t.sum(), [x, e], allow_unused=True, materialize_grads=True)
        gp = pag.autograd.grad(p.sum(), [px, pe], allow_unused=True, materialize_grads=True)
        assert_close(gp[0], gt[0])
        assert_close(gp[1], gt[1])


def test_to_dtype_grad():
    x = torch.tensor([1.5, 2.5], requires_grad=True)
    px = to_pag(x).requires_grad_()
    t = x.double() * 3
    p = px.double() * 3
    assert_close(p, t)
    t.sum().backward()
    p.sum().backward()
    assert_close(px.grad, x.grad)
    assert px.long().requires_grad is False and x.long().requires_grad is False
    assert px.float() is px and x.float() is x


# Note [Per-op cost]: operators with a one-element operand of another dtype (a Python
# number, a 0-dim or one-element tensor) take the flat path with the value converted
# once; results, dtypes and gradients must be torch's for every mix.
SCALAR_MIXES = [
    ("float32", (3,), 2.5), ("float32", (), 2.5), ("float32", (1,), 3), ("float64", (2, 2), 0.1),
    ("int64", (3,), 2), ("int64", (), 7), ("int64", (3,), 2.5), ("bool", (3,), True), ("bool", (3,), 2),
    ("float32", (3,), "t0_float64"), ("float32", (3,), "t1_int64"), ("int64", (3,), "t0_float64"),
]


def _scalar_operand(lib, spec):
    if spec == "t0_float64":
        return lib.tensor(1.75, dtype=lib.float64)
    if spec == "t1_int64":
        return lib.tensor([3])
    return spec


@pytest.mark.parametrize("dtype,shape,other", SCALAR_MIXES)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv", "pow", "lt", "eq"])
@pytest.mark.parametrize("reflected", [False, True])
def test_operators_with_one_element_operands(dtype, shape, other, op, reflected):
    fn = getattr(operator, op)
    res = {}
    for lib in (torch, pag):
        x = lib.tensor(np.arange(1, 1 + int(np.prod(shape))).reshape(shape).astype(dtype) if shape else
                       np.array(3, dtype=dtype))
        o = _scalar_operand(lib, other)
        try:
            res[lib] = fn(o, x) if reflected else fn(x, o)
        except Exception as e:  # noqa: BLE001 - the same exception type as torch's
            res[lib] = type(e)
    t, p = res[torch], res[pag]
    if isinstance(t, type):
        assert p is t
    else:
        assert_close(p, t)


def test_power_slot():
    x = pag.tensor([1.5, 2.0], requires_grad=True)
    tx = torch.tensor([1.5, 2.0], requires_grad=True)
    for f in (lambda a: a ** 2, lambda a: 2 ** a, lambda a: a ** a, lambda a: pow(a, 3, None)):
        p, t = f(x), f(tx)
        assert_close(p, t)
        assert p.grad_fn.name() == t.grad_fn.name()
    helper_test_exception(lambda: pow(tx, 2, 3), lambda: pow(x, 2, 3))


@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_"])
def test_inplace_overlap_as_torch(op):
    def run(lib, kind):
        a = lib.arange(1.0, 7.0)
        if kind == "partial":
            getattr(a[1:], op)(a[:-1])
        elif kind == "full":
            getattr(a, op)(a)
        else:  # disjoint halves of one storage
            getattr(a[:3], op)(a[3:])
        return a
    helper_test_exception(lambda: run(torch, "partial"), lambda: run(pag, "partial"))
    for kind in ("full", "disjoint"):
        assert_close(run(pag, kind), run(torch, kind))
