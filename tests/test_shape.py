"""Shape ops and views against torch: values, gradients, grad_fn names, storage sharing, errors."""
import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.dirname(__file__))
import pyautograd as pag  # noqa: E402
from helpers import assert_close, helper_test_exception, helper_test_op, run_python, to_pag  # noqa: E402


def _ns(x):
    return torch if isinstance(x, torch.Tensor) else pag


def grad_fn_name(t):
    return None if t.grad_fn is None else t.grad_fn.name()


def run_op(shapes, fn, **kw):
    """helper_test_op, then the same check for every output's grad_fn name and contiguity."""
    p, t = helper_test_op(shapes, fn, **kw)
    ps = p if isinstance(p, (tuple, list)) else (p,)
    ts = t if isinstance(t, (tuple, list)) else (t,)
    assert type(p) is type(t) or not isinstance(t, tuple), f"returns {type(p).__name__}, torch {type(t).__name__}"
    for po, to in zip(ps, ts):
        assert grad_fn_name(po) == grad_fn_name(to), f"grad_fn {grad_fn_name(po)} != torch {grad_fn_name(to)}"
        assert po.is_contiguous() == to.is_contiguous(), "is_contiguous differs"
        assert po.stride() == to.stride(), f"strides {po.stride()} != torch {to.stride()}"
    return p, t


