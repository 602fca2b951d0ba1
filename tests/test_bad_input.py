"""A catalogue of bad calls across the API, each run against torch and pyautograd.

Every case is a function `(lib) -> (call, things)` written once against `lib`
(torch or pyautograd). The test builds it for both libraries, snapshots every
thing (tensors: values, shape, stride, dtype, requires_grad, grad, _version;
modules: state_dict; optimizers: state_dict and param_groups; files: bytes),
checks that both calls raise the same exception (type, and message where
torch's is fixed), that nothing changed, and, for graph cases, that the graph
still runs backward afterwards and gives torch's gradients (`After` things)."""
import atexit
import operator
import os
import shutil
import tempfile
import warnings

import numpy as np
import pyautograd as pag
import pytest
import torch

from helpers import assert_close, helper_test_exception

CASES = {}
EXACT = {}
CHECKPOINT = set()  # torch's own format fails differently: pyautograd must raise a clear error
TORCH_WRITES = set()  # torch writes the elements before a bad index; pyautograd checks them all first
_TMP = tempfile.mkdtemp(prefix="pag_bad_input_")
atexit.register(shutil.rmtree, _TMP, True)


def case(fn=None, *, exact=True, checkpoint=False, torch_writes=False):
    def register(f):
        assert f.__name__ not in CASES, f.__name__
        CASES[f.__name__] = f
        EXACT[f.__name__] = exact
        if checkpoint:
            CHECKPOINT.add(f.__name__)
        if torch_writes:
            TORCH_WRITES.add(f.__name__)
        return f
    return register(fn) if fn is not None else register


class After:
    """Runs after the failed call; returns tensors (gradients) that must equal torch's."""

    def __init__(self, fn):
        self.fn = fn


class File:
    def __init__(self, path):
        self.path = path


def F(L):
    return L.nn.functional


def T(L, *shape, dtype="float32", rg=False, seed=0, low=-2.0, high=2.0):
    """Deterministic values (the same for both libraries)."""
    rng = np.random.default_rng(seed + 7 * len(shape) + sum(shape))
    if dtype == "int64":
        a = rng.integers(int(low), int(high) + 1, size=shape).astype(np.int64)
    elif dtype == "bool":
        a = rng.integers(0, 2, size=shape).astype(bool)
    else:
        a = rng.uniform(low, high, size=shape).astype(dtype)
    t = L.tensor(a)
    return t.requires_grad_(True) if rg else t


def LongT(L, values):
    return L.tensor(values, dtype=L.int64)


def BoolT(L, values):
    return L.tensor(values, dtype=L.bool)


def grads(*ts):
    return [t.grad for t in ts]


def backward_then(out, *leaves):
    """An After that runs out.sum().backward() and returns the leaves' gradients."""
    def run():
        out.sum().backward()
        return grads(*leaves)
    return After(run)


def as_error(fn):
    """Turns the warnings fn emits into exceptions (torch warns where it should refuse)."""
    def call():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fn()
    return call


# ======================================================= binary-op shape mismatches
def _binary(name, make):
    def f(L):
        a, b = T(L, 2, 3), T(L, 4, seed=1)
        return (lambda: make(L, a, b)), [a, b]
    f.__name__ = name
    case(f)


for _name, _make in [
    ("add_shape", lambda L, a, b: L.add(a, b)),
    ("add_operator_shape", lambda L, a, b: a + b),
    ("sub_shape", lambda L, a, b: L.sub(a, b)),
    ("sub_operator_shape", lambda L, a, b: a - b),
    ("mul_shape", lambda L, a, b: L.mul(a, b)),
    ("mul_operator_shape", lambda L, a, b: a * b),
    ("div_shape", lambda L, a, b: L.div(a, b)),
    ("div_operator_shape", lambda L, a, b: a / b),
    ("pow_shape", lambda L, a, b: L.pow(a, b)),
    ("pow_operator_shape", lambda L, a, b: a ** b),
    ("maximum_shape", lambda L, a, b: L.maximum(a, b)),
    ("minimum_shape", lambda L, a, b: L.minimum(a, b)),
    ("eq_shape", lambda L, a, b: L.eq(a, b)),
    ("ne_shape", lambda L, a, b: a != b),
    ("lt_shape", lambda L, a, b: a < b),
    ("le_shape", lambda L, a, b: L.le(a, b)),
    ("gt_shape", lambda L, a, b: a.gt(b)),
    ("ge_shape", lambda L, a, b: a >= b),
    ("where_other_shape", lambda L, a, b: L.where(a > 0, a, b)),
    ("where_method_shape", lambda L, a, b: a.where(a > 0, b)),
    ("add_alpha_shape", lambda L, a, b: L.add(a, b, alpha=2)),
    ("remainder_shape", lambda L, a, b: L.remainder(a, b)),
    ("add_inplace_shape", lambda L, a, b: a.add_(b)),
    ("sub_inplace_shape", lambda L, a, b: a.sub_(b)),
    ("mul_inplace_shape", lambda L, a, b: a.mul_(b)),
    ("div_inplace_shape", lambda L, a, b: a.div_(b)),
    ("pow_inplace_shape", lambda L, a, b: a.pow_(b)),
    ("iadd_shape", lambda L, a, b: operator.iadd(a, b)),
    ("imul_shape", lambda L, a, b: operator.imul(a, b)),
]:
    _binary(_name, _make)


@case
def where_condition_shape(L):
    a, b, c = T(L, 2, 3), T(L, 2, 3, seed=1), BoolT(L, [True, False, True, False])
    return (lambda: L.where(c, a, b)), [a, b, c]


@case
def masked_fill_mask_shape(L):
    a, m = T(L, 2, 3), BoolT(L, [True, False, True, False])
    return (lambda: a.masked_fill(m, 0.0)), [a, m]


@case
def masked_fill_inplace_mask_shape(L):
    a, m = T(L, 2, 3), BoolT(L, [True, False, True, False])
    return (lambda: a.masked_fill_(m, 0.0)), [a, m]


# in-place ops whose result would need the destination to broadcast
def _inplace_broadcast(name, make):
    def f(L):
        a, b = T(L, 3), T(L, 2, 3, seed=1)
        return (lambda: make(L, a, b)), [a, b]
    f.__name__ = name
    case(f)


for _name, _make in [
    ("add_inplace_broadcasts_self", lambda L, a, b: a.add_(b)),
    ("sub_inplace_broadcasts_self", lambda L, a, b: a.sub_(b)),
    ("mul_inplace_broadcasts_self", lambda L, a, b: a.mul_(b)),
    ("div_inplace_broadcasts_self", lambda L, a, b: a.div_(b)),
    ("pow_inplace_broadcasts_self", lambda L, a, b: a.pow_(b)),
    ("iadd_broadcasts_self", lambda L, a, b: operator.iadd(a, b)),
    ("isub_broadcasts_self", lambda L, a, b: operator.isub(a, b)),
    ("masked_fill_inplace_broadcasts_self", lambda L, a, b: a.masked_fill_(b > 0, 1.0)),
    ("copy_broadcasts_self", lambda L, a, b: a.copy_(b)),
    ("clamp_inplace_broadcasts_self", lambda L, a, b: a.clamp_(min=b)),
]:
    _inplace_broadcast(_name, _make)


@case
def add_inplace_int_self_float_other(L):
    a, b = T(L, 3, dtype="int64"), T(L, 3)
    return (lambda: a.add_(b)), [a, b]


@case
def mul_inplace_bool_self_int_other(L):
    a, b = T(L, 3, dtype="bool"), T(L, 3, dtype="int64")
    return (lambda: a.mul_(b)), [a, b]


@case
def div_inplace_int_self(L):
    a = T(L, 3, dtype="int64", low=1, high=5)
    return (lambda: a.div_(2)), [a]


