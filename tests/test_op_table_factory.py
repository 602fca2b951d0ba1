"""Note [Factory options]: the factories as op-table rows against torch: the values (and
random streams) of valid calls with positional, varargs and keyword sizes, dtype=,
device=, layout=, requires_grad= and out=; and for bad calls the same exception, word
for word (a bool or float in a size, a wrong dtype, an unknown keyword, and the
several-overload messages of arange, linspace, eye, randint, normal, bernoulli, ...)."""
import warnings

import pytest
import torch

import pyautograd as pag
from helpers import assert_close, helper_test_exception

CREATION = [
    # sizes: varargs, one sequence, size=, 0-dim, int-like elements
    "L.zeros(3)", "L.zeros(2, 3)", "L.zeros((2, 3))", "L.zeros([2, 3])", "L.zeros(size=(2, 3))", "L.zeros(())",
    "L.zeros([])", "L.zeros(L.Size([2, 1]))", "L.zeros(L.tensor(3))", "L.zeros(2, L.tensor(3))",
    "L.zeros((L.tensor(2),))", "L.ones(2, 3)", "L.ones(size=[4])", "L.ones(0)",
    # dtype / device / layout / pin_memory / requires_grad
    "L.zeros(2, dtype=L.int64)", "L.ones(2, dtype=L.bool)", "L.ones(2, dtype=L.float64)", "L.zeros(2, dtype=float)",
    "L.zeros(2, dtype=int)", "L.ones(2, dtype=bool)", "L.zeros(2, dtype=None)", "L.ones(2, 2, dtype=L.int32)",
    "L.zeros(2, device='cpu')", "L.zeros(2, device=L.device('cpu'))", "L.zeros(2, device='cpu:0')",
    "L.zeros(2, layout=L.strided)", "L.zeros(2, layout=None)", "L.zeros(2, pin_memory=False)",
    "L.zeros(2, pin_memory=None)", "L.zeros(2, requires_grad=True)", "L.ones(2, requires_grad=None)",
    "L.empty(2, 3).shape", "L.empty((2, 0)).shape", "L.empty(2, dtype=L.int64).dtype",
    "L.empty(2, memory_format=L.contiguous_format).shape", "L.empty(2, 3, 4, 5, memory_format=L.channels_last).stride()",
    "L.empty(1, 2, 3, 4, 5, memory_format=L.channels_last_3d).stride()", "L.empty(2, 3, memory_format=L.channels_last)",
    "L.empty(2, memory_format=L.preserve_format)", "L.zeros(2, pin_memory=True)", "L.ones_like(x, pin_memory=True)",
    "L.rand(2, pin_memory=True)",
    "L.full((2, 3), 1.5)", "L.full((2,), 7)", "L.full((2,), True)", "L.full([2], 2, dtype=L.float32)",
    "L.full(size=(2,), fill_value=3)", "L.full((2,), L.tensor(2.5))", "L.full((), 4.0)",
    "L.full((2,), 1.5, dtype=L.int64)", "L.full((2,), 3, dtype=L.bool)", "L.full((2,), 2 ** 40, dtype=L.float32)",
    "L.full((2,), 1.0, requires_grad=True)",
    "L.zeros_like(x)", "L.ones_like(x, dtype=L.int64)", "L.empty_like(x).shape", "L.full_like(x, 7)",
    "L.full_like(x, 2.5, dtype=L.int64)", "L.zeros_like(x, memory_format=L.preserve_format)",
    "L.ones_like(input=x)", "L.zeros_like(x, requires_grad=True)", "L.full_like(x, fill_value=1, device='cpu')",
    "L.arange(5)", "L.arange(5.0)", "L.arange(1, 4)", "L.arange(0, 1, 0.25)", "L.arange(10, 0, -3)",
    "L.arange(end=4)", "L.arange(start=1, end=3)", "L.arange(1, 6, step=2)", "L.arange(5, dtype=L.float64)",
    "L.arange(5, dtype=float)", "L.arange(L.tensor(3))", "L.arange(2 ** 60, 2 ** 60 + 3)",
    "L.arange(3, requires_grad=True, dtype=L.float32)",
    "L.linspace(0, 1, 5)", "L.linspace(-1.0, 1.0, steps=4)", "L.linspace(L.tensor(0.0), 2, 3)",
    "L.linspace(0, L.tensor(2.0), 3)", "L.linspace(L.tensor(0.0), L.tensor(1.0), 3)",
    "L.linspace(0, 1, 3, dtype=L.float64)",
    "L.eye(3)", "L.eye(2, 3)", "L.eye(n=2, m=1)", "L.eye(3, dtype=L.int64)", "L.eye(2, requires_grad=True)",
    "L.scalar_tensor(3)", "L.scalar_tensor(2.5, dtype=L.float64)", "L.scalar_tensor(True)", "L.scalar_tensor(s=1)",
    # out=
    "L.zeros(2, 3, out=o)", "L.ones(4, out=o)", "L.zeros(3, out=oi)", "L.full((2,), 2, out=o)", "L.arange(4, out=o)",
    "L.arange(1, 7, 2, out=oi)", "L.eye(2, out=o)", "L.linspace(0, 1, 3, out=o)", "L.empty(3, out=o).shape",
    "L.zeros(3, dtype=L.float32, out=oi)", "L.zeros(3, requires_grad=True, out=o)",
    "L.arange(3, requires_grad=True, out=oi)",
    # bad sizes
    "L.zeros(True)", "L.zeros(2.0)", "L.zeros((2, 3.0))", "L.zeros(2, 3.0)", "L.zeros('a')", "L.zeros()",
    "L.zeros(size=3)", "L.zeros(2, (3,))", "L.zeros((2,), 3)", "L.zeros(2, size=(2,))", "L.zeros([True])",
    "L.zeros(L.tensor(3.0))", "L.zeros(-1)", "L.ones(-1)", "L.empty(2, -1)", "L.full((-1,), 2)", "L.full(2, 1)",
    "L.ones(None)",
    # bad keywords and their types
    "L.zeros(2, dtype=3)", "L.zeros(2, foo=1)", "L.zeros(2, dtype=3, layout=4, foo=5)", "L.zeros(2, layout=3)",
    "L.zeros(2, layout='torch.sparse')", "L.zeros(2, device=True)", "L.zeros(2, device=1.5)",
    "L.zeros(2, requires_grad=1)", "L.zeros(2, pin_memory=3)", "L.zeros(2, memory_format=L.contiguous_format)",
    "L.empty(2, memory_format=3)", "L.zeros(2, generator=3)", "L.zeros(2, dtype=L.int64, requires_grad=True)",
    "L.zeros(2, dtype='float32')", "L.full((2,), 'a')", "L.full((2,), 1, foo=1)", "L.full((2,))",
    "L.full((2,), 2 ** 64)", "L.full((2,), 1e39, dtype=L.float32)", "L.full((2,), 2 ** 63, dtype=L.int64)",
    "L.full((2,), -2 ** 63 - 1)", "L.full((1,), 2 ** 63, dtype=L.float32)", "L.full((2,), 1e39, dtype=L.float16)",
    "L.full((1,), 65510.0, dtype=L.float16)", "L.full((1,), 1e39, dtype=L.bfloat16).float()", "L.full((1,), -300, dtype=L.uint8)",
    "L.full((1,), -255, dtype=L.uint8)", "L.full((1,), -1.5, dtype=L.uint8)", "L.full((1,), 128, dtype=L.int8)",
    "L.full((1,), 127.9, dtype=L.int8)", "L.full((1,), 40000, dtype=L.int16)", "L.full((1,), 2 ** 63, dtype=L.int32)",
    "L.full((1,), float('nan'), dtype=L.int32)", "L.full((1,), 5.7, dtype=L.int32)", "L.full((1,), True, dtype=L.int8)",
    "L.full_like(x, 2 ** 40, dtype=L.int32)", "L.scalar_tensor(2 ** 64)", "L.arange(2 ** 64)",
    "L.zeros(2, out=L.empty(2, requires_grad=True))", "L.eye(2, out=L.empty(2, requires_grad=True))",
    "L.zeros_like(3)", "L.zeros_like(x, dtype=3)", "L.full_like(x, 'a')", "L.empty_like(x, memory_format=3)",
    "L.ones_like(x, 1)", "L.zeros_like()",
    # several overloads
    "L.arange('a')", "L.arange(1, 'a')", "L.arange(1, 2, 'a')", "L.arange()", "L.arange(1, foo=2)",
    "L.arange(1, 2, 3, 4)", "L.arange(1, 2, dtype=3)", "L.arange(2 ** 63)",
    "L.linspace(0, 1)", "L.linspace(0, 1, 2.0)", "L.linspace('a', 1, 2)", "L.linspace(L.ones(2), 1, 3)",
    "L.linspace(0, 1, True)",
    "L.eye(True)", "L.eye(2.0)", "L.eye(2, 2.0)", "L.eye(2, 3, 4)", "L.eye(2, foo=3)", "L.eye()", "L.eye(m=2)",
    "L.scalar_tensor('a')", "L.scalar_tensor(1, dtype=3)", "L.scalar_tensor()",
    # the device: cuda is not there
    "L.zeros(2, device='cuda')", "L.ones(2, device=L.device('cuda'))", "L.full((1,), 1, device='cuda:0')",
    "L.arange(3, device='cuda')", "L.zeros_like(x, device='cuda')",
]

