"""Tensor creation: tensor / as_tensor / from_numpy and the factory functions, with torch's
argument parsing, dtype inference and error messages (the factories, zeros to eye, are
op-table rows in C++ and only re-exported here).

Note [tensor() from Python data]: torch.tensor runs three passes over the data, and so do we,
in the same order so that the same error wins: the shape from the first element at each depth
(compute_sizes), the dtype as the promotion of every leaf's type (infer_scalar_type), then the
store of every leaf with a length check at each depth (recursive_store). The leaves are gathered
into one flat list and converted by numpy in one call when they are plain Python numbers (the
common case); anything else goes leaf by leaf through torch's conversion rules and messages."""
import builtins
import warnings

import numpy as np

from . import _C
from ._device import _check_device
# The factories are op-table rows (cpp/bindings/factory.cpp, Note [Factory options]).
from ._C import (zeros, ones, empty, full, zeros_like, ones_like, empty_like, full_like, arange,  # noqa: F401
                 linspace, eye, scalar_tensor)

_F32, _F64, _I64, _BOOL, _BF16 = _C.float32, _C.float64, _C.int64, _C.bool, _C.bfloat16

_NP_TO_DTYPE = {
    np.dtype(np.uint8): _C.uint8,
    np.dtype(np.int8): _C.int8,
    np.dtype(np.int16): _C.int16,
    np.dtype(np.int32): _C.int32,
    np.dtype(np.int64): _I64,
    np.dtype(np.float16): _C.float16,
    np.dtype(np.float32): _F32,
    np.dtype(np.float64): _F64,
    np.dtype(np.bool_): _BOOL,
}
_DTYPE_TO_NP = {v: k for k, v in _NP_TO_DTYPE.items()}
_PLAIN = frozenset((float, int, builtins.bool))
_MAX_DIMS = 128
_INT64_MIN, _INT64_END = -(2 ** 63), 2 ** 63

_TORCH_NUMPY_TYPES = ("float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint64, uint32, "
                      "uint16, uint8, and bool")


def _tp_name(obj):
    """The name CPython's messages give an object's type (tp_name): 'numpy.float64', 'list', 'Tensor'."""
    tp = type(obj)
    mod = tp.__module__
    if mod == "numpy":
        return "numpy." + tp.__name__
    return tp.__name__




# ---------------------------------------------------------------- numpy dtypes
def _numpy_source_dtype(arr):
    """The dtype a copy of numpy array `arr` gets. Note [numpy dtypes]: every numpy type with a
    pyautograd dtype maps as torch maps it; uint16/uint32/uint64, which torch keeps as its own
    unsigned types, become int64 (values kept); types torch cannot take either raise its TypeError."""
    dt = arr.dtype
    d = _NP_TO_DTYPE.get(dt)
    if d is not None:
        return d
    if not dt.isnative:
        _raise_byte_order()
    kind = dt.kind
    if kind in "iu":
        d = _I64
    elif kind == "c":
        raise TypeError(f"can't convert np.ndarray of type numpy.{dt.name}: pyautograd has no complex dtype. "
                        "The supported types are: float64, float32, float16, int64, int32, int16, int8, uint64, "
                        "uint32, uint16, uint8, and bool.")
    else:
        raise TypeError(f"can't convert np.ndarray of type {_np_type_name(dt)}. The only supported types are: "
                        f"{_TORCH_NUMPY_TYPES}.")
    return d


def _np_type_name(dt):
    return "numpy." + dt.type.__name__


def _raise_byte_order():
    raise ValueError("given numpy array has byte order different from the native byte order. Conversion between "
                     "byte orders is currently not supported.")


def _check_numpy_layout(arr):
    if not arr.dtype.isnative:
        _raise_byte_order()
    isz = arr.itemsize
    for s in arr.strides:
        if s < 0:
            raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                             "strides are not currently supported. (You can probably work around this by making a "
                             "copy of your array  with array.copy().) ")
        if s % isz:
            raise ValueError("given numpy array strides not a multiple of the element byte size. Copy the numpy "
                             "array to reallocate the memory.")


