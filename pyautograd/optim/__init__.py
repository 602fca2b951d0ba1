"""pyautograd.optim: torch.optim's optimizers and learning-rate schedulers.
Each optimizer's step updates a whole param group in one fused C++ call."""
from . import lr_scheduler  # noqa: F401
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adam", "AdamW", "Optimizer", "RMSprop", "SGD", "lr_scheduler"]
