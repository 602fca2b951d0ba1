"""Tensor creation: tensor / as_tensor / from_numpy and the factory functions."""
import builtins
import numbers

import numpy as np

from . import _C
from ._device import _check_device

_NP_TO_DTYPE = {
    np.dtype(np.float32): _C.float32,
    np.dtype(np.float64): _C.float64,
    np.dtype(np.int64): _C.int64,
    np.dtype(np.bool_): _C.bool,
}
_DTYPE_TO_NP = {v: k for k, v in _NP_TO_DTYPE.items()}


def _np_dtype(dt):
    return _DTYPE_TO_NP[dt]


def _scalar_kind(x):
    """0 bool, 1 int, 2 float for a Python/numpy scalar or 0-dim tensor."""
    if isinstance(x, (builtins.bool, np.bool_)):
        return 0
    if isinstance(x, (int, np.integer)):
        return 1
    if isinstance(x, (float, np.floating)):
        return 2
    if isinstance(x, _C.Tensor):
        return {_C.bool: 0, _C.int64: 1}.get(x.dtype, 2)
    raise TypeError(f"new(): invalid data type '{type(x).__name__}'")


def _infer(data, depth=0):
    """Walks nested sequences like torch: returns (shape, kind, explicit numpy/tensor dtype or None)."""
    if isinstance(data, _C.Tensor):
        return list(data.shape), _scalar_kind(data) if data.dim() == 0 else {_C.bool: 0, _C.int64: 1}.get(data.dtype, 2), data.dtype
    if isinstance(data, np.ndarray):
        dt = _NP_TO_DTYPE.get(data.dtype)
        kind = {"b": 0, "i": 1, "u": 1, "f": 2}.get(data.dtype.kind, 2)
        return list(data.shape), kind, dt
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if isinstance(data, (list, tuple)):
        if len(data) == 0:
            return [0], 2, None
        shapes, kind, explicit = None, 0, None
        for i, item in enumerate(data):
            s, k, e = _infer(item, depth + 1)
            if shapes is None:
                shapes = s
            elif s != shapes:
                got = s[0] if s else "?"
                raise ValueError(f"expected sequence of length {shapes[0] if shapes else 0} at dim {depth + 1} (got {got})"
                                 if s and shapes else "setting an array element with a sequence.")
            kind = max(kind, k)
            if e is not None:
                explicit = e if explicit is None else _C.promote_types(explicit, e)
        return [len(data)] + shapes, kind, explicit
    if hasattr(data, "__array__") and not isinstance(data, numbers.Number):
        return _infer(np.asarray(data), depth)
    return [], _scalar_kind(data), (_NP_TO_DTYPE.get(np.dtype(type(data))) if isinstance(data, np.generic) else None)


def _flatten_values(data, out):
    if isinstance(data, (list, tuple)):
        for d in data:
            _flatten_values(d, out)
    elif isinstance(data, _C.Tensor):
        out.extend(np.asarray(data.detach()).reshape(-1).tolist())
    elif isinstance(data, np.ndarray):
        out.extend(data.reshape(-1).tolist())
    else:
        out.append(data)


