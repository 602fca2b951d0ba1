"""The dtype table against torch: promotion, result_type, dtype properties, finfo/iinfo,
creation, conversion, printing, numpy interop, and elementwise values on every dtype
(bit for bit: integers wrap as torch's, float16/bfloat16 compute in float32 and round once)."""
import numpy as np
import pytest
import torch

import pyautograd as pag
from helpers import helper_test_exception

NAMES = ["uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "bool", "bfloat16"]
ALIASES = ["half", "short", "int", "long", "float", "double"]


def T(name):
    return getattr(torch, name)


def P(name):
    return getattr(pag, name)


def bits_equal(p, t, msg=""):
    """Same dtype, shape and values, exactly (NaN equal to NaN)."""
    assert str(p.dtype) == str(t.dtype), f"{msg}: dtype {p.dtype} != torch {t.dtype}"
    assert tuple(p.shape) == tuple(t.shape), msg
    if t.dtype in (torch.float16, torch.bfloat16):
        p, t = p.float(), t.float()
    np.testing.assert_array_equal(p.numpy(), t.numpy(), err_msg=msg)


def sample(name, n=24, seed=0):
    """Seeded torch values of dtype `name`, with negatives, zeros and (for floats) fractions."""
    g = torch.Generator().manual_seed(seed)
    if name == "bool":
        return torch.rand(n, generator=g) > 0.5
    if T(name).is_floating_point:
        return (torch.randn(n, generator=g) * 4).to(T(name))
    info = torch.iinfo(T(name))
    lo, hi = max(info.min, -100), min(info.max, 100)
    return torch.randint(lo, hi + 1, (n,), generator=g, dtype=torch.int64).to(T(name))


def to_pag(t):
    if t.dtype == torch.bfloat16:
        return pag.tensor(t.float().numpy()).to(pag.bfloat16)
    return pag.tensor(t.numpy())


# ---------------------------------------------------------------- the table
@pytest.mark.parametrize("name", NAMES + ALIASES)
def test_dtype_objects_and_properties(name):
    t, p = T(name), P(name)
    assert repr(p) == repr(t)
    assert (p.is_floating_point, p.is_signed, p.itemsize, p.is_complex) == \
           (t.is_floating_point, t.is_signed, t.itemsize, t.is_complex)
    assert p == P(str(t)[6:]) and hash(p) == hash(P(str(t)[6:]))


@pytest.mark.parametrize("a", NAMES)
def test_promote_types_matrix(a):
    for b in NAMES:
        assert repr(pag.promote_types(P(a), P(b))) == repr(torch.promote_types(T(a), T(b))), (a, b)


@pytest.mark.parametrize("a", NAMES)
def test_result_type_tensors_and_scalars(a):
    ta, pa = torch.ones(3, dtype=T(a)), pag.ones(3, dtype=P(a))
    for b in NAMES:
        for tb, pb in ((torch.ones(3, dtype=T(b)), pag.ones(3, dtype=P(b))),  # n-d with n-d
                       (torch.ones((), dtype=T(b)), pag.ones((), dtype=P(b)))):  # n-d with 0-d
            assert repr(pag.result_type(pa, pb)) == repr(torch.result_type(ta, tb)), (a, b, tb.dim())
            assert repr(pag.result_type(pb, pa)) == repr(torch.result_type(tb, ta)), (b, a, tb.dim())
        # two 0-d tensors promote as n-d ones
        t0, p0 = torch.ones((), dtype=T(a)), pag.ones((), dtype=P(a))
        assert repr(pag.result_type(p0, pag.ones((), dtype=P(b)))) == \
               repr(torch.result_type(t0, torch.ones((), dtype=T(b)))), (a, b)
    for s in (True, 3, -2, 2.5):
        assert repr(pag.result_type(pa, s)) == repr(torch.result_type(ta, s)), (a, s)
        assert repr((pa * s).dtype) == repr((ta * s).dtype), (a, s)


def test_result_type_follows_default_dtype():
    old = pag.get_default_dtype()
    try:
        pag.set_default_dtype(pag.float64)
        torch.set_default_dtype(torch.float64)
        for a in NAMES:
            assert repr(pag.result_type(pag.ones(2, dtype=P(a)), 1.5)) == \
                   repr(torch.result_type(torch.ones(2, dtype=T(a)), 1.5)), a
    finally:
        pag.set_default_dtype(old)
        torch.set_default_dtype(getattr(torch, str(old)[6:]))


# ---------------------------------------------------------------- finfo / iinfo
@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
def test_finfo(name):
    t, p = torch.finfo(T(name)), pag.finfo(P(name))
    for f in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(p, f) == getattr(t, f), f
    assert repr(p) == repr(t) and str(p) == str(t)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo(name):
    t, p = torch.iinfo(T(name)), pag.iinfo(P(name))
    for f in ("bits", "max", "min", "dtype"):
        assert getattr(p, f) == getattr(t, f), f
    assert repr(p) == repr(t)


def test_finfo_default_and_errors():
    assert repr(pag.finfo()) == repr(torch.finfo())
    helper_test_exception(lambda: torch.finfo(torch.int32), lambda: pag.finfo(pag.int32))
    helper_test_exception(lambda: torch.iinfo(torch.float32), lambda: pag.iinfo(pag.float32))
    helper_test_exception(lambda: torch.iinfo(torch.bool), lambda: pag.iinfo(pag.bool))


# ---------------------------------------------------------------- creation, conversion, printing
@pytest.mark.parametrize("name", NAMES)
def test_creation_and_printing(name):
    data = [[1, 0], [3, 2]] if name in ("bool",) else [[1.5, -2.25], [0.1, 3.0]] if T(name).is_floating_point \
        else [[1, -2], [0, 3]]
    for expr in ("tensor(data, dtype=d)", "tensor(data[0][0], dtype=d)", "zeros(2, 3, dtype=d)", "ones(2, dtype=d)",
                 "full((2,), 1, dtype=d)", "tensor([], dtype=d)", "arange(5, dtype=d)",
                 "zeros_like(tensor(data, dtype=d))", "ones_like(tensor(data), dtype=d)"):
        if name == "bool" and expr.startswith("arange"):
            continue
        t = eval(expr, {"data": data, "d": T(name), **{k: getattr(torch, k) for k in dir(torch) if k[0] != "_"}})
        p = eval(expr, {"data": data, "d": P(name), **{k: getattr(pag, k) for k in dir(pag) if k[0] != "_"}})
        assert repr(p) == repr(t), expr
        assert str(p) == str(t), expr
        assert p.tolist() == t.tolist(), expr
        assert p.type() == t.type(), expr


@pytest.mark.parametrize("src", NAMES)
def test_to_every_dtype_bit_for_bit(src):
    g = torch.Generator().manual_seed(1)
    base = torch.cat([torch.randn(40, generator=g) * 300, torch.tensor([0.0, -0.0, 0.5, 1.5, 2.5, -1.5, 255.0,
                                                                           256.0, 65504.0, 70000.0, 1e-8])])
    if src == "bool":
        t = base > 0
    elif T(src).is_floating_point:
        t = base.to(T(src))
    else:  # in range: out-of-range float -> int conversion is undefined in C++ and differs by CPU
        info = torch.iinfo(T(src))
        t = base.clamp(max(info.min, -1000), min(info.max, 1000)).to(T(src))
    p = to_pag(t)
    bits_equal(p, t, "source")
    for dst in NAMES:
        if T(src).is_floating_point and dst != "bool" and not T(dst).is_floating_point:
            info = torch.iinfo(T(dst))
            keep = (t >= info.min) & (t <= info.max) if dst != "uint8" else (t > -1) & (t < 256)
            tt, pp = t[keep], to_pag(t[keep])
        else:
            tt, pp = t, p
        bits_equal(pp.to(P(dst)), tt.to(T(dst)), f"{src} -> {dst}")


def test_conversion_methods():
    t = torch.tensor([1.7, -2.5, 300.25, 0.0])
    p = pag.tensor([1.7, -2.5, 300.25, 0.0])
    for m in ("half", "bfloat16", "int", "short", "long", "float", "double", "bool"):
        bits_equal(getattr(p, m)(), getattr(t, m)(), m)
    small_t, small_p = torch.tensor([1.7, 2.5, 100.0]), pag.tensor([1.7, 2.5, 100.0])
    for m in ("byte", "char"):
        bits_equal(getattr(small_p, m)(), getattr(small_t, m)(), m)


@pytest.mark.parametrize("npdt", [np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16, np.float32,
                                  np.float64, np.bool_])
def test_numpy_round_trip(npdt):
    a = (np.arange(-3, 3) * 1.5).astype(npdt)
    t, p = torch.from_numpy(a.copy()), pag.from_numpy(a.copy())
    assert repr(p) == repr(t)
    assert p.numpy().dtype == t.numpy().dtype
    np.testing.assert_array_equal(p.numpy(), t.numpy())
    assert repr(pag.tensor(a)) == repr(torch.tensor(a)) and repr(pag.as_tensor(a)) == repr(torch.as_tensor(a))


def test_bfloat16_numpy_raises():
    helper_test_exception(lambda: torch.ones(2, dtype=torch.bfloat16).numpy(),
                          lambda: pag.ones(2, dtype=pag.bfloat16).numpy())


def test_item_and_overflow():
    for name in NAMES:
        t, p = torch.tensor(1, dtype=T(name)), pag.tensor(1, dtype=P(name))
        assert type(p.item()) is type(t.item()) and p.item() == t.item()
    helper_test_exception(lambda: torch.tensor([300], dtype=torch.uint8), lambda: pag.tensor([300], dtype=pag.uint8))
    helper_test_exception(lambda: torch.tensor([200], dtype=torch.int8), lambda: pag.tensor([200], dtype=pag.int8))
    bits_equal(pag.tensor([-1, 255], dtype=pag.uint8), torch.tensor([-1, 255], dtype=torch.uint8))


# ---------------------------------------------------------------- elementwise values
BINARY = ["add", "sub", "mul", "div", "eq", "ne", "lt", "le", "gt", "ge", "maximum", "minimum"]


@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("op", BINARY)
def test_binary_ops_every_dtype_pair(op, a):
    ta = sample(a, seed=1)
    for b in NAMES:
        tb = sample(b, seed=2)
        if op == "sub" and "bool" in (a, b):
            continue  # torch refuses; the error is tested in test_elementwise
        want = getattr(torch, op)(ta, tb)
        got = getattr(pag, op)(to_pag(ta), to_pag(tb))
        if want.dtype in (torch.float32, torch.float64):  # SIMD math may differ by an ulp
            assert str(got.dtype) == str(want.dtype)
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=0, equal_nan=True)
        else:
            bits_equal(got, want, f"{op}({a}, {b})")
        # broadcast against a 0-d tensor and a Python scalar
        scalars = ((tb[0], to_pag(tb)[0]),) + (((3, 3), (1.5, 1.5)) if op not in ("maximum", "minimum") else ())
        for tb0, pb0 in scalars:
            want = getattr(torch, op)(ta, tb0)
            got = getattr(pag, op)(to_pag(ta), pb0)
            assert str(got.dtype) == str(want.dtype), (op, a, b, tb0)
            if want.dtype not in (torch.float32, torch.float64):
                bits_equal(got, want, f"{op}({a}, {tb0!r})")


