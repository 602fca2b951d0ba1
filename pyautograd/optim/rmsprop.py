"""RMSprop (torch.optim.RMSprop), one fused C++ update per param group."""
from .. import _C
from .._C import Tensor
from .._creation import tensor, zeros_like
from .optimizer import (Optimizer, _check_capturable, _check_not_differentiable, _get_scalar_dtype, _get_value,
                        _run_closure)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""Implements the RMSprop algorithm, as torch.optim.RMSprop.

    Args:
        params (iterable): iterable of parameters or of dicts defining param groups
        lr (float, Tensor, optional): learning rate (default: 1e-2)
        alpha (float, optional): smoothing constant of the running average of the squared
            gradient (default: 0.99)
        eps (float, optional): term added to the denominator (default: 1e-8)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        momentum (float, optional): momentum factor (default: 0)
        centered (bool, optional): normalize by an estimate of the gradient's variance
            (default: False)
        maximize (bool, optional): maximize the objective instead of minimizing (default: False)
        foreach, capturable (bool, optional): accepted for compatibility; every step is fused
        differentiable (bool, optional): must be False (Note [Differentiable optimizers])
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)
        _check_not_differentiable(differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
            for p in group["params"]:
                p_state = self.state.get(p, [])
                if len(p_state) != 0 and not isinstance(p_state["step"], Tensor):
                    p_state["step"] = tensor(float(p_state["step"]), dtype=_get_scalar_dtype())

    def _init_group(self, group, params, grads, square_avgs, momentum_buffers, grad_avgs, state_steps):
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            params.append(p)
            grads.append(g)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = tensor(0.0, dtype=_get_scalar_dtype())
                state["square_avg"] = zeros_like(p)
                if group["momentum"] > 0:
                    state["momentum_buffer"] = zeros_like(p)
                if group["centered"]:
                    state["grad_avg"] = zeros_like(p)
            square_avgs.append(state["square_avg"])
            state_steps.append(state["step"])
            if group["momentum"] > 0:
                momentum_buffers.append(state["momentum_buffer"])
            if group["centered"]:
                grad_avgs.append(state["grad_avg"])

    def step(self, closure=None):
        r"""Performs a single optimization step: for each parameter with a gradient,
        in one fused pass per tensor (torch's update, operation by operation)::

            step += 1
            g = -grad if maximize else grad
            if weight_decay != 0:  g = g + weight_decay * p
            v = alpha * v + (1 - alpha) * g * g                  (square_avg)
            if centered:
                g_avg = g_avg + (1 - alpha) * (g - g_avg)        (grad_avg.lerp_(g, 1 - alpha))
                avg = sqrt(v - g_avg * g_avg) + eps
            else:
                avg = sqrt(v) + eps
            if momentum > 0:
                buf = momentum * buf + g / avg;  p = p - lr * buf
            else:
                p = p - lr * g / avg

        Args:
            closure (Callable, optional): reevaluates the model and returns the loss.
        """
        loss = _run_closure(closure)
        for group in self.param_groups:
            params, grads, square_avgs, momentum_buffers, grad_avgs, state_steps = [], [], [], [], [], []
            self._init_group(group, params, grads, square_avgs, momentum_buffers, grad_avgs, state_steps)
            if not params:
                continue
            _check_capturable(group)
            _C._optimizer_step("rmsprop", params, grads, [square_avgs, momentum_buffers, grad_avgs], state_steps,
                               lr=_get_value(group["lr"]), alpha=group["alpha"], eps=group["eps"],
                               weight_decay=group["weight_decay"], momentum=group["momentum"],
                               centered=group["centered"], maximize=group["maximize"])
        return loss
