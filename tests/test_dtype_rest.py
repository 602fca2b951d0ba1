"""float16 / bfloat16 softmax, log_softmax, logsumexp and matrix products, integer
matrix products, and out-of-range float -> int conversion, against torch."""
import numpy as np
import pytest
import torch

import pyautograd as pag

REDUCED = ["float16", "bfloat16"]


def to_pag(t):
    p = pag.tensor(t.detach().float().numpy() if t.is_floating_point() else t.numpy())
    return p.to(getattr(pag, str(t.dtype)[6:]))


def ulps(p, t):
    """The distance in units in the last place of t's dtype, elementwise (same signs: the
    bit patterns' difference; NaN only against NaN)."""
    assert str(p.dtype) == str(t.dtype) and tuple(p.shape) == tuple(t.shape)
    tb = t.detach().contiguous().view(torch.int16).numpy().astype(np.int64)
    pb = to_pag_bits(p).astype(np.int64)
    key = lambda b: np.where(b < 0, -(b & 0x7FFF), b)  # sign-magnitude to a monotone integer
    return np.abs(key(pb) - key(tb))


def to_pag_bits(p):
    name = str(p.dtype)[6:]
    f = p.detach().float().numpy()
    return torch.from_numpy(f).to(getattr(torch, name)).view(torch.int16).numpy()


def bits_equal(p, t, msg=""):
    assert str(p.dtype) == str(t.dtype), msg
    np.testing.assert_array_equal(p.detach().float().numpy(), t.detach().float().numpy(), err_msg=msg)


# Note: torch's exp (its vectorized, CPU-dependent one) and ours differ in the last
# float32 bit, so a result rounded to float16 / bfloat16 from an exp may land one ulp of
# the output dtype away; torch's own non-last-dim softmax also rounds differently in the
# tail of each vector. Everything else below is bit for bit.
ULP_BOUND = 1


def cases(name, seed):
    g = torch.Generator().manual_seed(seed)
    dt = getattr(torch, name)
    return [((torch.randn(s, generator=g) * 3).to(dt), d)
            for s, d in [((64, 37), 1), ((64, 37), 0), ((8, 5, 33), 1), ((3, 1000), 1), ((4, 64), -1), ((64, 64), 0),
                         ((7,), 0)]]


@pytest.mark.parametrize("name", REDUCED)
@pytest.mark.parametrize("op", ["softmax", "log_softmax", "logsumexp"])
def test_softmax_family_forward(op, name):
    for x, d in cases(name, 1):
        t = getattr(torch, op)(x, d)
        p = getattr(pag, op)(to_pag(x), d)
        u = ulps(p, t)
        assert u.max() <= ULP_BOUND, (op, x.shape, d, u.max())
        assert (u == 0).mean() > 0.7, (op, x.shape, d)


@pytest.mark.parametrize("name", REDUCED)
def test_softmax_family_special_values(name):
    dt = getattr(torch, name)
    x = torch.tensor([[0.0, float("-inf"), 1.0], [float("-inf")] * 3, [float("inf"), 1.0, 2.0],
                      [float("nan"), 1.0, 0.0]], dtype=dt)
    for op in ("softmax", "log_softmax", "logsumexp"):
        bits_equal(getattr(pag, op)(to_pag(x), 1), getattr(torch, op)(x, 1), op)
    e = torch.zeros(0, 3, dtype=dt)
    bits_equal(pag.logsumexp(to_pag(e), 0), torch.logsumexp(e, 0), "empty")
    bits_equal(pag.softmax(to_pag(x), 1, dtype=pag.float32), torch.softmax(x, 1, dtype=torch.float32), "dtype=")


@pytest.mark.parametrize("name", REDUCED)
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_family_backward(op, name):
    # The forward may sit an ulp away from torch's (exp), and g - sum(g * y) cancels, so the
    # gradient is compared with torch's backward kernel run on our own forward output. Over
    # a non-last dim torch sums in float in order: bit for bit. Over the last dim its sum is
    # a SIMD reduction whose order depends on the vector width: within 1 ulp.
    g = torch.Generator().manual_seed(2)
    back = torch._softmax_backward_data if op == "softmax" else torch._log_softmax_backward_data
    for x, d in cases(name, 3):
        px = to_pag(x).requires_grad_()
        py = getattr(pag, op)(px, d)
        gy = torch.randn(x.shape, generator=g).to(x.dtype)
        py.backward(to_pag(gy))
        ty = torch.from_numpy(py.detach().float().numpy()).to(x.dtype)
        t = back(gy, ty, d, x.dtype)
        assert str(px.grad.dtype) == str(t.dtype)
        lastdim = d in (-1, x.dim() - 1)
        assert ulps(px.grad, t).max() <= (1 if lastdim else 0), (op, x.shape, d)


