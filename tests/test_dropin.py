"""The drop-in surface a torch script touches besides tensors: torch.cuda, torch.backends,
torch.accelerator, the default device and the deterministic-algorithms switches, each
compared with torch's CPU-only build (values returned and errors raised)."""
import pyautograd as pag
import pytest
import torch

from helpers import helper_test_exception


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