@pytest.mark.parametrize("a", ["uint8", "int8", "int16", "int32", "float16", "bfloat16"])
def test_arithmetic_strided_and_broadcast(a):
    ta = sample(a, 24, seed=3).reshape(4, 6).t()
    tb = sample(a, 4, seed=4)
    for op in ("add", "mul", "sub"):
        pa = to_pag(ta.t().contiguous()).t()  # the same transposed layout
        bits_equal(getattr(pag, op)(pa, to_pag(tb)), getattr(torch, op)(ta, tb), op)
        bits_equal(getattr(pag, op)(pa, to_pag(tb[:1])[0]), getattr(torch, op)(ta, tb[0]), op + " 0-d")


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_reduced_float_rounds_once_per_op(name):
    # x * y + z in two ops rounds twice; each op alone rounds once from float32
    ta, tb = sample(name, 200, seed=5), sample(name, 200, seed=6)
    pa, pb = to_pag(ta), to_pag(tb)
    bits_equal(pa * pb, ta * tb, "mul")
    bits_equal(pa / pb, ta / tb, "div")
    bits_equal(pa * pb + pa, ta * tb + ta, "mul+add")
    bits_equal(pa * 0.1, ta * 0.1, "scalar")


# ---------------------------------------------------------------- bitwise
INTEGRAL = ["uint8", "int8", "int16", "int32", "int64", "bool"]


