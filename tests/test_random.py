"""Random streams against torch, bit for bit: after the same manual_seed every op must
produce torch's exact bits and leave the generator in torch's exact state."""
import math
import pickle
import threading

import numpy as np
import pyautograd as pag
import pytest
import torch
from helpers import helper_test_exception

SEEDS = [0, 1, 42, 1234, 2**31 - 1, 2**32 + 7, 987654321]
DTYPES = ["float32", "float64"]


def _np(x):
    return np.ascontiguousarray(x.detach().numpy())


def assert_same(p, t, msg=""):
    """Same dtype, shape and bits (so -0.0 and NaN payloads count too)."""
    assert str(p.dtype) == str(t.dtype), f"{msg} dtype {p.dtype} != {t.dtype}"
    assert tuple(p.shape) == tuple(t.shape), f"{msg} shape {tuple(p.shape)} != {tuple(t.shape)}"
    pn, tn = _np(p), _np(t)
    if not np.array_equal(pn.view(np.uint8), tn.view(np.uint8)):
        bad = np.flatnonzero(pn.reshape(-1) != tn.reshape(-1))
        raise AssertionError(f"{msg} {bad.size} elements differ, first at {bad[:5]}: "
                             f"{pn.reshape(-1)[bad[:5]]} vs torch {tn.reshape(-1)[bad[:5]]}")


def state_bytes(T, gen=None):
    st = (gen.get_state() if gen is not None else T.get_rng_state())
    return bytes(np.asarray(st.numpy(), dtype=np.uint8))


def assert_same_state(tgen=None, pgen=None, msg=""):
    assert state_bytes(pag, pgen) == state_bytes(torch, tgen), f"{msg} generator state differs from torch's"


def run_both(fn, seed, msg=""):
    """fn(T) -> tensor or list of tensors, run after T.manual_seed(seed) in each framework."""
    torch.manual_seed(seed)
    t = fn(torch)
    pag.manual_seed(seed)
    p = fn(pag)
    ts, ps = (t, p) if isinstance(t, (list, tuple)) else ([t], [p])
    assert len(ts) == len(ps)
    for i, (a, b) in enumerate(zip(ps, ts)):
        assert_same(a, b, f"{msg} seed={seed} output {i}:")
    assert_same_state(msg=f"{msg} seed={seed}:")


# ---------------------------------------------------------------- rand / randn
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", ["rand", "randn"])
def test_rand_randn_bits(fn, dtype):
    for seed in SEEDS:
        for n in [1, 15, 16, 17, 31, 32, 1000]:
            run_both(lambda T: getattr(T, fn)(n, dtype=getattr(T, dtype)), seed, f"{fn}({n}, {dtype})")
        run_both(lambda T: getattr(T, fn)(3, 5, 7, dtype=getattr(T, dtype)), seed, f"{fn}(3,5,7)")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", ["rand", "randn"])
def test_rand_randn_million(fn, dtype):
    for seed in SEEDS[:4]:
        run_both(lambda T: getattr(T, fn)(10**6, dtype=getattr(T, dtype)), seed, f"{fn}(10**6, {dtype})")
    run_both(lambda T: getattr(T, fn)(1000, 1001, dtype=getattr(T, dtype)), SEEDS[-1], f"{fn}(1000, 1001)")


def test_scalar_float_normal_path():
    # Machines without AVX2+FMA run the scalar float32 Box-Muller; it must give the same bits.
    prev = pag._C._rng_simd(False)
    try:
        for seed in SEEDS:
            for n in [16, 17, 31, 1000]:
                run_both(lambda T: T.randn(n), seed, f"scalar randn({n})")
            run_both(lambda T: T.empty(100).normal_(2.0, 0.5), seed, "scalar normal_")
        run_both(lambda T: T.randn(10**5), 0, "scalar randn(10**5)")
    finally:
        pag._C._rng_simd(prev)


def test_default_dtype_and_signatures():
    run_both(lambda T: [T.rand(2, 3), T.rand((2, 3)), T.rand([4]), T.rand(size=(2, 2)), T.randn(T.Size([3, 2])),
                        T.rand(()), T.randn(0), T.rand(2, requires_grad=True)], 5)
    torch.manual_seed(0)
    pag.manual_seed(0)
    t, p = torch.rand(3, requires_grad=True), pag.rand(3, requires_grad=True)
    assert p.requires_grad and p.is_leaf and t.requires_grad


