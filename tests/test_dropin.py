"""The drop-in surface a torch script touches besides tensor ops: torch.cuda, torch.backends,
torch.accelerator, the default device, the deterministic-algorithms switches, torch's
constants, torch.nn.utils and the whole-tensor comparisons (equal, isclose, allclose), each
compared with torch's CPU-only build (values returned and errors raised)."""
import numpy as np
import pyautograd as pag
import pytest
import torch

from helpers import assert_close, helper_test_exception


@pytest.fixture(autouse=True)
def _restore_global_state():
    """Every test leaves torch's and pyautograd's global flags as it found them."""
    saved = []
    for lib in (torch, pag):
        c = lib.backends.cudnn
        saved.append((c.enabled, c.benchmark, c.deterministic, c.allow_tf32, lib.backends.cuda.matmul.allow_tf32,
                      lib.are_deterministic_algorithms_enabled(), lib.is_deterministic_algorithms_warn_only_enabled()))
    yield
    for lib, s in zip((torch, pag), saved):
        c = lib.backends.cudnn
        c.enabled, c.benchmark, c.deterministic, c.allow_tf32, lib.backends.cuda.matmul.allow_tf32 = s[:5]
        lib.use_deterministic_algorithms(s[5], warn_only=s[6])
        lib.set_default_device(None)


# ---------------------------------------------------------------- torch.cuda
CUDA_QUERIES = ["is_available", "device_count", "is_initialized", "is_bf16_supported", "get_arch_list",
                "memory_allocated", "max_memory_allocated", "memory_reserved", "max_memory_reserved", "empty_cache",
                "seed", "seed_all", "get_rng_state_all"]


@pytest.mark.parametrize("name", CUDA_QUERIES)
def test_cuda_queries_return_torch_values(name):
    assert getattr(pag.cuda, name)() == getattr(torch.cuda, name)()


@pytest.mark.parametrize("seed", [0, 1234, 2**40, "7"])
def test_cuda_seeding_is_a_noop(seed):
    # torch queues CUDA seeding until CUDA initialises, which never happens without CUDA: the
    # CPU stream must not move.
    pag.manual_seed(3)
    torch.manual_seed(3)
    assert pag.cuda.manual_seed(seed) is None and torch.cuda.manual_seed(seed) is None
    assert pag.cuda.manual_seed_all(seed) is None and torch.cuda.manual_seed_all(seed) is None
    assert pag.rand(4).tolist() == torch.rand(4).tolist()
    assert pag.cuda.is_initialized() is torch.cuda.is_initialized() is False


def test_cuda_seed_must_be_an_integer():
    helper_test_exception(lambda: torch.cuda.manual_seed("x"), lambda: pag.cuda.manual_seed("x"))
    helper_test_exception(lambda: torch.cuda.manual_seed_all("x"), lambda: pag.cuda.manual_seed_all("x"))


@pytest.mark.parametrize("call", [
    lambda m: m.synchronize(), lambda m: m.synchronize(0), lambda m: m.current_device(),
    lambda m: m.get_device_name(), lambda m: m.get_device_name(0), lambda m: m.get_device_capability(),
    lambda m: m.get_device_properties(0), lambda m: m.init(), lambda m: m.initial_seed(),
    lambda m: m.get_rng_state(), lambda m: m.mem_get_info(), lambda m: m.current_stream(),
    lambda m: m.set_device("cpu"),
])
def test_cuda_device_calls_fail_as_torch(call):
    helper_test_exception(lambda: call(torch.cuda), lambda: call(pag.cuda))


def test_cuda_device_context():
    helper_test_exception(lambda: torch.cuda.device(0).__enter__(), lambda: pag.cuda.device(0).__enter__())
    for lib in (torch, pag):
        with lib.cuda.device(-1):
            pass
        with lib.cuda.device_of(lib.ones(1)):
            pass


def test_cuda_tensor_paths_fail_as_torch():
    helper_test_exception(lambda: torch.ones(2).cuda(), lambda: pag.ones(2).cuda())
    helper_test_exception(lambda: torch.ones(2).to("cuda"), lambda: pag.ones(2).to("cuda"))
    helper_test_exception(lambda: torch.zeros(2, device="cuda:0"), lambda: pag.zeros(2, device="cuda:0"))
    helper_test_exception(lambda: torch.zeros(2, device="xpu"), lambda: pag.zeros(2, device="xpu"))


