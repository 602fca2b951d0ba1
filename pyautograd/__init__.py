"""pyautograd: a small PyTorch-compatible autograd framework with a C++ core.

`import pyautograd as torch` gives the torch names a training script uses; the
tensors, graph, backward engine and kernels are C++ (pyautograd._C)."""
import builtins as _builtins

from . import _C

if _C._isa_override_error():  # Note [Forcing an ISA] (cpp/kernels/cpu.h)
    raise ValueError(_C._isa_override_error())
from ._C import (Tensor, dtype, uint8, int8, int16, int32, int64, float16, float32, float64, bfloat16,  # noqa: F401
                 get_default_dtype, is_grad_enabled, result_type, promote_types, set_num_threads, get_num_threads,
                 Node, memory_format, contiguous_format, channels_last, channels_last_3d, preserve_format)
from ._C import *  # noqa: F401,F403  the op table's functions (Note [Op ids])
from ._size import Size
from ._type_info import finfo, iinfo
from ._device import device

_C._register_size_class(Size)

float = float32
double = float64
half = float16
short = int16
int = int32
long = int64
bool = _C.bool
strided = "torch.strided"
from math import e, inf, nan, pi  # noqa: E402  (torch's constants)
newaxis = None

from ._tensor import _install as _install_tensor  # noqa: E402

_install_tensor()


from ._creation import (tensor, as_tensor, from_numpy, zeros, ones, empty, full, zeros_like, ones_like,  # noqa: E402
                        empty_like, full_like, arange, linspace, eye, scalar_tensor)
from ._tensor_str import set_printoptions  # noqa: E402
from . import autograd  # noqa: E402
from .random import (Generator, default_generator, manual_seed, seed, initial_seed, get_rng_state,  # noqa: E402
                     set_rng_state, rand, randn, randint, randperm, normal, bernoulli, rand_like, randn_like,
                     randint_like)
from . import utils  # noqa: E402
from . import return_types  # noqa: E402
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode  # noqa: E402
from .autograd.grad_mode import is_inference_mode_enabled  # noqa: E402
from ._functions import *  # noqa: E402,F401,F403
from . import nn  # noqa: E402
from . import optim  # noqa: E402
from . import accelerator, backends, cuda, serialization  # noqa: E402
from .serialization import save, load  # noqa: E402
from ._device import set_default_device, get_default_device  # noqa: E402
from .backends import (use_deterministic_algorithms, are_deterministic_algorithms_enabled,  # noqa: E402
                       is_deterministic_algorithms_warn_only_enabled, set_deterministic_debug_mode,
                       get_deterministic_debug_mode)


def set_default_dtype(d):
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type")
    _C._set_default_dtype(d)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(t):
    return t.is_floating_point()


def numel(t):
    return t.numel()


__version__ = "0.1.0"
