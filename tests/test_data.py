"""pyautograd.utils.data against torch.utils.data: batch contents and order (shuffled
with the same seeds), collation, samplers, and the generator state they leave behind."""
import collections

import numpy as np
import pyautograd as pag
import pyautograd.utils.data as pdata
import pytest
import torch
import torch.utils.data as tdata
from helpers import helper_test_exception

SEEDS = [0, 1, 42, 1234, 2**31 - 1, 2**32 + 7, 987654321]


def state_bytes(T, gen=None):
    st = gen.get_state() if gen is not None else T.get_rng_state()
    return bytes(np.asarray(st.numpy(), dtype=np.uint8))


def plain(x):
    """Batches as nested Python values with dtype names, comparable across frameworks."""
    if isinstance(x, (torch.Tensor, pag.Tensor)):
        return ("tensor", str(x.dtype), tuple(x.shape), x.tolist())
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__,) + tuple(plain(v) for v in x)
    if isinstance(x, (list, tuple)):
        return type(x).__name__, [plain(v) for v in x]
    return x


def both(make, epochs=3, seed=0, draw_after=True):
    """make(T, D) -> loader; runs `epochs` passes in each framework after manual_seed(seed)."""
    out = []
    for T, D in ((torch, tdata), (pag, pdata)):
        T.manual_seed(seed)
        loader = make(T, D)
        batches = [[plain(b) for b in loader] for _ in range(epochs)]
        tail = T.rand(4).tolist() if draw_after else None
        out.append((batches, tail, state_bytes(T)))
    assert out[1][0] == out[0][0], "batches differ from torch's"
    assert out[1][1] == out[0][1], "the default generator is not where torch leaves it"
    assert out[1][2] == out[0][2]
    return out[0][0]


def tensor_dataset(T, D, n=10):
    return D.TensorDataset(T.arange(n), T.arange(n * 2, dtype=T.float32).reshape(n, 2))


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (4, False), (10, False),
                                                  (16, True)])
def test_shuffle_order_matches_torch(batch_size, drop_last):
    for seed in SEEDS:
        both(lambda T, D: D.DataLoader(tensor_dataset(T, D, 10), batch_size=batch_size, shuffle=True,
                                       drop_last=drop_last), seed=seed)


def test_shuffle_large_and_generator():
    both(lambda T, D: D.DataLoader(tensor_dataset(T, D, 1000), batch_size=64, shuffle=True), epochs=2, seed=3)
    res = []
    for T, D in ((torch, tdata), (pag, pdata)):
        T.manual_seed(5)
        g = T.Generator().manual_seed(77)
        loader = D.DataLoader(tensor_dataset(T, D, 20), batch_size=6, shuffle=True, generator=g)
        res.append(([[plain(b) for b in loader] for _ in range(3)], state_bytes(T, g), state_bytes(T)))
    assert res[1] == res[0]


def test_partial_epochs_and_iterators():
    # The base seed is drawn when the iterator is made; the sampler's seed at the first next().
    res = []
    for T, D in ((torch, tdata), (pag, pdata)):
        T.manual_seed(9)
        loader = D.DataLoader(tensor_dataset(T, D, 12), batch_size=5, shuffle=True)
        it = iter(loader)
        a = T.rand(2).tolist()
        first = plain(next(it))
        it2 = iter(loader)
        rest = [plain(b) for b in it2]
        res.append((a, first, rest, plain(next(it)), state_bytes(T)))
    assert res[1] == res[0]


def test_sequential_and_lengths():
    out = both(lambda T, D: D.DataLoader(tensor_dataset(T, D, 11), batch_size=4), epochs=1)
    assert len(out[0]) == 3
    for bs, dl in [(4, False), (4, True), (11, False), (12, True)]:
        lt = len(tdata.DataLoader(tensor_dataset(torch, tdata, 11), batch_size=bs, drop_last=dl))
        lp = len(pdata.DataLoader(tensor_dataset(pag, pdata, 11), batch_size=bs, drop_last=dl))
        assert lp == lt
    both(lambda T, D: D.DataLoader(tensor_dataset(T, D, 5), batch_size=None), epochs=1)
    both(lambda T, D: D.DataLoader(tensor_dataset(T, D, 5), batch_size=None, shuffle=True), epochs=2)