def test_device_selection_idiom():
    # the line every tutorial has
    for lib in (torch, pag):
        dev = lib.device("cuda" if lib.cuda.is_available() else "cpu")
        assert str(dev) == "cpu"
        assert lib.ones(2, device=dev).to(dev).device == dev


# ---------------------------------------------------------------- torch.backends
FLAGS = ["enabled", "benchmark", "deterministic", "allow_tf32"]


@pytest.mark.parametrize("flag", FLAGS)
def test_cudnn_flags_set_and_read(flag):
    assert getattr(pag.backends.cudnn, flag) == getattr(torch.backends.cudnn, flag)
    for value in (True, False, True):
        setattr(torch.backends.cudnn, flag, value)
        setattr(pag.backends.cudnn, flag, value)
        assert getattr(pag.backends.cudnn, flag) is getattr(torch.backends.cudnn, flag) is value


@pytest.mark.parametrize("flag", FLAGS)
@pytest.mark.parametrize("value", [1, "x", None])
def test_cudnn_flags_reject_non_bools(flag, value):
    before = getattr(pag.backends.cudnn, flag)
    helper_test_exception(lambda: setattr(torch.backends.cudnn, flag, value),
                          lambda: setattr(pag.backends.cudnn, flag, value))
    assert getattr(pag.backends.cudnn, flag) is before


def test_cudnn_queries_and_flags_context():
    c, t = pag.backends.cudnn, torch.backends.cudnn
    assert c.is_available() == t.is_available() and c.version() == t.version()
    assert c.is_acceptable(pag.ones(1)) == t.is_acceptable(torch.ones(1))
    c.benchmark = t.benchmark = True
    with c.flags(), t.flags():
        assert [getattr(c, f) for f in FLAGS] == [getattr(t, f) for f in FLAGS]
    with c.flags(enabled=True, deterministic=True), t.flags(enabled=True, deterministic=True):
        assert [getattr(c, f) for f in FLAGS] == [getattr(t, f) for f in FLAGS]
    assert [getattr(c, f) for f in FLAGS] == [getattr(t, f) for f in FLAGS]
    assert c.benchmark is True
    helper_test_exception(lambda: t.no_such_flag, lambda: c.no_such_flag, exact=False)


def test_cuda_matmul_flags():
    m, t = pag.backends.cuda.matmul, torch.backends.cuda.matmul
    for name in ("allow_tf32", "allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction"):
        assert getattr(m, name) == getattr(t, name)
    m.allow_tf32 = t.allow_tf32 = True
    assert m.allow_tf32 is t.allow_tf32 is True
    helper_test_exception(lambda: setattr(t, "allow_tf32", "x"), lambda: setattr(m, "allow_tf32", "x"))
    helper_test_exception(lambda: setattr(t, "foo", 1), lambda: setattr(m, "foo", 1))
    assert pag.backends.cuda.is_built() == torch.backends.cuda.is_built()


def test_mps_and_accelerator():
    assert pag.backends.mps.is_available() == torch.backends.mps.is_available() is False
    assert pag.backends.mps.is_built() == torch.backends.mps.is_built()
    assert pag.accelerator.is_available() == torch.accelerator.is_available() is False
    assert pag.accelerator.current_accelerator() is torch.accelerator.current_accelerator() is None
    assert pag.accelerator.current_accelerator(check_available=True) is None
    assert pag.accelerator.device_count() == torch.accelerator.device_count()
    for name in ("current_device_index", "synchronize", "empty_cache", "memory_allocated", "current_stream",
                 "get_device_capability"):
        helper_test_exception(getattr(torch.accelerator, name), getattr(pag.accelerator, name))
    helper_test_exception(lambda: torch.accelerator.set_device_index(0), lambda: pag.accelerator.set_device_index(0))
    with pag.accelerator.device_index(None), torch.accelerator.device_index(None):
        pass
    helper_test_exception(lambda: torch.accelerator.device_index(0).__enter__(),
                          lambda: pag.accelerator.device_index(0).__enter__())