@pytest.mark.parametrize("name", REDUCED)
def test_logsumexp_backward(name):
    g = torch.Generator().manual_seed(2)
    for x, d in cases(name, 3):
        tx = x.clone().requires_grad_()
        px = to_pag(x).requires_grad_()
        ty = torch.logsumexp(tx, d)
        py = pag.logsumexp(px, d)
        gy = torch.randn(ty.shape, generator=g).to(x.dtype)
        ty.backward(gy)
        py.backward(to_pag(gy))
        assert str(px.grad.dtype) == str(tx.grad.dtype)
        # exp(x - result) * g: the forward's ulp can move it
        np.testing.assert_allclose(px.grad.float().numpy(), tx.grad.float().numpy(), rtol=0.02, atol=1e-2)


# ---------------------------------------------------------------- matrix products
def products(dt, exact, seed):
    g = torch.Generator().manual_seed(seed)
    # small integers: every partial sum is exact in float32, so the order cannot matter
    r = (lambda *s: torch.randint(-8, 9, s, generator=g).to(dt)) if exact else \
        (lambda *s: torch.randn(s, generator=g).to(dt))
    return [("mm", r(5, 7), r(7, 3)), ("mm", r(33, 300), r(300, 17)), ("mm", r(4, 6).t(), r(3, 4).t()),
            ("bmm", r(3, 5, 7), r(3, 7, 2)), ("mv", r(9, 40), r(40)), ("dot", r(50), r(50)),
            ("matmul", r(2, 3, 5, 4), r(4, 6)), ("matmul", r(4), r(3, 4, 2)), ("matmul", r(5, 4), r(4))]


@pytest.mark.parametrize("name", REDUCED)
def test_reduced_float_products(name):
    dt = getattr(torch, name)
    for exact in (True, False):
        for op, a, b in products(dt, exact, 4):
            t = getattr(torch, op)(a, b)
            p = getattr(pag, op)(to_pag(a), to_pag(b))
            if exact:
                bits_equal(p, t, f"{op} {tuple(a.shape)}")
            else:  # float32 sums in another order, rounded once
                assert ulps(p, t).max() <= 1, (op, a.shape)
    a, b, c = (torch.randint(-8, 9, s).to(dt) for s in ((4, 5), (5, 3), (3,)))
    bits_equal(pag.addmm(to_pag(c), to_pag(a), to_pag(b)), torch.addmm(c, a, b), "addmm")
    bits_equal(pag.nn.functional.linear(to_pag(a), to_pag(b.t()), to_pag(c)),
               torch.nn.functional.linear(a, b.t(), c), "linear")


@pytest.mark.parametrize("name", REDUCED)
def test_reduced_float_product_gradients(name):
    dt = getattr(torch, name)
    for op, a, b in products(dt, True, 5):
        ta, tb = a.clone().requires_grad_(), b.clone().requires_grad_()
        pa, pb = to_pag(a).requires_grad_(), to_pag(b).requires_grad_()
        getattr(torch, op)(ta, tb).sum().backward()
        getattr(pag, op)(pa, pb).sum().backward()
        bits_equal(pa.grad, ta.grad, op + " a")
        bits_equal(pb.grad, tb.grad, op + " b")


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32"])
def test_integer_products_wrap_in_their_width(name):
    dt = getattr(torch, name)
    info = torch.iinfo(dt)
    g = torch.Generator().manual_seed(6)
    r = lambda *s: torch.randint(max(info.min, -2**20), min(info.max, 2**20) + 1, s, generator=g, dtype=torch.int64).to(dt)
    for op, a, b in [("mm", r(5, 40), r(40, 3)), ("bmm", r(2, 5, 7), r(2, 7, 3)), ("mv", r(6, 9), r(9)),
                     ("dot", r(64), r(64)), ("matmul", r(2, 3, 4), r(4, 5)), ("mm", r(4, 6).t(), r(4, 2))]:
        bits_equal(getattr(pag, op)(to_pag(a), to_pag(b)), getattr(torch, op)(a, b), f"{name} {op}")
    a, b, c = r(3, 4), r(4, 2), r(2)
    bits_equal(pag.addmm(to_pag(c), to_pag(a), to_pag(b), beta=3, alpha=2),
               torch.addmm(c, a, b, beta=3, alpha=2), "addmm")


