"""nn.Parameter and nn.Buffer."""
from collections import OrderedDict

from .. import _C

Tensor = _C.Tensor

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A Tensor that a Module registers as a parameter when assigned as an attribute.

    It aliases `data`'s storage (as torch's Parameter does) and is a fresh leaf,
    requiring grad unless `requires_grad=False`."""

    _is_param = True

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = _C._empty([0], _C.get_default_dtype())
        Tensor.__init__(self, data)
        if requires_grad and not self.dtype.is_floating_point:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.data, self.requires_grad, OrderedDict()))


def _rebuild_parameter(data, requires_grad, backward_hooks):
    return Parameter(data, requires_grad)


class _BufferMeta(type(Tensor)):
    # isinstance(t, Buffer) holds for tensors made by Buffer(...) (plain Tensors marked as buffers).
    def __instancecheck__(cls, instance):
        if cls is Buffer:
            return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """Marks a tensor as a buffer when assigned to a Module attribute (persistent or not)."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = _C._empty([0], _C.get_default_dtype())
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t