# (input shapes, fn); fn gets torch or pyautograd tensors.
VIEW_OPS = {
    "view": ([(2, 3, 4)], lambda x: x.view(6, 4)),
    "view_infer": ([(2, 3, 4)], lambda x: x.view(-1, 2)),
    "view_tuple": ([(2, 3, 4)], lambda x: x.view((4, -1))),
    "view_same": ([(2, 3)], lambda x: x.view(2, 3)),
    "view_scalar": ([()], lambda x: x.view(1, 1)),
    "view_to_scalar": ([(1,)], lambda x: x.view(())),
    "view_empty": ([(0, 3)], lambda x: x.view(3, 0, 1)),
    "view_as": ([(2, 6), (3, 4)], lambda x, y: x.view_as(y)),
    "reshape": ([(2, 3, 4)], lambda x: x.reshape(4, 6)),
    "reshape_infer": ([(2, 3, 4)], lambda x: x.reshape(-1)),
    "reshape_tuple": ([(2, 3, 4)], lambda x: x.reshape((3, -1))),
    "reshape_fn": ([(2, 3, 4)], lambda x: _ns(x).reshape(x, (12, 2))),
    "reshape_copy": ([(3, 4)], lambda x: x.t().reshape(12)),
    "reshape_as": ([(2, 6), (3, 4)], lambda x, y: x.reshape_as(y)),
    "reshape_scalar": ([()], lambda x: x.reshape(-1)),
    "flatten": ([(2, 3, 4)], lambda x: x.flatten()),
    "flatten_range": ([(2, 3, 4, 5)], lambda x: x.flatten(1, 2)),
    "flatten_neg": ([(2, 3, 4)], lambda x: x.flatten(-2)),
    "flatten_fn": ([(2, 3, 4)], lambda x: _ns(x).flatten(x, start_dim=1)),
    "flatten_scalar": ([()], lambda x: x.flatten()),
    "flatten_noncontig": ([(3, 4)], lambda x: x.t().flatten()),
    "unflatten": ([(2, 12)], lambda x: x.unflatten(1, (3, 4))),
    "unflatten_infer": ([(2, 12)], lambda x: x.unflatten(-1, (2, -1))),
    "unsqueeze0": ([(2, 3)], lambda x: x.unsqueeze(0)),
    "unsqueeze_last": ([(2, 3)], lambda x: x.unsqueeze(-1)),
    "unsqueeze_mid": ([(2, 3)], lambda x: _ns(x).unsqueeze(x, 1)),
    "unsqueeze_scalar": ([()], lambda x: x.unsqueeze(0)),
    "squeeze_all": ([(1, 2, 1, 3, 1)], lambda x: x.squeeze()),
    "squeeze_dim": ([(1, 2, 1, 3)], lambda x: x.squeeze(2)),
    "squeeze_dim_noop": ([(1, 2, 1, 3)], lambda x: x.squeeze(1)),
    "squeeze_dims": ([(1, 2, 1, 3)], lambda x: x.squeeze((0, 2))),
    "squeeze_dims_list": ([(1, 2, 1, 3)], lambda x: _ns(x).squeeze(x, [0, -2])),
    "squeeze_scalar": ([()], lambda x: x.squeeze()),
    "transpose": ([(2, 3, 4)], lambda x: x.transpose(0, 2)),
    "transpose_neg": ([(2, 3, 4)], lambda x: _ns(x).transpose(x, -1, -2)),
    "transpose_same": ([(2, 3)], lambda x: x.transpose(1, 1)),
    "swapaxes": ([(2, 3)], lambda x: x.swapaxes(0, 1)),
    "t": ([(2, 3)], lambda x: x.t()),
    "t_1d": ([(3,)], lambda x: x.t()),
    "t_fn": ([(2, 3)], lambda x: _ns(x).t(x)),
    "T": ([(2, 3)], lambda x: x.T),
    "mT": ([(4, 2, 3)], lambda x: x.mT),
    "permute": ([(2, 3, 4)], lambda x: x.permute(2, 0, 1)),
    "permute_tuple": ([(2, 3, 4)], lambda x: x.permute((1, -1, 0))),
    "permute_fn": ([(2, 3, 4)], lambda x: _ns(x).permute(x, (2, 1, 0))),
    "expand": ([(3, 1)], lambda x: x.expand(3, 4)),
    "expand_new_dims": ([(3, 1)], lambda x: x.expand(2, 3, 5)),
    "expand_keep": ([(3, 1)], lambda x: x.expand(-1, 2)),
    "expand_tuple": ([(1,)], lambda x: x.expand((2, 3))),
    "expand_scalar": ([()], lambda x: x.expand(2, 2)),
    "expand_as": ([(1, 3), (2, 3)], lambda x, y: x.expand_as(y)),
    "broadcast_to": ([(3, 1)], lambda x: _ns(x).broadcast_to(x, (2, 3, 4))),
    "broadcast_to_method": ([(3,)], lambda x: x.broadcast_to((2, 3))),
    "narrow": ([(5, 4)], lambda x: x.narrow(0, 1, 3)),
    "narrow_neg": ([(5, 4)], lambda x: x.narrow(-1, -3, 2)),
    "narrow_empty": ([(5, 4)], lambda x: x.narrow(0, 5, 0)),
    "narrow_fn": ([(5, 4)], lambda x: _ns(x).narrow(x, 1, 0, 2)),
    "select": ([(3, 4)], lambda x: x.select(0, 1)),
    "select_neg": ([(3, 4)], lambda x: x.select(-1, -1)),
    "select_fn": ([(3, 4, 2)], lambda x: _ns(x).select(x, 1, 2)),
    "as_strided": ([(3, 4)], lambda x: x.as_strided((2, 2), (1, 2))),
    "as_strided_offset": ([(3, 4)], lambda x: x.as_strided((3,), (4,), 1)),
    "as_strided_overlap": ([(3, 4)], lambda x: x.as_strided((3, 3), (1, 1))),
    "as_strided_fn": ([(3, 4)], lambda x: _ns(x).as_strided(x, (2, 3), (4, 1), 2)),
    "contiguous": ([(3, 4)], lambda x: x.t().contiguous()),
    "contiguous_noop": ([(3, 4)], lambda x: x.contiguous()),
    "clone": ([(3, 4)], lambda x: x.clone()),
    "clone_noncontig": ([(3, 4)], lambda x: x.t().clone()),
    "clone_fn": ([(3, 4)], lambda x: _ns(x).clone(x)),
    "detach": ([(3, 4)], lambda x: x.detach() * 1),
    "cat": ([(2, 3), (4, 3)], lambda x, y: _ns(x).cat([x, y])),
    "cat_dim1": ([(2, 3), (2, 1)], lambda x, y: _ns(x).cat((x, y), dim=1)),
    "cat_neg": ([(2, 3), (2, 1)], lambda x, y: _ns(x).cat([x, y, x], -1)),
    "cat_one": ([(2, 3)], lambda x: _ns(x).cat([x])),
    "cat_empty_legacy": ([(2, 3), (0,)], lambda x, y: _ns(x).cat([y, x, y])),
    "cat_empty_2d": ([(2, 3), (0, 3)], lambda x, y: _ns(x).cat([x, y])),
    "cat_noncontig": ([(3, 4), (3, 2)], lambda x, y: _ns(x).cat([x.t(), y.t()])),
    "concat": ([(2, 3), (1, 3)], lambda x, y: _ns(x).concat([x, y])),
    "stack": ([(2, 3), (2, 3)], lambda x, y: _ns(x).stack([x, y])),
    "stack_dim": ([(2, 3), (2, 3)], lambda x, y: _ns(x).stack([x, y, x], dim=2)),
    "stack_neg": ([(2, 3), (2, 3)], lambda x, y: _ns(x).stack((x, y), -2)),
    "stack_scalar": ([(), ()], lambda x, y: _ns(x).stack([x, y])),
    "split": ([(5, 2)], lambda x: x.split(2)),
    "split_sizes": ([(5, 2)], lambda x: x.split([1, 4])),
    "split_dim": ([(2, 5)], lambda x: _ns(x).split(x, 3, dim=1)),
    "split_zero_size": ([(5, 2)], lambda x: x.split([0, 5])),
    "chunk": ([(5, 2)], lambda x: x.chunk(3)),
    "chunk_dim": ([(2, 6)], lambda x: _ns(x).chunk(x, 4, 1)),
    "chunk_more": ([(2, 2)], lambda x: x.chunk(5)),
    "unbind": ([(3, 2)], lambda x: x.unbind()),
    "unbind_dim": ([(3, 2)], lambda x: _ns(x).unbind(x, 1)),
    "chain": ([(2, 3, 4)], lambda x: x.transpose(0, 1).unsqueeze(0).narrow(2, 1, 1).squeeze().t().reshape(-1)),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(VIEW_OPS))