# ---------------------------------------------------------------- default device
@pytest.mark.parametrize("dev", ["cpu", "cpu:0", "device", None])
def test_default_device(dev):
    for lib in (torch, pag):
        d = lib.device("cpu") if dev == "device" else dev
        lib.set_default_device(d)
    assert repr(pag.get_default_device()) == repr(torch.get_default_device())
    assert repr(pag.zeros(2)) == repr(torch.zeros(2))


def test_default_device_context_manager():
    for lib in (torch, pag):
        with lib.device("cpu:0"):
            inside = repr(lib.get_default_device())
        assert (inside, repr(lib.get_default_device())) == ("device(type='cpu', index=0)", "device(type='cpu')")


def test_default_device_errors():
    # torch accepts set_default_device("cuda") and fails at the first allocation; we fail at
    # once, with the error type (and, where torch has a fixed one, the message) of that allocation.
    def torch_cuda():
        torch.set_default_device("cuda")
        try:
            torch.zeros(1)
        finally:
            torch.set_default_device(None)
    helper_test_exception(torch_cuda, lambda: pag.set_default_device("cuda"))
    helper_test_exception(lambda: torch.ones(1).to("mps"), lambda: pag.set_default_device("mps"), exact=False)
    helper_test_exception(lambda: torch.set_default_device("foo"), lambda: pag.set_default_device("foo"))
    helper_test_exception(lambda: torch.set_default_device(0), lambda: pag.set_default_device(0))
    assert repr(pag.get_default_device()) == "device(type='cpu')"


# ---------------------------------------------------------------- deterministic algorithms
def test_deterministic_algorithms():
    for lib in (torch, pag):
        lib.use_deterministic_algorithms(True)
    assert pag.are_deterministic_algorithms_enabled() is torch.are_deterministic_algorithms_enabled() is True
    assert pag.get_deterministic_debug_mode() == torch.get_deterministic_debug_mode()
    for lib in (torch, pag):
        lib.use_deterministic_algorithms(False, warn_only=True)
    assert pag.is_deterministic_algorithms_warn_only_enabled() is torch.is_deterministic_algorithms_warn_only_enabled()
    assert pag.get_deterministic_debug_mode() == torch.get_deterministic_debug_mode()
    for mode in ("default", "warn", "error", 0, 1, 2, True):
        torch.set_deterministic_debug_mode(mode)
        pag.set_deterministic_debug_mode(mode)
        assert pag.get_deterministic_debug_mode() == torch.get_deterministic_debug_mode()
        assert pag.are_deterministic_algorithms_enabled() == torch.are_deterministic_algorithms_enabled()
        assert (pag.is_deterministic_algorithms_warn_only_enabled()
                == torch.is_deterministic_algorithms_warn_only_enabled())


@pytest.mark.parametrize("call", [
    lambda m: m.use_deterministic_algorithms("x"), lambda m: m.use_deterministic_algorithms(1),
    lambda m: m.use_deterministic_algorithms(None), lambda m: m.use_deterministic_algorithms(True, warn_only=1),
    lambda m: m.set_deterministic_debug_mode("bad"), lambda m: m.set_deterministic_debug_mode(5),
    lambda m: m.set_deterministic_debug_mode(1.5),
])
def test_deterministic_errors(call):
    helper_test_exception(lambda: call(torch), lambda: call(pag))


def test_seeding_helper_runs_unchanged():
    # the usual "seed everything" helper of training scripts
    def seed_everything(lib, seed):
        lib.manual_seed(seed)
        lib.cuda.manual_seed_all(seed)
        lib.backends.cudnn.deterministic = True
        lib.backends.cudnn.benchmark = False
        lib.use_deterministic_algorithms(True, warn_only=True)
        return lib.randn(3, 2)
    assert repr(seed_everything(pag, 7)) == repr(seed_everything(torch, 7))


