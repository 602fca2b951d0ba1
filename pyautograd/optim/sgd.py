"""Stochastic gradient descent (torch.optim.SGD), one fused C++ update per param group."""
from .. import _C
from .._C import Tensor
from .optimizer import Optimizer, _check_not_differentiable, _get_value, _run_closure

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Implements stochastic gradient descent (optionally with momentum), as torch.optim.SGD.

    Args:
        params (iterable): iterable of parameters or of dicts defining param groups
        lr (float, Tensor, optional): learning rate (default: 1e-3)
        momentum (float, optional): momentum factor (default: 0)
        dampening (float, optional): dampening for momentum (default: 0)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        nesterov (bool, optional): enables Nesterov momentum (default: False)
        maximize (bool, optional): maximize the objective instead of minimizing (default: False)
        foreach, fused (bool, optional): accepted for compatibility; every step is fused
        differentiable (bool, optional): must be False (Note [Differentiable optimizers])
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach,
                    "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        _check_not_differentiable(differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def step(self, closure=None):
        r"""Performs a single optimization step: for each parameter with a gradient,
        in one fused pass per tensor (torch's update, operation by operation)::

            g = -grad if maximize else grad
            if weight_decay != 0:  g = g + weight_decay * p
            if momentum != 0:
                buf = g                                          (first step)
                buf = momentum * buf + (1 - dampening) * g       (later steps)
                g = g + momentum * buf if nesterov else buf
            p = p - lr * g

        Args:
            closure (Callable, optional): reevaluates the model and returns the loss.
        """
        loss = _run_closure(closure)
        state = self.state
        for group in self.param_groups:
            momentum = group["momentum"]
            params, grads, bufs = [], [], []
            for p in group["params"]:
                g = p.grad
                if g is not None:
                    params.append(p)
                    grads.append(g)
                    if momentum != 0:
                        bufs.append(state[p].get("momentum_buffer"))
            if not params:
                continue
            created = _C._optimizer_step("sgd", params, grads, [bufs], [], lr=_get_value(group["lr"]),
                                         momentum=momentum, dampening=group["dampening"],
                                         weight_decay=_get_value(group["weight_decay"]),
                                         nesterov=group["nesterov"], maximize=group["maximize"])
            if created is not None:
                for p, old, new in zip(params, bufs, created[0]):
                    if old is None:
                        state[p]["momentum_buffer"] = new
        return loss