@case
def copy_shape(L):
    a, b = T(L, 2, 3), T(L, 4)
    return (lambda: a.copy_(b)), [a, b]


# ======================================================= matmul family
@case
def matmul_shape(L):
    a, b = T(L, 2, 3), T(L, 4, 5)
    return (lambda: L.matmul(a, b)), [a, b]


@case
def matmul_operator_shape(L):
    a, b = T(L, 2, 3), T(L, 4, 5)
    return (lambda: a @ b), [a, b]


@case
def matmul_vector_shape(L):
    a, b = T(L, 3), T(L, 4, 5)
    return (lambda: a @ b), [a, b]


@case
def matmul_batch_broadcast(L):
    a, b = T(L, 2, 3, 4), T(L, 3, 4, 5)
    return (lambda: L.matmul(a, b)), [a, b]


@case
def matmul_zero_dim(L):
    a, b = T(L), T(L, 2, 2)
    return (lambda: L.matmul(a, b)), [a, b]


@case
def matmul_dtype_mismatch(L):
    a, b = T(L, 2, 3), T(L, 3, 2, dtype="float64")
    return (lambda: a @ b), [a, b]


@case
def mm_shape(L):
    a, b = T(L, 2, 3), T(L, 2, 3)
    return (lambda: L.mm(a, b)), [a, b]


@case
def mm_vector(L):
    a, b = T(L, 3), T(L, 3, 2)
    return (lambda: L.mm(a, b)), [a, b]


@case
def mm_dtype_mismatch(L):
    a, b = T(L, 2, 3, dtype="int64"), T(L, 3, 2)
    return (lambda: a.mm(b)), [a, b]


@case
def bmm_batch_mismatch(L):
    a, b = T(L, 2, 3, 4), T(L, 3, 4, 5)
    return (lambda: L.bmm(a, b)), [a, b]


@case
def bmm_inner_mismatch(L):
    a, b = T(L, 2, 3, 4), T(L, 2, 3, 5)
    return (lambda: a.bmm(b)), [a, b]


@case
def bmm_not_3d(L):
    a, b = T(L, 3, 4), T(L, 2, 4, 5)
    return (lambda: L.bmm(a, b)), [a, b]


@case
def mv_shape(L):
    a, b = T(L, 2, 3), T(L, 4)
    return (lambda: L.mv(a, b)), [a, b]


@case
def dot_shape(L):
    a, b = T(L, 3), T(L, 4)
    return (lambda: L.dot(a, b)), [a, b]


@case
def dot_2d(L):
    a, b = T(L, 2, 2), T(L, 2, 2)
    return (lambda: L.dot(a, b)), [a, b]


@case
def linear_weight_shape(L):
    x, w = T(L, 2, 3), T(L, 4, 5, rg=True)
    return (lambda: F(L).linear(x, w)), [x, w]


@case
def linear_bias_shape(L):
    x, w, b = T(L, 2, 3), T(L, 4, 3, rg=True), T(L, 5, rg=True)
    return (lambda: F(L).linear(x, w, b)), [x, w, b]


@case
def linear_module_input_shape(L):
    L.manual_seed(0)
    m, x = L.nn.Linear(2, 3), T(L, 4, 5)
    return (lambda: m(x)), [m, x]


@case
def addmm_shape(L):
    c, a, b = T(L, 2, 2), T(L, 2, 3), T(L, 2, 2)
    return (lambda: L.addmm(c, a, b)), [c, a, b]


# ======================================================= cat / stack / gather / index_select
@case
def cat_shape(L):
    a, b = T(L, 2, 3), T(L, 2, 4)
    return (lambda: L.cat([a, b])), [a, b]


@case
def cat_ndim_mismatch(L):
    a, b = T(L, 2, 3), T(L, 3)
    return (lambda: L.cat([a, b], dim=0)), [a, b]


@case
def cat_dim_out_of_range(L):
    a, b = T(L, 2, 3), T(L, 2, 3)
    return (lambda: L.cat([a, b], dim=5)), [a, b]


@case
def cat_empty_list(L):
    return (lambda: L.cat([])), []


@case
def cat_zero_dim(L):
    a, b = T(L), T(L)
    return (lambda: L.cat([a, b])), [a, b]


@case
def cat_non_tensor(L):
    a = T(L, 2)
    return (lambda: L.cat([a, 1])), [a]


@case
def stack_shape(L):
    a, b = T(L, 2, 3), T(L, 2, 4)
    return (lambda: L.stack([a, b])), [a, b]


@case
def stack_empty_list(L):
    return (lambda: L.stack([])), []


@case
def stack_dim_out_of_range(L):
    a, b = T(L, 2, 3), T(L, 2, 3)
    return (lambda: L.stack([a, b], dim=4)), [a, b]


@case
def gather_index_out_of_range(L):
    a, i = T(L, 2, 3), LongT(L, [[0, 5], [1, 2]])
    return (lambda: L.gather(a, 1, i)), [a, i]


@case
def gather_negative_index(L):
    a, i = T(L, 2, 3), LongT(L, [[0, -1], [1, 2]])
    return (lambda: a.gather(1, i)), [a, i]


@case
def gather_float_index(L):
    a, i = T(L, 2, 3), L.tensor([[0.0, 1.0]])
    return (lambda: L.gather(a, 1, i)), [a, i]


@case
def gather_index_ndim(L):
    a, i = T(L, 2, 3), LongT(L, [0, 1])
    return (lambda: L.gather(a, 1, i)), [a, i]


@case
def gather_index_too_large(L):
    a, i = T(L, 2, 3), LongT(L, [[0], [1], [2]])
    return (lambda: L.gather(a, 1, i)), [a, i]


@case
def gather_dim_out_of_range(L):
    a, i = T(L, 2, 3), LongT(L, [[0], [1]])
    return (lambda: L.gather(a, 5, i)), [a, i]


@case
def index_select_out_of_range(L):
    a, i = T(L, 2, 3), LongT(L, [0, 10])
    return (lambda: L.index_select(a, 1, i)), [a, i]


@case
def index_select_negative_index(L):
    a, i = T(L, 2, 3), LongT(L, [-1])
    return (lambda: a.index_select(1, i)), [a, i]


@case
def index_select_float_index(L):
    a, i = T(L, 2, 3), L.tensor([0.0, 1.0])
    return (lambda: L.index_select(a, 0, i)), [a, i]


@case
def index_select_2d_index(L):
    a, i = T(L, 2, 3), LongT(L, [[0, 1]])
    return (lambda: L.index_select(a, 0, i)), [a, i]


@case
def index_select_dim_out_of_range(L):
    a, i = T(L, 2, 3), LongT(L, [0])
    return (lambda: L.index_select(a, 5, i)), [a, i]


@case(torch_writes=True)
def scatter_inplace_index_out_of_range(L):
    a, i, s = T(L, 2, 3), LongT(L, [[0, 1, 5]]), T(L, 1, 3)
    return (lambda: a.scatter_(1, i, s)), [a, i, s]


@case(torch_writes=True)
def scatter_add_inplace_index_out_of_range(L):
    a, i, s = T(L, 2, 3), LongT(L, [[0, 1], [2, 7]]), T(L, 2, 2)
    return (lambda: a.scatter_add_(1, i, s)), [a, i, s]


@case(torch_writes=True)
def index_add_inplace_out_of_range(L):
    a, i, s = T(L, 3, 2), LongT(L, [0, 3]), T(L, 2, 2)
    return (lambda: a.index_add_(0, i, s)), [a, i, s]


@case
def take_out_of_range(L):
    a, i = T(L, 2, 3), LongT(L, [0, 10])
    return (lambda: L.take(a, i)), [a, i]


@case
def masked_select_shape(L):
    a, m = T(L, 2, 3), BoolT(L, [True, False])
    return (lambda: L.masked_select(a, m)), [a, m]


