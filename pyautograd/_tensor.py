"""Python-level Tensor methods: the ones that are Python by nature (printing,
pickling, hooks, conversions with many signatures). Hot ops are bound in C++."""
import builtins
import copy

import numpy as np

from . import _C
from ._device import _CPU, _check_device, device

Tensor = _C.Tensor


def _legacy_new(*args, **kwargs):
    """torch.Tensor(...) legacy constructor: Tensor(), Tensor(2, 3), Tensor([1.0]), Tensor(tensor)."""
    from ._creation import tensor as _tensor
    if kwargs:
        d = kwargs.pop("device", None)
        _check_device(d)
        if kwargs:
            raise TypeError(f"new() received an invalid combination of arguments - got ({', '.join(kwargs)})")
    dt = _C.get_default_dtype()
    if not args:
        return _C._empty([0], dt)
    if len(args) == 1 and isinstance(args[0], Tensor):
        return args[0]
    if all(isinstance(a, int) and not isinstance(a, builtins.bool) for a in args):
        return _C._full(list(args), 0, dt)
    if len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray)):
        from ._size import Size
        if isinstance(args[0], Size):
            return _C._full(list(args[0]), 0, dt)
        return _tensor(args[0], dtype=dt)
    raise TypeError("new(): invalid data type '" + type(args[0]).__name__ + "'")


def _repr(self, *, tensor_contents=None):
    from ._tensor_str import _str
    return _str(self, tensor_contents=tensor_contents)


def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        if len(inputs) == 0:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    if retain_graph is None:
        retain_graph = create_graph
    _C._run_backward([self], [gradient], retain_graph, create_graph, inputs or [], False, True)


class RemovableHandle:
    def __init__(self, remover):
        self._remover = remover

    def remove(self):
        if self._remover is not None:
            self._remover()
            self._remover = None

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.remove()


def register_hook(self, hook):
    return RemovableHandle(self._register_hook(hook))


def _to(self, *args, **kwargs):
    """to(dtype) / to(device) / to(device, dtype) / to(other) with copy= and non_blocking=."""
    dtype = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    copy_ = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() received an invalid combination of arguments - got unexpected {list(kwargs)}")
    for a in args:
        if isinstance(a, _C.dtype):
            dtype = a
        elif isinstance(a, (str, device)):
            dev = a
        elif isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, builtins.bool):
            pass
        elif a is None:
            pass
        else:
            raise TypeError(f"to() received an invalid combination of arguments - got ({type(a).__name__})")
    _check_device(dev)
    if dtype is None or dtype == self.dtype:
        return self.clone() if copy_ else self
    return self._to_dtype(dtype, copy_)


_TYPE_NAMES = {"torch.FloatTensor": _C.float32, "torch.DoubleTensor": _C.float64,
               "torch.LongTensor": _C.int64, "torch.BoolTensor": _C.bool}
_TYPE_OF = {v: k for k, v in _TYPE_NAMES.items()}


def _type(self, dtype=None, non_blocking=False, **kwargs):
    if dtype is None:
        return _TYPE_OF[self.dtype]
    if isinstance(dtype, str):
        if dtype not in _TYPE_NAMES:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = _TYPE_NAMES[dtype]
    return self.to(dtype)


def _format(self, spec):
    if self.dim() == 0 and not self.requires_grad or self.dim() == 0:
        return self.item().__format__(spec)
    return object.__format__(self, spec)


def _iter(self):
    if self.dim() == 0:
        raise TypeError("iteration over a 0-d tensor")
    return iter(self.unbind(0))


def _contains(self, element):
    if isinstance(element, (Tensor, int, float, builtins.bool)):
        return builtins.bool((self == element).any().item())
    raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element)}.")


def _deepcopy(self, memo):
    if not self.is_leaf:
        raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at "
                           "the moment.  If you were attempting to deepcopy a module, this may be because of a "
                           "torch.nn.utils.weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001")
    if id(self) in memo:
        return memo[id(self)]
    new = self.detach().clone()
    if type(self) is not Tensor:
        new = type(self)(new, requires_grad=self.requires_grad) if hasattr(type(self), "_is_param") else new
    new.requires_grad_(self.requires_grad)
    if self.grad is not None:
        new.grad = copy.deepcopy(self.grad, memo)
    for k, v in getattr(self, "__dict__", {}).items():
        setattr(new, k, copy.deepcopy(v, memo))
    memo[id(self)] = new
    return new


def _rebuild(arr, requires_grad):
    t = _C._from_numpy(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _reduce_ex(self, proto):
    return (_rebuild, (np.array(self.detach().numpy(), copy=True), self.requires_grad))


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    from ._creation import tensor as _tensor
    return _tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _new_factory(fill):
    def f(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        _check_device(device)
        if len(size) == 1 and isinstance(size[0], (list, tuple)):
            size = tuple(size[0])
        t = fill(list(size), dtype or self.dtype)
        if requires_grad:
            t.requires_grad_(True)
        return t
    return f


def _new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    t = _C._full(list(size), fill_value, dtype or self.dtype)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _cpu(self, *args, **kwargs):
    return self


def _cuda(self, *args, **kwargs):
    raise AssertionError("Torch not compiled with CUDA enabled")


def _any(self, dim=None, keepdim=False):
    b = self if self.dtype is _C.bool else self.ne(0)
    if dim is None:
        return b.long().sum().gt(0)
    return b.long().sum(dim, keepdim=keepdim).gt(0)


def _all(self, dim=None, keepdim=False):
    b = self if self.dtype is _C.bool else self.ne(0)
    n = b.numel() if dim is None else b.shape[dim]
    if dim is None:
        return b.long().sum().eq(n)
    return b.long().sum(dim, keepdim=keepdim).eq(n)


def _type_as(self, other):
    return self.to(other.dtype)


def _install():
    T = Tensor
    T.__repr__ = _repr
    T.__str__ = _repr
    T.__format__ = _format
    T.__iter__ = _iter
    T.__contains__ = _contains
    T.__deepcopy__ = _deepcopy
    T.__reduce_ex__ = _reduce_ex
    T.__array_priority__ = 1000
    T.backward = backward
    T.register_hook = register_hook
    T.to = _to
    T.type = _type
    T.type_as = _type_as
    T.new_tensor = _new_tensor
    T.new_zeros = _new_factory(lambda s, d: _C._full(s, 0, d))
    T.new_ones = _new_factory(lambda s, d: _C._full(s, 1, d))
    T.new_empty = _new_factory(lambda s, d: _C._empty(s, d))
    T.new_full = _new_full
    T.cpu = _cpu
    T.cuda = _cuda
    T.any = _any
    T.all = _all
    T.device = property(lambda self: _CPU)
    T.is_cpu = property(lambda self: True)
