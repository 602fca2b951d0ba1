"""AdamW (torch.optim.AdamW): Adam with decoupled weight decay."""
from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    r"""Implements AdamW, as torch.optim.AdamW: Adam whose weight decay scales the
    parameters directly (p = p * (1 - lr * weight_decay)) instead of entering the
    moments. Same arguments as Adam, but weight_decay defaults to 1e-2 and
    decoupled_weight_decay is always True."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
