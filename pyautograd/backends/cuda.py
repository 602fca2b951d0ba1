"""torch.backends.cuda: no CUDA here; the cuBLAS flags are kept and read back (Note [Backend flags])."""
from . import _bool_flag

_flags = {"allow_tf32": False, "allow_fp16_reduced_precision_reduction": True,
          "allow_bf16_reduced_precision_reduction": True}


def is_built():
    """Whether this build has CUDA: never."""
    return False


class cuBLASModule:
    allow_tf32 = _bool_flag(_flags, "allow_tf32", "set_allow_tf32_cublas")
    allow_fp16_reduced_precision_reduction = _bool_flag(
        _flags, "allow_fp16_reduced_precision_reduction", "set_allow_fp16_reduced_precision_reduction")
    allow_bf16_reduced_precision_reduction = _bool_flag(
        _flags, "allow_bf16_reduced_precision_reduction", "set_allow_bf16_reduced_precision_reduction")

    def __setattr__(self, name, value):
        if not hasattr(type(self), name):
            raise AttributeError("Unknown attribute " + name)
        object.__setattr__(self, name, value)


matmul = cuBLASModule()
