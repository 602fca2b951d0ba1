"""torch.backends for a CPU-only build: the flags scripts set (cudnn.deterministic,
cudnn.benchmark, cuda.matmul.allow_tf32, ...) are stored and read back as torch's
CPU build does, and the availability queries answer as it does on a machine
without CUDA or MPS."""
import types


class _FlagModule(types.ModuleType):
    """A module whose flag attributes are properties that accept only bools.

    Note [Backend flags]: torch keeps these flags in C++ and its setters reject
    non-bools ("set_<flag> expects a bool, but got int"); we keep them as Python
    module state with the same checks, so `torch.backends.cudnn.benchmark = True`
    reads back True and a typo'd value fails as in torch."""


def _bool_flag(store, name, setter_name):
    def get(self):
        return store[name]

    def set_(self, value):
        if not isinstance(value, bool):
            raise RuntimeError(f"{setter_name} expects a bool, but got {type(value).__name__}")
        store[name] = value

    return property(get, set_)


# ---------------------------------------------------------------- deterministic algorithms
# torch.use_deterministic_algorithms and friends. Our CPU kernels give the same result on
# every run, so the mode changes no algorithm; it is kept so scripts can set and read it.
_deterministic = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode, *, warn_only=False):
    if not isinstance(mode, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not "
                        f"{type(mode).__name__}")
    if not isinstance(warn_only, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'warn_only' must be bool, not "
                        f"{type(warn_only).__name__}")
    _deterministic["mode"] = mode
    _deterministic["warn_only"] = warn_only


def are_deterministic_algorithms_enabled():
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled():
    return _deterministic["warn_only"]


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode):
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got "
                               f"{debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    elif not isinstance(debug_mode, int):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    if not _deterministic["mode"]:
        return 0
    return 1 if _deterministic["warn_only"] else 2


from . import cuda, cudnn, mps  # noqa: E402,F401
