"""torch.finfo / torch.iinfo: the numeric limits of a dtype, with torch's fields and repr."""
import math

from . import _C

_FLOATS = {  # name: (bits, mantissa digits incl. the implicit one, max exponent, min normal exponent)
    "float16": (16, 11, 16, -14),
    "bfloat16": (16, 8, 128, -126),
    "float32": (32, 24, 128, -126),
    "float64": (64, 53, 1024, -1022),
}
_INTS = {"uint8": (8, False), "int8": (8, True), "int16": (16, True), "int32": (32, True), "int64": (64, True)}


class finfo:
    """Machine limits of a floating point dtype (torch.finfo)."""

    def __init__(self, type=None):
        if type is None:
            type = _C.get_default_dtype()
        if not isinstance(type, _C.dtype):
            raise TypeError(f"finfo(): argument 'type' (position 1) must be torch.dtype, not {builtins_type(type)}")
        name = str(type)[6:]
        if name not in _FLOATS:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        bits, digits, emax, emin = _FLOATS[name]
        self.bits = bits
        self.eps = 2.0 ** (1 - digits)
        self.max = (2.0 - self.eps) * 2.0 ** (emax - 1)
        self.min = -self.max
        self.tiny = self.smallest_normal = 2.0 ** emin
        self.resolution = float(f"1e-{math.floor((digits - 1) * math.log10(2))}")
        self.dtype = name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")

    __str__ = __repr__


class iinfo:
    """Machine limits of an integer dtype (torch.iinfo)."""

    def __init__(self, type):
        if not isinstance(type, _C.dtype):
            raise TypeError(f"iinfo(): argument 'type' (position 1) must be torch.dtype, not {builtins_type(type)}")
        name = str(type)[6:]
        if name == "bool":
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if name not in _INTS:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        bits, signed = _INTS[name]
        self.bits = bits
        self.min = -(2 ** (bits - 1)) if signed else 0
        self.max = 2 ** (bits - 1) - 1 if signed else 2 ** bits - 1
        self.dtype = name

    def __repr__(self):
        return f"iinfo(min={float(self.min):g}, max={float(self.max):g}, dtype={self.dtype})"

    __str__ = __repr__


def builtins_type(obj):
    return type(obj).__name__
