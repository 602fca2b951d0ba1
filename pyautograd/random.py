"""torch.random: the default CPU generator, seeding, and the generator state.

The random factories (rand, randn, randint, randperm, normal, bernoulli and the
*_like forms) and the Tensor methods random_ / bernoulli_ / bernoulli are defined
here too, with torch's signatures; the sampling itself is C++ (cpp/random/) and
reproduces torch's CPU streams bit for bit. `get_rng_state()` returns an int64
tensor of the 5056 state bytes (Note [RNG state tensor] in cpp/bindings/random.cpp).
"""
import builtins
import contextlib
import numbers
import operator
import warnings

from . import _C
from ._creation import _parse_size


def _size_args(args, name):
    """Sizes given as varargs ints or one sequence; () is a 0-dim shape."""
    return _parse_size(args, {}, name) if args else []
from ._device import _check_device

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


_TAIL = ("Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, "
         "bool pin_memory = False, bool requires_grad = False)")
_RANDINT_SIGS = (
    " * (int high, tuple of ints size, *, torch.Generator generator, " + _TAIL + "\n"
    " * (int high, tuple of ints size, *, " + _TAIL + "\n"
    " * (int low, int high, tuple of ints size, *, torch.Generator generator, " + _TAIL + "\n"
    " * (int low, int high, tuple of ints size, *, " + _TAIL + "\n")
_NORMAL_SIGS = (
    " * (Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
    " * (Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor out = None)\n"
    " * (float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
    " * (float mean, float std, tuple of ints size, *, torch.Generator generator = None, Tensor out = None, "
    "torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, bool pin_memory = False, "
    "bool requires_grad = False)\n")


def _invalid(name, sigs, args, kwargs):
    return TypeError(f"{name}() received an invalid combination of arguments - got {_got(args, kwargs)}, "
                     f"but expected one of:\n{sigs}")


def _check_generator(name, generator):
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"{name}(): argument 'generator' must be torch.Generator, not {type(generator).__name__}")
    return generator


def _size_factory_generator(name, args, size, generator):
    """rand/randn's TypeError for a generator= that is not a Generator."""
    if generator is not None and not isinstance(generator, Generator):
        kwargs = {k: v for k, v in dict(size=size, generator=generator).items() if v is not None}
        sigs = (f" * (tuple of ints size, *, torch.Generator generator, {_TAIL}\n"
                f" * (tuple of ints size, *, {_TAIL}\n")
        raise _invalid(name, sigs, args, kwargs)


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


def _is_number(x):
    if isinstance(x, Tensor):
        return x.dim() == 0
    return isinstance(x, numbers.Real)


def _shape(name, args, size):
    if size is not None:
        if args:
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        args = (size,)
    return list(_size_args(tuple(args), name))


def _finish(t, requires_grad):
    if requires_grad:
        if not t.dtype.is_floating_point:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t.requires_grad_(True)
    return t