# ---------------------------------------------------------------- the cached normal
def test_normal_cache_sequences():
    # One element at a time (n < 16) draws Box-Muller pairs and caches the sine half;
    # float32 and float64 calls share the cache; the n >= 16 path neither reads nor clears it.
    seqs = [
        lambda T: [T.randn(1), T.randn(1)],
        lambda T: [T.randn(1), T.randn(1, dtype=T.float64), T.randn(3)],
        lambda T: [T.randn(3), T.randn(16), T.randn(1), T.randn(17, dtype=T.float64), T.randn(2)],
        lambda T: [T.randn(5), T.rand(3), T.randn(1), T.randint(0, 5, (3,)), T.randn(15)],
        lambda T: [T.randn(1), T.randn(40, 30).t().contiguous(), T.randn(1)],
        lambda T: [T.empty(7).normal_(2.0, 3.0), T.empty(1, dtype=T.float64).normal_(-1.0, 0.5)],
    ]
    for i, fn in enumerate(seqs):
        for seed in SEEDS:
            run_both(fn, seed, f"sequence {i}")
    torch.manual_seed(3)
    pag.manual_seed(3)
    a_t, a_p = torch.randn(2), pag.randn(2)
    torch.manual_seed(3)
    pag.manual_seed(3)
    b_t = torch.cat([torch.randn(1), torch.randn(1)])
    b_p = [pag.randn(1), pag.randn(1)]
    assert_same(pag.tensor([b_p[0].item(), b_p[1].item()]), b_t)
    assert_same(a_p, a_t)


def test_cached_normal_in_state():
    for seed in SEEDS[:3]:
        torch.manual_seed(seed)
        pag.manual_seed(seed)
        torch.randn(1)
        pag.randn(1)
        assert_same_state(msg="with a cached normal:")
        torch.manual_seed(seed)
        pag.manual_seed(seed)
        assert_same_state(msg="manual_seed clears the cache:")


# ---------------------------------------------------------------- uniform_ / normal_
@pytest.mark.parametrize("dtype", DTYPES)
def test_uniform_bounds(dtype):
    bounds = [(0, 1), (-1, 1), (-0.1, 0.1), (2, 3), (-5.5, 1e-3), (0, 0), (1e30, 1e30), (-3e38, 0), (7, 7.5)]
    for a, b in bounds:
        for n in [1, 17, 1000]:
            for seed in SEEDS[:3]:
                run_both(lambda T: T.empty(n, dtype=getattr(T, dtype)).uniform_(a, b), seed, f"uniform_({a}, {b})")


def _linear_init(T, in_features, out_features):
    # nn.Linear.reset_parameters: kaiming_uniform_(a=sqrt(5)) on the weight, then the bias.
    a = math.sqrt(5)
    gain = math.sqrt(2.0 / (1 + a * a))
    bound = math.sqrt(3.0) * gain / math.sqrt(in_features)
    w = T.empty(out_features, in_features).uniform_(-bound, bound)
    b_bound = 1 / math.sqrt(in_features) if in_features > 0 else 0
    b = T.empty(out_features).uniform_(-b_bound, b_bound)
    return [w, b]


@pytest.mark.parametrize("shape", [(10, 1), (1, 10), (256, 784), (784, 256), (3, 7), (128, 64), (1, 1)])
def test_linear_default_init(shape):
    out_f, in_f = shape
    for seed in SEEDS:
        run_both(lambda T: _linear_init(T, in_f, out_f), seed, f"Linear({in_f}, {out_f})")


@pytest.mark.parametrize("dtype", DTYPES)
def test_normal_inplace(dtype):
    for mean, std in [(0, 1), (3, 0.5), (-2, 10), (1, 0)]:
        for n in [1, 5, 15, 16, 17, 33, 1000]:
            for seed in SEEDS[:3]:
                run_both(lambda T: T.empty(n, dtype=getattr(T, dtype)).normal_(mean, std), seed,
                         f"normal_({mean}, {std}) n={n}")