# ---------------------------------------------------------------- torch.nn.utils
def _params(m, dtypes=("float32", "float64", "float32"), grads=True, special=None):
    """Three parameters (one without a gradient) with seeded values and gradients."""
    rng = np.random.default_rng(1)
    ps = []
    for i, dt in enumerate(dtypes):
        p = m.nn.Parameter(m.tensor(rng.uniform(-1, 1, size=(3, 4 - i)).astype(dt)))
        g = rng.uniform(-3, 3, size=(3, 4 - i)).astype(dt)
        if special is not None and i == 0:
            g[0, 0] = special
        if grads and i != 1:
            p.grad = m.tensor(g)
        ps.append(p)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 2, 1, 3.5, 0.5, 0, float("inf"), float("-inf"), "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1000.0])
@pytest.mark.parametrize("dtypes", [("float32", "float64", "float32"), ("float64",) * 3])
def test_clip_grad_norm(norm_type, max_norm, dtypes):
    tp, pp = _params(torch, dtypes), _params(pag, dtypes)
    tn = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type=norm_type)
    pn = pag.nn.utils.clip_grad_norm_(pp, max_norm, norm_type=norm_type)
    assert_close(pn, tn, rtol=1e-5, atol=1e-6)
    for t, p in zip(tp, pp):
        assert (p.grad is None) == (t.grad is None)
        if t.grad is not None:
            assert_close(p.grad, t.grad, rtol=1e-5, atol=1e-6)


def test_clip_grad_norm_forms():
    # a single tensor, a generator, foreach either way, the deprecated alias, the two halves
    for kwargs in ({}, {"foreach": True}, {"foreach": False}, {"error_if_nonfinite": True}):
        tp, pp = _params(torch), _params(pag)
        tn = torch.nn.utils.clip_grad_norm_((p for p in tp), 1.0, **kwargs)
        pn = pag.nn.utils.clip_grad_norm_((p for p in pp), 1.0, **kwargs)
        assert_close(pn, tn)
        assert_close(pp[0].grad, tp[0].grad)
    tp, pp = _params(torch), _params(pag)
    assert_close(pag.nn.utils.clip_grad_norm_(pp[0], 0.1), torch.nn.utils.clip_grad_norm_(tp[0], 0.1))
    assert_close(pp[0].grad, tp[0].grad)
    tp, pp = _params(torch), _params(pag)
    with pytest.warns(FutureWarning):
        pn = pag.nn.utils.clip_grad_norm(pp, 1.0)
    with pytest.warns(FutureWarning):
        tn = torch.nn.utils.clip_grad_norm(tp, 1.0)
    assert_close(pn, tn)
    tp, pp = _params(torch), _params(pag)
    tn = torch.nn.utils.get_total_norm([p.grad for p in tp if p.grad is not None], 3.0)
    pn = pag.nn.utils.get_total_norm([p.grad for p in pp if p.grad is not None], 3.0)
    assert_close(pn, tn)
    torch.nn.utils.clip_grads_with_norm_(tp, 2.0, tn)
    pag.nn.utils.clip_grads_with_norm_(pp, 2.0, pn)
    assert_close(pp[2].grad, tp[2].grad)
    # no gradients at all: the total norm is tensor(0.) and nothing changes
    tn = torch.nn.utils.clip_grad_norm_(_params(torch, grads=False), 1.0)
    pn = pag.nn.utils.clip_grad_norm_(_params(pag, grads=False), 1.0)
    assert repr(pn) == repr(tn)
    with pytest.warns(UserWarning, match="empty generator"):
        pag.nn.utils.clip_grad_norm_((p for p in []), 1.0)
    # the returned norm carries no graph, whatever the gradients do
    assert not pn.requires_grad


@pytest.mark.parametrize("special", [float("nan"), float("inf")])
@pytest.mark.parametrize("norm_type", [2.0, float("inf"), 1])
def test_clip_grad_norm_nonfinite(special, norm_type):
    helper_test_exception(
        lambda: torch.nn.utils.clip_grad_norm_(_params(torch, special=special), 1.0, norm_type, True),
        lambda: pag.nn.utils.clip_grad_norm_(_params(pag, special=special), 1.0, norm_type, True))
    tp, pp = _params(torch, special=special), _params(pag, special=special)
    assert_close(pag.nn.utils.clip_grad_norm_(pp, 1.0, norm_type), torch.nn.utils.clip_grad_norm_(tp, 1.0, norm_type))
    for t, p in zip(tp, pp):
        if t.grad is not None:
            assert_close(p.grad, t.grad)