RANDOM = [
    "L.rand(3)", "L.rand(2, 3)", "L.rand((2, 3))", "L.rand(size=(4,))", "L.rand(3, generator=g)",
    "L.rand(3, dtype=L.float64)", "L.rand(2, requires_grad=True)", "L.rand(3, out=o)", "L.rand(())",
    "L.randn(5)", "L.randn(2, 2, generator=g)", "L.randn(size=[3], dtype=L.float64)", "L.randn(3, generator=None)",
    "L.randint(10, (5,))", "L.randint(3, 9, (2, 3))", "L.randint(10, size=(3,))", "L.randint(high=5, size=(2,))",
    "L.randint(low=2, high=5, size=(4,))", "L.randint(10, (3,), generator=g)", "L.randint(0, 10, (3,), generator=g)",
    "L.randint(5, (3,), dtype=L.float32)", "L.randint(5, (3,), dtype=L.int32)", "L.randint(4, (3,), out=oi)",
    "L.randperm(6)", "L.randperm(5, generator=g)", "L.randperm(4, dtype=L.float64)", "L.randperm(n=3)",
    "L.normal(0.0, 1.0, (4,))", "L.normal(2, 3, size=(2, 2))", "L.normal(0.0, 1.0, (3,), generator=g)",
    "L.normal(x, 1.0)", "L.normal(x)", "L.normal(mean=x)", "L.normal(x, std=2)", "L.normal(1.0, x + 1)",
    "L.normal(x, x + 1)", "L.normal(x, x + 1, generator=g)", "L.normal(0.0, 1.0, (3,), dtype=L.float64)",
    "L.normal(x, 1.0, out=L.empty(2, 3))", "L.normal(0.0, 1.0, (3,), requires_grad=True)",
    "L.bernoulli(p)", "L.bernoulli(p, generator=g)", "L.bernoulli(x, 0.5)", "L.bernoulli(x, p=0.25)", "p.bernoulli()",
    "p.bernoulli(0.5)", "L.bernoulli(p, out=o)",
    "L.rand_like(x)", "L.rand_like(x, generator=g)", "L.randn_like(x, dtype=L.float64)", "L.randn_like(input=x)",
    "L.randint_like(x, 10)", "L.randint_like(x, 3, 10)", "L.randint_like(x, high=5)", "L.randint_like(x, 5, generator=g)",
    "L.randint_like(x, low=1, high=4, dtype=L.int64)", "L.randint_like(x, L.tensor(5))",
    "L.randint_like(x, L.tensor([5]))",
    # bad calls
    "L.rand(True)", "L.rand(2.0)", "L.rand(2, generator=3)", "L.rand(2, foo=1)", "L.randn(2.0)", "L.rand()",
    "L.rand(2, dtype=L.int64)", "L.rand(2, device='cuda')",
    "L.randint(10)", "L.randint(10, 2)", "L.randint(0, 10, 2.0)", "L.randint('a', (2,))",
    "L.randint(10, (2,), generator=3)", "L.randint(10, (2,), dtype=3)", "L.randint(True, (2,))",
    "L.randint(10, (2,), foo=1)", "L.randint()", "L.randint(5, (2,), dtype=L.float32, requires_grad=True)",
    "L.randperm(2.0)", "L.randperm(3, generator=3)", "L.randperm()", "L.randperm(True)",
    "L.normal('a', 1)", "L.normal(0, 1)", "L.normal(0.0, 1.0, 2.0)", "L.normal(x, 'a')", "L.normal()",
    "L.normal(0.0, 1.0, (2,), generator=1)", "L.normal(x, x, foo=1)",
    "L.bernoulli(3)", "L.bernoulli(x, 'a')", "L.bernoulli(x, generator=3)", "L.bernoulli()", "p.bernoulli('a')",
    "L.rand_like(3)", "L.rand_like(x, generator=3)", "L.randn_like(x, generator=3)", "L.randn_like(x, foo=1)",
    "L.randint_like(x, 'a')", "L.randint_like(x)", "L.randint_like(x, 1.5)", "L.randint_like(x, 2, 'a')",
]