class Records:
    """A dataset of mixed Python samples."""

    def __init__(self, T, kind):
        self.T, self.kind = T, kind

    def __len__(self):
        return 7

    def __getitem__(self, i):
        T = self.T
        Point = collections.namedtuple("Point", "x y")
        return {
            "number": i * 1.5,
            "int": i,
            "bool": i % 2 == 0,
            "tuple": (T.full((2,), float(i)), i),
            "list": [i, float(i), T.tensor(i)],
            "dict": {"a": T.tensor([i, i + 1]), "b": {"c": i * 0.5, "s": f"s{i}"}},
            "namedtuple": Point(i, T.tensor(float(i))),
            "numpy": np.arange(3, dtype=np.float32) + i,
            "npscalar": np.float64(i) / 3,
            "str": f"item{i}",
        }[self.kind]


@pytest.mark.parametrize("kind", ["number", "int", "bool", "tuple", "list", "dict", "namedtuple", "numpy",
                                  "npscalar", "str"])
def test_collate(kind):
    both(lambda T, D: D.DataLoader(Records(T, kind), batch_size=3, shuffle=True), epochs=2, seed=4)
    both(lambda T, D: D.DataLoader(Records(T, kind), batch_size=None), epochs=1)


def test_default_collate_and_convert():
    cases = [lambda T: [T.ones(2), T.zeros(2)], lambda T: [1, 2, 3], lambda T: [0.5, 1.5],
             lambda T: [{"a": 1, "b": T.ones(1)}, {"a": 2, "b": T.zeros(1)}], lambda T: [(1, 2.0), (3, 4.0)],
             lambda T: [[1, 2], [3, 4]], lambda T: [np.ones(2), np.zeros(2)]]
    for case in cases:
        assert plain(pdata.default_collate(case(pag))) == plain(tdata.default_collate(case(torch)))
    for data in [np.arange(3), {"x": np.float32(2.0)}, [np.int64(3), "s"], (np.zeros(2), 1)]:
        assert plain(pdata.default_convert(data)) == plain(tdata.default_convert(data))
    helper_test_exception(lambda: tdata.default_collate([[1, 2], [3]]), lambda: pdata.default_collate([[1, 2], [3]]))
    helper_test_exception(lambda: tdata.default_collate([object()]), lambda: pdata.default_collate([object()]),
                          exact=False)


def test_samplers():
    for seed in SEEDS[:4]:
        res = []
        for T, D in ((torch, tdata), (pag, pdata)):
            T.manual_seed(seed)
            data = list(range(10))
            g = T.Generator().manual_seed(seed)
            r = [list(D.SequentialSampler(data)), list(D.RandomSampler(data)),
                 list(D.RandomSampler(data, replacement=True, num_samples=70)),
                 list(D.RandomSampler(data, num_samples=25)), list(D.RandomSampler(data, generator=g)),
                 list(D.SubsetRandomSampler([3, 5, 7, 9])), list(D.SubsetRandomSampler([1, 2, 3], generator=g)),
                 list(D.BatchSampler(D.SequentialSampler(data), 3, False)),
                 list(D.BatchSampler(D.RandomSampler(data), 4, True)),
                 len(D.BatchSampler(range(10), 3, False)), len(D.BatchSampler(range(10), 3, True)),
                 len(D.RandomSampler(data, num_samples=25))]
            res.append((r, state_bytes(T), state_bytes(T, g)))
        assert res[1] == res[0]
    res = []
    for T, D in ((torch, tdata), (pag, pdata)):
        T.manual_seed(2)
        loader = D.DataLoader(tensor_dataset(T, D, 9), batch_sampler=D.BatchSampler(D.RandomSampler(range(9)), 2, False))
        res.append(([plain(b) for b in loader], state_bytes(T)))
        loader = D.DataLoader(tensor_dataset(T, D, 9), sampler=D.SubsetRandomSampler([0, 2, 4, 6]), batch_size=3)
        res.append(([plain(b) for b in loader], state_bytes(T)))
    assert res[2:] == res[:2]