# ======================================================= losses
def _loss_shape(name, fn):
    def f(L):
        x, y = T(L, 2, 3, rg=True), T(L, 4, seed=1)
        out = x * 2
        return (lambda: fn(F(L), out, y)), [x, y, backward_then(out, x)]
    f.__name__ = name
    case(f)


for _name, _fn in [
    ("mse_loss_shape", lambda F, x, y: F.mse_loss(x, y)),
    ("l1_loss_shape", lambda F, x, y: F.l1_loss(x, y)),
    ("smooth_l1_loss_shape", lambda F, x, y: F.smooth_l1_loss(x, y)),
    ("huber_loss_shape", lambda F, x, y: F.huber_loss(x, y)),
    ("mse_loss_shape_no_reduction", lambda F, x, y: F.mse_loss(x, y, reduction="none")),
    ("bce_with_logits_shape", lambda F, x, y: F.binary_cross_entropy_with_logits(x, y)),
]:
    _loss_shape(_name, _fn)


@case
def bce_shape(L):
    x, y = T(L, 2, 3, low=0.1, high=0.9, rg=True), T(L, 4, low=0, high=1)
    return (lambda: F(L).binary_cross_entropy(x, y)), [x, y]


@case
def bce_input_out_of_range(L):
    x, y = T(L, 2, 3, low=0.5, high=1.5), T(L, 2, 3, low=0, high=1)
    return (lambda: F(L).binary_cross_entropy(x, y)), [x, y]


@case
def bce_int_target(L):
    x, y = T(L, 2, 3, low=0.1, high=0.9), T(L, 2, 3, dtype="int64", low=0, high=1)
    return (lambda: F(L).binary_cross_entropy(x, y)), [x, y]


@case
def bce_weight_shape(L):
    x, y, w = T(L, 2, 3, low=0.1, high=0.9), T(L, 2, 3, low=0, high=1), T(L, 4)
    return (lambda: F(L).binary_cross_entropy(x, y, weight=w)), [x, y, w]


@case
def bce_with_logits_pos_weight_shape(L):
    x, y, w = T(L, 2, 3), T(L, 2, 3, low=0, high=1), T(L, 4)
    return (lambda: F(L).binary_cross_entropy_with_logits(x, y, pos_weight=w)), [x, y, w]


@case
def huber_loss_negative_delta(L):
    x, y = T(L, 2, 3), T(L, 2, 3, seed=1)
    return (lambda: F(L).huber_loss(x, y, delta=-1.0)), [x, y]


@case
def smooth_l1_loss_negative_beta(L):
    x, y = T(L, 2, 3), T(L, 2, 3, seed=1)
    return (lambda: F(L).smooth_l1_loss(x, y, beta=-1.0)), [x, y]


@case
def cross_entropy_batch_mismatch(L):
    x, t = T(L, 2, 3, rg=True), LongT(L, [0, 1, 2])
    return (lambda: F(L).cross_entropy(x, t)), [x, t, backward_then(x * 3, x)]


@case
def cross_entropy_class_out_of_range(L):
    x, t = T(L, 2, 3, rg=True), LongT(L, [0, 5])
    return (lambda: F(L).cross_entropy(x, t)), [x, t]


@case
def cross_entropy_negative_class(L):
    x, t = T(L, 2, 3), LongT(L, [-2, 1])
    return (lambda: F(L).cross_entropy(x, t)), [x, t]


@case
def cross_entropy_float_class_indices(L):
    x, t = T(L, 2, 3), L.tensor([0.0, 1.0])
    return (lambda: F(L).cross_entropy(x, t)), [x, t]


@case
def cross_entropy_probabilities_shape(L):
    x, t = T(L, 2, 3), T(L, 2, 4, low=0, high=1)
    return (lambda: F(L).cross_entropy(x, t)), [x, t]


@case
def cross_entropy_target_ndim(L):
    x, t = T(L, 2, 3), LongT(L, [[0, 1], [1, 0]])
    return (lambda: F(L).cross_entropy(x, t)), [x, t]


@case
def cross_entropy_int_input(L):
    x, t = T(L, 2, 3, dtype="int64"), LongT(L, [0, 1])
    return (lambda: F(L).cross_entropy(x, t)), [x, t]


@case
def cross_entropy_label_smoothing_range(L):
    x, t = T(L, 2, 3), LongT(L, [0, 1])
    return (lambda: F(L).cross_entropy(x, t, label_smoothing=1.5)), [x, t]


@case
def cross_entropy_weight_size(L):
    x, t, w = T(L, 2, 3), LongT(L, [0, 1]), T(L, 2, low=0.5, high=1)
    return (lambda: F(L).cross_entropy(x, t, weight=w)), [x, t, w]


@case
def cross_entropy_bad_reduction(L):
    x, t = T(L, 2, 3), LongT(L, [0, 1])
    loss = L.nn.CrossEntropyLoss(reduction="bad")
    return (lambda: loss(x, t)), [x, t]


@case
def cross_entropy_module_class_out_of_range(L):
    x, t = T(L, 2, 3), LongT(L, [3, 0])
    loss = L.nn.CrossEntropyLoss()
    return (lambda: loss(x, t)), [x, t]


@case
def nll_loss_batch_mismatch(L):
    x, t = T(L, 2, 3), LongT(L, [0, 1, 2])
    return (lambda: F(L).nll_loss(x, t)), [x, t]


@case
def nll_loss_class_out_of_range(L):
    x, t = T(L, 2, 3), LongT(L, [0, 3])
    return (lambda: F(L).nll_loss(x, t)), [x, t]


@case
def nll_loss_weight_size(L):
    x, t, w = T(L, 2, 3), LongT(L, [0, 1]), T(L, 4)
    return (lambda: F(L).nll_loss(x, t, weight=w)), [x, t, w]


@case
def nll_loss_float_target(L):
    x, t = T(L, 2, 3), L.tensor([0.0, 1.0])
    return (lambda: F(L).nll_loss(x, t)), [x, t]


@case
def nll_loss_spatial_target_shape(L):
    x, t = T(L, 2, 3, 4), LongT(L, [[0, 1, 2], [0, 1, 2]])
    return (lambda: F(L).nll_loss(x, t)), [x, t]


@case
def mse_loss_module_bad_reduction(L):
    x, y = T(L, 2, 3), T(L, 2, 3, seed=1)
    return (lambda: L.nn.MSELoss(reduction="bad")(x, y)), [x, y]


@case
def l1_loss_functional_bad_reduction(L):
    x, y = T(L, 2, 3), T(L, 2, 3, seed=1)
    return (lambda: F(L).l1_loss(x, y, reduction="avg")), [x, y]


# ======================================================= wrong dtypes
@case
def neg_bool(L):
    a = T(L, 3, dtype="bool")
    return (lambda: -a), [a]


@case
def neg_inplace_bool(L):
    a = T(L, 3, dtype="bool")
    return (lambda: a.neg_()), [a]


@case
def sub_bool_bool(L):
    a, b = T(L, 3, dtype="bool"), T(L, 3, dtype="bool", seed=1)
    return (lambda: a - b), [a, b]


@case
def sub_bool_number(L):
    a = T(L, 3, dtype="bool")
    return (lambda: L.sub(a, True)), [a]


@case
def rsub_bool(L):
    a = T(L, 3, dtype="bool")
    return (lambda: True - a), [a]


@case
def requires_grad_int_tensor(L):
    return (lambda: L.tensor([1, 2], requires_grad=True)), []


@case
def requires_grad_int_method(L):
    a = T(L, 3, dtype="int64")
    return (lambda: a.requires_grad_()), [a]


@case
def requires_grad_bool_attribute(L):
    a = T(L, 3, dtype="bool")
    return (lambda: setattr(a, "requires_grad", True)), [a]


@case
def requires_grad_int_factory(L):
    return (lambda: L.zeros(2, dtype=L.int64, requires_grad=True)), []


