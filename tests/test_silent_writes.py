"""Issue 10's silent results: writes through overlapping memory, warnings that filters turn
into errors, and loss edge cases, each against torch."""
import warnings

import pytest
import torch

import pyautograd as pag
from test_op_table import same_as_torch

F_ = {torch: torch.nn.functional, pag: pag.nn.functional}

# Each writes into a view of `a` (torch raises for most, Note [Memory overlap]); `a` is returned.
WRITES = {
    "add_": lambda L, a: a.expand(2, 3).add_(1),
    "mul_": lambda L, a: a.expand(2, 3).mul_(L.ones(2, 3)),
    "div_floor": lambda L, a: a.expand(2, 3).div_(2, rounding_mode="floor"),
    "pow_": lambda L, a: a.expand(2, 3).pow_(2),
    "neg_": lambda L, a: a.expand(2, 3).neg_(),
    "copy_": lambda L, a: a.expand(2, 3).copy_(L.ones(2, 3)),
    "clamp_": lambda L, a: a.expand(2, 3).clamp_(0, 1),
    "clamp_tensor": lambda L, a: a.expand(2, 3).clamp_(L.tensor(0.0), L.tensor(1.0)),
    "relu_": lambda L, a: a.expand(2, 3).relu_(),
    "leaky_relu_": lambda L, a: F_[L].leaky_relu_(a.expand(2, 3)),
    "elu_": lambda L, a: F_[L].elu_(a.expand(2, 3)),
    "index_add_": lambda L, a: a.expand(2, 3).index_add_(0, L.tensor([0]), L.ones(1, 3)),
    "scatter_": lambda L, a: a.expand(2, 3).scatter_(0, L.tensor([[0, 0, 0]]), L.ones(1, 3)),
    "scatter_value": lambda L, a: a.expand(2, 3).scatter_(0, L.tensor([[0]]), 1.0),
    "scatter_add_": lambda L, a: a.expand(2, 3).scatter_add_(0, L.tensor([[0]]), L.ones(1, 1)),
    "fill_tensor": lambda L, a: a.expand(2, 3).fill_(L.tensor(7.0)),
    "uniform_": lambda L, a: a.expand(2, 3).uniform_(),
    "setitem_column": lambda L, a: a.expand(2, 3).__setitem__((slice(None), 0), L.ones(2)),
    # allowed by torch
    "fill_number": lambda L, a: a.expand(2, 3).fill_(7),
    "zero_": lambda L, a: a.expand(2, 3).zero_(),
    "setitem_row": lambda L, a: a.expand(2, 3).__setitem__(0, L.ones(3)),
    # partial overlap of the written-to tensor and an input
    "copy_partial": lambda L, a: a[1:].copy_(a[:-1]),
    "copy_transposed": lambda L, a: a.view(1, 3).expand(3, 3).contiguous().copy_(a.view(1, 3)),
    "add_partial": lambda L, a: a[1:].add_(a[:-1]),
    "mul_partial": lambda L, a: a[:-1].mul_(a[1:]),
    "scatter_src_is_self": lambda L, a: a.scatter_(0, L.tensor([0, 1, 2]), a),
    "index_add_source_is_self": lambda L, a: a.index_add_(0, L.tensor([0, 1, 2]), a),
    "copy_self": lambda L, a: a.copy_(a),
    "add_self": lambda L, a: a.add_(a),
}


@pytest.mark.parametrize("name", WRITES)
def test_overlapping_writes_as_torch(name):
    def run(L):
        a = L.tensor([1.0, -2.0, 3.0])
        WRITES[name](L, a)
        return a
    same_as_torch(run)


@pytest.mark.parametrize("name", ["add_", "copy_partial", "index_add_", "scatter_", "add_partial"])
def test_a_refused_write_changes_nothing(name):
    a = pag.tensor([1.0, -2.0, 3.0])
    v = a._version
    with pytest.raises(RuntimeError, match="unsupported operation"):
        WRITES[name](pag, a)
    assert a.tolist() == [1.0, -2.0, 3.0] and a._version == v


def test_copy_of_a_transpose_of_itself_is_refused_as_torch():
    same_as_torch(lambda L: L.arange(9.0).view(3, 3).copy_(L.arange(9.0).view(3, 3).t()))

    def run(L):
        x = L.arange(9.0).view(3, 3)
        return x.copy_(x.t())
    same_as_torch(run)