@pytest.mark.parametrize("dtype", DTYPES)
def test_noncontiguous_fill_order(dtype):
    # Non-contiguous outputs are filled in memory order (torch's TensorIterator order).
    for seed in SEEDS[:3]:
        run_both(lambda T: T.empty(20, 30, dtype=getattr(T, dtype)).t().uniform_(-2, 2), seed, "t().uniform_")
        run_both(lambda T: T.empty(20, 30, dtype=getattr(T, dtype)).t().normal_(1, 2), seed, "t().normal_")
        run_both(lambda T: T.empty(4, 5, 6, dtype=getattr(T, dtype)).permute(2, 0, 1).normal_(), seed, "permute normal_")
        run_both(lambda T: T.zeros(20, 30, dtype=getattr(T, dtype)).as_strided((10, 10), (60, 3), 1).uniform_(),
                 seed, "strided uniform_")
        run_both(lambda T: T.zeros(6, 8, dtype=getattr(T, dtype)).t().random_(0, 100), seed, "t().random_")
        run_both(lambda T: [T.rand_like(T.empty(5, 7, dtype=getattr(T, dtype)).t()),
                            T.randn_like(T.empty(9, 7, dtype=getattr(T, dtype)).t()),
                            T.randint_like(T.empty(3, 4, dtype=getattr(T, dtype)).t(), 10)], seed, "*_like")
    x = pag.randn_like(pag.empty(5, 7).t())
    assert x.stride() == (1, 7)


def test_normal_overloads():
    for seed in SEEDS[:4]:
        run_both(lambda T: T.normal(T.arange(20.), T.arange(20.) / 3), seed, "normal(T, T)")
        run_both(lambda T: T.normal(T.arange(20.), 2.0), seed, "normal(T, f)")
        run_both(lambda T: T.normal(T.arange(5.)), seed, "normal(T)")
        run_both(lambda T: T.normal(3.0, T.arange(20.)), seed, "normal(f, T)")
        run_both(lambda T: T.normal(3.0, 2.0, (4, 5)), seed, "normal(f, f, size)")
        run_both(lambda T: T.normal(2, 3, size=(17,), dtype=T.float64), seed, "normal(int, int, size)")
        run_both(lambda T: T.normal(T.zeros(3, 1), T.ones(4)), seed, "normal broadcast")
        run_both(lambda T: T.normal(T.zeros(3), T.ones(3, dtype=T.float64) * 0.3), seed, "normal mixed dtypes")
        run_both(lambda T: T.normal(T.zeros(2, dtype=T.float64), T.ones(2)), seed, "normal float64 mean")


# ---------------------------------------------------------------- integers
def test_randint_ranges():
    ranges = [(0, 2), (0, 10), (-5, 5), (0, 2**28 - 1), (0, 2**28), (0, 2**28 + 1), (-2**40, 2**41), (3, 2**62),
              (-2**63, 2**63 - 1)]
    for lo, hi in ranges:
        for n in [1, 17, 1000]:
            for seed in SEEDS[:3]:
                run_both(lambda T: T.randint(lo, hi, (n,)), seed, f"randint({lo}, {hi})")
    for seed in SEEDS:
        run_both(lambda T: [T.randint(7, (3, 4)), T.randint(high=5, size=(6,)), T.randint(low=2, high=9, size=[5]),
                            T.randint(10, (4,), dtype=T.float32), T.randint(-3, 2**20, (9,), dtype=T.float64),
                            T.randint(0, 2, (8,), dtype=T.bool), T.randint_like(T.zeros(3, 2), 3, 9),
                            T.randint_like(T.zeros(4, dtype=T.int64), high=100)], seed, "randint forms")


def test_randperm():
    for n in [0, 1, 2, 3, 10, 100, 1000, 5000]:
        for seed in SEEDS:
            run_both(lambda T: T.randperm(n), seed, f"randperm({n})")
    for seed in SEEDS[:3]:
        run_both(lambda T: [T.randperm(50, dtype=T.float32), T.randperm(50, dtype=T.float64)], seed, "randperm dtypes")


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_random_(dtype):
    forms = [lambda x: x.random_(), lambda x: x.random_(0, 2), lambda x: x.random_(1, None),
             lambda x: x.random_(to=2), lambda x: x.random_(0, to=2)]
    if dtype != "bool":
        forms += [lambda x: x.random_(7), lambda x: x.random_(-3, 2**20), lambda x: x.random_(5, None),
                  lambda x: x.random_(2**20, 2**21)]
    if dtype in ("int64",):
        forms += [lambda x: x.random_(-2**63, None), lambda x: x.random_(-2**40, 2**50)]
    if dtype in ("float32", "float64"):
        forms += [lambda x: x.random_(-2**63, None)]
    for i, f in enumerate(forms):
        for seed in SEEDS[:3]:
            run_both(lambda T: f(T.empty(100, dtype=getattr(T, dtype))), seed, f"random_ form {i}")


