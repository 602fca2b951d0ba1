"""Python-level Tensor methods: the ones that are Python by nature (printing,
pickling, hooks, new_tensor's data of any kind). Hot ops are op-table rows in C++."""
import builtins
import copy

import numpy as np

from . import _C, _creation
from ._device import _CPU

Tensor = _C.Tensor


# The C++ Tensor(...) constructor calls this (torch.Tensor's legacy constructor).
_legacy_new = _creation._legacy_new


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


_TYPE_NAMES = {d._legacy_type: d for d in (_C.uint8, _C.int8, _C.int16, _C.int32, _C.int64, _C.float16, _C.float32,
                                           _C.float64, _C.bool, _C.bfloat16)}
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
    # torch: only a plain 0-dim Tensor formats as its Python number; anything else (Parameter,
    # n-dim) goes through object.__format__, which accepts only the empty spec.
    if self.dim() == 0 and type(self) is Tensor:
        return self.detach().item().__format__(spec)
    if spec:
        # object.__format__ would name the C++ type by its qualified tp_name
        raise TypeError(f"unsupported format string passed to {type(self).__name__}.__format__")
    return str(self)


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
    # torch copies the storage once per deepcopy, so views keep sharing it, with their strides
    key = ("pyautograd.storage", self.untyped_storage_ptr())
    storage = memo.get(key)
    if storage is None:
        storage = memo[key] = _whole_storage(self).clone()
    new = storage.as_strided(self.shape, self.stride(), self.storage_offset()).detach()
    if type(self) is not Tensor:
        new = type(self)(new, requires_grad=self.requires_grad) if hasattr(type(self), "_is_param") else new
    new.requires_grad_(self.requires_grad)
    if self.grad is not None:
        new.grad = copy.deepcopy(self.grad, memo)
    for k, v in getattr(self, "__dict__", {}).items():
        setattr(new, k, copy.deepcopy(v, memo))
    memo[id(self)] = new
    return new


def _whole_storage(t):
    """A 1-d tensor over all of t's storage (t's dtype), without history."""
    return t.detach().as_strided([t._storage_nbytes() // t.element_size()], [1], 0)


def _rebuild(arr, requires_grad, offset=0, size=None, stride=None, dtype=None):
    t = _C._from_numpy(arr)
    if dtype is not None:  # bfloat16, which numpy lacks, travels as its int16 bits
        t = t.view(dtype)
    if size is not None:  # a view: its storage, offset and strides, as torch pickles it
        t = t.as_strided(size, stride, offset).detach()
    if requires_grad:
        t.requires_grad_(True)
    return t


def _reduce_ex(self, proto):
    storage = _whole_storage(self)
    bits = self.dtype == _C.bfloat16
    storage = np.array((storage.view(_C.int16) if bits else storage).numpy(), copy=True)
    return (_rebuild, (storage, self.requires_grad, self.storage_offset(), tuple(self.shape), self.stride(),
                       self.dtype if bits else None))


def new_tensor(self, *args, dtype=None, device=None, requires_grad=False, **kwargs):
    """Tensor.new_tensor(data, *, dtype=None, device=None, requires_grad=False): torch.tensor(data)
    with this tensor's dtype unless dtype= is given."""
    if "data" in kwargs:
        args = args + (kwargs.pop("data"),)
    if kwargs:
        raise TypeError(f"new_tensor() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if not args:
        raise TypeError('new_tensor() missing 1 required positional arguments: "data"')
    if len(args) > 1:
        raise TypeError(f"new_tensor() takes 1 positional argument but {len(args)} were given")
    return _creation._new_from_data(args[0], self.dtype if dtype is None else dtype, device, requires_grad,
                                    "new_tensor", "tensor.new_tensor")


def __array__(self, dtype=None):
    # torch's Tensor.__array__: numpy() (so a tensor requiring grad raises), cast only when asked
    if dtype is None:
        return self.numpy()
    return self.numpy().astype(dtype, copy=False)


def _array_wrap(self, array, context=None, return_scalar=False):
    # numpy ufuncs on tensors return tensors, as in torch (whose bool results become uint8; ours stay bool)
    return _creation.as_tensor(array)


def _cpu(self, *args, **kwargs):
    return self


def _cuda(self, *args, **kwargs):
    raise AssertionError("Torch not compiled with CUDA enabled")


def _install():
    from .autograd.graph import _wrap
    T = Tensor
    T.grad_fn = property(lambda self: _wrap(self._grad_fn))
    T.__repr__ = _repr
    T.__format__ = _format
    T.__iter__ = _iter
    T.__contains__ = _contains
    T.__deepcopy__ = _deepcopy
    T.__reduce_ex__ = _reduce_ex
    T.__array_priority__ = 1000
    T.backward = backward
    T.register_hook = register_hook
    T.type = _type
    T.new_tensor = new_tensor
    T.__array__ = __array__
    T.__array_wrap__ = _array_wrap
    T.cpu = _cpu
    T.cuda = _cuda
    T.device = property(lambda self: _CPU)
    T.is_cpu = property(lambda self: True)
