"""Note [Op table]: round (and round.decimals), the conversion methods, Tensor.to, the
in-place random fills and new_zeros / new_ones / new_empty / new_full are rows; against
torch: values, dtypes, the same object where torch returns self, the same exceptions and
warnings word for word, and the same random streams on every dtype."""
import warnings

import pytest
import torch

import pyautograd as pag
from helpers import helper_test_exception
from test_op_table import same_as_torch


def inputs(L):
    return dict(L=L, x=L.tensor([1.2345, 12345.678, -2.5, 0.5, 0.125, -1e-3]), xi=L.tensor([1, 2, 3]),
                xb=L.tensor([True, False]), x2=L.arange(6.0).reshape(2, 3).t())


ROUND = [
    "x.round()", "x.round(decimals=2)", "x.round(decimals=-2)", "L.round(x, decimals=1)", "L.round(x, 2)",
    "L.round(x, decimals=True)", "xi.round()", "xi.round(decimals=0)", "xi.round(decimals=1)", "xb.round()",
    "xb.round(decimals=1)", "x.half().round(decimals=1)", "x.bfloat16().round(decimals=2).float()", "x.bfloat16().round(decimals=2).dtype.itemsize",
    "x.double().round(decimals=3)", "x.clone().round_(decimals=1)", "L.round_(x.clone())",
    "L.round_(x.clone(), decimals=-1)", "L.round(x, decimals=1, out=L.empty(6))", "L.round(x, out=L.empty(6))",
    "x.round(decimals=60)", "x.double().round(decimals=-400)", "x.round(decimals=-40)", "x2.round(decimals=1).stride()",
    "L.round(x, decimals=1.5)", "x.round(1)", "L.round(x, decimals=1, out=L.empty(6, dtype=L.float64))",
]

CONVERSIONS = [f"x.{m}()" for m in ("float", "double", "half", "long", "int", "short", "char", "byte", "bool")] + [
    "x.bfloat16().float()", "x.bfloat16().dtype.is_floating_point",
    "xi.float()", "xb.long()", "x2.double().stride()", "x2.int(memory_format=L.contiguous_format).stride()",
    "x.float(1)", "x.float(memory_format=1)", "x.int(foo=1)", "x.float(memory_format=L.preserve_format)",
    "x.to(L.float64)", "x.to('cpu', L.int64, True, True)", "x.to(L.float64, copy=True)", "x.to(xi)", "x.to(xi, True)",
    "x.to(device=None, dtype=L.int32)", "x.to(foo=1)", "x.to(L.float32, L.float32)", "x2.to(L.float64).stride()",
    "x.to(memory_format=L.channels_last)", "x.to(1)", "x.to(-1)", "x.to('cuda')", "x.to(dtype=3)",
    "x2.to(L.float16, memory_format=L.contiguous_format).stride()",
]


@pytest.mark.parametrize("call", ROUND + CONVERSIONS)
def test_call_matches_torch(call):
    same_as_torch(lambda L: eval(call, inputs(L)))


@pytest.mark.parametrize("call", ["x.float()", "x.to(L.float32)", "x.to()", "x.to(None, None)", "x.to(x)",
                                  "x.to('cpu')", "x.to(L.float32, copy=True)", "x.double()"])
def test_self_comes_back_where_torch_returns_it(call):
    for L in (torch, pag):
        x = L.ones(2)
        got = eval(call, {"L": L, "x": x}) is x
        if L is torch:
            want = got
    assert got == want


def test_round_gradient_is_zero_with_torch_node_names():
    for decimals, name in ((None, "RoundBackward0"), (2, "RoundBackward1")):
        out = []
        for L in (torch, pag):
            x = L.tensor([1.234, -2.5], requires_grad=True)
            y = x.round() if decimals is None else x.round(decimals=decimals)
            assert type(y.grad_fn).__name__ == name if L is torch else y.grad_fn.name() == name
            (y * 3).sum().backward()
            out.append(x.grad.tolist())
        assert out[0] == out[1] == [0.0, 0.0]


RANDOM = []
for d in ("half", "bfloat16", "float32", "float64"):
    for n in (5, 16, 33):
        RANDOM += [f"L.rand({n}, dtype=L.{d})", f"L.randn({n}, dtype=L.{d})", f"L.randint(0, 50, ({n},), dtype=L.{d})",
                   f"L.zeros({n}, 2, dtype=L.{d}).t().normal_(3, 2)", f"L.zeros({n}, dtype=L.{d}).uniform_(-1e3, 1e3)",
                   f"L.zeros({n}, dtype=L.{d}).exponential_(3)", f"L.randn_like(L.zeros({n}, dtype=L.{d}))",
                   f"L.zeros({n}, dtype=L.{d}).random_()", f"L.zeros({n}, dtype=L.{d}).random_(-100, 100)",
                   f"L.zeros({n}, dtype=L.{d}).random_(7)", f"L.zeros({n}, dtype=L.{d}).random_(100, None)",
                   f"L.zeros({n}, dtype=L.{d}).bernoulli_(0.3)", f"L.zeros({n}).bernoulli_(L.rand({n}).to(L.{d}))"]