# ---------------------------------------------------------------- float -> int
# Note: out-of-range float -> int conversion is undefined in C++; on x86-64 torch's (and
# ours) truncate through cvttss2si / cvttsd2si: a value outside int32 (or NaN, inf) gives
# INT_MIN (0x80000000), to int64 outside int64 INT64_MIN; int8 and int16 take the low
# bits of that int32. uint8 goes through int64 (torch's static_cast_with_inter_type), so
# it takes the low bits of the int64: -1.5 -> 255, 300.5 -> 44, 2**32 + 1 -> 1 (from
# float64; int8 gives 0 there), and a value outside int64 gives 0.
@pytest.mark.parametrize("src", ["float32", "float64", "float16", "bfloat16"])
def test_out_of_range_float_to_int(src):
    vals = [1e10, -1e10, 3e9, -3e9, 2.5e19, -2.5e19, float("nan"), float("inf"), float("-inf"), -1.5, -200.7,
            300.5, 70000.5, -40000.25, 2**31 - 0.5, -2**31 - 0.5, 0.0, -0.0, 2.0**32 + 1, 3e9 + 7, -3e9 - 5, 1e12 + 3]
    t = torch.tensor(vals, dtype=torch.float64).to(getattr(torch, src))
    p = pag.tensor(vals, dtype=pag.float64).to(getattr(pag, src))
    for d in ["uint8", "int8", "int16", "int32", "int64"]:
        assert p.to(getattr(pag, d)).tolist() == t.to(getattr(torch, d)).tolist(), (src, d)
        assert p[:1].to(getattr(pag, d)).tolist() == t[:1].to(getattr(torch, d)).tolist(), (src, d)
        assert p[6].to(getattr(pag, d)).item() == t[6].to(getattr(torch, d)).item(), (src, d, "nan")


# ---------------------------------------------------------------- binary op gradients
# torch's formulas round once per op in the dtype (div's other: -g * ((a / b) / b)), so the
# gradients, with broadcast sums (accumulated in float), are bit for bit; pow's go through
# log / pow (CPU-dependent SIMD paths): within 1 ulp.
BINARY = {"add": lambda L, x, y: L.add(x, y), "add_alpha": lambda L, x, y: L.add(x, y, alpha=0.5),
          "sub": lambda L, x, y: L.sub(x, y), "sub_alpha": lambda L, x, y: L.sub(x, y, alpha=3),
          "mul": lambda L, x, y: L.mul(x, y), "div": lambda L, x, y: L.div(x, y),
          "pow": lambda L, x, y: L.pow(x, y), "maximum": lambda L, x, y: L.maximum(x, y),
          "minimum": lambda L, x, y: L.minimum(x, y), "fmod": lambda L, x, y: L.fmod(x, y),
          "remainder": lambda L, x, y: L.remainder(x, y), "rsub": lambda L, x, y: 2.5 - x * y,
          "scalar_div": lambda L, x, y: x / 3.3 + y * 0.7}


@pytest.mark.parametrize("name", REDUCED)
@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary_gradients(op, name):
    dt = getattr(torch, name)
    g = torch.Generator().manual_seed(7)
    for sa, sb in [((6, 7), (6, 7)), ((6, 7), (7,)), ((5, 1, 3), (4, 1)), ((), (9,))]:
        a = (torch.rand(sa, generator=g) * 3 + 0.5).to(dt)
        b = (torch.rand(sb, generator=g) * 3 + 0.5).to(dt)
        ta, tb = a.clone().requires_grad_(), b.clone().requires_grad_()
        pa, pb = to_pag(a).requires_grad_(), to_pag(b).requires_grad_()
        ty = BINARY[op](torch, ta, tb)
        py = BINARY[op](pag, pa, pb)
        gy = torch.randn(ty.shape, generator=g).to(dt)
        ty.backward(gy)
        py.backward(to_pag(gy))
        for p, t in ((pa, ta), (pb, tb)):
            assert ulps(p.grad, t.grad).max() <= (1 if op == "pow" else 0), (op, sa, sb)