# ---------------------------------------------------------------- exponential_ / bernoulli
@pytest.mark.parametrize("dtype", DTYPES)
def test_exponential(dtype):
    for seed in SEEDS[:4]:
        run_both(lambda T: [T.empty(100, dtype=getattr(T, dtype)).exponential_(),
                            T.empty(3, 7, dtype=getattr(T, dtype)).exponential_(2.5)], seed, "exponential_")


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_bernoulli(dtype):
    # Torch's scalar-p kernel draws one double per element on this CPU (its MKL path is Intel-only).
    for seed in SEEDS[:4]:
        run_both(lambda T: [T.empty(100, dtype=getattr(T, dtype)).bernoulli_(0.3),
                            T.empty(5, 6, dtype=getattr(T, dtype)).t().bernoulli_(),
                            T.empty(50, dtype=getattr(T, dtype)).bernoulli_(T.rand(50)),
                            T.empty(4, 50, dtype=getattr(T, dtype)).bernoulli_(T.rand(50, dtype=T.float64)),
                            T.bernoulli(T.zeros(40, dtype=getattr(T, dtype)), 0.7)], seed, f"bernoulli {dtype}")
    for seed in SEEDS[:3]:
        run_both(lambda T: [T.bernoulli(T.linspace(0, 1, 100)), T.bernoulli(T.linspace(0, 1, 30, dtype=T.float64)),
                            T.linspace(0, 1, 20).bernoulli(), T.zeros(9).bernoulli(0.5)], seed, "bernoulli(p)")


# ---------------------------------------------------------------- generators and state
def test_generator_objects():
    tg, pg = torch.Generator(), pag.Generator()
    assert pg.initial_seed() == tg.initial_seed() == 67280421310721
    assert str(pg.device) == "cpu" and pag.Generator(device="cpu").initial_seed() == 67280421310721
    assert_same_state(tg, pg, "fresh Generator:")
    for seed in SEEDS:
        tg2, pg2 = torch.Generator().manual_seed(seed), pag.Generator().manual_seed(seed)
        torch.manual_seed(99)
        pag.manual_seed(99)
        outs_t = [torch.rand(5, generator=tg), torch.randn(3, generator=tg2), torch.randn(17, generator=tg),
                  torch.randint(0, 9, (4,), generator=tg2), torch.randperm(9, generator=tg), torch.randn(3),
                  torch.normal(0.0, 1.0, (5,), generator=tg2), torch.empty(6).uniform_(-1, 1, generator=tg),
                  torch.empty(6).normal_(generator=tg2), torch.empty(4).exponential_(generator=tg),
                  torch.empty(6).random_(generator=tg2), torch.empty(5).bernoulli_(0.5, generator=tg),
                  torch.rand_like(torch.zeros(3), generator=tg2), torch.bernoulli(torch.rand(4), generator=tg)]
        outs_p = [pag.rand(5, generator=pg), pag.randn(3, generator=pg2), pag.randn(17, generator=pg),
                  pag.randint(0, 9, (4,), generator=pg2), pag.randperm(9, generator=pg), pag.randn(3),
                  pag.normal(0.0, 1.0, (5,), generator=pg2), pag.empty(6).uniform_(-1, 1, generator=pg),
                  pag.empty(6).normal_(generator=pg2), pag.empty(4).exponential_(generator=pg),
                  pag.empty(6).random_(generator=pg2), pag.empty(5).bernoulli_(0.5, generator=pg),
                  pag.rand_like(pag.zeros(3), generator=pg2), pag.bernoulli(pag.rand(4), generator=pg)]
        for i, (p, t) in enumerate(zip(outs_p, outs_t)):
            assert_same(p, t, f"generator output {i}:")
        assert_same_state(tg, pg, "Generator():")
        assert_same_state(tg2, pg2, "Generator(seed):")
        assert_same_state(msg="default generator untouched by generator= calls:")


def test_seeds_and_initial_seed():
    for seed in SEEDS + [-1, -2**63, 2**64 - 1, True, "12", 3.7]:
        t, p = torch.manual_seed(seed), pag.manual_seed(seed)
        assert p is pag.default_generator and t is torch.default_generator
        assert pag.initial_seed() == torch.initial_seed()
        assert_same_state(msg=f"manual_seed({seed!r}):")
    s = pag.seed()
    assert isinstance(s, int) and 0 <= s < 2**64 and pag.initial_seed() == s
    torch.manual_seed(s)
    assert_same_state(msg="after seed():")
    g = pag.Generator()
    s = g.seed()
    assert g.initial_seed() == s
    assert pag.random.initial_seed() == pag.initial_seed()


