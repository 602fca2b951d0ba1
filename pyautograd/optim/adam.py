"""Adam (torch.optim.Adam), one fused C++ update per param group."""
from .. import _C
from .._C import Tensor
from .._creation import tensor, zeros_like
from .optimizer import (Optimizer, _check_capturable, _check_not_differentiable, _get_scalar_dtype, _get_value,
                        _run_closure, _to_scalar)

__all__ = ["Adam"]


class Adam(Optimizer):
    r"""Implements the Adam algorithm, as torch.optim.Adam.

    Args:
        params (iterable): iterable of parameters or of dicts defining param groups
        lr (float, Tensor, optional): learning rate (default: 1e-3)
        betas (Tuple[float, float], optional): coefficients of the running averages of the
            gradient and of its square (default: (0.9, 0.999))
        eps (float, optional): term added to the denominator (default: 1e-8)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        amsgrad (bool, optional): use the AMSGrad variant (default: False)
        maximize (bool, optional): maximize the objective instead of minimizing (default: False)
        decoupled_weight_decay (bool, optional): decay the weights directly, as AdamW (default: False)
        foreach, capturable, fused (bool, optional): accepted for compatibility; every step is fused
        differentiable (bool, optional): must be False (Note [Differentiable optimizers])
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
            if lr.numel() != 1:
                raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i in (0, 1):
            if isinstance(betas[i], Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for capturable=False and foreach=True")
                if betas[i].numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(map(_to_scalar, betas))
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
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
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            fused = group.setdefault("fused", None)
            for p in group["params"]:
                p_state = self.state.get(p, [])
                if len(p_state) != 0 and not isinstance(p_state["step"], Tensor):
                    dtype = _C.float32 if (group["capturable"] or fused) else _get_scalar_dtype()
                    p_state["step"] = tensor(float(p_state["step"]), dtype=dtype)

    def _init_group(self, group, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps):
        amsgrad = group["amsgrad"]
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            params.append(p)
            grads.append(g)
            state = self.state[p]
            if len(state) == 0:
                # torch keeps `step` as a float32 0-dim tensor (float64 under a float64 default dtype)
                state["step"] = tensor(0.0, dtype=_C.float32 if (group["capturable"] or group["fused"])
                                       else _get_scalar_dtype())
                state["exp_avg"] = zeros_like(p)
                state["exp_avg_sq"] = zeros_like(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = zeros_like(p)
            exp_avgs.append(state["exp_avg"])
            exp_avg_sqs.append(state["exp_avg_sq"])
            if amsgrad:
                max_exp_avg_sqs.append(state["max_exp_avg_sq"])
            state_steps.append(state["step"])

    def step(self, closure=None):
        r"""Performs a single optimization step: for each parameter with a gradient,
        in one fused pass per tensor (torch's update, operation by operation)::

            step += 1
            g = -grad if maximize else grad
            if weight_decay != 0:
                p = p * (1 - lr * weight_decay)      if decoupled_weight_decay (AdamW)
                g = g + weight_decay * p             otherwise
            m = m + (1 - beta1) * (g - m)            (exp_avg.lerp_(g, 1 - beta1))
            v = beta2 * v + (1 - beta2) * g * g      (exp_avg_sq)
            if amsgrad:  v_max = maximum(v_max, v);  v_hat = v_max  else v_hat = v
            denom = sqrt(v_hat) / sqrt(1 - beta2**step) + eps
            p = p - (lr / (1 - beta1**step)) * m / denom

        Args:
            closure (Callable, optional): reevaluates the model and returns the loss.
        """
        loss = _run_closure(closure)
        for group in self.param_groups:
            params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps = [], [], [], [], [], []
            self._init_group(group, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps)
            if not params:
                continue
            _check_capturable(group)
            beta1, beta2 = group["betas"]
            _C._optimizer_step("adam", params, grads, [exp_avgs, exp_avg_sqs, max_exp_avg_sqs], state_steps,
                               lr=_get_value(group["lr"]), beta1=_get_value(beta1), beta2=_get_value(beta2),
                               weight_decay=_get_value(group["weight_decay"]), eps=group["eps"],
                               amsgrad=group["amsgrad"], maximize=group["maximize"],
                               decoupled_weight_decay=group["decoupled_weight_decay"])
        return loss