@case
def requires_grad_int_parameter(L):
    a = T(L, 3, dtype="int64")
    return (lambda: L.nn.Parameter(a)), [a]


@case
def float_index_tensor(L):
    a, i = T(L, 3), L.tensor([0.0, 1.0])
    return (lambda: a[i]), [a, i]


@case
def float_index_setitem(L):
    a, i = T(L, 3), L.tensor([0.0, 1.0])
    return (lambda: operator.setitem(a, i, 1.0)), [a, i]


@case
def float_index_index_put(L):
    a, i, v = T(L, 3), L.tensor([0.0]), T(L, 1)
    return (lambda: a.index_put_((i,), v)), [a, i, v]


@case
def softmax_int(L):
    a = T(L, 2, 3, dtype="int64")
    return (lambda: L.softmax(a, dim=1)), [a]


@case
def log_softmax_int(L):
    a = T(L, 2, 3, dtype="int64")
    return (lambda: F(L).log_softmax(a, dim=1)), [a]


@case
def mean_int(L):
    a = T(L, 2, 3, dtype="int64")
    return (lambda: a.mean()), [a]


@case
def mean_bool_dim(L):
    a = T(L, 2, 3, dtype="bool")
    return (lambda: L.mean(a, dim=0)), [a]


@case
def std_int(L):
    a = T(L, 2, 3, dtype="int64")
    return (lambda: a.std()), [a]


@case
def randn_int_dtype(L):
    return (lambda: L.randn(2, dtype=L.int64)), []


@case
def masked_fill_float_mask(L):
    a, m = T(L, 2, 3), T(L, 2, 3, low=0, high=1)
    return (lambda: a.masked_fill(m, 0.0)), [a, m]


@case
def where_float_condition(L):
    a, b, c = T(L, 3), T(L, 3, seed=1), T(L, 3, seed=2)
    return (lambda: L.where(c, a, b)), [a, b, c]


@case
def grad_assign_dtype(L):
    a, g = T(L, 3, rg=True), T(L, 3, dtype="float64")
    return (lambda: setattr(a, "grad", g)), [a, g]


@case
def backward_int_output(L):
    a = T(L, 3, dtype="int64")
    return (lambda: a.sum().backward()), [a]


# ======================================================= out-of-range dims and indices
def _dim5(name, fn):
    def f(L):
        a = T(L, 2, 3)
        return (lambda: fn(L, a)), [a]
    f.__name__ = name
    case(f)


for _name, _fn in [
    ("sum_dim_out_of_range", lambda L, a: a.sum(dim=5)),
    ("sum_dims_out_of_range", lambda L, a: L.sum(a, dim=(0, 5))),
    ("sum_negative_dim_out_of_range", lambda L, a: a.sum(-3)),
    ("mean_dim_out_of_range", lambda L, a: a.mean(dim=5)),
    ("softmax_dim_out_of_range", lambda L, a: L.softmax(a, dim=5)),
    ("log_softmax_dim_out_of_range", lambda L, a: a.log_softmax(-3)),
    ("softmax_module_dim_out_of_range", lambda L, a: L.nn.Softmax(dim=5)(a)),
    ("transpose_dim_out_of_range", lambda L, a: a.transpose(0, 5)),
    ("squeeze_dim_out_of_range", lambda L, a: a.squeeze(5)),
    ("unsqueeze_dim_out_of_range", lambda L, a: a.unsqueeze(5)),
    ("unsqueeze_negative_dim_out_of_range", lambda L, a: L.unsqueeze(a, -4)),
    ("select_dim_out_of_range", lambda L, a: a.select(5, 0)),
    ("narrow_dim_out_of_range", lambda L, a: a.narrow(5, 0, 1)),
    ("max_dim_out_of_range", lambda L, a: a.max(dim=5)),
    ("argmax_dim_out_of_range", lambda L, a: L.argmax(a, dim=5)),
    ("cumsum_dim_out_of_range", lambda L, a: a.cumsum(5)),
    ("logsumexp_dim_out_of_range", lambda L, a: L.logsumexp(a, 5)),
    ("var_dim_out_of_range", lambda L, a: a.var(5)),
    ("unbind_dim_out_of_range", lambda L, a: a.unbind(5)),
    ("split_dim_out_of_range", lambda L, a: a.split(1, dim=5)),
    ("flatten_dim_out_of_range", lambda L, a: a.flatten(0, 5)),
    ("size_dim_out_of_range", lambda L, a: a.size(5)),
    ("select_index_out_of_range", lambda L, a: a.select(0, 10)),
    ("select_negative_index_out_of_range", lambda L, a: L.select(a, 1, -4)),
    ("getitem_index_out_of_range", lambda L, a: a[10]),
    ("getitem_negative_index_out_of_range", lambda L, a: a[-3]),
    ("getitem_second_dim_out_of_range", lambda L, a: a[:, 10]),
    ("getitem_tensor_index_out_of_range", lambda L, a: a[LongT(L, [0, 5])]),
    ("getitem_too_many_indices", lambda L, a: a[0, 0, 0]),
    ("narrow_past_end", lambda L, a: a.narrow(1, 2, 3)),
    ("narrow_negative_length", lambda L, a: L.narrow(a, 1, 0, -1)),
    ("permute_wrong_count", lambda L, a: a.permute(0, 1, 2)),
    ("permute_duplicate", lambda L, a: a.permute(1, 1)),
    ("flatten_start_after_end", lambda L, a: a.flatten(1, 0)),
    ("chunk_zero", lambda L, a: a.chunk(0)),
    ("t_3d", lambda L, a: a.reshape(1, 2, 3).t()),
]:
    _dim5(_name, _fn)


@case
def setitem_index_out_of_range(L):
    a = T(L, 2, 3)
    return (lambda: operator.setitem(a, 10, 1.0)), [a]


@case(torch_writes=True)
def setitem_tensor_index_out_of_range(L):
    a, i = T(L, 3), LongT(L, [0, 1, 7])
    return (lambda: operator.setitem(a, i, 1.0)), [a, i]


@case(torch_writes=True)
def index_put_out_of_range(L):
    a, i, v = T(L, 3), LongT(L, [0, 4]), T(L, 2)
    return (lambda: a.index_put_((i,), v)), [a, i, v]


# ======================================================= autograd
@case
def backward_non_scalar(L):
    x = T(L, 2, 3, rg=True)
    y = x * 2
    return (lambda: y.backward()), [x, y, backward_then(y, x)]


@case
def autograd_grad_non_scalar(L):
    x = T(L, 2, 3, rg=True)
    y = x.exp()
    return (lambda: L.autograd.grad(y, x)), [x, y, backward_then(y, x)]


@case
def backward_twice(L):
    x = T(L, 3, rg=True)
    y = (x.exp() * x).sum()
    y.backward()
    return (lambda: y.backward()), [x]


@case
def autograd_grad_twice(L):
    x = T(L, 3, rg=True)
    y = (x.sigmoid() * x).sum()
    L.autograd.grad(y, x)
    return (lambda: L.autograd.grad(y, x)), [x]


@case
def autograd_grad_unused_input(L):  # the graph is run (and freed) before the check, as in torch
    x, z = T(L, 3, rg=True), T(L, 3, rg=True, seed=1)
    y = (x * x).sum()
    return (lambda: L.autograd.grad(y, [x, z])), [x, z]


@case
def autograd_grad_unused_input_retained(L):
    x, z = T(L, 3, rg=True), T(L, 3, rg=True, seed=1)
    y = (x * x.exp()).sum()
    return (lambda: L.autograd.grad(y, [x, z], retain_graph=True)), [x, z, backward_then(y, x)]


@case
def autograd_grad_input_not_requiring_grad(L):
    x, z = T(L, 3, rg=True), T(L, 3, seed=1)
    y = (x * z).sum()
    return (lambda: L.autograd.grad(y, [z])), [x, z, backward_then(y, x)]