def test_state_round_trip():
    for seed in SEEDS[:4]:
        torch.manual_seed(seed)
        pag.manual_seed(seed)
        torch.randn(3)
        pag.randn(3)
        st = pag.get_rng_state()
        assert st.dtype == pag.int64 and tuple(st.shape) == (5056,)
        first = [pag.rand(10), pag.randn(5), pag.randn(20, dtype=pag.float64)]
        pag.set_rng_state(st)
        again = [pag.rand(10), pag.randn(5), pag.randn(20, dtype=pag.float64)]
        for a, b in zip(first, again):
            assert np.array_equal(_np(a), _np(b))
        pag.set_rng_state(st.clone())
        torch.set_rng_state(torch.tensor(st.numpy().astype(np.uint8)))  # pag state -> torch
        run_both(lambda T: [T.rand(10), T.randn(5)], seed, "after set_rng_state")
    # torch's state bytes, including a cached normal, drive pyautograd to torch's numbers.
    torch.manual_seed(7)
    torch.randn(1)
    pag.set_rng_state(pag.tensor(torch.get_rng_state().numpy().astype(np.int64)))
    assert_same_state(msg="torch state -> pag:")
    assert_same(pag.randn(3), torch.randn(3))
    # Generator.get_state / set_state, pickling, fork_rng.
    g = pag.Generator().manual_seed(11)
    g_st = g.get_state()
    a = pag.rand(8, generator=g)
    assert g.set_state(g_st) is g
    assert np.array_equal(_np(pag.rand(8, generator=g)), _np(a))
    g.set_state(g_st)
    g2 = pickle.loads(pickle.dumps(g))
    assert g2.initial_seed() == 11 and np.array_equal(_np(g2.get_state()), _np(g_st))
    pag.manual_seed(5)
    before = state_bytes(pag)
    with pag.random.fork_rng():
        pag.randn(100)
    assert state_bytes(pag) == before


def test_state_errors():
    helper_test_exception(lambda: torch.set_rng_state([1, 2]), lambda: pag.set_rng_state([1, 2]))
    helper_test_exception(lambda: torch.set_rng_state(torch.zeros(5056)), lambda: pag.set_rng_state(pag.zeros(5056)))
    helper_test_exception(lambda: torch.set_rng_state(torch.zeros(5055, dtype=torch.uint8)),
                          lambda: pag.set_rng_state(pag.zeros(5055, dtype=pag.int64)))
    helper_test_exception(lambda: torch.set_rng_state(torch.zeros(5056, dtype=torch.uint8)),
                          lambda: pag.set_rng_state(pag.zeros(5056, dtype=pag.int64)))
    helper_test_exception(lambda: torch.manual_seed(2**64), lambda: pag.manual_seed(2**64))
    helper_test_exception(lambda: torch.manual_seed(-2**63 - 1), lambda: pag.manual_seed(-2**63 - 1))
    for bad in [1.5, "3", True]:
        helper_test_exception(lambda: torch.Generator().manual_seed(bad), lambda: pag.Generator().manual_seed(bad))


def test_thread_safety():
    # Each op holds its generator's lock for all its draws, so concurrent calls never
    # interleave words: the final state is that of the same calls made one after another.
    pag.manual_seed(0)
    torch.manual_seed(0)
    gens = [pag.Generator().manual_seed(i) for i in range(4)]

    def work(k):
        for _ in range(50):
            pag.rand(1000)
            pag.randn(100, generator=gens[k])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for _ in range(200):
        torch.rand(1000)
    assert_same_state(msg="after threads:")
    for k in range(4):
        tg = torch.Generator().manual_seed(k)
        for _ in range(50):
            torch.randn(100, generator=tg)
        assert_same_state(tg, gens[k], f"thread generator {k}:")


# ---------------------------------------------------------------- autograd
@pytest.mark.parametrize("name", ["uniform_", "normal_", "random_", "random_5", "random_2_5", "exponential_",
                                  "bernoulli_", "bernoulli_t", "bernoulli", "normal_tf", "normal_ft", "normal_tt"])
