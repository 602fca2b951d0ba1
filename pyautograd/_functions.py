"""Top-level functions that are thin Python over the C++ ops (the rest come
straight from _C)."""
from . import _C

__all__ = ["is_nonzero", "typename", "isclose", "allclose", "equal", "broadcast_tensors"]


def broadcast_tensors(*tensors):
    """The tensors expanded to their common shape (views), as torch.functional has it."""
    return _C._VF.broadcast_tensors(tensors)


def is_nonzero(input):
    if input.numel() != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous" if input.numel() > 1 else
                           "Boolean value of Tensor with no values is ambiguous")
    return bool(input.item())



def typename(obj):
    """A name for obj's type, as torch.typename gives it ('torch.FloatTensor', 'list', ...)."""
    if isinstance(obj, _C.Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


# ---------------------------------------------------------------- comparisons of whole tensors
# torch's argument parser's checks, for the functions written here in Python: a tensor argument
# (position counted from 1, self excluded for methods), a float, a bool.
def _tensor_arg(fn, name, pos, x):
    if not isinstance(x, _C.Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _float_arg(fn, name, x):
    if (x.numel() == 1) if isinstance(x, _C.Tensor) else (hasattr(x, "__float__") and not isinstance(x, str)):
        return float(x)
    raise TypeError(f"{fn}(): argument '{name}' must be float, not {type(x).__name__}")


def _bool_arg(fn, name, x):
    if not isinstance(x, bool):
        raise TypeError(f"{fn}(): argument '{name}' must be bool, not {type(x).__name__}")
    return x




def _isclose(input, other, rtol, atol, equal_nan):
    # torch's isclose: |input - other| <= atol + rtol * |other| where that error is finite, exact
    # equality elsewhere (infinities), NaN == NaN with equal_nan; bools compare as the default float.
    if input.dtype != other.dtype:
        raise RuntimeError(f"{input.dtype._scalar_type} did not match {other.dtype._scalar_type}")
    if not rtol >= 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol:g}")
    if not atol >= 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol:g}")
    close = input == other
    if equal_nan and input.is_floating_point():
        close = close.logical_or(input.isnan().logical_and(other.isnan()))
    if rtol == 0 and atol == 0:
        return close
    if input.dtype == _C.bool:
        input, other = input.to(_C.get_default_dtype()), other.to(_C.get_default_dtype())
    allowed_error = atol + (rtol * other).abs()
    actual_error = (input - other).abs()
    return close.logical_or(actual_error.isfinite().logical_and(actual_error <= allowed_error))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise |input - other| <= atol + rtol * |other| (broadcast), as a bool tensor."""
    _tensor_arg("isclose", "input", 1, input)
    _tensor_arg("isclose", "other", 2, other)
    return _isclose(input, other, _float_arg("isclose", "rtol", rtol), _float_arg("isclose", "atol", atol),
                    _bool_arg("isclose", "equal_nan", equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether isclose holds for every element (a Python bool)."""
    _tensor_arg("allclose", "input", 1, input)
    _tensor_arg("allclose", "other", 2, other)
    return bool(_isclose(input, other, _float_arg("allclose", "rtol", rtol), _float_arg("allclose", "atol", atol),
                         _bool_arg("allclose", "equal_nan", equal_nan)).all())


def equal(input, other):
    """Whether the tensors have the same size and equal elements (NaN is not equal to itself)."""
    _tensor_arg("equal", "input", 1, input)
    _tensor_arg("equal", "other", 2, other)
    return input.shape == other.shape and bool((input == other).all())


def _install_methods():
    # The Tensor methods: `other` is argument 1 there (self is not counted).
    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        _tensor_arg("isclose", "other", 1, other)
        return _isclose(self, other, _float_arg("isclose", "rtol", rtol), _float_arg("isclose", "atol", atol),
                        _bool_arg("isclose", "equal_nan", equal_nan))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        _tensor_arg("allclose", "other", 1, other)
        return bool(isclose(self, other, rtol, atol, equal_nan).all())

    def equal(self, other):
        _tensor_arg("equal", "other", 1, other)
        return self.shape == other.shape and bool((self == other).all())

    _C.Tensor.isclose, _C.Tensor.allclose, _C.Tensor.equal = isclose, allclose, equal


_install_methods()
