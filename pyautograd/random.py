"""torch.random: the default CPU generator, seeding, and the generator state.

The random factories (rand, randn, randint, randperm, normal, bernoulli and the
*_like forms) are op-table rows (cpp/bindings/random.cpp) re-exported here; the
Tensor methods random_ / bernoulli_ are defined here, with torch's signatures. The
sampling itself is C++ (cpp/random/) and reproduces torch's CPU streams bit for bit. `get_rng_state()` returns an int64
tensor of the 5056 state bytes (Note [RNG state tensor] in cpp/bindings/random.cpp).
"""
import builtins
import contextlib
import operator
import warnings

from . import _C
from ._C import (rand, randn, randint, randperm, normal, bernoulli, rand_like, randn_like,  # noqa: F401
                 randint_like)

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "fork_rng"]

Generator = _C.Generator
default_generator = _C.default_generator
Tensor = _C.Tensor


def manual_seed(seed):
    """Seeds the default generator; returns it. Negative seeds wrap modulo 2**64."""
    seed = int(seed)
    return default_generator.manual_seed(seed)


def seed():
    """Seeds the default generator with a non-deterministic number and returns it."""
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """Restores the CPU generator's state on exit (there are no other devices to fork)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


# ---------------------------------------------------------------- argument helpers
def _type_name(x):
    if isinstance(x, Tensor):
        return "Tensor"
    if isinstance(x, _C.dtype):
        return "torch.dtype"
    return type(x).__name__


def _got(args, kwargs):
    parts = [_type_name(a) for a in args] + [f"{k}={_type_name(v)}" for k, v in kwargs.items()]
    return "(" + ", ".join(parts) + ")"


def _check_generator(name, generator):
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"{name}(): argument 'generator' must be torch.Generator, not {type(generator).__name__}")
    return generator


def _is_int(x):
    if isinstance(x, builtins.bool):
        return True
    if isinstance(x, Tensor):
        return x.dim() == 0 and not x.dtype.is_floating_point
    try:
        operator.index(x)
        return True
    except TypeError:
        return False


# ---------------------------------------------------------------- Tensor methods
def _tensor_random_(self, *args, generator=None, **kwargs):
    """random_() / random_(to) / random_(from, to) with to=None meaning the dtype's maximum."""
    _check_generator("random_", generator)
    unknown = set(kwargs) - {"from", "to"}
    if unknown or len(args) > 2:
        raise TypeError(f"random_() received an invalid combination of arguments - got {_got(args, kwargs)}")
    if len(args) == 2:
        frm, to, has_from = args[0], args[1], True
    elif len(args) == 1 and "to" in kwargs:
        frm, to, has_from = args[0], kwargs["to"], True
    elif len(args) == 1:
        frm, to, has_from = 0, args[0], False
    elif "from" in kwargs:
        frm, to, has_from = kwargs["from"], kwargs.get("to"), True
    elif "to" in kwargs:
        frm, to, has_from = 0, kwargs["to"], False
    else:
        return self._random_(generator)
    if not _is_int(frm) or (to is not None and not _is_int(to)) or (to is None and not has_from):
        raise TypeError(f"random_() received an invalid combination of arguments - got {_got(args, kwargs)}")
    if has_from:
        r = self._random_from_to_(int(frm), None if to is None else int(to), generator)
    else:
        r = self._random_to_(int(to), generator)
    if to is not None:
        _warn_float_bounds(self.dtype, int(frm), int(to) - 1)
    return r


def _warn_float_bounds(dtype, frm, to_inc):
    """torch's warning for integer bounds a floating dtype cannot represent exactly."""
    if not dtype.is_floating_point:
        return
    digits, name = (24, "float") if dtype == _C.float32 else (53, "double")
    for value, what in ((frm, "from"), (to_inc, "to - 1")):
        if value < -(1 << digits) or value > (1 << digits):
            warnings.warn(f"{what} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision limitations {name} "
                          "can support discrete uniform distribution only within this range. This warning will become "
                          "an error in version 1.7 release, please fix the code in advance", UserWarning, stacklevel=3)


def _tensor_bernoulli_(self, p=0.5, *, generator=None):
    _check_generator("bernoulli_", generator)
    if isinstance(p, Tensor):
        return self._bernoulli_tensor_(p, generator)
    return self._bernoulli_scalar_(float(p), generator)


def _install():
    Tensor.random_ = _tensor_random_
    Tensor.bernoulli_ = _tensor_bernoulli_


_install()