def test_shape_op(name, dtype):
    shapes, fn = VIEW_OPS[name]
    run_op(shapes, fn, dtype=dtype)


# view() of these transposed inputs is an error in torch: the test compares the errors.
VIEW_OF_NONCONTIG_FAILS = {"view", "view_infer", "view_tuple", "view_as"}


@pytest.mark.parametrize("name", sorted(VIEW_OPS))
def test_shape_op_noncontig(name):
    shapes, fn = VIEW_OPS[name]
    if name in VIEW_OF_NONCONTIG_FAILS:
        ts = [t.transpose(-1, -2).contiguous().transpose(-1, -2) if len(s) >= 2 else torch.ones(s) for t, s in
              zip([torch.ones(s) for s in shapes], shapes)]
        ps = [pag.ones(tuple(reversed(s))).transpose(-1, -2) if len(s) >= 2 else pag.ones(s) for s in shapes]
        helper_test_exception(lambda: fn(*ts), lambda: fn(*ps))
        return
    run_op(shapes, fn, noncontig=True)


@pytest.mark.parametrize("dtype", ["int64", "bool"])
@pytest.mark.parametrize("name", sorted(VIEW_OPS))
def test_shape_op_int_bool(name, dtype):
    shapes, fn = VIEW_OPS[name]
    run_op(shapes, fn, dtype=dtype)


# ---------------------------------------------------------------- views share storage
def storage_ptr(t):
    return t.untyped_storage().data_ptr() if isinstance(t, torch.Tensor) else t.untyped_storage_ptr()