@pytest.mark.parametrize("a", INTEGRAL)
@pytest.mark.parametrize("op", ["bitwise_and", "bitwise_or", "bitwise_xor"])
def test_bitwise_every_integral_pair(op, a):
    ta = sample(a, seed=7)
    for b in INTEGRAL:
        tb = sample(b, seed=8)
        bits_equal(getattr(pag, op)(to_pag(ta), to_pag(tb)), getattr(torch, op)(ta, tb), f"{op}({a}, {b})")
        bits_equal(getattr(to_pag(ta), op)(to_pag(tb)[0]), getattr(ta, op)(tb[0]), f"{op}({a}, {b} 0-d)")
    sym = {"bitwise_and": "&", "bitwise_or": "|", "bitwise_xor": "^"}[op]
    for s in (5, True):
        bits_equal(eval(f"x {sym} s", {"x": to_pag(ta), "s": s}), eval(f"x {sym} s", {"x": ta, "s": s}), sym)
    bits_equal(~to_pag(ta), ~ta, "~")
    bits_equal(pag.bitwise_not(to_pag(ta)), torch.bitwise_not(ta), "bitwise_not")


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
def test_bitwise_on_floats_raises_as_torch(name):
    t, p = torch.ones(2, dtype=T(name)), pag.ones(2, dtype=P(name))
    helper_test_exception(lambda: t & t, lambda: p & p)
    helper_test_exception(lambda: t | 1, lambda: p | 1)
    helper_test_exception(lambda: torch.bitwise_or(t, t), lambda: pag.bitwise_or(p, p))
    helper_test_exception(lambda: torch.bitwise_not(t), lambda: pag.bitwise_not(p))
    helper_test_exception(lambda: ~t, lambda: ~p)
    ti, pi = torch.ones(2, dtype=torch.int32), pag.ones(2, dtype=pag.int32)
    helper_test_exception(lambda: ti ^ 1.5, lambda: pi ^ 1.5)