@pytest.mark.parametrize("norm_type", [float("inf"), float("-inf"), -1, 0, 2])
def test_clip_grad_norm_empty_grad(norm_type):
    def run(m):
        p, q = m.nn.Parameter(m.ones(0)), m.nn.Parameter(m.ones(2))
        p.grad, q.grad = m.ones(0), m.ones(2) * 3
        return m.nn.utils.clip_grad_norm_([p, q], 1.0, norm_type), q.grad
    if norm_type < 0 or norm_type == float("inf"):
        helper_test_exception(lambda: run(torch), lambda: run(pag))
    else:
        for po, to in zip(run(pag), run(torch)):
            assert_close(po, to)


@pytest.mark.parametrize("clip_value", [0.5, 2, 100.0])
def test_clip_grad_value(clip_value):
    for special in (None, float("nan"), float("-inf")):
        tp, pp = _params(torch, special=special), _params(pag, special=special)
        assert torch.nn.utils.clip_grad_value_(tp, clip_value) is None
        assert pag.nn.utils.clip_grad_value_(pp, clip_value) is None
        for t, p in zip(tp, pp):
            if t.grad is not None:
                assert_close(p.grad, t.grad)
    tp, pp = _params(torch), _params(pag)
    torch.nn.utils.clip_grad_value_(tp[0], clip_value, foreach=True)
    pag.nn.utils.clip_grad_value_(pp[0], clip_value, foreach=True)
    assert_close(pp[0].grad, tp[0].grad)


def test_parameters_to_vector_and_back():
    tp, pp = _params(torch, ("float32",) * 3), _params(pag, ("float32",) * 3)
    tv, pv = torch.nn.utils.parameters_to_vector(tp), pag.nn.utils.parameters_to_vector(pp)
    assert_close(pv, tv)
    assert pv.grad_fn.name() == tv.grad_fn.name()
    (tv * torch.arange(tv.numel())).sum().backward()
    (pv * pag.arange(pv.numel())).sum().backward()
    for t, p in zip(tp, pp):
        assert_close(p.grad, t.grad)
    new_t = torch.linspace(-1, 1, tv.numel())
    new_p = pag.linspace(-1, 1, pv.numel())
    assert torch.nn.utils.vector_to_parameters(new_t, tp) is None
    assert pag.nn.utils.vector_to_parameters(new_p, pp) is None
    for t, p in zip(tp, pp):
        assert_close(p, t)
        assert p.requires_grad and p.is_leaf and type(p) is pag.nn.Parameter
    new_p.zero_()  # the parameters now view the vector's storage, as in torch
    new_t.zero_()
    assert_close(pp[1], tp[1])
    helper_test_exception(lambda: torch.nn.utils.vector_to_parameters([1.0], tp),
                          lambda: pag.nn.utils.vector_to_parameters([1.0], pp))
    helper_test_exception(lambda: torch.nn.utils.parameters_to_vector([]),
                          lambda: pag.nn.utils.parameters_to_vector([]))