# ---------------------------------------------------------------- save / load
NEW = ["uint8", "int8", "int16", "int32", "float16", "bfloat16"]


def bits(p):
    """The stored bit pattern of each element (bfloat16 through int16), as numpy."""
    return (p.view(pag.int16) if str(p.dtype) == "torch.bfloat16" else p).contiguous().numpy()


@pytest.mark.parametrize("mmap", [False, True])
@pytest.mark.parametrize("name", NEW)
def test_save_load_round_trip(name, mmap, tmp_path):
    dt = getattr(torch, name)
    g = torch.Generator().manual_seed(8)
    if dt.is_floating_point:
        t = (torch.randn(6, 5, generator=g) * 100).to(dt)
        t[0, :4] = torch.tensor([float("nan"), float("inf"), float("-inf"), -0.0])
    else:
        info = torch.iinfo(dt)
        t = torch.randint(info.min, info.max + 1, (6, 5), generator=g, dtype=torch.int64).to(dt)
        t[0, :2] = torch.tensor([info.min, info.max])
    base = to_pag(t)
    obj = {"base": base, "t": base.t(), "step": base[1::2, ::3], "row": base[4], "scalar": base[2, 3],
           "dtype": getattr(pag, name)}
    path = tmp_path / "x.pt"
    pag.save(obj, path)
    back = pag.load(path, mmap=mmap)
    assert back["dtype"] is getattr(pag, name)
    for k in ("base", "t", "step", "row", "scalar"):
        a, b = obj[k], back[k]
        assert (a.dtype, tuple(a.shape), a.stride(), a.storage_offset()) == \
            (b.dtype, tuple(b.shape), b.stride(), b.storage_offset()), k
        np.testing.assert_array_equal(bits(b), bits(a), err_msg=k)
    np.testing.assert_array_equal(back["base"].float().numpy() if dt.is_floating_point else back["base"].numpy(),
                                  t.float().numpy() if dt.is_floating_point else t.numpy())
    back["base"][4, 0] = 7  # the views share the loaded storage, as they did when saved
    assert back["row"][0].item() == 7 and back["t"][0, 4].item() == 7


# ---------------------------------------------------------------- integer sum / prod
# Note [Integer reductions]: bool and the small ints accumulate per element in int64
# (wrapping as torch's), with no int64 copy of the input; strided views read in place.
@pytest.mark.parametrize("name", ["bool", "uint8", "int8", "int16", "int32"])
@pytest.mark.parametrize("op", ["sum", "prod"])
def test_integer_sum_prod(op, name):
    dt = getattr(torch, name)
    g = torch.Generator().manual_seed(9)
    lo, hi = (0, 2) if name == "bool" else (max(torch.iinfo(dt).min, -100), min(torch.iinfo(dt).max, 100) + 1)
    t = torch.randint(lo, hi, (37, 53), generator=g, dtype=torch.int64).to(dt)
    if name == "int32":
        t = t * 20_000_000  # the int64 sums and products leave int32's range
    p = pag.tensor(t.numpy())
    for tv, pv in [(t, p), (t.t(), p.t()), (t[::3, 1::2], p[::3, 1::2]), (t[5], p[5])]:
        for dims in [None, 0, -1]:
            f = getattr(torch, op)
            want = f(tv) if dims is None else f(tv, dims)
            got = getattr(pag, op)(pv) if dims is None else getattr(pag, op)(pv, dims)
            assert str(got.dtype) == str(want.dtype) == "torch.int64"
            np.testing.assert_array_equal(got.numpy(), want.numpy(), err_msg=f"{op} {tuple(tv.shape)} {dims}")
    want = torch.sum(t, (0, 1), keepdim=True)
    np.testing.assert_array_equal(pag.sum(p, (0, 1), keepdim=True).numpy(), want.numpy())
    np.testing.assert_array_equal(pag.sum(p, 0, dtype=pag.int32).numpy(), torch.sum(t, 0, dtype=torch.int32).numpy())