@case
def backward_gradient_shape(L):
    x = T(L, 2, 3, rg=True)
    y = x.tanh()
    g = T(L, 3)
    return (lambda: y.backward(g)), [x, y, g, backward_then(y, x)]


@case
def backward_scalar_gradient_shape(L):
    x = T(L, 3, rg=True)
    y = (x * x).sum()
    g = T(L, 2)
    return (lambda: y.backward(g)), [x, y, g, backward_then(y, x)]


@case
def autograd_grad_outputs_shape(L):
    x = T(L, 2, 3, rg=True)
    y = x * x
    g = T(L, 2, 2)
    return (lambda: L.autograd.grad(y, x, grad_outputs=g)), [x, y, g, backward_then(y, x)]


@case
def backward_no_grad_fn(L):
    x = T(L, 3)
    return (lambda: x.sum().backward()), [x]


@case
def backward_inputs_empty(L):
    x = T(L, 3, rg=True)
    y = (x * 3).sum()
    return (lambda: y.backward(inputs=[])), [x, backward_then(y, x)]


@case
def requires_grad_off_non_leaf(L):
    x = T(L, 3, rg=True)
    y = x * 2
    return (lambda: y.requires_grad_(False)), [x, y, backward_then(y, x)]


@case
def requires_grad_attribute_off_non_leaf(L):
    x = T(L, 3, rg=True)
    y = x.exp()
    return (lambda: setattr(y, "requires_grad", False)), [x, y, backward_then(y, x)]


@case
def numpy_requires_grad(L):
    x = T(L, 3, rg=True)
    return (lambda: x.numpy()), [x]


@case
def item_many_elements(L):
    x = T(L, 2, 3)
    return (lambda: x.item()), [x]


@case
def bool_many_elements(L):
    x = T(L, 2, 3)
    return (lambda: bool(x)), [x]


@case
def float_many_elements(L):
    x = T(L, 2, 3)
    return (lambda: float(x)), [x]


@case
def detach_inplace_view(L):
    x = T(L, 2, 3, rg=True)
    y = x * 2
    v = y[0]
    return (lambda: v.detach_()), [x, y, v, backward_then(v, x)]


# ======================================================= in-place autograd rules
def _leaf_inplace(name, fn):
    def f(L):
        x = T(L, 2, 3, rg=True)
        y = x * 3
        return (lambda: fn(L, x)), [x, y, backward_then(y, x)]
    f.__name__ = name
    case(f)


for _name, _fn in [
    ("leaf_add_inplace", lambda L, x: x.add_(1)),
    ("leaf_mul_inplace", lambda L, x: x.mul_(2)),
    ("leaf_zero_inplace", lambda L, x: x.zero_()),
    ("leaf_fill_inplace", lambda L, x: x.fill_(1.0)),
    ("leaf_iadd", lambda L, x: operator.iadd(x, 1)),
    ("leaf_setitem", lambda L, x: operator.setitem(x, 0, 1.0)),
    ("leaf_masked_fill_inplace", lambda L, x: x.masked_fill_(x > 0, 0.0)),
    ("leaf_relu_inplace", lambda L, x: F(L).relu(x, inplace=True)),
    ("leaf_copy_inplace", lambda L, x: x.copy_(x * 2)),
    ("leaf_view_add_inplace", lambda L, x: x[0].add_(1)),
    ("leaf_view_of_view_inplace", lambda L, x: x[0][1:].mul_(2)),
    ("leaf_transpose_view_inplace", lambda L, x: x.t().clamp_(min=0)),
    ("leaf_reshape_view_setitem", lambda L, x: operator.setitem(x.view(-1), 1, 0.0)),
]:
    _leaf_inplace(_name, _fn)


@case
def saved_output_modified(L):
    x = T(L, 3, rg=True)
    y = x.exp()
    y.mul_(2)
    return (lambda: y.sum().backward()), [x, y]


@case
def saved_input_modified(L):
    x = T(L, 3, rg=True)
    a = x * 2
    b = a * a
    a.add_(1)
    return (lambda: b.sum().backward()), [x, a, b]


@case
def saved_leaf_modified(L):
    x, w = T(L, 3, rg=True), T(L, 3, seed=1)
    y = x * w
    w.add_(1)
    return (lambda: y.sum().backward()), [x, w, y]


@case
def saved_output_modified_through_detach(L):
    x = T(L, 3, rg=True)
    y = x.sigmoid()
    y.detach().zero_()
    return (lambda: y.sum().backward()), [x, y]


@case
def saved_tensor_modified_through_view(L):
    x = T(L, 2, 3, rg=True)
    a = x * 1
    b = a.tanh()
    b[0].mul_(2)
    return (lambda: b.sum().backward()), [x, a, b]


@case
def saved_modified_autograd_grad(L):
    x = T(L, 3, rg=True)
    a = x + 1
    y = (a * a).sum()
    a.sub_(1)
    return (lambda: L.autograd.grad(y, x)), [x, a, y]


@case
def no_grad_view_of_leaf_modified(L):
    x = T(L, 2, 3, rg=True)
    with L.no_grad():
        v = x[0]
    return (lambda: v.mul_(2)), [x, v, backward_then(x * 2, x)]


@case
def no_grad_view_of_non_leaf_modified(L):
    x = T(L, 2, 3, rg=True)
    y = x * 2
    with L.no_grad():
        v = y[:, 1:]
    return (lambda: v.add_(1)), [x, y, v, backward_then(y, x)]


@case
def no_grad_view_of_view_modified(L):
    x = T(L, 2, 3, rg=True)
    y = x + 0
    with L.no_grad():
        v = y.view(6)[2:]
    return (lambda: v.zero_()), [x, y, v, backward_then(y, x)]


@case
def unbind_output_modified(L):
    x = T(L, 2, 3, rg=True)
    y = x * 1
    a, b = y.unbind()
    return (lambda: a.mul_(2)), [x, y, a, b, backward_then(y, x)]


@case
def split_output_modified(L):
    x = T(L, 4, 3, rg=True)
    y = x * 1
    a, b = y.split(2)
    return (lambda: b.add_(1)), [x, y, a, b, backward_then(y, x)]


@case
def chunk_output_modified(L):
    x = T(L, 4, 3, rg=True)
    y = x.exp()
    a, b = y.chunk(2, dim=0)
    return (lambda: a.zero_()), [x, y, a, b, backward_then(y, x)]


# ======================================================= wrong argument types and counts
@case
def tensor_of_strings(L):
    return (lambda: L.tensor(["a"])), []


@case
def tensor_of_object(L):
    return (lambda: L.tensor(object())), []


@case
def tensor_ragged(L):
    return (lambda: L.tensor([[1, 2], [3]])), []


@case
def tensor_dtype_string(L):
    return (lambda: L.tensor([1.0], dtype="float32")), []


@case
def view_string(L):
    a = T(L, 2, 3)
    return (lambda: a.view("a")), [a]


@case
def reshape_string(L):
    a = T(L, 2, 3)
    return (lambda: a.reshape(2, "a")), [a]


@case
def sum_dim_string(L):
    a = T(L, 2, 3)
    return (lambda: a.sum(dim="a")), [a]


@case
def add_string(L):
    a = T(L, 2)
    return (lambda: L.add(a, "a")), [a]


@case
def add_operator_string(L):
    a = T(L, 2)
    return (lambda: a + "a"), [a]


@case
def mul_method_none(L):
    a = T(L, 2)
    return (lambda: a.mul(None)), [a]


@case
def add_inplace_string(L):
    a = T(L, 2)
    return (lambda: a.add_("a")), [a]


@case
def transpose_too_many_args(L):
    a = T(L, 2, 3)
    return (lambda: a.transpose(0, 1, 2)), [a]


