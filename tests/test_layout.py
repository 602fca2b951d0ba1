"""Note [Layout propagation]: the strides of every fresh tensor against torch's, for
sources of every kind of layout (transposed, stepped, permuted, expanded, size-1 dims
with odd strides, channels-last, empty) through clone, .to, the *_like functions,
unary and binary ops, where and clamp, and the memory_format arguments."""
import numpy as np
import pytest
import torch

import pyautograd as pag
from helpers import assert_close, helper_test_exception


def sources(lib):
    """Views of one fresh tensor each, built the same way in both libraries."""
    def base(*shape):
        n = int(np.prod(shape))
        return lib.arange(float(n)).reshape(*shape)
    return {
        "contiguous": base(3, 4),
        "transposed": base(4, 6).t(),
        "transposed_stepped": base(4, 6).t()[::2],        # the case: (1, 3) everywhere
        "stepped_rows": base(6, 4)[::2],
        "stepped_cols": base(4, 6)[:, ::3],
        "permuted_3d": base(2, 3, 4).permute(2, 0, 1),
        "permuted_3d_stepped": base(4, 3, 6).permute(1, 2, 0)[:, ::2],
        "expanded": base(1, 4).expand(3, 4),
        "expanded_inner": base(3, 1).expand(3, 4),
        "size1_odd_stride": base(3, 4)[:, 1:2],
        "size1_dims": base(1, 3, 1, 4).permute(3, 1, 2, 0),
        "channels_last": base(2, 3, 4, 5).permute(0, 2, 3, 1).permute(0, 3, 1, 2),
        "channels_last_sliced": base(2, 5, 4, 3).permute(0, 3, 1, 2)[:, :, ::2],
        "nchw_sliced": base(2, 3, 4, 6)[..., ::2],
        "empty": base(0, 3),
        "empty_transposed": lib.zeros(3, 0).t(),
        "scalar": lib.tensor(2.0),
        "vector_stepped": base(8)[::2],
        "equal_strides": lib.zeros(1, 1).expand(2, 3),
        "as_strided_overlap": base(12).as_strided((3, 3), (1, 1)),
    }


SOURCES = list(sources(torch))

UNARY = {
    "clone": lambda lib, y: y.clone(),
    "clone_contiguous": lambda lib, y: y.clone(memory_format=lib.contiguous_format),
    "clone_preserve": lambda lib, y: y.clone(memory_format=lib.preserve_format),
    "contiguous": lambda lib, y: y.contiguous(),
    "exp": lambda lib, y: y.exp(),
    "neg": lambda lib, y: -y,
    "abs": lambda lib, y: y.abs(),
    "relu": lambda lib, y: y.relu(),
    "sigmoid": lambda lib, y: y.sigmoid(),
    "isnan": lambda lib, y: y.isnan(),
    "times_number": lambda lib, y: 2 * y,
    "number_minus": lambda lib, y: 1 - y,
    "pow_number": lambda lib, y: y ** 2,
    "number_pow": lambda lib, y: 2 ** y,
    "gt_number": lambda lib, y: y > 1,
    "add_self": lambda lib, y: y + y,
    "add_contiguous_copy": lambda lib, y: y + y.contiguous(),
    "contiguous_copy_add": lambda lib, y: y.contiguous() + y,
    "mul_0d_tensor": lambda lib, y: y * lib.tensor(3.0),
    "double": lambda lib, y: y.double(),
    "to_float64": lambda lib, y: y.to(lib.float64),
    "to_int64": lambda lib, y: y.to(lib.int64),
    "to_copy": lambda lib, y: y.to(lib.float32, copy=True),
    "long": lambda lib, y: y.long(),
    "zeros_like": lambda lib, y: lib.zeros_like(y),
    "ones_like_dtype": lambda lib, y: lib.ones_like(y, dtype=lib.int64),
    "empty_like": lambda lib, y: lib.empty_like(y),
    "full_like": lambda lib, y: lib.full_like(y, 7),
    "zeros_like_contiguous": lambda lib, y: lib.zeros_like(y, memory_format=lib.contiguous_format),
    "rand_like": lambda lib, y: lib.rand_like(y),
    "randn_like": lambda lib, y: lib.randn_like(y),
    "randint_like": lambda lib, y: lib.randint_like(y, 5),
    "where_number": lambda lib, y: lib.where(y > 1, y, 0.0),
    "clamp_numbers": lambda lib, y: y.clamp(1, 5),
    "clamp_tensors": lambda lib, y: y.clamp(lib.zeros_like(y), lib.full_like(y, 5)),
    "where_tensors": lambda lib, y: lib.where(y > 1, y.contiguous(), y),
}


def stride_of(t):
    return tuple(t.stride()), tuple(t.shape)


@pytest.mark.parametrize("fn", list(UNARY))
@pytest.mark.parametrize("src", SOURCES)
def test_strides_match_torch(src, fn):
    t, p = sources(torch)[src], sources(pag)[src]
    assert stride_of(p) == stride_of(t), "the sources differ"
    try:
        want = UNARY[fn](torch, t)
    except RuntimeError as e:  # e.g. ops torch refuses on overlapping memory
        helper_test_exception(lambda: UNARY[fn](torch, t), lambda: UNARY[fn](pag, p))
        return
    got = UNARY[fn](pag, p)
    assert stride_of(got) == stride_of(want), f"{fn}({src}): pyautograd {stride_of(got)}, torch {stride_of(want)}"
    assert got.dtype == want.dtype or str(got.dtype) == str(want.dtype)
    if fn not in ("empty_like", "rand_like", "randn_like", "randint_like"):
        assert_close(got, want)


