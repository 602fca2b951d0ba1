"""Tensor creation against torch: values, dtypes, shapes, strides and errors (type and message)."""
import math
import warnings

import numpy as np
import pyautograd as pag
import pytest
import torch

from helpers import assert_close, helper_test_exception


def _outcome(expr, T):
    """Evaluates expr with T bound to torch or pyautograd: ('T', dtype, shape, values, requires_grad),
    ('V', repr) for other results, or ('E', exception type, message)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = eval(expr, {"T": T, "np": np, "math": math})
        except Exception as e:  # noqa: BLE001 - the exception itself is compared
            return ("E", type(e).__name__, str(e))
    if isinstance(r, (torch.Tensor, pag.Tensor)):
        vals = r.detach().numpy() if r.numel() else None
        return ("T", str(r.dtype), tuple(r.shape), vals, r.requires_grad)
    return ("V", repr(r))


def _compare(expr):
    t, p = _outcome(expr, torch), _outcome(expr, pag)
    assert t[0] == p[0], f"{expr}: torch {t}, pyautograd {p}"
    if t[0] == "T":
        assert t[1:3] == p[1:3] and t[4] == p[4], f"{expr}: torch {t}, pyautograd {p}"
        if t[3] is not None:
            np.testing.assert_array_equal(p[3], t[3], err_msg=expr)  # exact, nan == nan
    else:
        assert t == p, f"{expr}:\n torch:      {t}\n pyautograd: {p}"


TENSOR_CASES = [
    'T.tensor([1, 2.5])',
    'T.tensor([True, 1])',
    'T.tensor([True, 1.0])',
    'T.tensor([np.float64(1), 1.0])',
    'T.tensor(np.float64(1.5))',
    'T.tensor(np.float32(1.5))',
    'T.tensor(np.bool_(True))',
    'T.tensor([np.int32(3), 1])',
    'T.tensor([T.tensor(1), T.tensor(2.)])',
    'T.tensor([T.tensor(1.,dtype=T.float64), 2])',
    'T.tensor([T.ones(2), T.ones(2)])',
    'T.tensor([T.ones(1), T.ones(1)])',
    'T.tensor([T.ones(1,1), T.tensor(2)])',
    'T.tensor([[T.tensor(1.)], [T.tensor(2)]])',
    'T.tensor([np.ones(2), np.ones(2)])',
    'T.tensor([np.ones(2,dtype=np.float32), [1,2]])',
    'T.tensor([[1,2],[3]])',
    'T.tensor([[1,2],3])',
    'T.tensor([1,[2,3]])',
    'T.tensor([[1,2],[3,[4]]])',
    'T.tensor([[[1,2]],[[3,4,5]]])',
    'T.tensor([])',
    'T.tensor([[]])',
    'T.tensor([[], []])',
    'T.tensor([[], [1]])',
    'T.tensor(())',
    'T.tensor("abc")',
    'T.tensor(["a"])',
    'T.tensor([1, "a"])',
    'T.tensor(None)',
    'T.tensor([None])',
    'T.tensor([1, None])',
    'T.tensor({1:2})',
    'T.tensor(object())',
    'T.tensor([1.7, -1.7], dtype=T.int64)',
    "T.tensor([float('nan')], dtype=T.int64)",
    "T.tensor([float('inf')], dtype=T.int64)",
    'T.tensor([1e30], dtype=T.int64)',
    'T.tensor([0.5, 0.0], dtype=T.bool)',
    'T.tensor([2, 0], dtype=T.bool)',
    'T.tensor(2**63)',
    'T.tensor([2**63])',
    'T.tensor(2**64)',
    'T.tensor(-2**63)',
    "T.tensor(np.array(['a']))",
    'T.tensor(np.array([1,2],dtype=object))',
    'T.tensor(np.array(2.5))',
    'T.tensor([1,2], dtype=float)',
    'T.tensor([1,2], dtype=int)',
    'T.tensor([1,2], dtype=bool)',
    'T.tensor([1,2], dtype="float32")',
    "T.tensor([1,2], device='cuda')",
    "T.tensor([1,2], device='cpu')",
    "T.tensor([1,2], device=T.device('cpu'))",
    "T.tensor([1,2], device='foo')",
    'T.tensor([1,2], requires_grad=True)',
    'T.tensor([1.,2], requires_grad=True)',
    'T.tensor(range(5))',
    'T.tensor((1,2,(3,)))',
    'T.tensor([[1,2],(3,4)])',
    'T.tensor(T.ones(2))',
    'T.tensor([1, 2], 3)',
    'T.tensor(data=[1,2])',
    'T.tensor([[1, 2], T.tensor([3, 4])])',
    'T.tensor([T.tensor(1.5)], dtype=T.int64)',
    'T.tensor([T.tensor(True)], dtype=T.int64)',
    'T.tensor([T.tensor([1.5])], dtype=T.float64)',
    'T.tensor([None], dtype=T.float32)',
    'T.tensor([None], dtype=T.int64)',
    'T.tensor([None], dtype=T.bool)',
    "T.tensor(['a'], dtype=T.bool)",
    "T.tensor([1.5, 'a'], dtype=T.float32)",
    'T.tensor([{}], dtype=T.float32)',
    'T.tensor([2**70], dtype=T.bool)',
    'T.tensor([np.array(1.5)], dtype=T.float32)',
    'T.tensor([np.float64(2.5)], dtype=T.int64)',
    "T.tensor([np.float64('nan')], dtype=T.int64)",
    'T.tensor([np.int64(3), np.float32(2.5)])',
    'T.tensor({1, 2})',
    'T.tensor([{1, 2}])',
    'T.tensor([[1]]*1 + [[]])',
    'T.tensor([2**70, 1.5])',
    'T.tensor([2**63, 1.5])',
    'T.tensor([2**63], dtype=T.float32)',
    'T.tensor(2**63, dtype=T.float32)',
    'T.tensor([1, 2**63])',
    'T.tensor([2**64], dtype=T.float64)',
    'T.tensor(1e300, dtype=T.float32)',
    'T.tensor([1e300])',
    'T.tensor([np.float64(1e300)])',
    'T.tensor([np.array([1.5])])',
    'T.tensor([np.ones((2,2)), np.ones((2,3))])',
    'T.tensor(np.ones(3)[::-1])',
    'T.tensor([[1, 2]] * 3)',
    'T.tensor(np.ones((2,0)))',
    'T.tensor(True, dtype=T.float32)',
    'T.tensor(np.int64(2**62))',
    'T.tensor([np.bool_(True), np.bool_(False)])',
    'T.tensor([np.float32(1), 2])',
    'T.tensor([np.float32(1), np.float64(2)])',
    'T.tensor([np.float32(1), T.tensor(2, dtype=T.float64)])',
    'T.tensor(T.ones(2), dtype=T.int64)',
    'T.tensor(T.ones(2, requires_grad=True)).requires_grad',
    "T.tensor('1.5')",
    "T.tensor(b'ab')",
    "T.tensor([b'ab'])",
    "T.tensor(bytearray(b'ab'))",
    'T.tensor(np.array([[1, 2], [3, 4]]).T).is_contiguous()',
    'T.tensor(np.array([[1, 2], [3, 4]]).T).stride()',
    "T.tensor(float('nan'), dtype=T.int64)",
    "T.tensor([float('nan')], dtype=T.bool)",
    'T.tensor(3, dtype=T.bool)',
    'T.tensor([1e20], dtype=T.float32)',
    'T.tensor([1e39], dtype=T.float32)',
    'T.tensor([-2**63 - 1])',
    'T.tensor([[1,2], []])',
    'T.tensor([[], [[1]]])',
    'T.tensor(np.float64(1.5), dtype=T.float32)',
    'T.tensor([[1.5]], dtype=T.int64)',
    'T.tensor(np.array([1.7, 2.9]), dtype=T.int64)',
    'T.tensor(np.array([np.nan]), dtype=T.int64)',
    'T.tensor(np.array([2.5, 0]), dtype=T.bool)',
    'T.tensor(np.array([[1,2]], dtype=np.int64), dtype=T.float32)',
    'T.tensor([[0.1, 0.2], [0.3, 1e-8]], dtype=T.float64)',
    'T.tensor(0.1)',
    'T.tensor([0.1, 1/3])',
    'T.tensor([1, 2, 3], dtype=T.float64)',
    'T.tensor([True, False], dtype=T.float32)',
    'T.tensor(np.array([1, 2], dtype=np.float32), dtype=T.float64)',
    'T.tensor(np.ones((2, 3), dtype=np.float32)[:, ::2]).stride()',
    'T.tensor([1.5, 2], dtype=T.float32).stride()',
]

FACTORY_CASES = [
    'T.zeros(2, 3)',
    'T.zeros((2, 3))',
    'T.zeros([2, 3])',
    'T.zeros(T.Size([2, 3]))',
    'T.zeros(size=(2, 3))',
    'T.zeros(())',
    'T.zeros([])',
    'T.zeros()',
    'T.zeros(2.5)',
    'T.zeros((2, 2.5))',
    'T.zeros(-1)',
    'T.zeros(2, -3)',
    "T.zeros('a')",
    'T.zeros(None)',
    'T.zeros((2,), 3)',
    'T.zeros(2, (3,))',
    'T.zeros(True)',
    'T.zeros(np.int64(2), 3)',
    'T.zeros(T.tensor(2), 3)',
    'T.zeros(T.tensor(2.), 3)',
    'T.zeros(2, dtype=T.int64)',
    'T.zeros(2, dtype=T.bool)',
    'T.zeros(2, requires_grad=True)',
    'T.zeros(2, dtype=T.int64, requires_grad=True)',
    'T.zeros(2, foo=1)',
    'T.ones(2, 3, dtype=T.float64)',
    'T.empty(2, 3).shape',
    'T.empty(-2)',
    'T.zeros(2, 2.5)',
    'T.zeros((2.5, 2))',
    'T.zeros(2.5, 2)',
    'T.zeros((2, True))',
    'T.zeros(2, True)',
    'T.zeros(2, None)',
    "T.zeros(2, 'a')",
    'T.zeros([2, np.int64(3)])',
    'T.zeros([2, T.tensor(3)])',
    'T.zeros([2, T.tensor(3.)])',
    'T.zeros(np.array([2, 3]))',
    'T.zeros(T.tensor([2, 3]))',
    'T.zeros(np.float64(2))',
    'T.ones(2.5)',
    'T.ones(-1)',
    'T.empty(2.5)',
    'T.empty((2, 2.5))',
    "T.zeros(2, dtype='float')",
    'T.zeros(2, dtype=float)',
    'T.zeros(2, dtype=np.float32)',
    'T.zeros(2, size=3)',
    'T.zeros(size=3)',
    "T.zeros(2, device='cuda')",
    'T.ones(2, 3, requires_grad=True)',
    'T.full((2, 3), 1.5)',
    'T.full((2, 3), 2)',
    'T.full((2, 3), True)',
    'T.full((2,), np.float64(1.5))',
    'T.full((2,), np.int64(1))',
    'T.full((2,), np.float32(1.5))',
    'T.full((2,), T.tensor(1.5, dtype=T.float64))',
    'T.full((2,), T.tensor(3))',
    'T.full((2,), T.tensor([3]))',
    'T.full((2,), T.ones(2))',
    'T.full(2, 1.0)',
    'T.full([2, 2], 1.0)',
    'T.full(T.Size([2]), 1.0)',
    "T.full((2,), 'a')",
    'T.full((2,), None)',
    'T.full((2,), 1.7, dtype=T.int64)',
    "T.full((2,), float('nan'), dtype=T.int64)",
    'T.full((2,), 2**63)',
    'T.full((2,), 2**62)',
    'T.full((2,), 1e300, dtype=T.float32)',
    'T.full((2,), 1.5, dtype=T.bool)',
    'T.full((2,), 7, dtype=T.float32)',
    'T.full((2,), 1.0, requires_grad=True)',
    'T.full(size=(2,), fill_value=3)',
    'T.full((-1,), 3)',
    'T.full((2.5,), 1)',
    "T.full((2, 'a'), 1)",
    'T.full((), 1.5)',
    "T.full((2,), float('inf'), dtype=T.float32)",
    'T.full((2,), -1e300, dtype=T.float32)',
    'T.full((2,), 2**64, dtype=T.float32)',
    'T.full((2,), -2**63)',
    'T.full((2,), 3, requires_grad=True)',
    'T.zeros_like(T.ones(2, 3, dtype=T.int64))',
    'T.zeros_like(T.ones(2, 3), dtype=T.int64)',
    'T.ones_like(T.ones(2, 3).t()).stride()',
    'T.zeros_like(T.ones(2, 3).t()).stride()',
    'T.empty_like(T.ones(2, 3).t()).stride()',
    'T.full_like(T.ones(2, 3).t(), 2).stride()',
    'T.full_like(T.ones(2, dtype=T.int64), 2.7)',
    'T.full_like(T.ones(2), 2)',
    'T.full_like(T.ones(2), True)',
    'T.full_like(T.ones(2, dtype=T.bool), 5)',
    'T.zeros_like(T.ones(2, requires_grad=True))',
    'T.zeros_like(T.ones(2), requires_grad=True)',
    'T.zeros_like([1, 2])',
    'T.ones_like(T.ones(2,2).narrow(1, 0, 1)).stride()',
    'T.zeros_like(T.ones(4,4).t().narrow(0, 0, 2)).stride()',
    'T.ones_like(T.ones(2, 3, 4).permute(2, 0, 1)).stride()',
    'T.ones_like(T.ones(2, 1, 4).permute(2, 0, 1)).stride()',
    'T.ones_like(T.ones(1, 3).t()).stride()',
    'T.ones_like(T.ones(3).expand(2, 3)).stride()',
    'T.ones_like(T.tensor(2.5))',
    "T.full_like(T.ones(2), 'a')",
    'T.full_like(T.ones(2), 1e300)',
    'T.ones_like(T.ones(2), dtype=T.int64, requires_grad=True)',
    'T.arange(5)',
    'T.arange(5.)',
    'T.arange(1, 5)',
    'T.arange(1, 5, 0.5)',
    'T.arange(0, 2.5, 0.5, dtype=T.int64)',
    'T.arange(0.5, 5.5, dtype=T.int64)',
    'T.arange(0.5, 5.7, 1.5, dtype=T.int64)',
    'T.arange(5, 0, -1)',
    'T.arange(5, 0, -1.5)',
    'T.arange(0, 5, -1)',
    'T.arange(0, 5, 0)',
    "T.arange(0, float('inf'))",
    "T.arange(float('nan'), 5)",
    "T.arange(0, 5, float('nan'))",
    'T.arange(3, dtype=T.bool)',
    'T.arange(3, dtype=T.float64)',
    'T.arange(T.tensor(3))',
    'T.arange(T.tensor(3.))',
    'T.arange(T.tensor([3]))',
    'T.arange(T.ones(2))',
    'T.arange(True)',
    'T.arange(0, 5, True)',
    'T.arange(np.int64(4))',
    'T.arange(np.float64(4))',
    'T.arange(np.float32(4))',
    "T.arange('a')",
    'T.arange(5, requires_grad=True)',
    'T.arange(5., requires_grad=True)',
    'T.arange(start=1, end=4)',
    'T.arange(end=4)',
    'T.arange(1, 4, step=2)',
    'T.arange(0, 10**18, 10**17)',
    'T.arange(2**60, 2**60 + 3)',
    'T.arange(0, 1e20, 1e-20)',
    'T.arange(0, 5, 1e-300)',
    'T.arange(-1e308, 1e308, 1e307)',
    'T.arange(1, 2, 0.3, dtype=T.float32)',
    'T.arange(0, -5)',
    'T.arange(0, 0)',
    'T.arange(5, 5, -1)',
    'T.arange(0, 5, 0.5, dtype=T.int64)',
    'T.arange(0, 5, 0, dtype=T.int64)',
    'T.arange(0, 5, 0.0)',
    'T.arange(0, 5, -0.5, dtype=T.int64)',
    "T.arange(1, 'a')",
    "T.arange(1, 5, 'a')",
    'T.arange(1, None)',
    'T.arange(None)',
    'T.arange(0, 5, 1.0)',
    'T.arange(2**62, 2**62+10, dtype=T.float32)',
    'T.arange(-3, 3, 0.25)',
    'T.arange(10, dtype=T.float64)',
    'T.arange(0.1, 0.5, 0.1)',
    'T.arange(1, 2, 0.1)',
    'T.arange(-10, 10, 3)',
    'T.arange(10, -10, -3)',
    'T.arange(0, 7, 2)',
    'T.arange(0, 7, 2, dtype=T.float32)',
    'T.linspace(0, 1, 5)',
    'T.linspace(0, 1, 1)',
    'T.linspace(0, 1, 0)',
    'T.linspace(0, 1, -1)',
    'T.linspace(0, 1, 2.5)',
    'T.linspace(0, 1)',
    'T.linspace(0, 10, 5, dtype=T.int64)',
    'T.linspace(0.5, 10.7, 5, dtype=T.int64)',
    'T.linspace(-3, 3, 4, dtype=T.int64)',
    'T.linspace(0, 1, 3, dtype=T.bool)',
    'T.linspace(T.tensor(1.), T.tensor(2.), 3)',
    'T.linspace(T.tensor([1.]), 2, 3)',
    'T.linspace(1, 2, T.tensor(3))',
    'T.linspace(1, 2, np.int64(3))',
    'T.linspace(1, 2, True)',
    'T.linspace(1, 2, 3, requires_grad=True)',
    'T.linspace(1, 2, 3, dtype=T.int64, requires_grad=True)',
    'T.linspace(2, 1, 3)',
    "T.linspace(0, float('inf'), 3)",
    "T.linspace(0, float('nan'), 3)",
    'T.linspace(-1, 1, 11)',
    'T.linspace(0, 1, 7, dtype=T.float64)',
    'T.linspace(1, 1e6, 9)',
    'T.linspace(-5.5, 3.25, 13)',
    'T.linspace(start=0, end=1, steps=3)',
    'T.eye(3)',
    'T.eye(2, 3)',
    'T.eye(2, 3, dtype=T.int64)',
    'T.eye(2, dtype=T.bool)',
    'T.eye(-1)',
    'T.eye(2, -1)',
    'T.eye(0)',
    'T.eye(2.5)',
    'T.eye(2, m=3)',
    'T.eye(n=2)',
    'T.eye(2, None)',
    'T.eye(T.tensor(2))',
    'T.eye(3, requires_grad=True)',
    'T.eye(np.int64(2))',
    'T.eye(3, 1)',
    'T.eye(1, 3, dtype=T.float64)',
    'T.scalar_tensor(3)',
    'T.scalar_tensor(True)',
    'T.scalar_tensor(2.5, dtype=T.float64)',
    'T.scalar_tensor(2.5, dtype=T.int64)',
    "T.scalar_tensor('a')",
    'T.as_tensor([1,2], dtype=T.float64)',
    'T.as_tensor(np.ones(3)[::-1])',
    'T.as_tensor(3.5)',
    'T.as_tensor(T.ones(2), dtype=T.int64)',
    "T.as_tensor('a')",
    "T.as_tensor([1, 2], device='cpu')",
    'T.as_tensor([[1, 2], [3, 4.5]])',
    'T.as_tensor(np.ones((2, 2), dtype=np.float32)).dtype',
    'T.from_numpy([1, 2])',
    "T.from_numpy(np.array(['a']))",
    'T.from_numpy(np.ones(3)[::-1])',
    'T.from_numpy(np.array(2.5))',
    "T.from_numpy(np.ones(3, dtype='>f8'))",
    'T.from_numpy(np.float64(1.5))',
    'T.from_numpy(np.arange(6).reshape(2, 3).T).stride()',
    'T.from_numpy(np.ones((2, 3), dtype=np.float32)[:, ::2]).stride()',
    'T.from_numpy(np.array([True, False]))',
    'T.from_numpy(np.array([[1.5, 2], [3, 4]], dtype=np.float32))',
    'T.Tensor()',
    'T.Tensor(2, 3).shape',
    'T.Tensor([1, 2])',
    'T.Tensor([True, False])',
    'T.Tensor((2, 3))',
    'T.Tensor(T.Size([2, 3])).shape',
    'T.Tensor(np.array([1, 2]))',
    'T.Tensor(np.array([1.5, 2], dtype=np.float64))',
    'T.Tensor(2.5)',
    'T.Tensor(2).shape',
    'T.Tensor(True)',
    'T.Tensor(-1)',
    'T.Tensor(2, -1)',
    'T.Tensor(T.ones(2))',
    'T.Tensor(T.ones(2, dtype=T.int64))',
    'T.Tensor(T.ones(2, dtype=T.float64))',
    "T.Tensor([1, 2], device='cpu')",
    "T.Tensor(2, 3, device='cpu').shape",
    "T.Tensor('abc')",
    'T.Tensor([[1, 2], [3]])',
    'T.Tensor(2, 3.5)',
    'T.Tensor([T.tensor(1), T.tensor(2)])',
    'T.Tensor([])',
    'T.Tensor(0)',
    'T.Tensor(size=(2, 3)).shape',
    'T.Tensor(np.int64(3)).shape',
    'T.Tensor([2**70])',
    'T.Tensor(range(3))',
    'T.Tensor([1, 2], dtype=T.float64)',
    'T.ones(2, 3).new_zeros(2)',
    'T.ones(2, 3, dtype=T.int64).new_ones((2, 2))',
    'T.ones(2, dtype=T.float64).new_full((2,), 3)',
    'T.ones(2, dtype=T.int64).new_tensor([1.5, 2])',
    'T.ones(2).new_tensor([1, 2], dtype=T.int64)',
    'T.ones(2).new_empty(3).shape',
    'T.ones(2).new_zeros(2, 2.5)',
    'T.ones(2).new_zeros(2, requires_grad=True)',
    'T.ones(2).new_ones(size=(1, 2))',
]


@pytest.mark.parametrize("expr", TENSOR_CASES)
def test_tensor_matches_torch(expr):
    _compare(expr)


@pytest.mark.parametrize("expr", FACTORY_CASES)
def test_factories_match_torch(expr):
    _compare(expr)


# numpy dtypes map as torch maps them; those pyautograd lacks become int64 (Note [numpy dtypes]).
@pytest.mark.parametrize("npdt", [np.int8, np.int16, np.int32, np.uint8, np.uint16, np.uint32, np.float16])
def test_numpy_narrow_dtypes(npdt):
    a = np.array([[1, 2], [3, 4]], dtype=npdt)
    t = torch.tensor(a)
    p = pag.tensor(a)
    # every numpy type with a pyautograd dtype maps as torch maps it; torch's own unsigned
    # uint16/uint32 (which pyautograd lacks) widen to int64
    want = "torch.int64" if npdt in (np.uint16, np.uint32) else str(t.dtype)
    assert str(p.dtype) == want and tuple(p.shape) == tuple(t.shape)
    np.testing.assert_array_equal(p.numpy(), t.numpy())
    # promotion with a Python float gives the default dtype on both sides
    assert str(pag.tensor([a[0, 0], 1.5]).dtype) == str(torch.tensor([a[0, 0], 1.5]).dtype)
    assert str(pag.as_tensor(a).dtype) == want
    if npdt in (np.uint16, np.uint32):  # no shared memory possible: from_numpy refuses
        with pytest.raises(TypeError, match="shares memory only with"):
            pag.from_numpy(a)
    else:  # from_numpy shares the array's memory, as torch's does
        p = pag.from_numpy(a)
        a[0, 0] = 9
        assert p[0, 0].item() == 9 and str(p.dtype) == str(torch.from_numpy(a).dtype)


def test_from_numpy_shares_memory_both_ways():
    for dt in (np.float32, np.float64, np.int64, np.bool_):
        a = np.zeros((2, 3), dtype=dt)
        p = pag.from_numpy(a)
        t = torch.from_numpy(a.copy())
        assert str(p.dtype) == str(t.dtype)
        a[1, 2] = 1
        assert p.tolist()[1][2] == 1
        p.fill_(1)
        assert a.all()
    a = np.arange(12.0).reshape(3, 4)
    p = pag.from_numpy(a.T)
    assert p.stride() == torch.from_numpy(a.T).stride()
    a[0, 1] = 100.0
    assert p.tolist()[1][0] == 100.0


def test_as_tensor_no_copy():
    a = np.ones(3, dtype=np.float32)
    p = pag.as_tensor(a)
    a[0] = 5
    assert p.tolist()[0] == 5
    x = pag.ones(2)
    assert pag.as_tensor(x) is x
    assert pag.as_tensor(x, dtype=pag.float32) is x
    c = pag.as_tensor(a, dtype=pag.float64)  # a different dtype copies
    a[1] = 7
    assert c.tolist()[1] == 1.0


def test_tensor_always_copies():
    a = np.ones(3)
    p = pag.tensor(a)
    a[0] = 9
    assert p.tolist()[0] == 1.0
    x = pag.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="To copy construct from a tensor"):
        y = pag.tensor(x)
    assert not y.requires_grad and y.data_ptr() != x.data_ptr()


def test_numpy_shares_memory():
    p = pag.zeros(2, 2)
    n = p.numpy()
    n[0, 0] = 3
    assert p.tolist()[0][0] == 3
    p.fill_(2)
    assert n[1, 1] == 2
    v = np.asarray(pag.ones(2, 3).t())
    assert v.shape == (3, 2) and v.strides == np.asarray(torch.ones(2, 3).t()).strides


def test_legacy_constructor_aliases_tensor():
    x = pag.ones(2)
    y = pag.Tensor(x)
    assert y.data_ptr() == x.data_ptr()
    t = torch.ones(2)
    assert torch.Tensor(t).data_ptr() == t.data_ptr()


def test_linspace_arange_values_exact():
    """Bit-exact against torch over many endpoints, lengths and dtypes (Note [Range rounding])."""
    rng = np.random.default_rng(0)
    for i in range(60):
        s, e = (float(v) for v in rng.uniform(-100, 100, size=2))
        n = int(rng.integers(0, 300))
        for dt in ("float32", "float64", "int64"):
            t = torch.linspace(s, e, n, dtype=getattr(torch, dt))
            p = pag.linspace(s, e, n, dtype=getattr(pag, dt))
            np.testing.assert_array_equal(p.numpy(), t.numpy(), err_msg=f"linspace({s}, {e}, {n}, {dt})")
        step = float(rng.uniform(0.01, 3)) * (1 if e > s else -1)
        for dt in ("float32", "float64"):
            t = torch.arange(s, e, step, dtype=getattr(torch, dt))
            p = pag.arange(s, e, step, dtype=getattr(pag, dt))
            np.testing.assert_array_equal(p.numpy(), t.numpy(), err_msg=f"arange({s}, {e}, {step}, {dt})")
    for n in (2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 1001):
        t, p = torch.linspace(0, 1, n), pag.linspace(0, 1, n)
        np.testing.assert_array_equal(p.numpy(), t.numpy())


def test_large_arange_and_linspace_chunks():
    # lengths past the parallel grain take torch's chunked path
    for args in [(0, 5000, 0.1), (1, 100000, 1.1)]:
        np.testing.assert_array_equal(pag.arange(*args).numpy(), torch.arange(*args).numpy())
    np.testing.assert_array_equal(pag.linspace(-1, 1, 70001).numpy(), torch.linspace(-1, 1, 70001).numpy())


def test_tensor_random_nested_lists():
    rng = np.random.default_rng(1)
    for _ in range(40):
        shape = tuple(int(s) for s in rng.integers(0, 4, size=int(rng.integers(1, 4))))
        kind = int(rng.integers(0, 4))
        a = rng.standard_normal(shape)
        if kind == 1:
            data = np.round(a * 10).astype(np.int64).tolist()
        elif kind == 2:
            data = (a > 0).tolist()
        elif kind == 3 and a.size:
            flat = a.reshape(-1).tolist()
            flat[0] = int(round(flat[0] * 10))  # mixed int and float leaves
            data = np.array(flat, dtype=object).reshape(shape).tolist()
        else:
            data = a.tolist()
        t, p = torch.tensor(data), pag.tensor(data)
        assert_close(p, t, rtol=0, atol=0)
        for dt in ("float64", "int64", "bool"):
            if kind in (0, 3) and dt == "int64":
                continue
            assert_close(pag.tensor(data, dtype=getattr(pag, dt)), torch.tensor(data, dtype=getattr(torch, dt)),
                         rtol=0, atol=0)


def test_default_dtype_float64_inference():
    old_t, old_p = torch.get_default_dtype(), pag.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    pag.set_default_dtype(pag.float64)
    try:
        for expr in ["T.tensor([1.5])", "T.tensor([1, 2.5])", "T.tensor([])", "T.tensor([np.float32(1.5)])",
                     "T.tensor([T.tensor(1.0, dtype=T.float32), 2.5])", "T.zeros(2)", "T.arange(0, 1, 0.25)",
                     "T.full((2,), 1.5)", "T.linspace(0, 1, 5)", "T.eye(2)", "T.Tensor([1, 2])",
                     "T.tensor(0.1)", "T.scalar_tensor(2)"]:
            _compare(expr)
    finally:
        torch.set_default_dtype(old_t)
        pag.set_default_dtype(old_p)


def test_errors_via_helper():
    helper_test_exception(lambda: torch.tensor([[1, 2], [3]]), lambda: pag.tensor([[1, 2], [3]]))
    helper_test_exception(lambda: torch.tensor("x"), lambda: pag.tensor("x"))
    helper_test_exception(lambda: torch.zeros(2, 2.5), lambda: pag.zeros(2, 2.5))
    helper_test_exception(lambda: torch.arange(0, 5, -1), lambda: pag.arange(0, 5, -1))