def test_autograd_view_check_comes_before_the_overlap_check():
    def run(L):
        y = L.ones(4, requires_grad=True) * 1
        return y.split([1, 3])[1].copy_(y.detach().narrow(0, 0, 3))
    same_as_torch(run)


def _warnings_of(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    # torch appends where in its sources the warning was raised
    return [str(x.message).split(" (Triggered internally")[0] for x in w if x.category is UserWarning]


@pytest.mark.parametrize("call", [
    lambda L: L.tensor([1.0, 2, 3]).expand(2, 3).masked_fill_(L.ones(2, 3, dtype=L.bool), 7.0),
    lambda L: L.tensor([1.0, 2, 3]).expand(2, 3).index_put_((L.tensor([0]),), L.tensor(5.0)),
    lambda L: L.ones(1).var(),
    lambda L: L.ones(1).std(),
    lambda L: L.ones(0).var(),
    lambda L: L.ones(3, 1).var(1),
    lambda L: L.ones(3).var(correction=3),
    lambda L: L.ones(3).var(correction=2),
    lambda L: L.ones(3, 0).std(0),
], ids=["masked_fill_", "index_put_", "var", "std", "var_empty", "var_dim", "var_correction", "var_ok", "std_empty"])
def test_warnings_as_torch(call):
    assert _warnings_of(lambda: call(pag)) == _warnings_of(lambda: call(torch))
    same_as_torch(call)


@pytest.mark.parametrize("call", [
    lambda L: (L.ones(3, requires_grad=True) * 2).grad,
    lambda L: L.ones(2, 3, 4).T,
    lambda L: L.ones(1).var(),
    lambda L: L.tensor([1.0, 2, 3]).expand(2, 3).masked_fill_(L.ones(2, 3, dtype=L.bool), 7.0),
], ids=["nonleaf_grad", "T_3d", "var", "masked_fill_"])
def test_a_warning_filtered_into_an_error_raises_it(call):
    for L in (torch, pag):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(UserWarning):
                call(L)


def test_masked_fill_refused_by_a_warning_filter_writes_nothing():
    a = pag.tensor([1.0, 2, 3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning):
            a.expand(2, 3).masked_fill_(pag.ones(2, 3, dtype=pag.bool), 7.0)
    assert a.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("loss", ["l1_loss", "smooth_l1_loss", "mse_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_losses_of_empty_inputs_keep_their_graph(loss, reduction):
    def run(L):
        x = L.ones(0, requires_grad=True)
        kw = {"beta": 0.0} if loss == "smooth_l1_loss" else {}
        out = getattr(F_[L], loss)(x, L.ones(0), reduction=reduction, **kw)
        assert out.grad_fn is not None
        out.backward()
        return out, type(out.grad_fn).__name__, x.grad
    t, p = run(torch), run(pag)
    assert p[1] == t[1]
    same_as_torch(lambda L: run(L)[0])
    same_as_torch(lambda L: run(L)[2])


def test_l1_loss_of_empty_integer_inputs_raises_as_torch():
    same_as_torch(lambda L: F_[L].l1_loss(L.ones(0, dtype=L.int64), L.ones(0, dtype=L.int64)))


@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss", "smooth_l1_loss"])
def test_a_0d_float64_target_promotes_as_torch(loss):
    def run(L):
        x = L.tensor([1.0, 2.0, 4.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = getattr(F_[L], loss)(x, L.tensor(1.5, dtype=L.float64))
        out.backward()
        return out, x.grad
    same_as_torch(lambda L: run(L)[0])
    same_as_torch(lambda L: run(L)[1])


def test_huber_loss_does_not_broadcast_a_0d_target_as_torch():
    def run(L):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return F_[L].huber_loss(L.tensor([1.0, 2.0, 4.0]), L.tensor(1.5, dtype=L.float64))
    assert same_as_torch(run).dtype == pag.float32


@pytest.mark.parametrize("shapes", [[(3,), (2, 1)], [(2, 3), (2, 3)], [(1,), ()], [(3,), (2,)], [(0, 1), (3,)]])
def test_broadcast_tensors(shapes):
    def run(L):
        ts = [L.arange(float(max(1, int(torch.Size(s).numel())))).reshape(s) if torch.Size(s).numel() else
              L.ones(s) for s in shapes]
        return L.stack([t.contiguous().reshape(-1)[:1].sum() for t in L.broadcast_tensors(*ts)] +
                       [L.tensor(float(sum(L.broadcast_tensors(*ts)[0].shape)))])
    same_as_torch(run)
    a, b = pag.ones(2, 3), pag.ones(2, 3)
    ra, rb = pag.broadcast_tensors(a, b)
    assert ra is a and rb is b  # a tensor already of the shape is returned as is, as torch does


@pytest.mark.parametrize("call", [
    lambda L: L.softmax(L.ones(0, dtype=L.int64), 0),
    lambda L: L.softmax(L.ones(0, 3, dtype=L.int32), 1),
    lambda L: L.log_softmax(L.ones(2, 0, dtype=L.bool), 0),
    lambda L: L.softmax(L.ones(0, dtype=L.int64), 0, dtype=L.float32),
    lambda L: L.softmax(L.ones(0, dtype=L.int64), 1),
    lambda L: L.softmax(L.ones(2, dtype=L.int64), 0),
])
def test_softmax_of_empty_integer_tensors_as_torch(call):
    t = same_as_torch(call)
    if t is not None:
        assert str(t.dtype) == str(call(torch).dtype)


def _storage_of(t):
    return t.untyped_storage_ptr() if isinstance(t, pag.Tensor) else t.untyped_storage().data_ptr()


@pytest.mark.parametrize("make", [
    lambda L: L.arange(12.0).view(3, 4)[1:, ::2],
    lambda L: L.arange(6.0).view(2, 3).t(),
    lambda L: L.arange(20.0)[3:9:2],
    lambda L: L.ones(3, 2, dtype=L.bfloat16)[1:],
    lambda L: L.arange(6, dtype=L.int16).view(3, 2)[:, 1],
])
def test_pickle_and_deepcopy_keep_a_views_strides_and_offset(make):
    import copy
    import pickle
    for how in (lambda t: pickle.loads(pickle.dumps(t)), copy.deepcopy):
        t, p = how(make(torch)), how(make(pag))
        assert (p.stride(), p.storage_offset(), p.dtype is getattr(pag, str(t.dtype)[6:])) == \
            (t.stride(), t.storage_offset(), True)
        assert p.float().tolist() == t.float().tolist()


def test_deepcopy_keeps_views_sharing_one_storage():
    import copy

    def run(L):
        a = L.arange(6.0)
        c = copy.deepcopy([a[2:], a, a.view(3, 2)])
        same = _storage_of(c[0]) == _storage_of(c[1]) == _storage_of(c[2]) != _storage_of(a)
        c[1][3] = 100
        return c[0], c[2], L.tensor(float(same)), a
    for i in range(4):
        same_as_torch(lambda L: run(L)[i])


@pytest.mark.parametrize("call", [
    lambda L: L.zeros(2**64), lambda L: L.zeros(2**63), lambda L: L.zeros(-2**64), lambda L: L.ones(2, 2**64),
    lambda L: L.zeros((3, 2**64)), lambda L: L.ones(3).view(2**64), lambda L: L.empty(2**64),
])
def test_sizes_past_int64_raise_torchs_type_error(call):
    with pytest.raises(TypeError) as t:
        call(torch)
    with pytest.raises(TypeError) as p:
        call(pag)
    # torch's quoted error goes on with a C++ backtrace after its first line
    assert str(p.value) == str(t.value).split("\n")[0] + '"' and str(t.value).endswith('"')


@pytest.mark.parametrize("other", ["3", "None", "L.ones(2, dtype=L.float64)", "L.ones(1, dtype=L.int32)",
                                   "L.ones(1)"])
def test_type_as(other):
    def run(L):
        x = L.tensor([1.5, 2.5], requires_grad=True)
        y = x.type_as(eval(other, {"L": L}))
        assert (y is x) == (y.dtype == x.dtype)
        return y
    same_as_torch(run)


def test_gather_saves_its_input_so_an_in_place_change_is_caught():
    def run(L, modify):
        src = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        s = src * 1
        out = s.gather(0, L.tensor([0, 1]))
        if modify:
            s.add_(1)
        out.sum().backward()
        return src.grad
    same_as_torch(lambda L: run(L, False))
    same_as_torch(lambda L: run(L, True))
