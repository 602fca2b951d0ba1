"""torch.utils: the data loading utilities (pyautograd.utils.data)."""
from . import data  # noqa: F401