VIEW_KINDS = {
    "view": lambda x: x.view(4, 3),
    "reshape": lambda x: x.reshape(2, 6),
    "reshape_same": lambda x: x.reshape(3, 4),
    "flatten": lambda x: x.flatten(),
    "flatten_noop": lambda x: x.flatten(1),
    "unflatten": lambda x: x.unflatten(1, (2, 2)),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(),
    "transpose": lambda x: x.transpose(0, 1),
    "t": lambda x: x.t(),
    "T": lambda x: x.T,
    "mT": lambda x: x.mT,
    "permute": lambda x: x.permute(1, 0),
    "expand": lambda x: x.expand(2, 3, 4),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "select": lambda x: x.select(0, 2),
    "as_strided": lambda x: x.as_strided((2, 2), (4, 1), 1),
    "split": lambda x: x.split(2)[1],
    "chunk": lambda x: x.chunk(2, 1)[0],
    "unbind": lambda x: x.unbind(1)[3],
    "view_of_view": lambda x: x.t().select(0, 1).unsqueeze(0),
    "contiguous_noop": lambda x: x.contiguous(),
    "detach": lambda x: x.detach(),
    "data": lambda x: x.data,
    # copies
    "reshape_copy": lambda x: x.t().reshape(12),
    "contiguous_copy": lambda x: x.t().contiguous(),
    "clone": lambda x: x.clone(),
    "cat": lambda x: _ns(x).cat([x]),
    "stack": lambda x: _ns(x).stack([x]),
    "flatten_copy": lambda x: x.t().flatten(),
}


@pytest.mark.parametrize("name", sorted(VIEW_KINDS))
def test_view_storage_and_base(name):
    fn = VIEW_KINDS[name]
    tx = torch.arange(12.0).reshape(3, 4).clone()
    px = to_pag(tx)
    tv, pv = fn(tx), fn(px)
    assert_close(pv, tv)
    t_shares = storage_ptr(tv) == storage_ptr(tx)
    assert (storage_ptr(pv) == storage_ptr(px)) == t_shares, "storage sharing differs"
    assert pv._is_view() == tv._is_view(), f"_is_view {pv._is_view()} != torch {tv._is_view()}"
    assert (pv._base is px) == (tv._base is tx), "_base differs"
    assert (pv._base is None) == (tv._base is None)
    assert (pv is px) == (tv is tx), "returns self differs"
    assert pv.storage_offset() == tv.storage_offset()
    assert pv.stride() == tv.stride()
    # a write through the result shows in the base exactly when torch's does
    if tv.numel() and name != "expand":
        tv.view(-1)[0:1].fill_(-5.0) if tv.is_contiguous() else tv.fill_(-5.0)
        pv.view(-1).narrow(0, 0, 1).fill_(-5.0) if pv.is_contiguous() else pv.fill_(-5.0)
        assert_close(px, tx)
        assert_close(pv, tv)
    # and a write to the base shows in the result
    tx.add_(100.0)
    px.add_(100.0)
    assert_close(pv, tv)


def test_write_through_views_chain():
    tx = torch.zeros(4, 5)
    px = pag.zeros(4, 5)
    for x in (tx, px):
        v = x.t().narrow(0, 1, 3).select(1, 2)  # x[2, 1:4]
        v.fill_(7.0)
        x.select(1, 0).copy_(_ns(x).ones(4) * 2)
        x.narrow(0, 3, 1).mul_(3.0).add_(1.0)
        x.unsqueeze(0).expand(2, 4, 5).select(0, 1).select(0, 0).add_(4.0)
    assert_close(px, tx)


def test_version_counter_shared_by_views():
    tx, px = torch.zeros(3, 4), pag.zeros(3, 4)
    for x in (tx, px):
        v = x.narrow(0, 0, 2)
        d = x.detach()
        v.add_(1)
        d.mul_(2)
        x.t().zero_()
    for v in (lambda x: x.narrow(0, 0, 2), lambda x: x.detach(), lambda x: x.t(), lambda x: x.view(-1)):
        pass
    tv, pv = tx.narrow(0, 0, 2), px.narrow(0, 0, 2)
    assert pv._version == tv._version
    assert px._version == tx._version
    assert px.detach()._version == tx.detach()._version
    tv.add_(1)
    pv.add_(1)
    assert px._version == tx._version
    # .data has its own counter
    td, pd = tx.data, px.data
    assert pd._version == td._version == 0
    td.add_(1)
    pd.add_(1)
    assert pd._version == td._version
    assert px._version == tx._version
    # clone, contiguous copies and cat start at 0
    assert px.clone()._version == tx.clone()._version == 0
    assert pag.cat([px, px])._version == torch.cat([tx, tx])._version