# ---------------------------------------------------------------- equal / isclose / allclose
CLOSE_CASES = {
    "same": (lambda m: m.tensor([1.0, 2.0]), lambda m: m.tensor([1.0, 2.0])),
    "rtol_edge": (lambda m: m.tensor([1.0, 2.0]), lambda m: m.tensor([1.00001, 2.1])),
    "tiny": (lambda m: m.tensor([1e-9, 0.0, -1e-9]), lambda m: m.tensor([0.0, 1e-8, 2e-8])),
    "nan": (lambda m: m.tensor([float("nan"), 1.0]), lambda m: m.tensor([float("nan"), 1.0])),
    "inf": (lambda m: m.tensor([float("inf"), float("-inf"), float("inf")]),
            lambda m: m.tensor([float("inf"), float("inf"), 1e38])),
    "broadcast": (lambda m: m.ones(2, 3), lambda m: m.tensor([1.0, 1.000001, 1.1])),
    "f64": (lambda m: m.tensor([1.0, 1 + 1e-6], dtype=m.float64), lambda m: m.tensor([1.0, 1.0], dtype=m.float64)),
    "int": (lambda m: m.tensor([1, 2, 3]), lambda m: m.tensor([1, 3, 100])),
    "bool": (lambda m: m.tensor([True, False]), lambda m: m.tensor([True, True])),
    "scalar": (lambda m: m.tensor(3.0), lambda m: m.tensor(3.0000001)),
    "empty": (lambda m: m.ones(0, 2), lambda m: m.ones(0, 2)),
}
CLOSE_KWARGS = [{}, {"rtol": 0.1}, {"atol": 1}, {"rtol": 0, "atol": 0}, {"equal_nan": True}, {"rtol": 1, "atol": 0.5},
                {"rtol": True}, {"atol": 2}]


@pytest.mark.parametrize("kwargs", CLOSE_KWARGS)
@pytest.mark.parametrize("case", sorted(CLOSE_CASES))
def test_isclose_allclose(case, kwargs):
    mk_a, mk_b = CLOSE_CASES[case]
    ta, tb, pa, pb = mk_a(torch), mk_b(torch), mk_a(pag), mk_b(pag)
    assert_close(pag.isclose(pa, pb, **kwargs), torch.isclose(ta, tb, **kwargs))
    assert_close(pa.isclose(pb, **kwargs), ta.isclose(tb, **kwargs))
    assert pag.allclose(pa, pb, **kwargs) is torch.allclose(ta, tb, **kwargs)
    assert pa.allclose(pb, **kwargs) is ta.allclose(tb, **kwargs)


@pytest.mark.parametrize("case", sorted(CLOSE_CASES))
def test_equal(case):
    mk_a, mk_b = CLOSE_CASES[case]
    for x, y in ((mk_a, mk_b), (mk_a, mk_a)):
        assert pag.equal(x(pag), y(pag)) is torch.equal(x(torch), y(torch))
        assert x(pag).equal(y(pag)) is x(torch).equal(y(torch))
    # equal promotes across dtypes and never broadcasts
    assert pag.equal(pag.ones(2), pag.ones(2, dtype=pag.int64)) is torch.equal(torch.ones(2), torch.ones(2).long())
    assert pag.equal(pag.ones(2), pag.ones(1)) is torch.equal(torch.ones(2), torch.ones(1)) is False


@pytest.mark.parametrize("call", [
    lambda m: m.isclose(m.ones(2), m.ones(2, dtype=m.float64)), lambda m: m.allclose(m.ones(2), m.ones(2).long()),
    lambda m: m.ones(2).isclose(m.ones(2) > 0), lambda m: m.tensor([1]).allclose(m.tensor([True])),
    lambda m: m.isclose(m.ones(2), m.ones(2), rtol=-1), lambda m: m.isclose(m.ones(2), m.ones(2), atol=-0.5),
    lambda m: m.allclose(m.ones(2), m.ones(2), rtol=float("nan")), lambda m: m.isclose(m.ones(2, 3), m.ones(2)),
    lambda m: m.allclose(m.ones(2, 3), m.ones(2)), lambda m: m.isclose(m.ones(2), 1.0),
    lambda m: m.ones(2).isclose(1.0), lambda m: m.allclose(m.ones(2), [1.0, 1.0]), lambda m: m.equal(m.ones(2), 1),
    lambda m: m.ones(2).equal(1), lambda m: m.isclose(1.0, m.ones(2)),
    lambda m: m.allclose(m.ones(2), m.ones(2), equal_nan=1), lambda m: m.isclose(m.ones(2), m.ones(2), rtol="a"),
    lambda m: m.isclose(m.ones(2), m.ones(2), rtol=None),
])
def test_close_errors(call):
    helper_test_exception(lambda: call(torch), lambda: call(pag))


def test_constants():
    for name in ("pi", "e", "inf", "nan", "newaxis"):
        t, p = getattr(torch, name), getattr(pag, name)
        assert type(p) is type(t) and (repr(p) == repr(t))
