"""The GEMM kernels (through pyautograd.mm / addmm / bmm / mv / dot) against the naive
reference kernel and numpy, for every micro-kernel this CPU can run: shapes around
the register tile and cache blocks, every operand layout, both float dtypes."""
import os

import numpy as np
import pytest

import pyautograd as pag
from helpers import run_python

_RANK = {"generic": 0, "avx2": 1, "avx512": 2}
ISAS = [isa for isa in _RANK if _RANK[isa] <= _RANK[pag._C._cpu_isa()]]
DTYPES = ["float32", "float64"]


@pytest.fixture(params=ISAS)
def isa(request):
    prev = pag._C._gemm_isa()
    assert pag._C._gemm_set_isa(request.param) == request.param
    yield request.param
    pag._C._gemm_set_isa(prev)


def rand(shape, dtype, seed):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape).astype(dtype)


def check(out, ref, dtype, k):
    """out: a pyautograd tensor; ref: the exact product in float64."""
    out = out.numpy()
    assert out.dtype == np.dtype(dtype) and out.shape == ref.shape
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(out, ref, rtol=8 * eps * np.sqrt(k + 1), atol=8 * eps * np.sqrt(k + 1))


def strided(a, layout):
    """A pyautograd view of numpy matrix a's values in the given memory layout."""
    m, n = a.shape
    if layout == "row":
        return pag.tensor(a)
    if layout == "col":      # a transposed view (unit stride down the columns)
        return pag.tensor(np.ascontiguousarray(a.T)).t()
    if layout == "sliced":   # no unit stride at all: every 2nd row of every 3rd column
        big = np.zeros((2 * m + 1, 3 * n + 2), a.dtype)
        big[1::2, 2::3] = a
        return pag.tensor(big).as_strided((m, n), (2 * (3 * n + 2), 3), (3 * n + 2) + 2)
    raise ValueError(layout)


def test_info_names_the_kernel_in_use(isa):
    info = pag._C._gemm_info()
    assert f"isa={isa}" in info and isa in info.split("float32:")[1]
    for word in ("MR=", "NR=", "KC=", "MC=", "NC="):
        assert word in info


# Sizes around every ISA's register tile (MR = 8, 16, 32 / 4, 8, 16; NR = 6, 12),
# primes, ones, and K = 0.
SIZES = [1, 2, 5, 6, 7, 12, 13, 16, 17, 31, 32, 33, 47, 64, 97]
SHAPES = [(m, k, n) for m in SIZES for n in (1, 6, 13, 33) for k in (0, 1, 7, 64)]


@pytest.mark.parametrize("dtype", DTYPES)
def test_shapes_against_reference_and_numpy(isa, dtype):
    for i, (m, k, n) in enumerate(SHAPES):
        a, b = rand((m, k), dtype, i), rand((k, n), dtype, i + 1000)
        pa, pb = pag.tensor(a), pag.tensor(b)
        out = pag.mm(pa, pb)
        ref = a.astype(np.float64) @ b.astype(np.float64)
        check(out, ref, dtype, k)
        check(pag._C._mm_reference(pa, pb), ref, dtype, k)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("la", ["row", "col", "sliced"])
@pytest.mark.parametrize("lb", ["row", "col", "sliced"])
def test_layouts(isa, dtype, la, lb):
    # Small (unpacked path) and larger (packed, several KC blocks) problems.
    for m, k, n in [(5, 9, 7), (37, 29, 45), (130, 400, 77)]:
        a, b = rand((m, k), dtype, m), rand((k, n), dtype, n)
        pa, pb = strided(a, la), strided(b, lb)
        ref = a.astype(np.float64) @ b.astype(np.float64)
        check(pag.mm(pa, pb), ref, dtype, k)
        check(pag._C._mm_reference(pa, pb), ref, dtype, k)


@pytest.mark.parametrize("dtype", DTYPES)
def test_broadcast_operand(isa, dtype):
    # A zero-stride operand (an expanded row), as backward's gradient of a sum is.
    a, b = rand((1, 40), dtype, 0), rand((40, 50), dtype, 1)
    pa = pag.tensor(a).expand(70, 40)
    check(pag.mm(pa, pag.tensor(b)), np.repeat(a, 70, 0).astype(np.float64) @ b, dtype, 40)
    check(pag.mm(pag.tensor(b).t(), pa.t()), (np.repeat(a, 70, 0).astype(np.float64) @ b).T, dtype, 40)


@pytest.mark.parametrize("dtype", DTYPES)
def test_big_blocked(isa, dtype):
    # Several cache blocks along every loop (k > KC, m > MC, and in the kernel's
    # frame, where a row-major C is computed transposed, n > NC).
    for m, k, n in [(300, 1031, 257), (4500, 64, 40), (33, 17, 2100)]:
        a, b = rand((m, k), dtype, 1), rand((k, n), dtype, 2)
        check(pag.mm(pag.tensor(a), pag.tensor(b)), a.astype(np.float64) @ b, dtype, k)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias_shape", [(1,), (45,), (37, 1), (37, 45), ()])