BINARY_PAIRS = {
    "row_plus_column": lambda lib: (lib.ones(3, 1), lib.ones(1, 4)),
    "transposed_plus_row": lambda lib: (lib.ones(4, 3).t(), lib.ones(4)),
    "row_plus_transposed": lambda lib: (lib.ones(4), lib.ones(4, 3).t()),
    "contiguous_plus_transposed": lambda lib: (lib.ones(3, 4), lib.ones(4, 3).t()),
    "transposed_plus_contiguous": lambda lib: (lib.ones(4, 3).t(), lib.ones(3, 4)),
    "permuted_plus_broadcast": lambda lib: (lib.ones(2, 3, 4).permute(2, 0, 1), lib.ones(1, 2, 1)),
    "broadcast_both_3d": lambda lib: (lib.ones(4, 1, 3).permute(2, 1, 0), lib.ones(1, 5, 1)),
    "channels_last_plus_bias": lambda lib: (lib.ones(2, 4, 5, 3).permute(0, 3, 1, 2), lib.ones(3, 1, 1)),
    "stepped_plus_stepped": lambda lib: (lib.ones(4, 6).t()[::2], lib.ones(6, 4)[::2]),
}


@pytest.mark.parametrize("op", ["add", "mul", "lt", "maximum"])
@pytest.mark.parametrize("case", list(BINARY_PAIRS))
def test_binary_output_strides_match_torch(case, op):
    (ta, tb), (pa, pb) = BINARY_PAIRS[case](torch), BINARY_PAIRS[case](pag)
    want, got = getattr(torch, op)(ta, tb), getattr(pag, op)(pa, pb)
    assert stride_of(got) == stride_of(want)


@pytest.mark.parametrize("fmt", ["contiguous_format", "channels_last", "preserve_format"])
@pytest.mark.parametrize("src", ["contiguous", "channels_last", "channels_last_sliced", "nchw_sliced", "size1_dims"])
def test_memory_format_arguments(src, fmt):
    t, p = sources(torch)[src], sources(pag)[src]
    tf, pf = getattr(torch, fmt), getattr(pag, fmt)
    calls = [
        lambda lib, y, f: y.clone(memory_format=f),
        lambda lib, y, f: lib.empty_like(y, memory_format=f),
        lambda lib, y, f: lib.zeros_like(y, memory_format=f),
        lambda lib, y, f: lib.rand_like(y, memory_format=f),
        lambda lib, y, f: y.to(memory_format=f),
        lambda lib, y, f: y.to(lib.float64, memory_format=f),
        lambda lib, y, f: y.contiguous(memory_format=f),
    ]
    for k, call in enumerate(calls):
        try:
            want = call(torch, t, tf)
        except RuntimeError:
            helper_test_exception(lambda: call(torch, t, tf), lambda: call(pag, p, pf))
            continue
        got = call(pag, p, pf)
        assert stride_of(got) == stride_of(want), f"call {k} on {src} with {fmt}"
        assert (got is p) == (want is t), f"call {k}: aliasing differs from torch"
    for f in ("contiguous_format", "preserve_format", "channels_last", "channels_last_3d"):
        assert p.is_contiguous(memory_format=getattr(pag, f)) == t.is_contiguous(memory_format=getattr(torch, f))


def test_memory_format_objects():
    for name in ("preserve_format", "contiguous_format", "channels_last", "channels_last_3d"):
        p, t = getattr(pag, name), getattr(torch, name)
        assert repr(p) == repr(t) and str(p) == str(t)
        assert isinstance(p, pag.memory_format)
        assert p == getattr(pag, name) and p != (pag.channels_last if name != "channels_last" else pag.preserve_format)
    assert len({pag.preserve_format, pag.contiguous_format, pag.channels_last, pag.channels_last_3d}) == 4


def test_memory_format_errors():
    cases = [
        lambda lib: lib.ones(2, 3).clone(memory_format=lib.channels_last),
        lambda lib: lib.ones(2, 3, 4, 5).clone(memory_format=lib.channels_last_3d),
        lambda lib: lib.empty_like(lib.ones(2, 3), memory_format=lib.channels_last),
        lambda lib: lib.ones(3, 2).t().contiguous(memory_format=lib.preserve_format),
        lambda lib: lib.ones(2, 3).clone(memory_format=1),
        lambda lib: lib.zeros_like(lib.ones(2), memory_format="channels_last"),
    ]
    for case in cases:
        helper_test_exception(lambda: case(torch), lambda: case(pag))


def test_gradients_keep_layouts():
    """The layout rule is the one backward sees too: gradients of views through clone and
    unary ops have torch's strides."""
    for src in ("transposed", "transposed_stepped", "permuted_3d"):
        t = sources(torch)[src].detach().requires_grad_()
        p = sources(pag)[src].detach().requires_grad_()
        (t.clone().exp() * 2).sum().backward()
        (p.clone().exp() * 2).sum().backward()
        assert stride_of(p.grad) == stride_of(t.grad)
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-6)
