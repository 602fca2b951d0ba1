"""repr/str of tensors must equal torch's character for character."""
import math

import numpy as np
import pyautograd as pag
import pytest
import torch

RNG = np.random.default_rng(0)


def _arr(*shape, scale=1.0, dtype=np.float32, seed=0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


# Each case builds a tensor from a module `T` (torch or pyautograd) so both sides run the same code.
CASES = {
    "scalar_float": lambda T: T.tensor(3.14159),
    "scalar_int_valued": lambda T: T.tensor(2.0),
    "scalar_neg_zero": lambda T: T.tensor(-0.0),
    "scalar_int64": lambda T: T.tensor(-7),
    "scalar_bool": lambda T: T.tensor(True),
    "scalar_nan": lambda T: T.tensor(float("nan")),
    "scalar_inf": lambda T: T.tensor(float("-inf")),
    "scalar_tiny": lambda T: T.tensor(1e-7),
    "scalar_huge": lambda T: T.tensor(3e12),
    "scalar_f64": lambda T: T.tensor(1.5, dtype=T.float64),
    "small": lambda T: T.tensor([1.5, -2.25, 3.0]),
    "integral_floats": lambda T: T.tensor([1.0, -2.0, 300.0]),
    "integral_floats_big": lambda T: T.tensor([1.0, 2.0, 1e9]),
    "integral_floats_wide_ratio": lambda T: T.tensor([1.0, 2000.0]),
    "zeros": lambda T: T.zeros(2, 3),
    "neg_zero_mixed": lambda T: T.tensor([-0.0, 0.0, 1.0]),
    "neg_zero_frac": lambda T: T.tensor([-0.0, 0.5]),
    "randn_1d": lambda T: T.tensor(_arr(7)),
    "randn_2d": lambda T: T.tensor(_arr(4, 5, seed=1)),
    "randn_3d": lambda T: T.tensor(_arr(2, 3, 4, seed=2)),
    "randn_4d": lambda T: T.tensor(_arr(2, 2, 2, 3, seed=3)),
    "negative": lambda T: T.tensor(-np.abs(_arr(3, 3, seed=4))),
    "tiny": lambda T: T.tensor(_arr(3, 2, scale=1e-6, seed=5)),
    "huge": lambda T: T.tensor(_arr(3, 2, scale=1e9, seed=6)),
    "mixed_magnitude": lambda T: T.tensor([1e-3, 1.0, 1e4]),
    "just_below_sci": lambda T: T.tensor([1.0, 999.0]),
    "ratio_sci": lambda T: T.tensor([0.5, 600.0]),
    "exp_3digit": lambda T: T.tensor([1e-200, 1.0, 1e200], dtype=T.float64),
    "rounding_carry": lambda T: T.tensor([9.99996, -0.5]),
    "nan_inf": lambda T: T.tensor([float("nan"), float("inf"), -float("inf"), 1.5]),
    "nan_inf_int": lambda T: T.tensor([float("nan"), float("inf"), 2.0]),
    "only_nan": lambda T: T.tensor([float("nan"), float("nan")]),
    "nan_inf_sci": lambda T: T.tensor([float("nan"), float("inf"), 1e-8, 1.0]),
    "long_row_wraps": lambda T: T.tensor(_arr(40, seed=7)),
    "long_int_row": lambda T: T.tensor(np.arange(-30, 40, dtype=np.int64)),
    "long_row_2d": lambda T: T.tensor(_arr(3, 25, seed=8)),
    "sci_wrap": lambda T: T.tensor(_arr(2, 14, scale=1e-5, seed=9)),
    "int64_2d": lambda T: T.tensor([[1, -200], [30000, 4]]),
    "int64_big": lambda T: T.tensor([2**62, -(2**62)]),
    "bool_1d": lambda T: T.tensor([True, False, True]),
    "bool_all_true": lambda T: T.tensor([[True, True]]),
    "f64": lambda T: T.tensor([1.123456789, 2.0], dtype=T.float64),
    "f64_2d": lambda T: T.tensor(_arr(3, 3, dtype=np.float64, seed=10)),
    "f64_int_valued": lambda T: T.tensor([1.0, 2.0], dtype=T.float64),
    "summarized_1d": lambda T: T.tensor(_arr(2000, seed=11)),
    "summarized_int": lambda T: T.arange(5000),
    "summarized_2d": lambda T: T.tensor(_arr(50, 40, seed=12)),
    "summarized_3d": lambda T: T.tensor(_arr(11, 12, 13, seed=13)),
    "summarized_narrow": lambda T: T.tensor(_arr(1001, 1, seed=14)),
    "summarized_bool": lambda T: T.tensor(np.arange(3000) % 3 == 0),
    "summarized_f64": lambda T: T.tensor(_arr(30, 40, dtype=np.float64, seed=15)),
    "summarized_sci_from_edges": lambda T: T.tensor(np.r_[[1e-6], np.ones(1500), [1.0]].astype(np.float32)),
    "empty_1d": lambda T: T.tensor([]),
    "empty_2d": lambda T: T.zeros(0, 3),
    "empty_3d": lambda T: T.zeros(2, 0, 3),
    "empty_int": lambda T: T.zeros(0, dtype=T.int64),
    "empty_int_2d": lambda T: T.zeros(3, 0, dtype=T.int64),
    "empty_bool": lambda T: T.zeros(0, dtype=T.bool),
    "empty_f64": lambda T: T.zeros(0, dtype=T.float64),
    "empty_requires_grad": lambda T: T.zeros(0, 2, requires_grad=True),
    "transposed": lambda T: T.tensor(_arr(3, 4, seed=16)).t(),
    "permuted": lambda T: T.tensor(_arr(2, 3, 4, seed=17)).permute(2, 0, 1),
    "requires_grad": lambda T: T.tensor([1.0, 2.0], requires_grad=True),
    "requires_grad_scalar": lambda T: T.tensor(1.5, requires_grad=True),
    "requires_grad_f64": lambda T: T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True),
    "grad_fn_mul": lambda T: T.tensor([1.0, 2.0], requires_grad=True) * 2,
    "grad_fn_add": lambda T: T.tensor([1.0, 2.0], requires_grad=True) + 1,
    "grad_fn_sub": lambda T: T.tensor([1.0, 2.0], requires_grad=True) - T.tensor([3.0, 1.0]),
    "grad_fn_div": lambda T: T.tensor([1.0, 2.0], requires_grad=True) / 3,
    "grad_fn_pow": lambda T: T.tensor([1.0, 2.0], requires_grad=True) ** 2,
    "grad_fn_neg": lambda T: -T.tensor([1.0, 2.0], requires_grad=True),
    "grad_fn_sum": lambda T: T.tensor([1.0, 2.0], requires_grad=True).sum(),
    "grad_fn_mean": lambda T: T.tensor([1.0, 2.0], requires_grad=True).mean(),
    "grad_fn_exp": lambda T: T.tensor([1.0, 2.0], requires_grad=True).exp(),
    "grad_fn_tanh": lambda T: T.tensor([1.0, 2.0], requires_grad=True).tanh(),
    "grad_fn_sigmoid": lambda T: T.tensor([1.0, 2.0], requires_grad=True).sigmoid(),
    "grad_fn_relu": lambda T: T.tensor([1.0, -2.0], requires_grad=True).relu(),
    "grad_fn_transpose": lambda T: T.ones(2, 3, requires_grad=True).t(),
    "grad_fn_unsqueeze": lambda T: T.ones(2, 3, requires_grad=True).unsqueeze(0),
    "grad_fn_f64": lambda T: T.ones(2, dtype=T.float64, requires_grad=True) * 3,
    "grad_fn_wraps_suffix": lambda T: T.tensor(_arr(2, 9, seed=18), requires_grad=True) * 1,
    "suffix_wraps_f64": lambda T: T.tensor(_arr(8, dtype=np.float64, seed=19), requires_grad=True) * 1,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_repr_matches_torch(name):
    build = CASES[name]
    t, p = build(torch), build(pag)
    assert str(p) == str(t), f"\npyautograd:\n{p}\ntorch:\n{t}"
    assert repr(p) == repr(t)


OPTION_SETS = [
    dict(precision=2),
    dict(precision=8),
    dict(precision=0),
    dict(threshold=5),
    dict(threshold=0),
    dict(edgeitems=1, threshold=10),
    dict(edgeitems=0, threshold=10),
    dict(linewidth=40),
    dict(linewidth=200),
    dict(linewidth=1),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(profile="short"),
    dict(profile="full"),
    dict(profile="short", precision=6),
]

OPTION_CASES = ["scalar_float", "scalar_int64", "small", "integral_floats", "randn_2d", "randn_3d", "tiny", "huge",
                "nan_inf", "long_row_wraps", "long_int_row", "summarized_1d", "summarized_2d", "summarized_3d",
                "bool_1d", "f64", "empty_2d", "requires_grad", "grad_fn_wraps_suffix", "int64_2d", "zeros"]


@pytest.fixture
def restore_printoptions():
    yield
    torch.set_printoptions(profile="default", sci_mode=None)
    pag.set_printoptions(profile="default", sci_mode=None)


@pytest.mark.parametrize("opts", OPTION_SETS, ids=lambda d: ",".join(f"{k}={v}" for k, v in d.items()))
def test_set_printoptions(opts, restore_printoptions):
    torch.set_printoptions(**opts)
    pag.set_printoptions(**opts)
    for name in OPTION_CASES:
        t, p = CASES[name](torch), CASES[name](pag)
        assert str(p) == str(t), f"{name} with {opts}\npyautograd:\n{p}\ntorch:\n{t}"


def test_printoptions_persist_and_reset(restore_printoptions):
    from pyautograd import _tensor_str
    pag.set_printoptions(precision=2, threshold=7, edgeitems=1, linewidth=60)
    torch.set_printoptions(precision=2, threshold=7, edgeitems=1, linewidth=60)
    # a later call without sci_mode resets it to None, as in torch
    pag.set_printoptions(sci_mode=True)
    pag.set_printoptions(precision=3)
    torch.set_printoptions(sci_mode=True)
    torch.set_printoptions(precision=3)
    assert _tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()
    for name in OPTION_CASES:
        assert str(CASES[name](pag)) == str(CASES[name](torch))
    with _tensor_str.printoptions(precision=1), torch._tensor_str.printoptions(precision=1):
        assert str(CASES["small"](pag)) == str(CASES["small"](torch))
    assert _tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()
    pag.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")
    assert _tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()


@pytest.mark.parametrize("default", ["float64"])
def test_default_dtype_changes_suffixes(default):
    old_t, old_p = torch.get_default_dtype(), pag.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default))
    pag.set_default_dtype(getattr(pag, default))
    try:
        for build in (lambda T: T.tensor([1.5, 2.0]), lambda T: T.tensor([1.5], dtype=T.float32),
                      lambda T: T.zeros(0), lambda T: T.zeros(0, dtype=T.float32), lambda T: T.tensor([1, 2])):
            assert str(build(pag)) == str(build(torch))
    finally:
        torch.set_default_dtype(old_t)
        pag.set_default_dtype(old_p)