# ---------------------------------------------------------------- factories
def rand(*args, size=None, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    _check_device(device)
    _size_factory_generator("rand", args, size, generator)
    return _finish(_C._rand(_shape("rand", args, size), dtype or _C.get_default_dtype(), generator), requires_grad)


def randn(*args, size=None, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    _check_device(device)
    _size_factory_generator("randn", args, size, generator)
    return _finish(_C._randn(_shape("randn", args, size), dtype or _C.get_default_dtype(), generator), requires_grad)


def randint(*args, size=None, low=None, high=None, generator=None, dtype=None, layout=None, device=None,
            requires_grad=False, pin_memory=False):
    """randint(high, size) or randint(low, high, size); int64 unless dtype= is given."""
    _check_device(device)
    given = dict(size=size, low=low, high=high, generator=generator, dtype=dtype)
    kwargs = {k: v for k, v in given.items() if v is not None}
    pos = list(args)
    if size is None and pos:
        size = pos.pop()
    if len(pos) == 2 and low is None and high is None:
        low, high = pos
    elif len(pos) == 1 and high is None:
        high = pos[0]
    elif len(pos) == 1 and low is None:
        low = pos[0]
    elif pos:
        raise _invalid("randint", _RANDINT_SIGS, args, kwargs)
    low = 0 if low is None else low
    if (high is None or size is None or not isinstance(size, (tuple, list)) or not _is_int(low) or not _is_int(high)
            or (generator is not None and not isinstance(generator, Generator))):
        raise _invalid("randint", _RANDINT_SIGS, args, kwargs)
    shape = list(_size_args(tuple(size), "randint"))
    t = _C._randint(int(low), int(high), shape, dtype or _C.int64, generator)
    _warn_float_bounds(t.dtype, int(low), int(high) - 1)
    return _finish(t, requires_grad)


def randperm(n, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    _check_device(device)
    _check_generator("randperm", generator)
    if not _is_int(n):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    return _finish(_C._randperm(int(n), dtype or _C.int64, generator), requires_grad)


def normal(mean=None, std=None, size=None, *, generator=None, dtype=None, layout=None, device=None,
           pin_memory=False, requires_grad=False):
    """normal(Tensor mean, Tensor std) / (Tensor mean, float std=1) / (float mean, Tensor std) /
    (float mean, float std, size)."""
    _check_device(device)
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    ok_gen = generator is None or isinstance(generator, Generator)
    if ok_gen and size is None and mt and st:
        r = _C._normal_tt(mean, std, generator)
    elif ok_gen and size is None and mt and (std is None or _is_number(std)):
        r = _C._normal_tf(mean, 1.0 if std is None else float(std), generator)
    elif ok_gen and size is None and st and mean is not None and _is_number(mean):
        r = _C._normal_ft(float(mean), std, generator)
    elif (ok_gen and size is not None and mean is not None and std is not None and _is_number(mean)
          and _is_number(std) and not mt and not st):
        shape = list(_size_args(tuple(size) if isinstance(size, (tuple, list)) else (size,), "normal"))
        r = _C._normal_ff(float(mean), float(std), shape, dtype or _C.get_default_dtype(), generator)
    else:
        args = [a for a in (mean, std) if a is not None]
        kwargs = {k: v for k, v in dict(size=size, generator=generator).items() if v is not None}
        raise _invalid("normal", _NORMAL_SIGS, args, kwargs)
    return _finish(r, requires_grad)


def bernoulli(input, p=None, *, generator=None):
    """bernoulli(input): draws 1 with probability input[i]; bernoulli(input, p): with probability p."""
    _check_generator("bernoulli", generator)
    if p is None:
        return _C._bernoulli(input, generator)
    return _C._bernoulli_p(input, float(p), generator)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None,
              generator=None):
    _check_device(device)
    _check_generator("rand_like", generator)
    return _finish(_C._rand_like(input, dtype or input.dtype, generator, memory_format), requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None,
               generator=None):
    _check_device(device)
    _check_generator("randn_like", generator)
    return _finish(_C._randn_like(input, dtype or input.dtype, generator, memory_format), requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None, generator=None):
    """randint_like(input, high) or randint_like(input, low, high)."""
    _check_device(device)
    _check_generator("randint_like", generator)
    if high is None:
        low, high = 0, low
    if not _is_int(low) or not _is_int(high):
        raise TypeError(f"randint_like(): argument 'high' must be int, not {type(high).__name__}")
    t = _C._randint_like(input, int(low), int(high), dtype or input.dtype, generator, memory_format)
    _warn_float_bounds(t.dtype, int(low), int(high) - 1)
    return _finish(t, requires_grad)


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


def _tensor_bernoulli(self, p=None, *, generator=None):
    return bernoulli(self, p, generator=generator)


def _install():
    Tensor.random_ = _tensor_random_
    Tensor.bernoulli_ = _tensor_bernoulli_
    Tensor.bernoulli = _tensor_bernoulli


_install()