def test_detach_and_data():
    tx = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    px = pag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for x in (tx, px):
        y = x * 2
        d = y.detach()
        assert not d.requires_grad and d.grad_fn is None and d.is_leaf
        assert storage_ptr(d) == storage_ptr(y)
        dd = x.data
        assert not dd.requires_grad and dd.is_leaf
        assert storage_ptr(dd) == storage_ptr(x)
        dd.mul_(10)  # no version bump seen by x, values shared
    assert_close(px, tx)
    assert px._version == tx._version
    # detach_ in place
    ty, py = tx * 2, px * 2
    ty.detach_()
    py.detach_()
    assert py.grad_fn is None and not py.requires_grad and py.is_leaf
    # assigning .data swaps the payload and keeps requires_grad
    for x in (tx, px):
        x.data = _ns(x).zeros(2, 2)
        assert x.requires_grad and tuple(x.shape) == (2, 2)
    assert_close(px, tx)


def test_data_assignment_changes_dtype_and_version():
    tx = torch.ones(3, requires_grad=True)
    px = pag.ones(3, requires_grad=True)
    tx.data = tx.data - 1
    px.data = px.data - 1
    assert px._version == tx._version
    tx.data = torch.ones(2, dtype=torch.float64)
    px.data = pag.ones(2, dtype=pag.float64)
    assert px.dtype == pag.float64 and tx.dtype == torch.float64
    (tx * 2).sum().backward()
    (px * 2).sum().backward()
    assert_close(px.grad, tx.grad)


T_WARN_PROG = """
import warnings, {mod} as m
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as rec:
    for shape in [(), (3,), (2, 3, 4), (3,), (), (2, 3)]:
        assert tuple(m.ones(shape).T.shape) == tuple(reversed(shape))
for w in rec:
    print(type(w.message).__name__, str(w.message).split(" (Triggered internally")[0])
"""


def test_T_warns_like_torch():
    # torch warns once per process for 0-D and once for other non-2-D inputs
    out = [run_python(["-c", T_WARN_PROG.format(mod=mod)]).stdout for mod in ("torch", "pyautograd")]
    assert out[1] == out[0] and out[0].count("UserWarning") == 2


def test_is_contiguous():
    x = torch.ones(2, 3, 4)
    p = pag.ones(2, 3, 4)
    cases = [lambda x: x, lambda x: x.t() if x.dim() == 2 else x.transpose(0, 2), lambda x: x.narrow(2, 0, 2),
             lambda x: x.narrow(0, 1, 1), lambda x: x.select(1, 0), lambda x: x.expand(3, 2, 3, 4),
             lambda x: x.unsqueeze(1), lambda x: x.permute(0, 1, 2), lambda x: x.as_strided((2, 2), (1, 2)),
             lambda x: x.narrow(2, 0, 0), lambda x: x.transpose(1, 2).narrow(1, 0, 1),
             lambda x: x[..., :1] if False else x.narrow(2, 0, 1).squeeze(2)]
    for fn in cases:
        assert fn(p).is_contiguous() == fn(x).is_contiguous()
        assert fn(p).stride() == fn(x).stride()


# ---------------------------------------------------------------- gradients through views
def test_grad_through_view_chain():
    def f(x):
        a = x.view(2, 6).t()  # (6, 2)
        b = a.narrow(0, 1, 4).reshape(2, 4)
        c = _ns(x).cat([b, b.select(0, 0).unsqueeze(0)], 0)
        d = _ns(x).stack(c.unbind(1), 0)
        s = d.split([1, 2], 1)
        return (s[0] * 2).sum() + (s[1] ** 2).sum() + x.expand(2, 3, 4).permute(2, 0, 1).sum()
    helper_test_op([(3, 4)], f, dtype="float64")


