"""pyautograd.nn: modules, losses, functional and init, mirroring torch.nn."""
from .parameter import Parameter, Buffer
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from . import functional, init  # noqa: F401

__all__ = ["Parameter", "Buffer", "functional", "init"] + _modules_all