for d in ("int8", "int16", "int32", "uint8", "int64", "bool"):
    RANDOM += [f"L.zeros(20, dtype=L.{d}).random_()", f"L.zeros(20, dtype=L.{d}).random_(2)",
               f"L.zeros(20, dtype=L.{d}).random_(1, None)", f"L.zeros(20, dtype=L.{d}).random_(-1, 1)",
               f"L.randint(0, 2, (20,), dtype=L.{d})", f"L.zeros(20, dtype=L.{d}).bernoulli_(0.3)",
               f"L.zeros(3, dtype=L.{d}).uniform_()", f"L.zeros(3, dtype=L.{d}).normal_()",
               f"L.zeros(3, dtype=L.{d}).exponential_()"]
RANDOM += [
    "L.zeros(5, dtype=L.uint8).random_(0, 257)", "L.zeros(5, dtype=L.int8).random_(-129, 0)",
    "L.zeros(5, dtype=L.int32).random_(0, 2**33)", "L.zeros(5, dtype=L.half).random_(0, 70000)",
    "L.zeros(5, dtype=L.half).random_(-100000, 5)", "L.zeros(5, dtype=L.bfloat16).random_(0, 2**40)",
    "L.zeros(5, dtype=L.half).uniform_(-70000, 1)", "L.zeros(5, dtype=L.half).uniform_(-6e4, 6e4)",
    # a range narrower than float's spacing: the values are float64's own, none replaced by `from`
    "L.zeros(5, dtype=L.float64).uniform_(1.0, 1.0 + 1e-9)", "L.zeros(5).uniform_(1.0, 1.0 + 1e-6)",
    "L.zeros(5, dtype=L.half).uniform_(1.0, 1.001)", "L.zeros(5, dtype=L.bfloat16).uniform_(1.0, 1.01)",
    "L.zeros(5).random_(True)", "L.zeros(5).random_(1.5)", "L.zeros(5).random_('a')", "L.zeros(5).random_(1, 2, 3)",
    "L.zeros(5).random_(to=3)", "L.zeros(5).random_(0, None)", "L.zeros(5).random_(3, 2)",
    "L.zeros(5).random_(L.tensor(3))", "L.zeros(5).uniform_(1, 'a')", "L.zeros(5).uniform_(2, 1)",
    "L.zeros(5).normal_(0, -1)", "L.zeros(5).uniform_(frm=1)", "L.zeros(5).bernoulli_('a')",
    "L.zeros(5).bernoulli_(p=L.tensor(0.3), generator=3)", "L.zeros(5).exponential_(generator=3)",
    "L.zeros(5).exponential_(-1)", "L.zeros(5).bernoulli_(1.5)", "L.zeros(5).random_(generator=L.Generator())",
    "L.zeros(5).uniform_(generator=L.Generator().manual_seed(3))",
]


@pytest.mark.parametrize("call", RANDOM)
def test_random_fill_matches_torch(call):
    def run(L):
        L.manual_seed(0)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = eval(call, {"L": L})
        return r, [str(x.message).split(" (Triggered")[0] for x in w]
    try:
        want, want_w = run(torch)
    except Exception:
        helper_test_exception(lambda: run(torch), lambda: run(pag))
        return
    got, got_w = run(pag)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    assert got.tolist() == want.tolist()  # the same stream, bit for bit
    assert got_w == want_w


def test_random_fills_return_self():
    for m, args in (("uniform_", ()), ("normal_", ()), ("exponential_", ()), ("random_", (5,)),
                    ("bernoulli_", (0.5,)), ("random_", ())):
        x = pag.zeros(3)
        assert getattr(x, m)(*args) is x


NEW = [
    "x.new_zeros(2, True)", "x.new_zeros((2, 3), 1)", "x.new_full((2, 3))", "x.new_full((2, 3), 'a')",
    "x.new_empty(2, dtype=3).shape", "x.new_zeros(-1)", "x.new_ones(-1)", "x.new_empty(-1)", "xi.new_full((2,), 2.7)",
    "xi.new_full((2,), 2**40)", "x.new_full(2, 1)", "xi.new_full((2,), L.tensor(3.5))", "x.new_full((-2,), 1)",
    "x.new_zeros(2, 3, dtype=L.float64)", "x.new_zeros()", "xi.new_ones([])", "x.new_ones((2,), requires_grad=True)",
    "xi.new_ones((2,), requires_grad=True)", "xb.new_full((2,), 3)", "x.half().new_ones(2)",
    "x.new_full(size=(2,), fill_value=3, device='cpu', layout=L.strided, pin_memory=False)",
    "x.new_zeros(size=(2,))", "x.new_empty((2,), device=0)", "x.new_zeros((2,), device=1)",
    "x.new_zeros((2,), device=-1)", "x.new_ones((2,), device=1.5)", "x.new_zeros((2,), pin_memory=True)",
    "xi.new_tensor([1.5], L.float)", "x.new_tensor([1.5], layout=L.strided)", "x.new_tensor([1.5], dtype=3)",
    "x.new_tensor(data=[1.5], requires_grad=None)", "x.new_tensor([1.5], foo=0)", "xi.new_tensor([1.5])",
    "x.new_tensor(2**70)", "x.new_tensor()", "x.new_tensor([1.0], device=3.0)", "x.new_tensor([1], dtype=L.float16)",
    "x.new_tensor([1.0], requires_grad=True)", "x.new_tensor([1.0], device=1)",
    "L.tensor([1.], device=3.0)", "L.tensor([1.], requires_grad=None)", "L.as_tensor([1.], device=3.0)",
    "L.zeros(2, device=0)", "L.zeros(2, device=-1)", "L.device(0)", "L.device(-1)", "L.device(True)",
    "L.device(1.5)", "L.zeros(2, device=L.device('cuda', 0))",
]