def _run(call, L):
    L.manual_seed(0)
    env = {"L": L, "x": L.arange(6.0).reshape(2, 3), "p": L.full((2, 4), 0.5), "o": L.empty(0),
           "oi": L.empty(0, dtype=L.int64), "g": L.Generator().manual_seed(7)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # out= resizing a tensor warns in both
        r = eval(call, env)
    return r, env


def same_as_torch(call):
    """The call under torch and pyautograd: the same values, dtype and requires_grad (and
    out= returning `out` itself), or the same exception, word for word."""
    try:
        want, tenv = _run(call, torch)
    except Exception:
        helper_test_exception(lambda: _run(call, torch), lambda: _run(call, pag))
        return
    got, penv = _run(call, pag)
    if isinstance(want, torch.Tensor):
        assert_close(got, want)
        assert got.requires_grad == want.requires_grad
        for name in ("o", "oi"):
            assert (got is penv[name]) == (want is tenv[name])
    else:
        assert str(got).replace("pyautograd", "torch") == str(want)


@pytest.mark.parametrize("call", CREATION)
def test_creation_matches_torch(call):
    same_as_torch(call)


@pytest.mark.parametrize("call", RANDOM)
def test_random_matches_torch(call):
    same_as_torch(call)


def test_factories_are_table_functions():
    for name in ("zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like", "arange",
                 "linspace", "eye", "scalar_tensor", "rand", "randn", "randint", "randperm", "normal", "bernoulli",
                 "rand_like", "randn_like", "randint_like"):
        f = getattr(pag, name)
        assert type(f).__name__ == "builtin_function_or_method" and f.__name__ == name
    assert pag.Tensor.bernoulli(pag.zeros(2)).shape == (2,)


def test_randint_float_bounds_warn_as_torch():
    for L in (torch, pag):
        with pytest.warns(UserWarning, match=r"from is out of bounds \[-\(2\^24\), 2\^24\]"):
            L.randint(-(2 ** 25), 0, (2,), dtype=L.float32)


def test_failed_out_call_leaves_out_unchanged():
    o = pag.ones(3, dtype=pag.int64)
    with pytest.raises(RuntimeError, match="dtype Float does not match dtype of out parameter"):
        pag.zeros(3, dtype=pag.float32, out=o)
    assert o.tolist() == [1, 1, 1]