# ---------------------------------------------------------------- reductions
REDUCTIONS = ["x.sum()", "x.sum(0)", "x.sum(1, keepdim=True)", "x.prod(1)", "x.cumsum(0)", "x.cumsum(1)",
              "x.max()", "x.min()", "x.amax(0)", "x.amin(1)", "x.argmax()", "x.argmin(1)", "x.max(1).values",
              "x.max(1).indices", "x.sum(0, dtype=d)"]


@pytest.mark.parametrize("name", NAMES)
def test_reductions_accumulate_as_torch(name):
    tx = sample(name, 48, seed=9).reshape(6, 8)
    if not T(name).is_floating_point and name != "bool":
        tx = tx % 5 - 2 if T(name).is_signed else tx % 5  # keep products of 8 in range
    for expr in REDUCTIONS:
        try:
            want = eval(expr, {"x": tx, "torch": torch, "d": T(name)})
        except RuntimeError:  # argmax of bool: the same error
            helper_test_exception(lambda: eval(expr, {"x": tx, "d": T(name)}),
                                  lambda: eval(expr, {"x": to_pag(tx), "d": P(name)}))
            continue
        got = eval(expr, {"x": to_pag(tx), "torch": pag, "d": P(name)})
        if want.dtype in (torch.float32, torch.float64):
            assert str(got.dtype) == str(want.dtype), expr
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-5, err_msg=expr)
        else:
            bits_equal(got, want, f"{name}: {expr}")