@pytest.mark.parametrize("call", NEW)
def test_new_and_device_calls_match_torch(call):
    def run(L):
        r = eval(call, inputs(L))
        if isinstance(r, (L.Tensor,)):
            assert r.requires_grad == ("requires_grad=True" in call)
        return r.shape if isinstance(r, L.Tensor) and "new_empty" in call else r
    same_as_torch(run)


def test_new_tensor_warns_as_torch_on_a_tensor():
    msgs = []
    for L in (torch, pag):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = L.ones(2).new_tensor(L.ones(2, dtype=L.int32))
        assert str(r.dtype).endswith("float32")  # new_tensor keeps its own tensor's dtype
        msgs.append([str(x.message) for x in w])
    assert msgs[0] == msgs[1] and len(msgs[0]) == 1


def test_random_methods_have_no_python_layer():
    # the in-place fills and the new_* factories are the table's callables
    for name in ("uniform_", "normal_", "exponential_", "random_", "bernoulli_", "new_zeros", "new_ones",
                 "new_empty", "new_full", "round", "round_", "float", "to"):
        assert type(getattr(pag.Tensor, name)).__name__ != "function", name


# Note [out= arguments]: the three policies torch's kernels have for out's dtype
OUT_CALLS = {
    "add": "L.add(a, b, out=o)", "add_int": "L.add(i, i, out=o)", "mul": "L.mul(a, b, out=o)",
    "div": "L.div(i, i, out=o)", "pow": "L.pow(a, 2, out=o)", "eq": "L.eq(a, b, out=o)", "lt_i": "L.lt(i, 1, out=o)",
    "maximum": "L.maximum(a, b, out=o)", "minimum_i": "L.minimum(i, i, out=o)",
    "logical_and": "L.logical_and(a, b, out=o)", "bitwise_and": "L.bitwise_and(i, i, out=o)",
    "remainder": "L.remainder(a, b, out=o)", "floor_divide": "L.floor_divide(a, b, out=o)",
    "where": "L.where(m, a, b, out=o)", "clamp": "L.clamp(a, 0, 1, out=o)", "clamp_t": "L.clamp(a, b, out=o)",
    "clamp_min": "L.clamp_min(a, 0, out=o)", "clamp_max_t": "L.clamp_max(a, b, out=o)",
    "cat": "L.cat([a, b], out=o)", "stack": "L.stack([a, b], out=o)", "round": "L.round(a, out=o)",
    "round_d": "L.round(a, decimals=1, out=o)", "mm": "L.mm(a[None], b[:, None], out=o)",
    "sum": "L.sum(a, 0, out=o)", "logical_not": "L.logical_not(a, out=o)", "bitwise_not": "L.bitwise_not(i, out=o)",
    **{n: f"L.{n}(a, out=o)" for n in ("exp", "neg", "negative", "abs", "absolute", "sqrt", "rsqrt", "log", "log1p",
                                        "erf", "sin", "cos", "tanh", "sigmoid", "reciprocal", "square", "floor",
                                        "ceil", "sign", "sgn", "isnan", "isinf", "isfinite", "relu")},
}


@pytest.mark.parametrize("out_dtype", ["float64", "float32", "int64", "bool", "float16", "int16"])
@pytest.mark.parametrize("name", sorted(OUT_CALLS))
def test_out_dtype_policy_matches_torch(name, out_dtype):
    def run(L):
        g = dict(L=L, a=L.tensor([1.5, -2.0]), b=L.tensor([0.5, 3.0]), i=L.tensor([1, 2]),
                 m=L.tensor([True, False]), o=L.empty(0, dtype=getattr(L, out_dtype)))
        r = eval(OUT_CALLS[name], g)
        assert r is g["o"]
        return r
    same_as_torch(run)


def test_complex_fill_value_is_a_clear_error():
    # torch makes a complex tensor; pyautograd has no complex dtype and says so
    with pytest.raises(TypeError, match="complex dtype"):
        pag.full((2,), 1j)
    with pytest.raises(TypeError, match="complex dtype"):
        pag.ones(2).new_full((2,), 1 + 2j)