def _tensor_from_ndarray(arr, dtype):
    """A copy of `arr` as a tensor of `dtype` (None: the array's own), layout kept as torch's .to(copy=True)."""
    src = _numpy_source_dtype(arr)
    _check_numpy_layout(arr)
    target = dtype or src
    if target is _BF16:  # numpy has no bfloat16: through float32, rounded once as .to() rounds
        return _tensor_from_ndarray(arr, _F32)._to_dtype(_BF16, False)
    with np.errstate(all="ignore"):
        out = np.array(arr, dtype=_DTYPE_TO_NP[target], order="K", copy=True)
    return _C._from_numpy(out)


# ---------------------------------------------------------------- tensor(data): the three passes
def _is_sequence(obj):
    """CPython's PySequence_Check as torch sees it: tensors and numpy scalars are leaves, dicts are not sequences."""
    tp = type(obj)
    if tp is list or tp is tuple:
        return True
    if tp in _PLAIN or isinstance(obj, (_C.Tensor, np.generic, dict)):
        return False
    return hasattr(tp, "__getitem__")


def _compute_sizes(seq):
    sizes = []
    while True:
        tp = type(seq)
        if tp is not list and tp is not tuple and not _is_sequence(seq):
            return sizes
        n = len(seq)
        sizes.append(n)
        if len(sizes) > _MAX_DIMS:
            raise ValueError(f"too many dimensions '{_tp_name(seq)}'")
        if n == 0:
            return sizes
        seq = seq[0]