def _data_to_numpy(data, dtype):
    """Returns a numpy array holding `data` with torch's inferred (or the given) dtype."""
    if isinstance(data, np.ndarray):
        inferred = _NP_TO_DTYPE.get(data.dtype)
        if inferred is None:
            kind = data.dtype.kind
            if kind in "iu":
                inferred = _C.int64
            elif kind == "f":
                inferred = _C.float64 if data.dtype.itemsize > 4 else _C.float32
            else:
                raise TypeError(f"can't convert np.ndarray of type numpy.{data.dtype}. The only supported types are: "
                                "float64, float32, int64, and bool.")
        target = dtype or inferred
        return np.array(data, dtype=_np_dtype(target), copy=True)
    shape, kind, explicit = _infer(data)
    if dtype is None:
        if kind == 2:
            dtype = _C.get_default_dtype() if explicit is None or not explicit.is_floating_point else explicit
            if explicit is not None and explicit.is_floating_point and isinstance(data, (list, tuple)):
                dtype = explicit
        elif kind == 1:
            dtype = _C.int64
        else:
            dtype = _C.bool
    values = []
    _flatten_values(data, values)
    npdt = _np_dtype(dtype)
    if dtype is _C.bool:
        arr = np.array([builtins.bool(v) for v in values], dtype=npdt)
    elif dtype is _C.int64:
        for v in values:
            if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
                raise RuntimeError("value cannot be converted to type int64_t without overflow")
        arr = np.array([int(v) for v in values], dtype=npdt) if values else np.zeros(0, npdt)
    else:
        arr = np.array(values, dtype=npdt) if values else np.zeros(0, npdt)
    return arr.reshape(shape)


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    _check_device(device)
    if isinstance(data, _C.Tensor):
        t = data.detach().clone() if dtype is None else data.detach()._to_dtype(dtype, True)
    else:
        t = _C._from_numpy(_data_to_numpy(data, dtype))
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data, dtype=None, device=None):
    _check_device(device)
    if isinstance(data, _C.Tensor):
        return data if dtype is None or data.dtype == dtype else data._to_dtype(dtype, False)
    if isinstance(data, np.ndarray) and data.dtype in _NP_TO_DTYPE and (dtype is None or _NP_TO_DTYPE[data.dtype] == dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def from_numpy(arr):
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    return _C._from_numpy(arr)


def _size_args(size, name):
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    for i, s in enumerate(size):
        if not isinstance(s, (int, np.integer)) or isinstance(s, builtins.bool):
            if isinstance(s, _C.Tensor) and s.dim() == 0 and not s.dtype.is_floating_point:
                continue
            raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, but found element of type "
                            f"{type(s).__name__} at pos {i}")
    return tuple(int(s) for s in size)


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


def _factory(name, fill):
    def f(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None, size_=None):
        _check_device(device)
        if not size and size_ is not None:
            size = (size_,)
        shape = _size_args(size, name)
        return _finish(fill(shape, dtype or _C.get_default_dtype()), requires_grad)
    f.__name__ = name
    return f


def _zeros(shape, dt):
    return _C._full(list(shape), 0, dt)


def _ones(shape, dt):
    return _C._full(list(shape), 1, dt)


zeros = _factory("zeros", _zeros)
ones = _factory("ones", _ones)
empty = _factory("empty", lambda shape, dt: _C._empty(list(shape), dt))


def full(size, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, out=None):
    _check_device(device)
    shape = _size_args(tuple(size) if isinstance(size, (list, tuple)) else (size,), "full")
    if dtype is None:
        if isinstance(fill_value, builtins.bool):
            dtype = _C.bool
        elif isinstance(fill_value, int):
            dtype = _C.int64
        elif isinstance(fill_value, _C.Tensor):
            dtype = fill_value.dtype
        else:
            dtype = _C.get_default_dtype()
    return _finish(_C._full(list(shape), fill_value, dtype), requires_grad)


def _like(name, fill):
    def f(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
        _check_device(device)
        return _finish(fill(tuple(input.shape), dtype or input.dtype), requires_grad)
    f.__name__ = name
    return f


zeros_like = _like("zeros_like", _zeros)
ones_like = _like("ones_like", _ones)
empty_like = _like("empty_like", lambda shape, dt: _C._empty(list(shape), dt))


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    _check_device(device)
    return _finish(_C._full(list(input.shape), fill_value, dtype or input.dtype), requires_grad)


def _num(x):
    return x.item() if isinstance(x, _C.Tensor) else x


def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _check_device(device)
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_float = any(isinstance(v, float) for v in (start, end, step))
        dtype = _C.get_default_dtype() if is_float else _C.int64
    return _finish(_C._arange(float(start), float(end), float(step), dtype), requires_grad)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _check_device(device)
    if not isinstance(steps, int):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    return _finish(_C._linspace(float(_num(start)), float(_num(end)), steps, dtype or _C.get_default_dtype()),
                   requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _check_device(device)
    return _finish(_C._eye(n, n if m is None else m, dtype or _C.get_default_dtype()), requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    return tensor(s, dtype=dtype or _C.get_default_dtype(), requires_grad=requires_grad)