def test_tensor_contents_and_str_equals_repr():
    from pyautograd import _tensor_str
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    p = pag.tensor([1.0, 2.0], requires_grad=True)
    assert _tensor_str._str(p, tensor_contents="[...]") == torch._tensor_str._str(t, tensor_contents="[...]")
    assert str(p) == repr(p)


@pytest.mark.parametrize("spec", ["", "+.2f", ".3e", "10.4f", "<8", "g"])
def test_format_0dim(spec):
    for build in (lambda T: T.tensor(1.25), lambda T: T.tensor(-3.5, requires_grad=True),
                  lambda T: T.tensor(2.0, dtype=T.float64)):
        assert format(build(pag), spec) == format(build(torch), spec)


@pytest.mark.parametrize("spec", ["", "d", "5d", "+d"])
def test_format_0dim_int(spec):
    assert format(pag.tensor(42), spec) == format(torch.tensor(42), spec)


def test_format_0dim_bool():
    assert format(pag.tensor(True), "") == format(torch.tensor(True), "")
    assert f"{pag.tensor(False)}" == f"{torch.tensor(False)}"


def test_format_nd_falls_back_to_str():
    assert format(pag.tensor([1.0, 2.0]), "") == format(torch.tensor([1.0, 2.0]), "")
    assert f"{pag.ones(2, 2)}" == f"{torch.ones(2, 2)}"
    with pytest.raises(TypeError) as te:
        format(torch.tensor([1.0, 2.0]), ".2f")
    with pytest.raises(TypeError) as pe:
        format(pag.tensor([1.0, 2.0]), ".2f")
    assert str(pe.value) == str(te.value)