def test_grad_of_split_outputs_partly_used():
    for fn in [lambda x: x.split(2)[1] * 3, lambda x: x.chunk(3)[0], lambda x: x.unbind(0)[2] + x.unbind(0)[0],
               lambda x: x.split([1, 2, 2])[2].exp()]:
        run_op([(5, 3)], fn)


def test_as_strided_overlapping_grad():
    run_op([(4,)], lambda x: x.as_strided((3, 2), (1, 1)) * _ns(x).arange(6.0).view(3, 2).to(x.dtype))


def test_cat_mixed_dtypes_and_grad():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0], dtype=torch.float64, requires_grad=True)
    c = torch.tensor([4, 5])
    pa, pb, pc = to_pag(a).requires_grad_(), to_pag(b).requires_grad_(), to_pag(c)
    t = torch.cat([a, b, c])
    p = pag.cat([pa, pb, pc])
    assert_close(p, t)
    (t * torch.arange(5.0, dtype=torch.float64)).sum().backward()
    (p * pag.arange(5.0, dtype=pag.float64)).sum().backward()
    assert_close(pa.grad, a.grad)
    assert_close(pb.grad, b.grad)
    ts = torch.stack([a, a.double()])
    ps = pag.stack([pa, pa.double()])
    assert_close(ps, ts)


def test_return_types():
    x = torch.ones(4, 2)
    p = pag.ones(4, 2)
    for fn in [lambda x: x.split(2), lambda x: x.chunk(2), lambda x: x.unbind(), lambda x: _ns(x).split(x, [1, 3])]:
        assert type(fn(p)) is type(fn(x)) is tuple
    assert isinstance(p.shape, pag.Size) and p.shape == (4, 2)
    assert p.size() == x.size() and p.size(1) == x.size(1) and p.size(-2) == x.size(-2)