@case
def relu_too_many_args(L):
    a = T(L, 2, 3)
    return (lambda: F(L).relu(a, False, 3)), [a]


@case
def transpose_dim_string(L):
    a = T(L, 2, 3)
    return (lambda: L.transpose(a, 0, "a")), [a]


@case
def select_missing_argument(L):
    a = T(L, 2, 3)
    return (lambda: a.select(0)), [a]


@case
def unsqueeze_unexpected_keyword(L):
    a = T(L, 2, 3)
    return (lambda: L.unsqueeze(a, 0, foo=1)), [a]


@case
def flatten_too_many_args(L):
    a = T(L, 2, 3)
    return (lambda: a.flatten(0, 1, 2)), [a]


@case
def maximum_number(L):
    a = T(L, 2, 3)
    return (lambda: L.maximum(a, 2)), [a]


@case
def minimum_method_string(L):
    a = T(L, 2, 3)
    return (lambda: a.minimum("a")), [a]


@case
def matmul_number(L):
    a = T(L, 2, 3)
    return (lambda: a.matmul(2)), [a]


@case
def gather_index_list(L):
    a = T(L, 2, 3)
    return (lambda: a.gather(0, [[0]])), [a]


@case
def index_select_too_many_args(L):
    a, i = T(L, 2, 3), LongT(L, [0])
    return (lambda: a.index_select(0, i, 5)), [a, i]


@case
def sum_keepdim_string(L):
    a = T(L, 2, 3)
    return (lambda: a.sum(0, "a")), [a]


@case
def mean_dim_string_function(L):
    a = T(L, 2, 3)
    return (lambda: L.mean(a, dim="a")), [a]


@case
def max_dim_string(L):
    a = T(L, 2, 3)
    return (lambda: a.max("a")), [a]


@case
def std_unexpected_keyword(L):
    a = T(L, 2, 3)
    return (lambda: a.std(foo=1)), [a]


@case
def view_tensor_size(L):
    a, s = T(L, 2, 3), LongT(L, [3, 2])
    return (lambda: a.view(s)), [a, s]


@case
def view_float_size(L):
    a = T(L, 2, 3)
    return (lambda: a.view(2.0, 3)), [a]


@case
def reshape_size_string(L):
    a = T(L, 2, 3)
    return (lambda: a.reshape("a")), [a]


@case
def reshape_float_varargs(L):
    a = T(L, 2, 3)
    return (lambda: a.reshape(2.5, 3)), [a]


@case
def reshape_function_list_string(L):
    a = T(L, 2, 3)
    return (lambda: L.reshape(a, ["a", 6])), [a]


@case
def permute_string_element(L):
    a = T(L, 2, 3)
    return (lambda: a.permute(0, "a")), [a]


@case
def expand_float(L):
    a = T(L, 3)
    return (lambda: a.expand(2.5)), [a]


@case
def size_dim_string(L):
    a = T(L, 2, 3)
    return (lambda: a.size("a")), [a]


@case
def cat_tensor_not_list(L):
    a = T(L, 2, 3)
    return (lambda: L.cat(a)), [a]


@case
def stack_non_tensor_first(L):
    a = T(L, 2)
    return (lambda: L.stack([1, a])), [a]


@case
def requires_grad_method_string(L):
    a = T(L, 3)
    return (lambda: a.requires_grad_("a")), [a]


@case
def mul_function_string(L):
    a = T(L, 2)
    return (lambda: L.mul(a, "a")), [a]


@case
def mse_loss_unexpected_keyword(L):
    a, b = T(L, 2), T(L, 2, seed=1)
    return (lambda: F(L).mse_loss(a, b, foo=1)), [a, b]


@case
def ones_unexpected_keyword(L):
    return (lambda: L.ones(2, foo=1)), []


@case
def linear_module_unexpected_keyword(L):
    return (lambda: L.nn.Linear(2, 3, foo=1)), []


@case
def linear_module_too_many_args(L):
    return (lambda: L.nn.Linear(2, 3, True, None, None, 5)), []


@case
def sgd_unexpected_keyword(L):
    p = T(L, 3, rg=True)
    return (lambda: L.optim.SGD([p], lr=0.1, foo=1)), [p]


@case
def zeros_float_size(L):
    return (lambda: L.zeros(2.5)), []


@case
def getitem_float(L):
    a = T(L, 3)
    return (lambda: a[1.5]), [a]


@case
def getitem_string(L):
    a = T(L, 3)
    return (lambda: a["a"]), [a]


@case
def grad_assign_int(L):
    a = T(L, 3, rg=True)
    return (lambda: setattr(a, "grad", 3)), [a]


@case
def grad_assign_shape(L):
    a, g = T(L, 3, rg=True), T(L, 4)
    return (lambda: setattr(a, "grad", g)), [a, g]


@case
def grad_assign_shape_existing(L):
    a = T(L, 2, 3, rg=True)
    (a * 2).sum().backward()
    g = T(L, 3, 2)
    return (lambda: setattr(a, "grad", g)), [a, g]


@case
def requires_grad_assign_string(L):
    a = T(L, 3)
    return (lambda: setattr(a, "requires_grad", "a")), [a]


@case
def reshape_wrong_numel(L):
    a = T(L, 2, 3)
    return (lambda: a.reshape(5)), [a]


@case
def view_wrong_numel(L):
    a = T(L, 2, 3)
    return (lambda: a.view(4, 2)), [a]


@case
def view_non_contiguous(L):
    a = T(L, 2, 3)
    return (lambda: a.t().view(6)), [a]


@case
def view_two_inferred(L):
    a = T(L, 2, 3)
    return (lambda: a.view(-1, -1)), [a]


@case
def view_invalid_dimension(L):
    a = T(L, 2, 3)
    return (lambda: a.view(-2, 3)), [a]


@case
def expand_mismatch(L):
    a = T(L, 4)
    return (lambda: a.expand(2, 3)), [a]


@case
def expand_fewer_dims(L):
    a = T(L, 2, 3)
    return (lambda: a.expand(3)), [a]


@case
def broadcast_to_mismatch(L):
    a = T(L, 2, 3)
    return (lambda: L.broadcast_to(a, (2, 4))), [a]


@case
def unflatten_bad_sizes(L):
    a = T(L, 2, 6)
    return (lambda: a.unflatten(1, (4, 2))), [a]


# ======================================================= optimizers
def _param(L):
    return T(L, 3, rg=True)


def _opt_case(name, make):
    def f(L):
        p = _param(L)
        return (lambda: make(L, p)), [p]
    f.__name__ = name
    case(f)


for _name, _make in [
    ("sgd_negative_lr", lambda L, p: L.optim.SGD([p], lr=-1)),
    ("sgd_negative_momentum", lambda L, p: L.optim.SGD([p], lr=0.1, momentum=-1)),
    ("sgd_negative_weight_decay", lambda L, p: L.optim.SGD([p], lr=0.1, weight_decay=-1)),
    ("sgd_nesterov_zero_momentum", lambda L, p: L.optim.SGD([p], lr=0.1, nesterov=True)),
    ("sgd_nesterov_dampening", lambda L, p: L.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)),
    ("adam_negative_lr", lambda L, p: L.optim.Adam([p], lr=-1e-3)),
    ("adam_beta1_one", lambda L, p: L.optim.Adam([p], betas=(1.0, 0.999))),
    ("adam_beta2_negative", lambda L, p: L.optim.Adam([p], betas=(0.9, -0.1))),
    ("adam_negative_eps", lambda L, p: L.optim.Adam([p], eps=-1e-8)),
    ("adam_negative_weight_decay", lambda L, p: L.optim.Adam([p], weight_decay=-1)),
    ("adamw_negative_lr", lambda L, p: L.optim.AdamW([p], lr=-1)),
    ("adamw_beta1_negative", lambda L, p: L.optim.AdamW([p], betas=(-0.5, 0.9))),
    ("adamw_negative_eps", lambda L, p: L.optim.AdamW([p], eps=-1.0)),
    ("adamw_negative_weight_decay", lambda L, p: L.optim.AdamW([p], weight_decay=-0.01)),
    ("sgd_param_is_tensor", lambda L, p: L.optim.SGD(p, lr=0.1)),
    ("sgd_param_not_tensor", lambda L, p: L.optim.SGD([p, 3], lr=0.1)),
    ("sgd_param_set", lambda L, p: L.optim.SGD([{"params": {p}}], lr=0.1)),
    ("sgd_non_leaf_param", lambda L, p: L.optim.SGD([p * 2], lr=0.1)),
    ("adam_non_leaf_param", lambda L, p: L.optim.Adam([p.exp()])),
    ("sgd_same_param_two_groups", lambda L, p: L.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)),
    ("adam_same_param_two_groups", lambda L, p: L.optim.Adam([{"params": [p]}, {"params": [p], "lr": 0.1}])),
]:
    _opt_case(_name, _make)