def test_grad_fn_after_backward_and_detach():
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        return [str(y), str(x.grad), str(x.detach()), str((x * 2).detach())]
    assert run(pag) == run(torch)


def test_no_grad_result_prints_plain():
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        with T.no_grad():
            y = x * 2
        return str(y)
    assert run(pag) == run(torch)


def test_print_does_not_touch_version_or_graph():
    x = pag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    v = y._version
    str(y)
    assert y._version == v and y.grad_fn.name() == "MulBackward0"


def test_random_fuzz():
    rng = np.random.default_rng(123)
    for i in range(60):
        nd = int(rng.integers(0, 4))
        shape = tuple(int(s) for s in rng.integers(1, 6, size=nd))
        kind = rng.integers(0, 4)
        scale = 10.0 ** rng.integers(-9, 10)
        a = rng.standard_normal(shape) * scale
        if kind == 1:
            a = np.round(a)
        elif kind == 2 and a.size:
            a.flat[0] = [math.nan, math.inf, -math.inf, -0.0][i % 4]
        dt = np.float32 if rng.integers(0, 2) else np.float64
        a = np.asarray(a, dtype=dt)
        assert str(pag.tensor(a)) == str(torch.tensor(a)), f"{a!r}"


def test_views_and_expanded():
    for build in (lambda T: T.ones(3).expand(2, 3), lambda T: T.ones(1).expand(2000),
                  lambda T: T.tensor(_arr(40, 30, seed=20)).t(), lambda T: T.tensor(_arr(4, 5, seed=21)).narrow(1, 1, 3),
                  lambda T: T.tensor(_arr(3, 4, 5, seed=22)).permute(1, 2, 0)):
        assert str(build(pag)) == str(build(torch))