@pytest.mark.parametrize("name", NAMES)
def test_mean_dtype_rules(name):
    t, p = sample(name, 12, seed=10), to_pag(sample(name, 12, seed=10))
    if T(name).is_floating_point:
        want, got = t.mean(), p.mean()
        if t.dtype in (torch.float16, torch.bfloat16):
            bits_equal(got, want, "mean")
        else:
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    else:
        helper_test_exception(lambda: t.mean(), lambda: p.mean())


def test_reduced_float_sum_accumulates_in_float32():
    # 4096 ones in float16: a float16 accumulator would stop at 2048
    for name in ("float16", "bfloat16"):
        t, p = torch.ones(4096, dtype=T(name)), pag.ones(4096, dtype=P(name))
        bits_equal(p.sum(), t.sum(), name)
        bits_equal(p.cumsum(0), t.cumsum(0), name)


# ---------------------------------------------------------------- autograd
@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_reduced_float_gradients(name):
    tx = sample(name, 16, seed=11).requires_grad_()
    ty = sample(name, 16, seed=12).requires_grad_()
    px = to_pag(tx.detach()).requires_grad_()
    py = to_pag(ty.detach()).requires_grad_()
    for f in (lambda x, y: (x * y + x).sum(), lambda x, y: (x * 0.5 - y).sum(),
              lambda x, y: (x * x).mean()):
        tx.grad = ty.grad = None
        px.grad = py.grad = None
        tl, pl = f(tx, ty), f(px, py)
        bits_equal(pl.detach(), tl.detach(), "loss")
        tl.backward()
        pl.backward()
        bits_equal(px.grad, tx.grad, "x.grad")
        if ty.grad is not None:
            bits_equal(py.grad, ty.grad, "y.grad")
    # a conversion passes the gradient back in the source dtype
    tz = tx.detach().requires_grad_()
    pz = px.detach().requires_grad_()
    (tz.float() * 3).sum().backward()
    (pz.float() * 3).sum().backward()
    bits_equal(pz.grad, tz.grad, "to float32")


@pytest.mark.parametrize("a", INTEGRAL)
def test_shifts_every_integral_dtype(a):
    ta = sample(a, seed=13)
    counts = [-1, 0, 1, 3, 7, 8, 15, 16, 31, 32, 63, 64]
    for s in counts:
        bits_equal(to_pag(ta) << s, ta << s, f"{a} << {s}")
        bits_equal(to_pag(ta) >> s, ta >> s, f"{a} >> {s}")
    for b in INTEGRAL:
        tb = sample(b, seed=14).abs() % 9 if b != "bool" else sample(b, seed=14)
        if a == b == "bool":  # torch has no bool shift kernel
            helper_test_exception(lambda: torch.bitwise_left_shift(ta, tb),
                                  lambda: pag.bitwise_left_shift(to_pag(ta), to_pag(tb)))
            continue
        bits_equal(pag.bitwise_left_shift(to_pag(ta), to_pag(tb)), torch.bitwise_left_shift(ta, tb), f"{a} << {b}")
        bits_equal(pag.bitwise_right_shift(to_pag(ta), to_pag(tb)), torch.bitwise_right_shift(ta, tb), f"{a} >> {b}")


def test_shift_on_float_raises_as_torch():
    helper_test_exception(lambda: torch.ones(2) << 1, lambda: pag.ones(2) << 1)
    helper_test_exception(lambda: torch.ones(2, dtype=torch.float16) >> 1, lambda: pag.ones(2, dtype=pag.float16) >> 1)
