"""torch.utils.data: datasets, samplers, collation and the single-process DataLoader.

With shuffle=True the batch order equals torch's for the same seed, and the
default generator is left where torch leaves it (see dataloader.py)."""
from .dataset import ConcatDataset, Dataset, IterableDataset, StackDataset, Subset, TensorDataset, random_split
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler
from ._collate import collate, default_collate, default_collate_fn_map, default_convert
from .dataloader import DataLoader, get_worker_info

__all__ = ["BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset", "RandomSampler", "Sampler",
           "SequentialSampler", "StackDataset", "Subset", "SubsetRandomSampler", "TensorDataset", "collate",
           "default_collate", "default_collate_fn_map", "default_convert", "get_worker_info", "random_split"]