@pytest.mark.parametrize("beta,alpha", [(1.0, 1.0), (0.5, -2.0), (0.0, 3.0)])
def test_addmm_epilogue(isa, dtype, bias_shape, beta, alpha):
    # The bias is read by the micro-kernel's epilogue (beta * bias + alpha * A @ B).
    for m, k, n in [(37, 29, 45), (37, 700, 45)]:
        a, b = rand((m, k), dtype, 3), rand((k, n), dtype, 4)
        c = rand(bias_shape, dtype, 5) if bias_shape else np.array(0.25, dtype)
        ref = alpha * (a.astype(np.float64) @ b) + beta * c.astype(np.float64)
        biases = [pag.tensor(c)] + ([strided(c, "col"), strided(c, "sliced")] if c.ndim == 2 else [])
        for pc in biases:
            check(pag.addmm(pc, pag.tensor(a), pag.tensor(b), beta=beta, alpha=alpha), ref, dtype, k)


@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_and_inf_propagate(isa, dtype):
    a, b = rand((40, 30), dtype, 6), rand((30, 50), dtype, 7)
    a[3, 4] = np.nan
    b[5, 9] = np.inf
    out = pag.mm(pag.tensor(a), pag.tensor(b)).numpy()
    with np.errstate(invalid="ignore"):
        ref = a @ b
    np.testing.assert_array_equal(np.isnan(out), np.isnan(ref))
    np.testing.assert_array_equal(np.isinf(out), np.isinf(ref))


@pytest.mark.parametrize("dtype", DTYPES)
def test_bmm(isa, dtype):
    # Many small matrices (threads take whole matrices) and a few large ones.
    for bs, m, k, n in [(64, 8, 9, 7), (3, 150, 200, 90)]:
        a, b = rand((bs, m, k), dtype, 8), rand((bs, k, n), dtype, 9)
        check(pag.bmm(pag.tensor(a), pag.tensor(b)), a.astype(np.float64) @ b, dtype, k)
        check(pag.bmm(pag.tensor(np.ascontiguousarray(a.transpose(0, 2, 1))).transpose(1, 2), pag.tensor(b)),
              a.astype(np.float64) @ b, dtype, k)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gemv_and_dot(isa, dtype):
    # Sizes around the vector kernels' unrolling (4 rows / 4 columns / 4 vectors).
    for m, k in [(1, 1), (7, 13), (3, 64), (5, 65), (63, 4), (65, 127), (129, 3), (300, 257), (2000, 40)]:
        a, x = rand((m, k), dtype, 10), rand((k,), dtype, 11)
        ref = a.astype(np.float64) @ x
        for pa in (strided(a, "row"), strided(a, "col"), strided(a, "sliced")):
            check(pag.mv(pa, pag.tensor(x)), ref, dtype, k)
        check(pag.dot(pag.tensor(a[0]), pag.tensor(x)), np.dot(a[0].astype(np.float64), x), dtype, k)
        xs = np.zeros(2 * k, dtype)
        xs[::2] = x
        check(pag.mv(pag.tensor(a), pag.tensor(xs).as_strided((k,), (2,), 0)), ref, dtype, k)


def test_int64_exact():
    rng = np.random.default_rng(12)
    a, b = rng.integers(-50, 50, (37, 41)), rng.integers(-50, 50, (41, 29))
    np.testing.assert_array_equal(pag.mm(pag.tensor(a), pag.tensor(b)).numpy(), a @ b)
    np.testing.assert_array_equal(pag._C._mm_reference(pag.tensor(a), pag.tensor(b)).numpy(), a @ b)
    np.testing.assert_array_equal(pag.mv(pag.tensor(a), pag.tensor(b[:, 0].copy())).numpy(), a @ b[:, 0])
    np.testing.assert_array_equal(
        pag.bmm(pag.tensor(np.stack([a, a])), pag.tensor(np.stack([b, b]))).numpy(), np.stack([a @ b, a @ b]))


# Note [Forcing an ISA]: PYAUTOGRAD_ISA caps every kernel's ISA for the process.
@pytest.mark.parametrize("cap", list(_RANK))
def test_isa_override_caps_every_kernel(cap):
    code = ("import pyautograd as p; "
            "print(p._C._cpu_isa(), p._C._gemm_isa(), p._C._detected_isa(), "
            "p.mm(p.ones(3, 3), p.ones(3, 3)).sum().item())")
    env = dict(os.environ, PYAUTOGRAD_ISA=cap)
    r = run_python(["-c", code], env=env)
    assert r.returncode == 0, r.stderr
    kernels, gemm, detected, total = r.stdout.split()
    expect = min(cap, detected, key=_RANK.get)
    assert (kernels, gemm, float(total)) == (expect, expect, 27.0)
    assert detected == pag._C._detected_isa()


def test_isa_override_rejects_an_unknown_name():
    env = dict(os.environ, PYAUTOGRAD_ISA="sse9")
    r = run_python(["-c", "import pyautograd"], env=env)
    assert r.returncode != 0
    assert ("ValueError: PYAUTOGRAD_ISA must be one of avx512, avx2, generic (or unset), but got 'sse9'"
            in r.stderr)
