"""pyautograd.autograd: backward, grad, Function, grad modes and gradcheck."""
from .. import _C
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                        set_grad_enabled)
from .gradcheck import gradcheck, gradgradcheck
from . import functional  # noqa: F401


def _as_list(x):
    if x is None:
        return None
    if isinstance(x, _C.Tensor):
        return [x]
    return list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    tensors = _as_list(tensors)
    grads = _as_list(grad_tensors if grad_tensors is not None else grad_variables) or [None] * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"grad can be implicitly created only for scalar outputs" if not grads else
                           f"Mismatch in number of grad_tensors: expected {len(tensors)}, got {len(grads)}")
    if retain_graph is None:
        retain_graph = create_graph
    inputs = _as_list(inputs) or []
    _C._run_backward(tensors, grads, retain_graph, create_graph, inputs, False, True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    outputs = _as_list(outputs)
    single = isinstance(inputs, _C.Tensor)
    inputs = _as_list(inputs)
    if not inputs:
        raise RuntimeError("grad requires non-empty inputs.")
    grads = _as_list(grad_outputs) or [None] * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"grad_outputs must be of the same length as outputs: expected {len(outputs)}, "
                           f"got {len(grads)}")
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    res = _C._run_backward(outputs, grads, retain_graph, create_graph, inputs, allow_unused, False)
    if materialize_grads:
        res = tuple(r if r is not None else _C._full(list(i.shape), 0, i.dtype) for r, i in zip(res, inputs))
    return tuple(res)


__all__ = ["Function", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "gradcheck", "gradgradcheck"]