def test_autograd_nodes(name):
    ops = {
        "uniform_": lambda T, x: x.uniform_(), "normal_": lambda T, x: x.normal_(), "random_": lambda T, x: x.random_(),
        "random_5": lambda T, x: x.random_(5), "random_2_5": lambda T, x: x.random_(2, 5),
        "exponential_": lambda T, x: x.exponential_(), "bernoulli_": lambda T, x: x.bernoulli_(0.5),
        "bernoulli_t": lambda T, x: x.bernoulli_(T.full((3,), 0.5)), "bernoulli": lambda T, x: x.bernoulli(),
        "normal_tf": lambda T, x: T.normal(x, 1.0), "normal_ft": lambda T, x: T.normal(1.0, x),
        "normal_tt": lambda T, x: T.normal(x, x),
    }
    res = []
    for T in (torch, pag):
        T.manual_seed(0)
        y = T.ones(3, requires_grad=True)
        r = ops[name](T, y * 1)
        r.sum().backward()
        res.append((r.grad_fn.name(), r.requires_grad, y.grad.tolist()))
    assert res[1] == res[0]


def test_autograd_errors():
    helper_test_exception(lambda: torch.ones(3, requires_grad=True).uniform_(),
                          lambda: pag.ones(3, requires_grad=True).uniform_())
    names = [T.bernoulli(T.ones(3, requires_grad=True), 0.5).grad_fn.name() for T in (torch, pag)]
    assert names[1] == names[0]
    helper_test_exception(lambda: torch.bernoulli(torch.ones(3, requires_grad=True), 0.5).sum().backward(),
                          lambda: pag.bernoulli(pag.ones(3, requires_grad=True), 0.5).sum().backward())
    with pag.no_grad():
        w = pag.ones(3, requires_grad=True)
        w.uniform_(-1, 1)
    assert w.is_leaf and w.requires_grad


# ---------------------------------------------------------------- errors
ERRORS = [
    lambda T: T.rand(3, dtype=T.int64), lambda T: T.randn(3, dtype=T.int64), lambda T: T.rand(3, dtype=T.bool),
    lambda T: T.randint(5, (3,), requires_grad=True), lambda T: T.randint(5, 5, (3,)), lambda T: T.randint(5, 3, (3,)),
    lambda T: T.randperm(-1), lambda T: T.randperm(3, dtype=T.bool), lambda T: T.randperm(2**25, dtype=T.float32),
    lambda T: T.empty(3).uniform_(1, 0), lambda T: T.empty(3).uniform_(-3e38, 3e38),
    lambda T: T.empty(3).uniform_(0, 1e39), lambda T: T.empty(3).normal_(0, -1),
    lambda T: T.empty(3).exponential_(0), lambda T: T.empty(3, dtype=T.int64).exponential_(),
    lambda T: T.empty(3).bernoulli_(1.5), lambda T: T.bernoulli(T.full((3,), 1.5)),
    lambda T: T.empty(3, dtype=T.int64).normal_(), lambda T: T.empty(3, dtype=T.int64).uniform_(),
    lambda T: T.normal(0.0, 1.0), lambda T: T.normal(T.zeros(3), -1.0), lambda T: T.normal(T.zeros(3), -T.ones(3)),
    lambda T: T.empty(3).random_(5, 2), lambda T: T.empty(3, dtype=T.bool).random_(0, 3),
    lambda T: T.empty(3).random_(2**24, None), lambda T: T.empty(3, dtype=T.bool).random_(2, None),
    lambda T: T.randint(3, (2,), dtype=T.bool), lambda T: T.rand(-1), lambda T: T.randn(2, -1),
    lambda T: T.randint(3), lambda T: T.randint(0, 10, 5), lambda T: T.rand(3, generator=3),
    lambda T: T.empty(1).expand(3).uniform_(), lambda T: T.empty(1).expand(30).normal_(),
    lambda T: T.empty(1).expand(3).bernoulli_(0.5), lambda T: T.empty(3).bernoulli_(T.ones(3, dtype=T.int64)),
    lambda T: T.bernoulli(T.ones(2, dtype=T.int64)), lambda T: T.normal(1, T.ones(2, dtype=T.int64)),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    helper_test_exception(lambda: ERRORS[i](torch), lambda: ERRORS[i](pag))


def test_float_bound_warnings():
    for fn in [lambda T: T.empty(3).random_(0, 2**25), lambda T: T.empty(3).random_(-2**25, 5),
               lambda T: T.randint(0, 2**30, (3,), dtype=T.float32), lambda T: T.empty(3).random_(2**25)]:
        msgs = []
        for T in (torch, pag):
            with pytest.warns(UserWarning) as rec:
                fn(T)
            msgs.append([str(w.message).split(" (Triggered internally")[0] for w in rec])
        assert msgs[1] == msgs[0]
