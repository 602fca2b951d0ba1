"""Top-level functions that are thin Python over the C++ ops (the rest come
straight from _C)."""
from . import _C

__all__ = ["is_nonzero"]


def is_nonzero(input):
    if input.numel() != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous" if input.numel() > 1 else
                           "Boolean value of Tensor with no values is ambiguous")
    return bool(input.item())

