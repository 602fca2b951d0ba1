"""torch.cuda as torch's CPU-only build behaves: nothing is available, the seeding
calls are no-ops (so `torch.cuda.manual_seed_all(0)` in a seeding helper works),
the memory counters read 0, and anything that needs a device raises torch's
AssertionError("Torch not compiled with CUDA enabled")."""
from contextlib import contextmanager

from ._device import device as _device_cls

_NOT_COMPILED = "Torch not compiled with CUDA enabled"


def _lazy_init():
    raise AssertionError(_NOT_COMPILED)


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def init():
    _lazy_init()


def is_bf16_supported(including_emulation=True):
    return False


def is_tf32_supported():
    return False


def get_arch_list():
    return []


def current_device():
    _lazy_init()


def set_device(device):
    d = _device_index(device)
    if d >= 0:
        _lazy_init()


def _device_index(device):
    if isinstance(device, int):
        return device
    if device is None:
        return -1
    d = device if isinstance(device, _device_cls) else _device_cls(device)
    if d.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {d}")
    return -1 if d.index is None else d.index


def get_device_name(device=None):
    _lazy_init()


def get_device_capability(device=None):
    _lazy_init()


def get_device_properties(device=None):
    _lazy_init()


def synchronize(device=None):
    _lazy_init()


def mem_get_info(device=None):
    _lazy_init()


def current_stream(device=None):
    _lazy_init()


def ipc_collect():
    _lazy_init()


def empty_cache():
    pass


def memory_allocated(device=None):
    return 0


def max_memory_allocated(device=None):
    return 0


def memory_reserved(device=None):
    return 0


def max_memory_reserved(device=None):
    return 0


def reset_peak_memory_stats(device=None):
    _lazy_init()


# Seeding and RNG state: torch queues these until CUDA is initialised, which never
# happens without CUDA, so they do nothing.
def manual_seed(seed):
    int(seed)


def manual_seed_all(seed):
    int(seed)


def seed():
    pass


def seed_all():
    pass


def initial_seed():
    _lazy_init()


def get_rng_state(device="cuda"):
    _lazy_init()


def get_rng_state_all():
    return []


def set_rng_state(new_state, device="cuda"):
    pass


def set_rng_state_all(new_states):
    pass


default_generators = ()


class device:
    """Context manager that changes the current CUDA device; index -1 (or None) is a no-op."""

    def __init__(self, device):
        self.idx = _device_index(device)
        self.prev_idx = -1

    def __enter__(self):
        if self.idx >= 0:
            raise RuntimeError("PyTorch was compiled without CUDA support")

    def __exit__(self, *args):
        return False


class device_of(device):
    """Context manager selecting the device of a tensor: a CPU tensor leaves the device unchanged."""

    def __init__(self, obj):
        super().__init__(-1)


@contextmanager
def stream(stream):
    if stream is not None:
        _lazy_init()
    yield