def test_custom_function_grad_fn():
    def run(T):
        class MyFn(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2
        return repr(MyFn.apply(T.ones(2, requires_grad=True)))
    assert run(pag) == run(torch)


def test_subclass_prefix():
    def run(T):
        class Sub(T.Tensor):
            pass
        return [repr(Sub([1.0, 2.0])), repr(Sub([1.5]).requires_grad_()), str(Sub([[1.0, 2.5]]))]
    assert run(pag) == run(torch)


def test_parameter_repr_reuses_tensor_repr(monkeypatch):
    """Parameter (defined in pyautograd.nn) prints through the tensor repr with a plain 'tensor(' prefix.
    A stand-in pyautograd.nn.Parameter is used so this holds whichever nn is present."""
    import sys
    import types

    class Parameter(pag.Tensor):
        def __init__(self, data, requires_grad=True):
            super().__init__(data)
            self.requires_grad_(requires_grad)

        def __repr__(self):
            return "Parameter containing:\n" + super().__repr__()

    class SubParam(Parameter):
        pass

    class TorchSubParam(torch.nn.Parameter):
        pass

    SubParam.__name__ = TorchSubParam.__name__ = "SubParam"
    fake_nn = types.ModuleType("pyautograd.nn")
    fake_nn.Parameter = Parameter
    monkeypatch.setitem(sys.modules, "pyautograd.nn", fake_nn)
    pairs = [
        (Parameter(pag.tensor([1.0, 2.5])), torch.nn.Parameter(torch.tensor([1.0, 2.5]))),
        (Parameter(pag.ones(2, 2), requires_grad=False), torch.nn.Parameter(torch.ones(2, 2), requires_grad=False)),
        (Parameter(pag.tensor(1.5)), torch.nn.Parameter(torch.tensor(1.5))),
        (SubParam(pag.ones(2)), TorchSubParam(torch.ones(2))),
    ]
    for p, t in pairs:
        assert repr(p) == repr(t)
        assert str(p) == str(t)
        assert format(p, "") == format(t, "")
    with pytest.raises(TypeError) as te:
        format(pairs[2][1], ".2f")
    with pytest.raises(TypeError) as pe:
        format(pairs[2][0], ".2f")
    assert str(pe.value) == str(te.value)