def test_datasets_and_random_split():
    for seed in SEEDS[:3]:
        res = []
        for T, D in ((torch, tdata), (pag, pdata)):
            T.manual_seed(seed)
            ds = tensor_dataset(T, D, 10)
            parts = D.random_split(ds, [3, 7])
            fr = D.random_split(range(11), [0.5, 0.3, 0.2])
            gen_parts = D.random_split(range(6), [2, 4], generator=T.Generator().manual_seed(1))
            cat = D.ConcatDataset([range(3), range(10, 14)]) + D.Subset(range(100), [5, 6])
            stack = D.StackDataset(range(3), [7, 8, 9])
            res.append(([p.indices for p in parts], [list(p) for p in fr], [list(p) for p in gen_parts],
                         plain(parts[0][1]), len(cat), [cat[i] for i in range(-9, 9)], stack[1], len(ds),
                         plain(ds[-1]), state_bytes(T)))
        assert res[1] == res[0]


class Stream:
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_iterable_dataset():
    make = [lambda T, D: D.DataLoader(type("S", (Stream, D.IterableDataset), {})(7), batch_size=3),
            lambda T, D: D.DataLoader(type("S", (Stream, D.IterableDataset), {})(7), batch_size=3, drop_last=True),
            lambda T, D: D.DataLoader(type("S", (Stream, D.IterableDataset), {})(4), batch_size=None)]
    for m in make:
        both(m, epochs=2)
    for bs, dl in [(3, False), (3, True)]:
        lt = len(tdata.DataLoader(type("S", (Stream, tdata.IterableDataset), {})(7), batch_size=bs, drop_last=dl))
        lp = len(pdata.DataLoader(type("S", (Stream, pdata.IterableDataset), {})(7), batch_size=bs, drop_last=dl))
        assert lp == lt


def test_custom_collate_and_getitem():
    class Squares:
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return i * i

    both(lambda T, D: D.DataLoader(Squares(), batch_size=4, shuffle=True, collate_fn=lambda b: sum(b)), seed=8)
    both(lambda T, D: D.DataLoader(Squares(), batch_size=2, collate_fn=list), epochs=1)


ERRORS = [
    lambda T, D: D.DataLoader(range(3), num_workers=-1),
    lambda T, D: D.DataLoader(range(3), timeout=-1),
    lambda T, D: D.DataLoader(range(3), prefetch_factor=2),
    lambda T, D: D.DataLoader(range(3), persistent_workers=True),
    lambda T, D: D.DataLoader(range(3), sampler=D.SequentialSampler(range(3)), shuffle=True),
    lambda T, D: D.DataLoader(range(3), batch_sampler=D.BatchSampler(range(3), 2, False), batch_size=2),
    lambda T, D: D.DataLoader(range(3), batch_size=None, drop_last=True),
    lambda T, D: D.DataLoader(type("S", (Stream, D.IterableDataset), {})(3), shuffle=True),
    lambda T, D: D.BatchSampler(range(3), 0, False),
    lambda T, D: D.BatchSampler(range(3), 2, 1),
    lambda T, D: D.RandomSampler(range(3), replacement=1),
    lambda T, D: D.RandomSampler(range(3), num_samples=0),
    lambda T, D: D.TensorDataset(T.ones(3), T.ones(4)),
    lambda T, D: D.random_split(range(5), [2, 2]),
    lambda T, D: D.random_split(range(5), [1.5, -0.5]),
    lambda T, D: setattr(D.DataLoader(range(3)), "batch_size", 5),
    lambda T, D: D.Dataset()[0],
    lambda T, D: D.ConcatDataset([]),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    helper_test_exception(lambda: ERRORS[i](torch, tdata), lambda: ERRORS[i](pag, pdata))