@case
def sgd_same_param_twice(L):  # torch only warns: the warning is the error
    p = _param(L)
    return as_error(lambda: L.optim.SGD([p, p], lr=0.1)), [p]


@case
def sgd_empty_param_list(L):
    return (lambda: L.optim.SGD([], lr=0.1)), []


@case
def adam_empty_param_list(L):
    return (lambda: L.optim.Adam(iter([]))), []


def _trained_adam(L):
    p, q = T(L, 3, rg=True), T(L, 2, rg=True, seed=1)
    opt = L.optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    return p, q, opt


@case
def add_param_group_duplicate(L):
    p, q, opt = _trained_adam(L)
    return (lambda: opt.add_param_group({"params": [q, p]})), [p, q, opt]


@case
def add_param_group_not_dict(L):
    p, q, opt = _trained_adam(L)
    return (lambda: opt.add_param_group([q])), [p, q, opt]


@case
def optimizer_load_state_dict_group_count(L):
    p, q, opt = _trained_adam(L)
    sd = L.optim.Adam([{"params": [q]}, {"params": [T(L, 1, rg=True)]}]).state_dict()
    return (lambda: opt.load_state_dict(sd)), [p, q, opt]


@case
def optimizer_load_state_dict_group_size(L):
    p, q, opt = _trained_adam(L)
    sd = L.optim.Adam([q, T(L, 1, rg=True)]).state_dict()
    return (lambda: opt.load_state_dict(sd)), [p, q, opt]


# ======================================================= modules
@case
def linear_negative_in_features(L):
    return (lambda: L.nn.Linear(-1, 2)), []


@case
def linear_negative_out_features(L):
    return (lambda: L.nn.Linear(2, -3)), []


@case
def dropout_p_above_one(L):
    return (lambda: L.nn.Dropout(p=1.5)), []


@case
def dropout_p_negative(L):
    return (lambda: L.nn.Dropout(p=-0.1)), []


@case
def dropout_functional_p(L):
    a = T(L, 2, 3)
    return (lambda: F(L).dropout(a, p=2.0)), [a]


def _linear(L):
    L.manual_seed(0)
    return L.nn.Linear(2, 3)


@case
def load_state_dict_missing_keys(L):
    m = _linear(L)
    return (lambda: m.load_state_dict({})), [m]


@case
def load_state_dict_unexpected_keys(L):
    m = _linear(L)
    sd = {"weight_typo": T(L, 3, 2), "bias_typo": T(L, 3)}
    return (lambda: m.load_state_dict(sd)), [m]


@case
def load_state_dict_wrong_shape(L):
    L.manual_seed(0)
    m = L.nn.Linear(2, 3, bias=False)
    return (lambda: m.load_state_dict({"weight": T(L, 3, 3)})), [m]


@case
def load_state_dict_wrong_shape_not_strict(L):
    L.manual_seed(0)
    m = L.nn.Sequential(L.nn.Linear(2, 3, bias=False))
    return (lambda: m.load_state_dict({"0.weight": T(L, 2, 3)}, strict=False)), [m]


@case
def load_state_dict_nested_missing(L):
    L.manual_seed(0)
    m = L.nn.Sequential(L.nn.Linear(2, 3), L.nn.ReLU(), L.nn.Linear(3, 1))
    return (lambda: m.load_state_dict({"0.weightx": T(L, 3, 2)})), [m]


@case
def load_state_dict_not_mapping(L):
    m = _linear(L)
    return (lambda: m.load_state_dict([1, 2])), [m]


@case
def load_state_dict_non_tensor_value(L):
    L.manual_seed(0)
    m = L.nn.Linear(2, 3, bias=False)
    return (lambda: m.load_state_dict({"weight": 3})), [m]


@case
def register_buffer_dot_name(L):
    m = _linear(L)
    return (lambda: m.register_buffer("a.b", T(L, 2))), [m]


@case
def register_buffer_empty_name(L):
    m = _linear(L)
    return (lambda: m.register_buffer("", T(L, 2))), [m]


@case
def register_buffer_name_not_string(L):
    m = _linear(L)
    return (lambda: m.register_buffer(1, T(L, 2))), [m]


@case
def register_buffer_existing_attribute(L):
    m = _linear(L)
    return (lambda: m.register_buffer("weight", T(L, 2))), [m]


@case
def register_buffer_not_tensor(L):
    m = _linear(L)
    return (lambda: m.register_buffer("b", 3)), [m]


@case
def register_parameter_not_parameter(L):
    m = _linear(L)
    p = T(L, 2)
    return (lambda: m.register_parameter("p", p)), [m, p]


@case
def register_parameter_dot_name(L):
    m = _linear(L)
    p = L.nn.Parameter(T(L, 2))
    return (lambda: m.register_parameter("a.b", p)), [m, p]


@case
def assign_tensor_to_parameter(L):
    m = _linear(L)
    w = T(L, 3, 2)
    return (lambda: setattr(m, "weight", w)), [m, w]


@case
def module_missing_attribute(L):
    m = _linear(L)
    return (lambda: m.foo), [m]


@case
def add_module_not_module(L):
    m = _linear(L)
    return (lambda: m.add_module("sub", 3)), [m]


@case
def sequential_index_out_of_range(L):
    m = L.nn.Sequential(L.nn.ReLU(), L.nn.Tanh())
    return (lambda: m[5]), [m]


@case
def cross_entropy_loss_module_bad_reduction_call(L):
    x, t = T(L, 2, 3, rg=True), LongT(L, [0, 2])
    return (lambda: L.nn.CrossEntropyLoss(reduction="sum_all")(x, t)), [x, t]


# ======================================================= negative and overflowing sizes
for _name, _make in [
    ("zeros_negative", lambda L: L.zeros(-1)),
    ("zeros_negative_second", lambda L: L.zeros(2, -1)),
    ("empty_negative", lambda L: L.empty(2, -3)),
    ("ones_negative", lambda L: L.ones(-1)),
    ("full_negative", lambda L: L.full((-1,), 1.0)),
    ("randn_negative", lambda L: L.randn(-2)),
    ("rand_negative", lambda L: L.rand(3, -1)),
    ("randint_negative", lambda L: L.randint(0, 10, (-1,))),
    ("randperm_negative", lambda L: L.randperm(-1)),
    ("eye_negative", lambda L: L.eye(-1)),
    ("arange_wrong_sign_step", lambda L: L.arange(0, 10, -1)),
    ("arange_wrong_sign_step_down", lambda L: L.arange(10, 0, 1)),
    ("arange_zero_step", lambda L: L.arange(0, 10, 0)),
    ("linspace_negative_steps", lambda L: L.linspace(0, 1, -1)),
    ("zeros_overflow", lambda L: L.zeros(2 ** 62, 2 ** 62)),
    ("ones_overflow", lambda L: L.ones(2 ** 63 - 1, 2)),
    ("randn_overflow", lambda L: L.randn(2 ** 31, 2 ** 31, 2 ** 31)),
    ("empty_overflow", lambda L: L.empty(2 ** 40, 2 ** 40)),
    ("full_overflow", lambda L: L.full((2 ** 33, 2 ** 33, 2 ** 33), 1.0)),
]:
    def _f(L, _make=_make):
        return (lambda: _make(L)), []
    _f.__name__ = _name
    case(_f)