def _infer_rank(obj):
    """torch's infer_scalar_type."""
    tp = type(obj)
    if tp is list or tp is tuple:
        return _infer_seq_rank(obj)
    if tp is float:
        return _C.get_default_dtype()
    if tp is int:
        return _I64
    if tp is builtins.bool:
        return _BOOL
    if isinstance(obj, np.ndarray):
        return _numpy_source_dtype(obj)
    if isinstance(obj, np.generic):
        return _numpy_source_dtype(np.asarray(obj))
    if isinstance(obj, float):
        return _C.get_default_dtype()
    if isinstance(obj, int):
        return _BOOL if isinstance(obj, builtins.bool) else _I64
    if isinstance(obj, complex):
        raise TypeError("pyautograd has no complex dtype: cannot create a tensor from a complex number")
    if isinstance(obj, _C.Tensor):
        return obj.dtype
    if isinstance(obj, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{_tp_name(obj)}'")
    if _is_sequence(obj):
        return _infer_seq_rank(obj)
    raise RuntimeError(f"Could not infer dtype of {_tp_name(obj)}")


def _infer_seq_rank(seq):
    n = len(seq)
    if n == 0:
        return _C.get_default_dtype()
    if type(seq) is list or type(seq) is tuple:
        types = set(map(type, seq))
        if types <= _PLAIN:
            if float in types:
                return _C.get_default_dtype()
            return _I64 if int in types else _BOOL
    d = None
    for i in range(n):
        item = seq[i]
        if item is seq:
            raise TypeError("new(): self-referential lists are incompatible")
        r = _infer_rank(item)
        d = r if d is None else _C.promote_types(d, r)
    return d


_warned_ndarray_list = False


def _store(obj, sizes, dim, out):
    """recursive_store: checks the length at each depth and appends the leaves to `out`."""
    global _warned_ndarray_list
    n = sizes[dim]
    tp = type(obj)
    if tp is not list and tp is not tuple:
        if isinstance(obj, np.ndarray):
            if obj.ndim and obj.shape == tuple(sizes[dim:]):
                out.extend(obj.reshape(-1).tolist())
                return
        try:
            obj = list(obj)
        except TypeError:
            if isinstance(obj, np.ndarray):
                raise
            raise TypeError("not a sequence") from None
    if len(obj) != n:
        raise ValueError(f"expected sequence of length {n} at dim {dim} (got {len(obj)})")
    if dim + 1 == len(sizes):
        out.extend(obj)
        return
    for item in obj:
        if not _warned_ndarray_list and isinstance(item, np.ndarray):
            _warned_ndarray_list = True
            warnings.warn("Creating a tensor from a list of numpy.ndarrays is extremely slow. Please consider "
                          "converting the list to a single numpy.ndarray with numpy.array() before converting to a "
                          "tensor.", UserWarning, stacklevel=4)
        _store(item, sizes, dim + 1, out)


def _leaf_scalar(v):
    """A tensor leaf's Python number (torch calls its __float__ / __index__ / item)."""
    if v.numel() != 1:
        raise ValueError("only one element tensors can be converted to Python scalars")
    return v.detach().item()


def _leaf_float(v):
    if isinstance(v, (float, int, np.floating, np.integer, np.bool_)):
        return float(v)
    if isinstance(v, _C.Tensor):
        return float(_leaf_scalar(v))
    raise TypeError(f"must be real number, not {_tp_name(v)}")


def _leaf_int(v):
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if not (f == f and -9.223372036854775808e18 <= f < 9.223372036854775808e18):
            raise RuntimeError("value cannot be converted to type int64 without overflow")
        return int(f)
    if isinstance(v, _C.Tensor):
        if v.dtype.is_floating_point:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        v = _leaf_scalar(v)
    if isinstance(v, (int, np.integer, np.bool_)):
        i = int(v)
        if not _INT64_MIN <= i < _INT64_END:
            raise ValueError("Overflow when unpacking long long")
        return i
    raise TypeError(f"'{_tp_name(v)}' object cannot be interpreted as an integer")


def _leaf_bool(v):
    if isinstance(v, (float, int, np.floating, np.integer, np.bool_)):
        return builtins.bool(v)
    if isinstance(v, _C.Tensor):
        return builtins.bool(_leaf_scalar(v))
    raise TypeError(f"'{_tp_name(v)}' object cannot be interpreted as an integer")


def _convert_leaves(flat, dtype):
    """The flat leaves as a 1-D numpy array of `dtype`, with torch's per-leaf conversion rules."""
    types = set(map(type, flat))
    plain = types <= _PLAIN
    if dtype.is_floating_point:
        vals = flat if plain else [_leaf_float(v) for v in flat]
        # float32 goes through double as in torch (Python number -> double -> float); float16 and
        # bfloat16 are rounded from that float32 by the caller, as c10's Half(float) rounds.
        arr = np.array(vals, dtype=np.float64)
        if dtype is not _F64:
            with np.errstate(over="ignore"):
                arr = arr.astype(np.float32)
        return arr
    if dtype is not _BOOL:
        arr = None
        if plain and float not in types:
            try:
                arr = np.array(flat, dtype=np.int64)
            except OverflowError:
                pass
        if arr is None:
            arr = np.array([_leaf_int(v) for v in flat], dtype=np.int64)
        if dtype is _I64:
            return arr
        info = np.iinfo(_DTYPE_TO_NP[dtype])
        # c10's checked_convert: an unsigned type also takes negatives down to -max (they wrap)
        low = -info.max if info.min == 0 else info.min
        if arr.size and (arr.min() < low or arr.max() > info.max):
            raise RuntimeError(f"value cannot be converted to type {str(dtype)[6:]} without overflow")
        return arr.astype(_DTYPE_TO_NP[dtype])
    if plain:
        return np.array(flat, dtype=np.bool_) if types <= {builtins.bool} else np.array(flat, dtype=np.float64) != 0
    return np.array([_leaf_bool(v) for v in flat], dtype=np.bool_)


def _tensor_from_data(data, dtype):
    """torch's internal_new_from_data for Python data (not a Tensor, not an ndarray)."""
    tp = type(data)
    if tp is list or tp is tuple:
        sizes = _compute_sizes(data)
        if dtype is None:
            dtype = _infer_seq_rank(data)
        if len(sizes) == 1:
            flat = data
        else:
            numel = 1
            for s in sizes:
                numel *= s
            if numel == 0:
                return _C._full(sizes, 0, dtype)
            flat = []
            _store(data, sizes, 0, flat)
    else:
        if isinstance(data, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{_tp_name(data)}'")
        sizes = _compute_sizes(data)
        if dtype is None:
            dtype = _infer_rank(data)
        if not sizes:
            flat = [data]
        else:
            flat = []
            if 0 not in sizes:
                _store(data, sizes, 0, flat)
    t = _C._tensor_from_flat(flat, sizes, dtype)
    if t is None:
        arr = _convert_leaves(flat, dtype)
        t = _C._from_numpy(arr.reshape(sizes))
        if t.dtype != dtype:  # a float16/bfloat16 target, from float32 (rounded once, as torch)
            t = t._to_dtype(dtype, False)
    return t


# ---------------------------------------------------------------- argument helpers
def _dtype_arg(dtype, fname):
    """A dtype argument: a pyautograd dtype, or Python's float / int / bool as torch accepts them."""
    if dtype is None or isinstance(dtype, _C.dtype):
        return dtype
    if dtype is float:
        return _F64
    if dtype is int:
        return _I64
    if dtype is builtins.bool:
        return _BOOL
    raise TypeError(f"{fname}(): argument 'dtype' must be torch.dtype, not {_tp_name(dtype)}")


def _finish(t, requires_grad):
    if requires_grad:
        if not t.dtype.is_floating_point:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t.requires_grad_(True)
    return t


def _int_like(x):
    """An int accepted where torch wants an int (int, numpy integer, integer 0-dim tensor), else None."""
    if type(x) is int:
        return x
    if isinstance(x, builtins.bool):
        return int(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, _C.Tensor) and x.dim() == 0 and not x.dtype.is_floating_point:
        return int(x.item())
    return None


def _size_from_seq(seq, fname):
    """A `tuple of ints` argument given as one sequence."""
    out = []
    for i, s in enumerate(seq):
        v = _int_like(s)
        if v is None:
            if i == 0:
                raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, but found element "
                                f"of type {_tp_name(s)} at pos 0")
            raise TypeError(f"{fname}(): argument 'size' failed to unpack the object at pos {i + 1} with error "
                            f"\"type must be tuple of ints,but got {_tp_name(s)}\"")
        out.append(v)
    return out


# ---------------------------------------------------------------- public API
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """torch.tensor: a new tensor (always a copy) from data, with torch's dtype inference."""
    return _new_from_data(data, dtype, device, requires_grad, "tensor", "torch.tensor")


def _new_from_data(data, dtype, device, requires_grad, fname, caller):
    """torch.tensor and Tensor.new_tensor (whose default dtype is its tensor's)."""
    dtype = _dtype_arg(dtype, fname)
    _check_device(device, fname)
    if not isinstance(requires_grad, builtins.bool):
        raise TypeError(f"{fname}(): argument 'requires_grad' must be bool, not {type(requires_grad).__name__}")
    if isinstance(data, _C.Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                      f"sourceTensor.detach().clone().requires_grad_(True), rather than {caller}(sourceTensor).",
                      UserWarning, stacklevel=3)
        src = data.detach()
        t = src.clone() if dtype is None or dtype == src.dtype else src._to_dtype(dtype, True)
    elif isinstance(data, np.ndarray):
        t = _tensor_from_ndarray(data, dtype)
    else:
        t = _tensor_from_data(data, dtype)
    return _finish(t, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """torch.as_tensor: shares memory with a Tensor or a numpy array when the dtype allows, else copies."""
    dtype = _dtype_arg(dtype, "as_tensor")
    _check_device(device, "as_tensor")
    if isinstance(data, _C.Tensor):
        return data if dtype is None or data.dtype == dtype else data._to_dtype(dtype, False)
    if isinstance(data, np.ndarray):
        own = _NP_TO_DTYPE.get(data.dtype) if data.dtype.isnative else None
        if own is not None and (dtype is None or dtype == own):
            return from_numpy(data)
        return _tensor_from_ndarray(data, dtype)
    return _tensor_from_data(data, dtype)


def from_numpy(ndarray):
    """torch.from_numpy: a tensor sharing `ndarray`'s memory (writes are visible both ways)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {_tp_name(ndarray)})")
    dt = ndarray.dtype
    if dt not in _NP_TO_DTYPE:
        _numpy_source_dtype(ndarray)  # raises for types torch rejects too
        raise TypeError(f"can't convert np.ndarray of type {_np_type_name(dt)}. pyautograd shares memory only with "
                        "these types: float64, float32, float16, int64, int32, int16, int8, uint8, and bool.")
    _check_numpy_layout(ndarray)
    return _C._from_numpy(ndarray)


def _check_sizes(shape, fname):
    for s in shape:
        if s < 0:
            if fname == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")


def _legacy_new(*args, **kwargs):
    """torch.Tensor(...): Tensor(), Tensor(*sizes), Tensor(Size), Tensor(data), Tensor(other); default float dtype."""
    device = kwargs.pop("device", None)
    if "size" in kwargs and not args:
        args = (tuple(kwargs.pop("size")),)
        if not kwargs:
            _check_device(device)
            shape = _size_from_seq(args[0], "new")
            _check_sizes(shape, "new")
            return _C._empty(shape, _C.get_default_dtype())
    if kwargs:
        got = ", ".join([_tp_name(a) for a in args] + [f"{k}={_kw_type(v)}" for k, v in kwargs.items()])
        raise TypeError(f"new() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                        " * (*, torch.device device = None)\n"
                        f"      didn't match because some of the keywords were incorrect: {', '.join(kwargs)}\n"
                        " * (torch.Storage storage)\n"
                        " * (Tensor other)\n"
                        " * (tuple of ints size, *, torch.device device = None)\n"
                        " * (object data, *, torch.device device = None)\n")
    _check_device(device)
    dt = _C.get_default_dtype()
    if not args:
        return _C._empty([0], dt)
    first = args[0]
    if len(args) == 1:
        if isinstance(first, _C.Tensor):
            return first
        if isinstance(first, (list, tuple)) and type(first).__name__ == "Size":
            shape = _size_from_seq(first, "new")
            _check_sizes(shape, "new")
            return _C._empty(shape, dt)
        if _int_like(first) is not None and not isinstance(first, (builtins.bool, _C.Tensor)):
            shape = [_int_like(first)]
            _check_sizes(shape, "new")
            return _C._empty(shape, dt)
        if isinstance(first, (float, builtins.bool, np.generic, _C.Tensor)) or first is None:
            raise TypeError(f"new(): data must be a sequence (got {_tp_name(first)})")
        if isinstance(first, np.ndarray):
            return _tensor_from_ndarray(first, dt)
        return _tensor_from_data(first, dt)
    if _int_like(first) is None or isinstance(first, builtins.bool):
        raise TypeError(f"new() received an invalid combination of arguments - got "
                        f"({', '.join(_tp_name(a) for a in args)}), but expected one of:\n"
                        " * (*, torch.device device = None)\n"
                        " * (torch.Storage storage)\n"
                        " * (Tensor other)\n"
                        " * (tuple of ints size, *, torch.device device = None)\n"
                        " * (object data, *, torch.device device = None)\n")
    shape = _size_from_seq(args, "new")
    _check_sizes(shape, "new")
    return _C._empty(shape, dt)


def _kw_type(v):
    return "torch.dtype" if isinstance(v, _C.dtype) else _tp_name(v)
