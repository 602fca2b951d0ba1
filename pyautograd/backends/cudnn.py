"""torch.backends.cudnn: no cuDNN here; the flags are kept and read back (Note [Backend flags])."""
import sys
from contextlib import contextmanager

from . import _FlagModule, _bool_flag

_flags = {"enabled": True, "benchmark": False, "deterministic": False, "allow_tf32": True}


def version():
    """The cuDNN version, None without cuDNN."""
    return None


def is_available():
    return False


def is_acceptable(tensor):
    return False


def set_flags(_enabled=None, _benchmark=None, _benchmark_limit=None, _deterministic=None, _allow_tf32=None,
              _fp32_precision="none", _depthwise_kernel=None):
    """Sets the given flags and returns the previous (enabled, benchmark, benchmark_limit, deterministic,
    allow_tf32) as torch's set_flags does."""
    orig = (_flags["enabled"], _flags["benchmark"], None, _flags["deterministic"], _flags["allow_tf32"])
    mod = sys.modules[__name__]
    for name, value in (("enabled", _enabled), ("benchmark", _benchmark), ("deterministic", _deterministic),
                        ("allow_tf32", _allow_tf32)):
        if value is not None:
            setattr(mod, name, value)
    return orig


@contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False, allow_tf32=True,
          fp32_precision="none", depthwise_kernel="auto"):
    orig = set_flags(enabled, benchmark, benchmark_limit, deterministic, allow_tf32)
    try:
        yield
    finally:
        set_flags(*orig)


class CudnnModule(_FlagModule):
    enabled = _bool_flag(_flags, "enabled", "set_enabled_cudnn")
    benchmark = _bool_flag(_flags, "benchmark", "set_benchmark_cudnn")
    deterministic = _bool_flag(_flags, "deterministic", "set_deterministic_cudnn")
    allow_tf32 = _bool_flag(_flags, "allow_tf32", "set_allow_tf32_cublas")


sys.modules[__name__].__class__ = CudnnModule