@case
def new_zeros_negative(L):
    a = T(L, 2)
    return (lambda: a.new_zeros(-1)), [a]


@case
def zeros_like_unexpected_size(L):
    a = T(L, 2)
    return (lambda: L.zeros_like(a, 3)), [a]


@case(exact=False)  # torch's message names its allocator's source line
def empty_too_large(L):
    return (lambda: L.empty(2 ** 40, 2 ** 10)), []


@case
def view_negative_sizes(L):
    a = T(L, 6)
    return (lambda: a.view(-1, -1)), [a]


@case
def reshape_overflow(L):
    a = T(L, 6)
    return (lambda: a.reshape(2 ** 62, 2 ** 62)), [a]


# ======================================================= checkpoints
def _checkpoint(L, name):
    """A saved model checkpoint (torch's format for torch, ours for pyautograd) and a
    model to load it into."""
    L.manual_seed(0)
    m = L.nn.Linear(4, 3)
    path = os.path.join(_TMP, f"{name}_{L.__name__}.pt")
    src = L.nn.Linear(4, 3)
    L.save({"model": src.state_dict(), "step": 3}, path)
    return m, path


def _load_into(L, m, path):
    def call():
        m.load_state_dict(L.load(path)["model"])
    return call


def _damaged(name, damage, checkpoint=True):
    def f(L):
        m, path = _checkpoint(L, name)
        with open(path, "rb") as fh:
            data = fh.read()
        with open(path, "wb") as fh:
            fh.write(damage(data))
        return _load_into(L, m, path), [m, File(path)]
    f.__name__ = name
    case(f, exact=False, checkpoint=checkpoint)


# torch (a zip archive) raises RuntimeError or EOFError for these as we do.
for _name, _damage in [
    ("load_empty_file", lambda d: b""),
    ("load_truncated_to_header_part", lambda d: d[:10]),
    ("load_truncated_to_40_bytes", lambda d: d[:40]),
    ("load_truncated_to_third", lambda d: d[:len(d) // 3]),
    ("load_truncated_to_half", lambda d: d[:len(d) // 2]),
    ("load_truncated_last_bytes", lambda d: d[:len(d) - 30]),
    ("load_truncated_one_byte", lambda d: d[:-1]),
]:
    _damaged(_name, _damage, checkpoint=False)


def _flip(frac_or_index):
    def damage(d):
        b = bytearray(d)
        i = frac_or_index if isinstance(frac_or_index, int) else int(len(d) * frac_or_index)
        b[i] ^= 0x5A
        return bytes(b)
    return damage


# torch loads most of these silently (its zip records carry no checksum it checks)
# or fails with assorted types; we must raise a clear error.
for _name, _damage in [
    ("load_flipped_magic", _flip(0)),
    ("load_flipped_header", _flip(12)),
    ("load_flipped_table", _flip(44)),
    ("load_flipped_structure", _flip(0.2)),
    ("load_flipped_data", _flip(0.6)),
    ("load_flipped_trailer", _flip(-3)),
    ("load_text_file", lambda d: b"hello world\n"),
    ("load_png_like", lambda d: b"\x89PNG\r\n\x1a\n" + bytes(100)),
    ("load_appended_garbage_missing_end", lambda d: d[:-8] + b"GARBAGE!"),
]:
    _damaged(_name, _damage)


@case(exact=False, checkpoint=True)
def load_torch_file_with_pag(L):
    m, path = _checkpoint(torch, "torch_file")
    m2 = _linear(L)
    return _load_into(L, m2, path), [m2, File(path)]


@case
def load_missing_file(L):
    m = _linear(L)
    return _load_into(L, m, os.path.join(_TMP, "no_such_dir", "x.pt")), [m]


@case(exact=False)  # the message names the (per-library) directory
def load_directory(L):
    m = _linear(L)
    d = os.path.join(_TMP, f"dir_{L.__name__}")
    os.makedirs(d, exist_ok=True)
    return _load_into(L, m, d), [m]


@case
def save_missing_directory(L):
    return (lambda: L.save({}, os.path.join(_TMP, "no_such_dir", "x.pt"))), []


@case
def save_unpicklable_keeps_file(L):
    m, path = _checkpoint(L, "save_unpicklable")
    things = [m]
    if L is pag:  # torch opens (and truncates) the target first; ours replaces it atomically
        things.append(File(path))
    return (lambda: L.save({"model": m.state_dict(), "f": lambda: 0}, path)), things


class _Custom:
    pass


@case
def load_weights_only_unsafe_global(L):
    path = os.path.join(_TMP, f"unsafe_{L.__name__}.pt")
    L.save({"obj": _Custom()}, path)
    m = _linear(L)
    return _load_into(L, m, path), [m, File(path)]


# ======================================================= the test
def snapshot(x):
    if isinstance(x, (torch.Tensor, pag.Tensor)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = x.grad if x.is_leaf or x.retains_grad else None
        return ("tensor", x.detach().numpy().tobytes(), tuple(x.shape), tuple(x.stride()), str(x.dtype),
                x.requires_grad, None if g is None else snapshot(g), x._version)
    if isinstance(x, (torch.nn.Module, pag.nn.Module)):
        return ("module", x.training, {k: snapshot(v) for k, v in x.state_dict(keep_vars=True).items()})
    if isinstance(x, (torch.optim.Optimizer, pag.optim.Optimizer)):
        groups = [{k: ([id(p) for p in v] if k == "params" else snapshot(v)) for k, v in g.items()}
                  for g in x.param_groups]
        params = [snapshot(p) for g in x.param_groups for p in g["params"]]
        return ("optimizer", snapshot(x.state_dict()), groups, params)
    if isinstance(x, File):
        with open(x.path, "rb") as fh:
            return ("file", fh.read())
    if isinstance(x, dict):
        return {k: snapshot(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(snapshot(v) for v in x)
    return x


def _build(name, L):
    call, things = CASES[name](L)
    afters = [t for t in things if isinstance(t, After)]
    things = [t for t in things if not isinstance(t, After)]
    return call, things, afters


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name):
    t_call, t_things, t_after = _build(name, torch)
    p_call, p_things, p_after = _build(name, pag)
    t_before, p_before = snapshot(t_things), snapshot(p_things)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name in CHECKPOINT:
            with pytest.raises((RuntimeError, ValueError, EOFError)) as pe:
                p_call()
            assert str(pe.value), "the error must say what is wrong"
        else:
            helper_test_exception(t_call, p_call, exact=EXACT[name])
    if name not in TORCH_WRITES and name not in CHECKPOINT:
        assert snapshot(t_things) == t_before, "torch itself changed something (the case is built wrong)"
    p_after_snap = snapshot(p_things)
    for i, (b, a) in enumerate(zip(p_before, p_after_snap)):
        assert a == b, f"the failed call changed thing {i} ({type(p_things[i]).__name__})"
    assert len(t_after) == len(p_after)
    for ta, pa in zip(t_after, p_after):
        for i, (tg, pg) in enumerate(zip(ta.fn(), pa.fn(), strict=True)):
            assert (tg is None) == (pg is None), f"gradient {i}: torch {tg}, pyautograd {pg}"
            if tg is not None:
                assert_close(pg, tg, msg=f"gradient {i} after the failed call:")


def test_catalogue_size():
    assert len(CASES) >= 170