# ---------------------------------------------------------------- errors
ERRORS = {
    "view_invalid": lambda m: m.ones(3, 4).view(5, -1),
    "view_two_infer": lambda m: m.ones(3, 4).view(-1, -1),
    "view_negative": lambda m: m.ones(3, 4).view(-2, 6),
    "view_noncontig": lambda m: m.ones(3, 4).t().view(12),
    "view_noncontig_infer": lambda m: m.ones(3, 4).transpose(0, 1).view(-1),
    "view_zero_numel": lambda m: m.ones(3, 4).view(0, -1),
    "view_ambiguous": lambda m: m.ones(0, 3).view(-1, 0),
    "reshape_invalid": lambda m: m.ones(3, 4).reshape(5, 3),
    "flatten_order": lambda m: m.ones(3, 4).flatten(1, 0),
    "flatten_range": lambda m: m.ones(3, 4).flatten(2),
    "unflatten_sizes": lambda m: m.ones(3, 4).unflatten(1, (3, 2)),
    "unflatten_empty": lambda m: m.ones(3, 4).unflatten(1, ()),
    "unsqueeze_range": lambda m: m.ones(3, 4).unsqueeze(3),
    "unsqueeze_range_neg": lambda m: m.ones(3, 4).unsqueeze(-4),
    "squeeze_range": lambda m: m.ones(3, 4).squeeze(2),
    "squeeze_dup": lambda m: m.ones(3, 4).squeeze((0, 0)),
    "transpose_range": lambda m: m.ones(3, 4).transpose(0, 2),
    "t_3d": lambda m: m.ones(2, 2, 2).t(),
    "permute_len": lambda m: m.ones(3, 4).permute(0),
    "permute_dup": lambda m: m.ones(3, 4).permute(0, 0),
    "permute_range": lambda m: m.ones(3, 4).permute(0, 2),
    "expand_fewer": lambda m: m.ones(3, 4).expand(3),
    "expand_mismatch": lambda m: m.ones(3, 4).expand(2, 4),
    "expand_mismatch2": lambda m: m.ones(3, 4).expand(-1, 4, 4),
    "expand_leading_neg": lambda m: m.ones(3, 4).expand(-1, 3, 4),
    "broadcast_to": lambda m: m.broadcast_to(m.ones(3, 4), (5,)),
    "narrow_length": lambda m: m.ones(3, 4).narrow(0, 2, 2),
    "narrow_start_neg": lambda m: m.ones(3, 4).narrow(0, -4, 1),
    "narrow_start": lambda m: m.ones(3, 4).narrow(0, 4, 0),
    "narrow_neg_length": lambda m: m.ones(3, 4).narrow(0, 1, -1),
    "narrow_scalar": lambda m: m.tensor(1.0).narrow(0, 0, 1),
    "select_index": lambda m: m.ones(3, 4).select(0, 3),
    "select_index_neg": lambda m: m.ones(3, 4).select(1, -5),
    "select_dim": lambda m: m.ones(3, 4).select(2, 0),
    "select_scalar": lambda m: m.tensor(1.0).select(0, 0),
    "as_strided_offset": lambda m: m.ones(3, 4).as_strided((2,), (1,), -1),
    "as_strided_bounds": lambda m: m.ones(3, 4).as_strided((20,), (1,)),
    "as_strided_len": lambda m: m.ones(3, 4).as_strided((2, 2), (1,)),
    "cat_empty_list": lambda m: m.cat([]),
    "cat_ndim": lambda m: m.cat([m.ones(3, 4), m.ones(3)]),
    "cat_sizes": lambda m: m.cat([m.ones(3, 4), m.ones(2, 3)]),
    "cat_sizes_dim1": lambda m: m.cat([m.ones(3, 4), m.ones(2, 4)], 1),
    "cat_scalar": lambda m: m.cat([m.tensor(1.0), m.tensor(2.0)]),
    "cat_scalar_second": lambda m: m.cat([m.ones(2), m.tensor(2.0)]),
    "cat_dim": lambda m: m.cat([m.ones(3, 4)], 2),
    "cat_empty_2d": lambda m: m.cat([m.ones(0, 2), m.ones(2, 3)]),
    "stack_empty": lambda m: m.stack([]),
    "stack_sizes": lambda m: m.stack([m.ones(3, 4), m.ones(4, 3)]),
    "stack_dim": lambda m: m.stack([m.ones(3, 4)], 3),
    "split_zero": lambda m: m.ones(3, 4).split(0),
    "split_sizes": lambda m: m.ones(3, 4).split([1, 1]),
    "split_dim": lambda m: m.ones(3, 4).split(1, 2),
    "chunk_zero": lambda m: m.ones(3, 4).chunk(0),
    "unbind_dim": lambda m: m.ones(3, 4).unbind(2),
    "unbind_scalar": lambda m: m.tensor(1.0).unbind(),
    "mT_1d": lambda m: m.ones(3).mT,
    "size_dim": lambda m: m.ones(3, 4).size(2),
    "stride_dim": lambda m: m.ones(3, 4).stride(-3),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_shape_errors(name):
    fn = ERRORS[name]
    helper_test_exception(lambda: fn(torch), lambda: fn(pag))


# (size, stride, storage_offset): in bounds, out of bounds, negative strides, sizes and offsets,
# zero-size views anywhere, and geometries whose byte count overflows int64.
AS_STRIDED_GEOMETRIES = [
    ([3, 3], [3, 1], 0), ([3, 3], [3, 1], None), ([3, 3], [3, 1], 10), ([4, 4], [4, 1], 0), ([4, 4], [4, 1], 1),
    ([4, 4], [0, 0], 15), ([], [], 15), ([], [], 16), ([16], [1], 0), ([17], [1], 0), ([8], [2], 1),
    ([0, 2], [100, 1], 20), ([2, 0], [1, 1], 100), ([0], [1], 2**63 - 1), ([0, -1], [1, 1], 0), ([-1, 0], [1, 1], 0),
    ([2, 2], [-1, 1], 0), ([-1], [-1], 0), ([2, 2], [-1, -1], -1), ([2, 2], [1, 1], -1), ([100], [1], -1),
    ([0], [1], -5), ([-2, 2], [1, 1], 0), ([-1], [0], 0), ([-1, 2], [0, 1], 0), ([2, -1], [1, 0], 0),
    ([2, 2], [2**62, 1], 0), ([2, 2], [2**61, 1], 0), ([2**61], [1], 0), ([2**40, 2**40], [2**40, 1], 0),
    ([2**62, 4], [1, 2**62], 0), ([3], [1], 2**62), ([3], [1], 2**63 - 1), ([3], [0], 2**61), ([2, 2], [1], 0),
]


def _as_strided_outcome(fn):
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001 - the outcome compared is the exception itself
        return type(e).__name__, str(e)
    # (torch's tolist fails on a negative size with a SystemError from CPython)
    return tuple(r.shape), r.stride(), r.storage_offset(), r.tolist() if min(r.shape, default=0) >= 0 else None


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
@pytest.mark.parametrize("size,stride,offset", AS_STRIDED_GEOMETRIES)
def test_as_strided_bounds(size, stride, offset, dtype):
    # the base is a view at offset 2 of a 16-element storage: the default offset is the view's
    def base(m):
        return m.arange(18).to(getattr(m, dtype))[2:]

    args = (size, stride) if offset is None else (size, stride, offset)
    for call in (lambda m: base(m).as_strided(*args), lambda m: m.as_strided(base(m), *args),
                 lambda m: base(m).as_strided(size=size, stride=stride, storage_offset=offset)):
        assert _as_strided_outcome(lambda: call(pag)) == _as_strided_outcome(lambda: call(torch))


def test_as_strided_out_of_bounds_message():
    helper_test_exception(lambda: torch.ones(4).as_strided((3, 3), (3, 1), 0),
                          lambda: pag.ones(4).as_strided((3, 3), (3, 1), 0))
    helper_test_exception(lambda: torch.as_strided(torch.ones(4, dtype=torch.float64), (2,), (3,), 1),
                          lambda: pag.as_strided(pag.ones(4, dtype=pag.float64), (2,), (3,), 1))


def test_shape_type_errors():
    # argument types: same exception type as torch (messages list torch's overloads)
    for fn in [lambda m: m.ones(3, 4).view(3.0, 4), lambda m: m.ones(3, 4).reshape(2.5, 2),
               lambda m: m.ones(3, 4).permute(0.0, 1)]:
        helper_test_exception(lambda: fn(torch), lambda: fn(pag), exact=False)


# ---------------------------------------------------------------- legacy cat and edge cases
def test_cat_legacy_empty():
    for fn in [lambda m: m.cat([m.ones(2, 3), m.ones(0)]), lambda m: m.cat([m.ones(0), m.ones(0)]),
               lambda m: m.cat([m.ones(0), m.ones(2, 3)], dim=1), lambda m: m.cat([m.ones(0), m.ones(2, 3), m.zeros(0)]),
               lambda m: m.cat([m.ones(2, 3), m.ones(0, 3)]), lambda m: m.cat([m.ones(0, 3), m.ones(0, 3)], 1)]:
        assert_close(fn(pag), fn(torch))


def test_cat_legacy_empty_grad():
    a = torch.zeros(0, requires_grad=True)
    b = torch.ones(2, 3, requires_grad=True)
    pa, pb = pag.zeros(0, requires_grad=True), pag.ones(2, 3, requires_grad=True)
    torch.cat([a, b, a]).sum().backward()
    pag.cat([pa, pb, pa]).sum().backward()
    assert_close(pa.grad, a.grad)
    assert_close(pb.grad, b.grad)


def test_split_chunk_sizes():
    for n in range(0, 8):
        for k in range(1, 5):
            t, p = torch.ones(n, 2), pag.ones(n, 2)
            assert [tuple(c.shape) for c in p.chunk(k)] == [tuple(c.shape) for c in t.chunk(k)], (n, k)
            assert [tuple(c.shape) for c in p.split(k)] == [tuple(c.shape) for c in t.split(k)], (n, k)
