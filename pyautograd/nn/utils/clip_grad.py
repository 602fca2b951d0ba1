"""Gradient clipping, with torch's arithmetic in torch's order: the total norm is the norm of
the per-gradient norms (grouped by dtype, as torch's foreach path groups them), and every
gradient is multiplied in place by clamp(max_norm / (total_norm + 1e-6), max=1)."""
import functools
import math
import types
import warnings

from ... import _C
from ..._creation import tensor
from ...autograd.grad_mode import no_grad

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_"]


def _no_grad(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with no_grad():
            return func(*args, **kwargs)
    return wrapper


def _vector_norm(t, ord, per_tensor=False):
    """torch.linalg.vector_norm(t, ord) of a whole tensor; `per_tensor`: as torch._foreach_norm,
    which torch uses for each gradient (its own message for the inf norm of an empty one)."""
    if t.numel() == 0 and (ord < 0 or ord == math.inf):
        if per_tensor and ord == math.inf:
            raise RuntimeError("_foreach_norm cannot compute the infinity norm on an empty tensor because the "
                               "operation does not have an identity")
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on an empty tensor because the "
                           "operation does not have an identity")
    if ord == math.inf:
        return t.abs().amax()
    if ord == -math.inf:
        return t.abs().amin()
    if ord == 0:
        return (t != 0).sum().to(t.dtype)
    if ord == 1:
        return t.abs().sum()
    if ord == 2:
        return (t * t).sum().sqrt()
    return (t.abs() ** ord).sum() ** (1.0 / ord)


def _group_by_dtype(tensors):
    groups = {}
    for t in tensors:
        groups.setdefault(t.dtype, []).append(t)
    return groups.values()


@_no_grad
def _get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of the tensors' norms, as if they were concatenated into one vector."""
    tensors = [tensors] if isinstance(tensors, _C.Tensor) else list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return tensor(0.0)
    norms = [_vector_norm(g, norm_type, per_tensor=True) for group in _group_by_dtype(tensors) for g in group]
    total_norm = _vector_norm(_C.stack(norms), norm_type)
    if error_if_nonfinite and _C.logical_or(total_norm.isnan(), total_norm.isinf()):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`")
    return total_norm


@_no_grad
def _clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scales the gradients by min(max_norm / (total_norm + 1e-6), 1), in place."""
    if isinstance(parameters, _C.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    max_norm = float(max_norm)
    if len(grads) == 0:
        return
    clip_coef = max_norm / (total_norm + 1e-6)
    # multiplying by a coefficient clamped to 1 is a no-op there, as in torch (no data-dependent branch)
    clip_coef_clamped = _C.clamp(clip_coef, max=1.0)
    for group in _group_by_dtype(grads):
        for g in group:
            g.mul_(clip_coef_clamped)


@_no_grad
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Clips the gradient norm of parameters in place; returns the total norm (a tensor).
    `foreach` is accepted and ignored: there is one CPU implementation."""
    if isinstance(parameters, _C.Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and len(parameters) == 0:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = _get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    _clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated alias of clip_grad_norm_."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@_no_grad
def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamps every gradient to [-clip_value, clip_value] in place."""
    if isinstance(parameters, _C.Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    grads = [p.grad for p in parameters if p.grad is not None]
    for group in _group_by_dtype(grads):
        for g in group:
            g.clamp_(min=-clip_value)
            g.clamp_(max=clip_value)
