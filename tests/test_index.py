"""Indexing: gather/scatter, index_select/index_add, masked ops, index/index_put
and Python's t[...] / t[...] = v, each compared with torch (values, gradients,
node names, views, version counters and errors)."""
import numpy as np
import pyautograd as pag
import pytest
import torch
from helpers import assert_close, helper_test_exception, helper_test_op, make_inputs, to_pag

pytestmark = pytest.mark.filterwarnings("ignore:Using a non-tuple sequence", "ignore:The reduce argument")


def both(fn):
    """fn(m) -> value built from module m; returns (torch value, pyautograd value)."""
    return fn(torch), fn(pag)


def node_name(t):
    """The grad_fn's class name (torch's Node.name() spells CopySlices with its namespace)."""
    if t.grad_fn is None:
        return None
    return type(t.grad_fn).__name__


# ---------------------------------------------------------------- __getitem__
# Each entry: (shape, index builder taking the module, so tensors exist on both sides).
T = lambda m, v, **kw: m.tensor(v, **kw)  # noqa: E731
GETITEM_CASES = [
    ((3, 4, 5), lambda m: 0),
    ((3, 4, 5), lambda m: -1),
    ((3, 4, 5), lambda m: 2),
    ((3, 4, 5), lambda m: slice(1, None)),
    ((3, 4, 5), lambda m: slice(None)),
    ((3, 4, 5), lambda m: slice(None, None, 2)),
    ((3, 4, 5), lambda m: slice(-2, None)),
    ((3, 4, 5), lambda m: slice(-100, 100)),
    ((3, 4, 5), lambda m: slice(2, 1)),
    ((3, 4, 5), lambda m: slice(1, None, 5)),
    ((3, 4, 5), lambda m: Ellipsis),
    ((3, 4, 5), lambda m: None),
    ((3, 4, 5), lambda m: True),
    ((3, 4, 5), lambda m: False),
    ((3, 4, 5), lambda m: ()),
    ((3, 4, 5), lambda m: (slice(None), slice(None))),
    ((3, 4, 5), lambda m: (slice(None), 0)),
    ((3, 4, 5), lambda m: (slice(None), slice(0, 4))),
    ((3, 4, 5), lambda m: (1, 2)),
    ((3, 4, 5), lambda m: (1, 2, 3)),
    ((3, 4, 5), lambda m: (-1, slice(1, 3), -2)),
    ((3, 4, 5), lambda m: (slice(None), slice(None, None, 3), slice(1, None, 2))),
    ((3, 4, 5), lambda m: (Ellipsis, 0)),
    ((3, 4, 5), lambda m: (0, Ellipsis, 0)),
    ((3, 4, 5), lambda m: (Ellipsis, None)),
    ((3, 4, 5), lambda m: (None, Ellipsis, None, 0)),
    ((3, 4, 5), lambda m: (None, None)),
    ((3, 4, 5), lambda m: (0, None, 0)),
    ((3, 4, 5), lambda m: (Ellipsis, Ellipsis)),
    ((3, 4, 5), lambda m: (Ellipsis, 0, Ellipsis)),
    ((3, 4, 5), lambda m: T(m, 1)),
    ((3, 4, 5), lambda m: T(m, -1)),
    ((3, 4, 5), lambda m: (T(m, 1), T(m, 2))),
    ((3, 4, 5), lambda m: (0, T(m, 1))),
    ((3, 4, 5), lambda m: (slice(T(m, 1), T(m, 3)),)),
    ((3, 4, 5), lambda m: np.int64(1)),
    ((3, 4, 5), lambda m: (np.int64(1), slice(np.int64(0), 2))),
    ((3, 4, 5), lambda m: np.array(1)),
    # advanced indexing
    ((3, 4, 5), lambda m: T(m, [1])),
    ((3, 4, 5), lambda m: T(m, [2, 0, 2])),
    ((3, 4, 5), lambda m: T(m, [[0, 1], [1, 2]])),
    ((3, 4, 5), lambda m: T(m, [-1, -3])),
    ((3, 4, 5), lambda m: [0, 1]),
    ((3, 4, 5), lambda m: [0, 1, 2] * 11),
    ((3, 4, 5), lambda m: [[0, 1], [1, 2]]),
    ((3, 4, 5), lambda m: [[0, 1], [1]]),
    ((3, 4, 5), lambda m: [0.5, 1.7]),
    ((3, 4, 5), lambda m: [True, 1]),
    ((3, 4, 5), lambda m: [0, [1, 2]]),
    ((3, 4, 5), lambda m: [1, slice(None)]),
    ((3, 4, 5), lambda m: [[]]),
    ((3, 4, 5), lambda m: []),
    ((3, 4, 5), lambda m: ([0, 1], [1, 2])),
    ((3, 4, 5), lambda m: (slice(None), [0, 1])),
    ((3, 4, 5), lambda m: ([0, 1], slice(None), [1, 2])),
    ((3, 4, 5), lambda m: (0, [0, 1], [1, 2])),
    ((3, 4, 5), lambda m: ([0, 1], 0, [1, 2])),
    ((3, 4, 5), lambda m: (Ellipsis, [0, 1])),
    ((3, 4, 5), lambda m: (None, [0, 1])),
    ((3, 4, 5), lambda m: (T(m, [0, 1]), None)),
    ((3, 4, 5), lambda m: (None, T(m, [0, 1]), None, T(m, [1, 2]))),
    ((3, 4, 5), lambda m: (T(m, [0, 1]), None, T(m, [1, 2]))),
    ((3, 4, 5), lambda m: (slice(1, 2), T(m, [0, 1]), slice(1, 3))),
    ((3, 4, 5), lambda m: (T(m, [0, 2]), slice(1, 3))),
    ((3, 4, 5), lambda m: (T(m, [[0], [1]]), slice(None), T(m, [1, 2]))),
    ((3, 4, 5), lambda m: (T(m, [[0, 1]]), T(m, [[0], [1]]))),
    ((3, 4, 5), lambda m: (T(m, [0, 1]), T(m, [0, 1, 1]).view(3, 1))),
    ((3, 4, 5), lambda m: (slice(0, 2), 0, [0, 1])),
    ((3, 4, 5), lambda m: ([0, 1], 0)),
    ((3, 4, 5), lambda m: (slice(None), slice(None), [4, 0, 4])),
    ((3, 4, 5), lambda m: (1, slice(None), [4, 0, 4])),
    ((3, 4, 5), lambda m: (T(m, 1), T(m, [0, 3]))),
    ((3, 4, 5), lambda m: np.array([0, 1])),
    ((3, 4, 5), lambda m: (slice(None), np.array([0, 1]))),
    ((3, 4, 5), lambda m: np.array([[0, 1], [1, 2]])),
    ((3, 4, 5), lambda m: np.array([0.0, 1.0])),
    ((3, 4, 5), lambda m: np.array([True, False, True])),
    ((3, 4, 5), lambda m: T(m, [], dtype=m.int64)),
    # bool masks and bools
    ((3, 4, 5), lambda m: [True, False, True]),
    ((3, 4, 5), lambda m: [True] * 3),
    ((3, 4, 5), lambda m: T(m, [True, False, True])),
    ((3, 4, 5), lambda m: T(m, [[True, False, True, True], [False] * 4, [True] * 4])),
    ((3, 4, 5), lambda m: (slice(None), T(m, [True, False, True, False]))),
    ((3, 4, 5), lambda m: (Ellipsis, T(m, [True, False, True, False, True]))),
    ((3, 4, 5), lambda m: (T(m, [True, False, True]), slice(None), [0, 4])),
    ((3, 4, 5), lambda m: T(m, True)),
    ((3, 4, 5), lambda m: T(m, False)),
    ((3, 4, 5), lambda m: (T(m, True), T(m, [0, 1]))),
    ((3, 4, 5), lambda m: (0, T(m, True))),
    ((3, 4, 5), lambda m: (Ellipsis, T(m, False))),
    ((3, 4, 5), lambda m: (True, 0)),
    ((3, 4, 5), lambda m: (True, True)),
    ((4,), lambda m: [True, False, False, True]),
    ((4,), lambda m: [3, 3, 0]),
    ((2, 3), lambda m: T(m, [[True, False, True], [False, False, True]])),
    ((0, 3), lambda m: (slice(None), [3, 7])),
    ((0, 3), lambda m: (slice(None), [2, 0])),
    ((2, 0), lambda m: (slice(None), [])),
    ((2, 0), lambda m: T(m, [[], []], dtype=m.bool)),
    ((), lambda m: None),
    ((), lambda m: Ellipsis),
    ((), lambda m: True),
    ((), lambda m: False),
    ((), lambda m: T(m, True)),
    ((), lambda m: (None, None)),
]


def check_empty_result(shape, torch_fn, pag_fn):
    """helper_test_op for results with no elements, whose gradient is fed directly (not through .sum())."""
    (t,) = make_inputs([shape])
    p = to_pag(t).requires_grad_(True)
    t.requires_grad_(True)
    to, po = torch_fn(t), pag_fn(p)
    assert_close(po, to)
    to.backward(torch.zeros_like(to))
    po.backward(pag.zeros_like(po))
    assert_close(p.grad, t.grad)
    return po, to


def _check_getitem(shape, make_index, noncontig=False):
    t_idx, p_idx = make_index(torch), make_index(pag)
    if torch.zeros(shape)[make_index(torch)].numel() == 0:
        p, t = check_empty_result(shape, lambda x: x[t_idx], lambda x: x[p_idx])
    else:
        inputs = None if shape else [torch.tensor(0.7)]  # make_inputs turns () into (1,)
        p, t = helper_test_op([shape], lambda x: x[t_idx], lambda x: x[p_idx], noncontig=noncontig, inputs=inputs)
    assert node_name(p) == node_name(t)
    assert p._is_view() == t._is_view()


@pytest.mark.parametrize("shape,make_index", GETITEM_CASES)
def test_getitem(shape, make_index):
    _check_getitem(shape, make_index)


@pytest.mark.parametrize("shape,make_index", [c for c in GETITEM_CASES if len(c[0]) >= 2][::3])
def test_getitem_noncontig(shape, make_index):
    _check_getitem(shape, make_index, noncontig=True)


def test_getitem_no_grad_and_int_dtypes():
    for dtype in ("int64", "bool", "float64"):
        (t,) = make_inputs([(3, 4)], dtype=dtype)
        p = to_pag(t)
        for idx in (lambda m: 1, lambda m: (slice(None), [0, 3]), lambda m: m.tensor([[True] * 4, [False] * 4, [True] * 4])):
            assert_close(p[idx(pag)], t[idx(torch)])


def test_getitem_returns_views_sharing_storage():
    t, p = both(lambda m: m.arange(12.0).reshape(3, 4).clone())
    for idx in (0, slice(1, 3), (slice(None), 1), None, Ellipsis):
        tv, pv = t[idx], p[idx]
        assert pv._base is p and tv._base is t
        pv.mul_(2) if pv.dim() else pv.add_(0)
        tv.mul_(2) if tv.dim() else tv.add_(0)
        assert_close(p, t)


def test_getitem_double_backward():
    (t,) = make_inputs([(4, 3)], dtype="float64")
    t.requires_grad_(True)
    p = to_pag(t).requires_grad_(True)
    ti, pi = torch.tensor([0, 2, 2]), pag.tensor([0, 2, 2])
    (gt,) = torch.autograd.grad((t[ti, 1:] ** 2).sum(), t, create_graph=True)
    (gp,) = pag.autograd.grad((p[pi, 1:] ** 2).sum(), p, create_graph=True)
    assert_close(gp, gt)
    (gt * gt).sum().backward()
    (gp * gp).sum().backward()
    assert_close(p.grad, t.grad)


GETITEM_ERRORS = [
    ((3, 4, 5), lambda m: 1.5),
    ((3, 4, 5), lambda m: (0, 0, 0, 0)),
    ((3, 4, 5), lambda m: 5),
    ((3, 4, 5), lambda m: -4),
    ((3, 4, 5), lambda m: (slice(None), 5)),
    ((3, 4, 5), lambda m: (Ellipsis, 9)),
    ((3, 4, 5), lambda m: m.tensor([5])),
    ((3, 4, 5), lambda m: [-4]),
    ((3, 4, 5), lambda m: (slice(None), m.tensor([7]))),
    ((3, 4, 5), lambda m: ([0, 1], slice(None), [1, 9])),
    ((3, 4, 5), lambda m: (slice(None), slice(None), [1, 9])),
    ((3, 4, 5), lambda m: ([0, 1], [1, 9])),
    ((3, 4, 5), lambda m: slice(None, None, -1)),
    ((3, 4, 5), lambda m: slice(None, None, 0)),
    ((3, 4, 5), lambda m: slice(1.0, 2)),
    ((3, 4, 5), lambda m: m.tensor([1.0])),
    ((3, 4, 5), lambda m: m.tensor(1.5)),
    ((3, 4, 5), lambda m: m.tensor([True, False])),
    ((3, 4, 5), lambda m: (slice(None), m.tensor([[True] * 4] * 2))),
    ((3, 4, 5), lambda m: ([0, 1], [0, 1, 2])),
    ((3, 4, 5), lambda m: (0, False, [1, 2])),
    ((3, 4, 5), lambda m: "a"),
    ((3, 4, 5), lambda m: [1, "a"]),
    ((3, 4, 5), lambda m: {0: 1}),
    ((3, 4, 5), lambda m: m.tensor(5)),
    ((3, 4, 5), lambda m: np.array(["a"])),
    ((2, 3), lambda m: m.tensor([[True, False], [False, True]])),
    ((), lambda m: 0),
    ((), lambda m: slice(None)),
    ((), lambda m: [0]),
    ((), lambda m: m.tensor([True])),
    ((), lambda m: 1),
    ((), lambda m: -1),
    ((3,), lambda m: 2 ** 70),
    ((3,), lambda m: (slice(None), -(2 ** 70))),
    ((0, 3), lambda m: [0]),
]


@pytest.mark.parametrize("shape,make_index", GETITEM_ERRORS)
def test_getitem_errors(shape, make_index):
    t, p = both(lambda m: m.zeros(shape))
    ti, pi = make_index(torch), make_index(pag)
    helper_test_exception(lambda: t[ti], lambda: p[pi])


def test_getitem_of_0dim_result():
    t, p = both(lambda m: m.zeros(3))
    helper_test_exception(lambda: t[0][0], lambda: p[0][0])


# ---------------------------------------------------------------- __setitem__
# Each case: fn(m, y, z) assigns into y (a non-leaf copy of x) using z (a leaf that
# requires grad) or constants; values, version counters, node names and the
# gradients reaching x and z are compared.
SETITEM_CASES = [
    lambda m, y, z: y.__setitem__(0, 1.0),
    lambda m, y, z: y.__setitem__(-1, 2),
    lambda m, y, z: y.__setitem__((0, 1), 5.0),
    lambda m, y, z: y.__setitem__((slice(None), 1), m.tensor([1.0, 2.0, 3.0])),
    lambda m, y, z: y.__setitem__(slice(1, None), z[:4]),
    lambda m, y, z: y.__setitem__(slice(None), z[:4]),
    lambda m, y, z: y.__setitem__(slice(None, None, 2), z[:4] * 2),
    lambda m, y, z: y.__setitem__(Ellipsis, 0.5),
    lambda m, y, z: y.__setitem__(Ellipsis, z[:4]),
    lambda m, y, z: y.__setitem__(None, z[:4]),
    lambda m, y, z: y.__setitem__(True, 3.0),
    lambda m, y, z: y.__setitem__(False, 3.0),
    lambda m, y, z: y.__setitem__((0, 0), z[0]),
    lambda m, y, z: y.__setitem__(0, z[0]),
    lambda m, y, z: y.__setitem__(0, z[:4].reshape(1, 1, 4)),
    lambda m, y, z: y.__setitem__((slice(None), slice(None)), 1.0),
    lambda m, y, z: y.__setitem__(m.tensor(1), 5.0),
    lambda m, y, z: y.__setitem__(np.int64(2), z[:4]),
    lambda m, y, z: y.__setitem__(0, y[1]),
    # advanced
    lambda m, y, z: y.__setitem__(y > 0, 0.0),
    lambda m, y, z: y.__setitem__(y > 0, m.tensor(0.0)),
    lambda m, y, z: y.__setitem__(y > 0, z[0]),
    lambda m, y, z: y.__setitem__(y > 0, z[:1]),
    lambda m, y, z: y.__setitem__(y[:, 0] > 0, z[:4]),
    lambda m, y, z: y.__setitem__((slice(None), m.tensor([True, False, True, False])), 7.0),
    lambda m, y, z: y.__setitem__([0, 1], 0.0),
    lambda m, y, z: y.__setitem__([0, 1], z[:4]),
    lambda m, y, z: y.__setitem__([2, 0], z[:8].view(2, 4)),
    lambda m, y, z: y.__setitem__(([0, 1], [1, 2]), z[:2]),
    lambda m, y, z: y.__setitem__(([0, 0], [1, 1]), z[:2]),
    lambda m, y, z: y.__setitem__((slice(1, None), [0, 3]), z[:2]),
    lambda m, y, z: y.__setitem__((Ellipsis, [0, 3]), z[:1]),
    lambda m, y, z: y.__setitem__(([0, 2], slice(None)), z[:4].view(1, 4)),
    lambda m, y, z: y.__setitem__([0], z[:4].view(1, 1, 4)),
    lambda m, y, z: y.__setitem__(m.tensor([0, 0]), z[:8].view(2, 4)),
    lambda m, y, z: y.__setitem__((m.tensor([[0], [2]]), m.tensor([1, 3])), z[:4].view(2, 2)),
    lambda m, y, z: y.__setitem__((0, [1, 2]), z[:2]),
    lambda m, y, z: y.__setitem__((m.tensor(True), 1), 4.0),
    lambda m, y, z: y[0].__setitem__([1, 2], z[:2]),
    lambda m, y, z: y[:, 1:].__setitem__(y[:, 1:] > 0, z[0]),
]


@pytest.mark.parametrize("case", range(len(SETITEM_CASES)))
def test_setitem(case):
    fn = SETITEM_CASES[case]
    tx, tz = make_inputs([(3, 4), (8,)], seed=case)
    px, pz = to_pag(tx).requires_grad_(True), to_pag(tz).requires_grad_(True)
    tx.requires_grad_(True)
    tz.requires_grad_(True)
    ty, py = tx * 1, px * 1
    fn(torch, ty, tz)
    fn(pag, py, pz)
    assert_close(py, ty)
    assert py._version == ty._version
    assert (py.grad_fn is None) == (ty.grad_fn is None)
    (ty * torch.arange(12.0).view(3, 4)).sum().backward()
    (py * pag.arange(12.0).view(3, 4)).sum().backward()
    assert_grad(px.grad, tx.grad)
    assert_grad(pz.grad, tz.grad)


def assert_grad(p, t):
    if t is None:
        assert p is None
    elif p is None:
        # copy_ over a whole tensor (y[:] = v, y[...] = v) passes no gradient to the
        # overwritten values (ops/elementwise.cpp's CopyBackward0), where torch passes zeros.
        assert not t.any()
    else:
        assert_close(p, t)


@pytest.mark.parametrize("case", range(len(SETITEM_CASES)))
def test_setitem_no_grad(case):
    fn = SETITEM_CASES[case]
    for dtype in ("float32", "float64"):
        tx, tz = make_inputs([(3, 4), (8,)], dtype=dtype, seed=case)
        px, pz = to_pag(tx), to_pag(tz)
        fn(torch, tx, tz)
        fn(pag, px, pz)
        assert_close(px, tx)
        assert px._version == tx._version


def test_setitem_grad_fn_names():
    for idx in (0, (slice(None), 1), slice(1, 3)):
        t, p = both(lambda m: m.ones(3, 4, requires_grad=True) * 1)
        t[idx] = 0
        p[idx] = 0
        assert node_name(p) == node_name(t) == "CopySlices"
    for idx in (lambda m: [0, 2], lambda m: m.ones(3, 4) > 0):
        t, p = both(lambda m: m.ones(3, 4, requires_grad=True) * 1)
        t[idx(torch)] = 0
        p[idx(pag)] = 0
        assert node_name(p) == node_name(t) == "IndexPutBackward0"


def test_setitem_dtype_conversions():
    for dtype in ("int64", "bool", "float64"):
        for value in (2.7, 3, True, 0):
            for idx in (lambda m: 0, lambda m: [0, 2], lambda m: (slice(None), m.tensor([True, False, True, False]))):
                t, p = both(lambda m: m.zeros(3, 4, dtype=getattr(m, dtype)))
                t[idx(torch)] = value
                p[idx(pag)] = value
                assert_close(p, t)
    t, p = both(lambda m: m.zeros(3, 4))
    t[0] = torch.tensor([1, 2, 3, 4])
    p[0] = pag.tensor([1, 2, 3, 4])
    assert_close(p, t)
    t[1:] = np.float64(3)
    p[1:] = np.float64(3)
    assert_close(p, t)


def test_setitem_complex_with_zero_imaginary_part():
    for dtype in ("float32", "int64", "bool"):
        t, p = both(lambda m: m.zeros(3, dtype=getattr(m, dtype)))
        t[0] = 3 + 0j
        p[0] = 3 + 0j
        t[[1]] = 2j if dtype == "bool" else 1 + 0j
        p[[1]] = 2j if dtype == "bool" else 1 + 0j
        assert_close(p, t)


def test_augmented_assignment():
    def f(m):
        def run(x, z):
            y = x * 1
            y[0] += z[:4]
            y[[1, 2]] *= 2
            y[y > 0] -= 1
            y[:, 1] -= z[4:7]
            y[[0, 2], 1:] /= z[5:8]
            return y
        return run
    helper_test_op([(3, 4), (8,)], f(torch), f(pag), low=0.5, high=2.0)
    t, p = both(lambda m: m.zeros(3, 4))
    t[0] += 1
    p[0] += 1
    t[[0, 1]] += 1
    p[[0, 1]] += 1
    assert_close(p, t)
    assert p._version == t._version


def test_index_tensors_with_any_strides():
    (t,) = make_inputs([(5, 6)])
    p = to_pag(t)
    base_t, base_p = torch.tensor([[4, 0, 2], [1, 3, 3]]), pag.tensor([[4, 0, 2], [1, 3, 3]])
    for fi in (lambda b: b.t(), lambda b: b[:, ::2], lambda b: b[0:1].expand(4, 3), lambda b: b[1, 2]):
        assert_close(p[fi(base_p)], t[fi(base_t)])
        assert_close(p[:, fi(base_p)], t[:, fi(base_t)])
        if fi(base_t).dim() == 2:
            assert_close(p.gather(0, fi(base_p)), t.gather(0, fi(base_t)))
    mt, mp = t > 0, p > 0
    assert_close(p[mp.t().t()], t[mt.t().t()])
    assert_close(p.t()[mp.t()], t.t()[mt.t()])
    assert_close(p[:, ::2][mp[:, ::2]], t[:, ::2][mt[:, ::2]])


def test_setitem_writes_through_views():
    t, p = both(lambda m: m.zeros(3, 4))
    tv, pv = t[1], p[1]
    tv[[1, 2]] = 1.0
    pv[[1, 2]] = 1.0
    tv[0] = 5.0
    pv[0] = 5.0
    assert_close(p, t)
    assert p._version == t._version and pv._version == tv._version


def test_setitem_under_no_grad_on_leaf():
    t, p = both(lambda m: m.ones(3, 4, requires_grad=True))
    with torch.no_grad():
        t[0] = 0
        t[[1]] = 2.0
    with pag.no_grad():
        p[0] = 0
        p[[1]] = 2.0
    assert_close(p, t)
    assert p.is_leaf and p.requires_grad and p._version == t._version


SETITEM_ERRORS = [
    (lambda m: m.ones(3, 4, requires_grad=True), lambda m, x: x.__setitem__(0, 1.0)),
    (lambda m: m.ones(3, 4, requires_grad=True), lambda m, x: x.__setitem__(Ellipsis, 1.0)),
    (lambda m: m.ones(3, 4, requires_grad=True), lambda m, x: x.__setitem__(slice(None), 1.0)),
    (lambda m: m.ones(3, 4, requires_grad=True), lambda m, x: x.__setitem__([0], 1.0)),
    (lambda m: m.ones(3, 4, requires_grad=True), lambda m, x: x.__setitem__(x > 0, 1.0)),
    (lambda m: m.ones(3, 4, requires_grad=True), lambda m, x: x[0].__setitem__(0, 1.0)),
    (lambda m: m.zeros(3, 4), lambda m, x: x.__setitem__([0, 1], m.tensor([1.0, 2, 3, 4], dtype=m.float64))),
    (lambda m: m.zeros(3, 4), lambda m, x: x.__setitem__([0, 1], m.tensor([1, 2, 3, 4]))),
    (lambda m: m.zeros(3, 4), lambda m, x: x.__setitem__(0, m.tensor([1.0, 2, 3]))),
    (lambda m: m.zeros(3, 4), lambda m, x: x.__setitem__([0, 1], m.tensor([1.0, 2, 3]))),
    (lambda m: m.zeros(3, 4), lambda m, x: x.__setitem__([0, 1], m.zeros(2, 1, 4))),
    (lambda m: m.zeros(3, 4), lambda m, x: x.__setitem__(0, m.zeros(2, 4))),
    (lambda m: m.zeros(3, 4), lambda m, x: x.__setitem__(0, "a")),
    (lambda m: m.zeros(3, 4), lambda m, x: x.__setitem__(0, None)),
    (lambda m: m.zeros(3, 4), lambda m, x: x.__setitem__(slice(1, None), [1.0, 2, 3, 4])),
    (lambda m: m.zeros(3, 4), lambda m, x: x.__setitem__(5, 1)),
    (lambda m: m.zeros(3, 4), lambda m, x: x.__setitem__([5], 1)),
    (lambda m: m.zeros(3, 4), lambda m, x: x.__setitem__(slice(None, None, -1), 1)),
    (lambda m: m.zeros(3, 4), lambda m, x: x.__setitem__(m.tensor([True, False]), 1)),
    (lambda m: m.zeros(3, 4), lambda m, x: x.__delitem__(0)),
    (lambda m: m.zeros(3, 4), lambda m, x: x.__setitem__(0, 1 + 2j)),
    (lambda m: m.zeros(3, 4, dtype=m.float64), lambda m, x: x.__setitem__(0, 1 + 2j)),
    (lambda m: m.zeros(3, 4, dtype=m.int64), lambda m, x: x.__setitem__([0], 1 + 2j)),
    (lambda m: m.zeros(3, 4), lambda m, x: x.__setitem__(2 ** 70, 1)),
]


@pytest.mark.parametrize("make,fn", SETITEM_ERRORS)
def test_setitem_errors(make, fn):
    t, p = both(make)
    helper_test_exception(lambda: fn(torch, t), lambda: fn(pag, p))


# ---------------------------------------------------------------- gather / scatter
def _idx(m, data):
    return m.tensor(data)


def test_gather():
    for dim, idx in ((1, [[0, 1, 1], [2, 0, 3], [3, 3, 3]]), (0, [[0, 1, 2, 0], [2, 2, 1, 0]]), (-1, [[1], [0], [2]])):
        ti, pi = both(lambda m: _idx(m, idx))
        p, t = helper_test_op([(3, 4)], lambda x: torch.gather(x, dim, ti), lambda x: pag.gather(x, dim, pi))
        assert node_name(p) == node_name(t) == "GatherBackward0"
        helper_test_op([(3, 4)], lambda x: x.gather(dim, ti), lambda x: x.gather(dim, pi), noncontig=True)
    ti, pi = both(lambda m: m.zeros(3, 9, dtype=m.int64))
    helper_test_op([(3, 4)], lambda x: x.gather(1, ti), lambda x: x.gather(1, pi))
    ti, pi = both(lambda m: m.zeros(0, 0, dtype=m.int64))
    check_empty_result((3, 4), lambda x: x.gather(1, ti), lambda x: x.gather(1, pi))
    ti, pi = both(lambda m: m.tensor(0))
    helper_test_op(None, lambda x: x.gather(0, ti), lambda x: x.gather(0, pi), inputs=[torch.tensor(0.7)])
    for dtype in ("int64", "bool"):
        (t,) = make_inputs([(3, 4)], dtype=dtype)
        assert_close(to_pag(t).gather(1, pag.tensor([[1, 0]])), t.gather(1, torch.tensor([[1, 0]])))


def test_gather_large_parallel():
    ti, pi = both(lambda m: m.tensor(np.random.default_rng(0).integers(0, 300, size=(300, 300))))
    helper_test_op([(300, 300)], lambda x: x.gather(0, ti), lambda x: x.gather(0, pi))


def test_scatter_family():
    idx = [[0, 1], [2, 0], [3, 3]]
    for dim in (1, -1):
        ti, pi = both(lambda m: _idx(m, idx))
        p, t = helper_test_op([(3, 4), (3, 2)], lambda x, s: torch.scatter(x, dim, ti, s),
                              lambda x, s: pag.scatter(x, dim, pi, s))
        assert node_name(p) == node_name(t) == "ScatterBackward0"
        p, t = helper_test_op([(3, 4)], lambda x: torch.scatter(x, dim, ti, 2.5), lambda x: pag.scatter(x, dim, pi, 2.5))
        assert node_name(p) == node_name(t) == "ScatterBackward1"
        p, t = helper_test_op([(3, 4)], lambda x: x.scatter(dim, ti, value=-1), lambda x: x.scatter(dim, pi, value=-1))
        p, t = helper_test_op([(3, 4), (3, 2)], lambda x, s: torch.scatter_add(x, dim, ti, s),
                              lambda x, s: pag.scatter_add(x, dim, pi, s))
        assert node_name(p) == node_name(t) == "ScatterAddBackward0"
    ti, pi = both(lambda m: _idx(m, [[0, 1, 2, 0], [1, 1, 1, 1]]))
    helper_test_op([(3, 4), (2, 4)], lambda x, s: x.scatter_add(0, ti, s), lambda x, s: x.scatter_add(0, pi, s),
                   noncontig=True)
    helper_test_op([(3, 4), (2, 4)], lambda x, s: x.scatter(0, ti, s), lambda x, s: x.scatter(0, pi, s))
    for reduce in ("add", "multiply"):
        helper_test_op([(3, 4), (2, 4)], lambda x, s: x.scatter(0, ti, s, reduce=reduce),
                       lambda x, s: x.scatter(0, pi, s, reduce=reduce), grad=False)
        helper_test_op([(3, 4)], lambda x: x.scatter(0, ti, 1.5, reduce=reduce),
                       lambda x: x.scatter(0, pi, 1.5, reduce=reduce), grad=False)
    for dtype in ("int64", "bool"):
        t, s = make_inputs([(3, 4), (2, 4)], dtype=dtype)
        assert_close(to_pag(t).scatter_add(0, pi, to_pag(s)), t.scatter_add(0, ti, s))
        assert_close(to_pag(t).scatter(0, pi, to_pag(s)), t.scatter(0, ti, s))
    t, p = both(lambda m: m.zeros(2, dtype=m.int64))
    assert_close(p.scatter_(0, pag.tensor([0]), 2.7), t.scatter_(0, torch.tensor([0]), 2.7))


def test_scatter_inplace_autograd():
    ti, pi = both(lambda m: _idx(m, [[0, 1], [2, 0], [3, 3]]))
    def f(m, i):
        def run(x, s):
            y = x * 1
            y.scatter_(1, i, s)
            y.scatter_add_(1, i, s * 2)
            y.scatter_(0, i[:1], 0.5)
            return y
        return run
    p, t = helper_test_op([(3, 4), (3, 2)], f(torch, ti), f(pag, pi))
    assert node_name(p) == node_name(t)


def test_scatter_large_parallel():
    ti, pi = both(lambda m: m.tensor(np.random.default_rng(1).integers(0, 200, size=(400, 200))))
    helper_test_op([(200, 200), (400, 200)], lambda x, s: x.scatter_add(0, ti, s), lambda x, s: x.scatter_add(0, pi, s),
                   rtol=1e-5, atol=1e-5)
    helper_test_op([(200, 200), (200, 400)], lambda x, s: x.scatter_add(1, ti.t(), s),
                   lambda x, s: x.scatter_add(1, pi.t(), s), rtol=1e-5, atol=1e-5)


def test_scatter_reduce_backward_not_implemented():
    ti, pi = both(lambda m: _idx(m, [[0, 1]]))
    tx, px = both(lambda m: m.ones(3, 4, requires_grad=True))
    helper_test_exception(lambda: tx.scatter(1, ti, torch.ones(1, 2), reduce="add").sum().backward(),
                          lambda: px.scatter(1, pi, pag.ones(1, 2), reduce="add").sum().backward())


GATHER_SCATTER_ERRORS = [
    lambda m, x: m.gather(x, 1, m.tensor([[0, 5]])),
    lambda m, x: m.gather(x, 0, m.tensor([[0, 5]])),
    lambda m, x: m.gather(x, 1, m.tensor([[-1]])),
    lambda m, x: m.gather(x, 1, m.tensor([0, 1])),
    lambda m, x: m.gather(x, 1, m.tensor([[0.0]])),
    lambda m, x: m.gather(x, 2, m.tensor([[0]])),
    lambda m, x: m.gather(x, 1, m.zeros(4, 1, dtype=m.int64)),
    lambda m, x: m.scatter(x, 1, m.tensor([[0, 9]]), m.ones(3, 4)),
    lambda m, x: m.scatter(x, 1, m.tensor([[0, -1]]), 1.0),
    lambda m, x: m.scatter(x, 1, m.tensor([[0, 1]]), m.ones(3, 4, dtype=m.float64)),
    lambda m, x: m.scatter(x, 1, m.tensor([[0.0, 1]]), m.ones(3, 4)),
    lambda m, x: m.scatter(x, 1, m.zeros(2, 2, dtype=m.int64), m.ones(1, 1)),
    lambda m, x: m.scatter(x, 1, m.zeros(2, 2, dtype=m.int64), m.tensor(1.0)),
    lambda m, x: m.scatter(x, 1, m.zeros(2, 2, dtype=m.int64), m.ones(3)),
    lambda m, x: m.scatter(x, 1, m.zeros(2, 2, dtype=m.int64), m.ones(3, 4, 5)),
    lambda m, x: m.scatter(x, 1, m.zeros(2, dtype=m.int64), 1.0),
    lambda m, x: m.scatter(x, 1, m.zeros(5, 5, dtype=m.int64), 1.0),
    lambda m, x: m.scatter(x, 1, m.zeros(2, 2, dtype=m.int64), m.ones(3, 4), reduce="foo"),
    lambda m, x: m.scatter_add(x, 1, m.zeros(2, 2, dtype=m.int64), m.ones(3, 4, dtype=m.int64)),
    lambda m, x: m.scatter_add(x, 1, m.tensor([[0, 4]]), m.ones(3, 4)),
    lambda m, x: x.scatter_add_(5, m.tensor([[0]]), m.ones(3, 4)),
]


@pytest.mark.parametrize("fn", GATHER_SCATTER_ERRORS)
def test_gather_scatter_errors(fn):
    t, p = both(lambda m: m.zeros(3, 4))
    helper_test_exception(lambda: fn(torch, t), lambda: fn(pag, p))


# ---------------------------------------------------------------- index_select / index_add
def test_index_select():
    for dim, idx in ((0, [0, 2, 2]), (1, [3]), (-1, [1, 0])):
        ti, pi = both(lambda m: m.tensor(idx, dtype=m.int64))
        p, t = helper_test_op([(3, 4)], lambda x: torch.index_select(x, dim, ti), lambda x: x.index_select(dim, pi),
                              noncontig=True)
        assert node_name(p) == node_name(t) == "IndexSelectBackward0"
    ti, pi = both(lambda m: m.tensor([], dtype=m.int64))
    check_empty_result((3, 4), lambda x: x.index_select(1, ti), lambda x: x.index_select(1, pi))
    ti, pi = both(lambda m: m.tensor(1))
    helper_test_op([(3, 4)], lambda x: x.index_select(1, ti), lambda x: x.index_select(1, pi))
    helper_test_op(None, lambda x: x.index_select(0, ti * 0), lambda x: x.index_select(0, pi * 0),
                   inputs=[torch.tensor(0.7)])
    ti, pi = both(lambda m: m.tensor([0]))
    helper_test_op(None, lambda x: x.index_select(0, ti), lambda x: x.index_select(0, pi), inputs=[torch.tensor(0.7)])
    for dtype in ("int64", "bool"):
        (t,) = make_inputs([(3, 4)], dtype=dtype)
        assert_close(to_pag(t).index_select(0, pag.tensor([2, 0])), t.index_select(0, torch.tensor([2, 0])))


def test_index_add():
    for dim, idx, src in ((0, [0, 0, 2], (3, 4)), (1, [3, 1], (3, 2)), (-1, [1], (3, 1))):
        ti, pi = both(lambda m: m.tensor(idx))
        p, t = helper_test_op([(3, 4), src], lambda x, s: torch.index_add(x, dim, ti, s),
                              lambda x, s: pag.index_add(x, dim, pi, s))
        assert node_name(p) == node_name(t) == "IndexAddBackward0"
        helper_test_op([(3, 4), src], lambda x, s: x.index_add(dim, ti, s, alpha=-2.5),
                       lambda x, s: x.index_add(dim, pi, s, alpha=-2.5), noncontig=True)
    (t, s) = make_inputs([(3, 4), (2, 4)], dtype="int64")
    assert_close(to_pag(t).index_add(0, pag.tensor([1, 1]), to_pag(s), alpha=3),
                 t.index_add(0, torch.tensor([1, 1]), s, alpha=3))


def test_index_add_inplace():
    ti, pi = both(lambda m: m.tensor([2, 0, 2]))

    def f(i):
        def run(x, s):
            y = x * 1
            y.index_add_(0, i, s)
            y.index_add_(1, i[:1], s[:, :1], alpha=0.5)
            return y
        return run
    p, t = helper_test_op([(3, 4), (3, 4)], f(ti), f(pi))
    assert node_name(p) == node_name(t) == "IndexAddBackward0"
    t, p = both(lambda m: m.zeros(3, 4))
    t.index_add_(0, ti, torch.ones(3, 4))
    p.index_add_(0, pi, pag.ones(3, 4))
    assert_close(p, t)
    assert p._version == t._version == 1
    t, p = both(lambda m: m.zeros(3, 4, requires_grad=True))
    helper_test_exception(lambda: t.index_add_(0, ti, torch.ones(3, 4)), lambda: p.index_add_(0, pi, pag.ones(3, 4)))


def test_take_and_take_along_dim():
    for idx in ([0, 5, -1], [[0, 5], [11, 2]], 3, [4, 4, 4]):
        ti, pi = both(lambda m: m.tensor(idx))
        p, t = helper_test_op([(3, 4)], lambda x: torch.take(x, ti), lambda x: x.take(pi), noncontig=True)
        assert node_name(p) == node_name(t) == "TakeBackward0"
    helper_test_exception(lambda: torch.take_along_dim(torch.ones(3, 4).t(), torch.tensor([0, 5])),
                          lambda: pag.take_along_dim(pag.ones(3, 4).t(), pag.tensor([0, 5])))
    for idx, dim in (([[0], [2], [1]], 1), ([[0, 1, 2, 0]], 0), ([[0]], 1), ([[0, 1], [1, 2], [1, 1]], None),
                     ([[2, 0, 1, 1]] * 3, -2)):
        ti, pi = both(lambda m: m.tensor(idx))
        p, t = helper_test_op([(3, 4)], lambda x: torch.take_along_dim(x, ti, dim),
                              lambda x: pag.take_along_dim(x, pi, dim))
        assert node_name(p) == node_name(t)
    ti, pi = both(lambda m: m.tensor([[0, 0]]))
    helper_test_op([(3, 1)], lambda x: x.take_along_dim(ti, 0), lambda x: x.take_along_dim(pi, 0))


TAKE_ERRORS = [
    lambda m, x: m.take(x, m.tensor([12])),
    lambda m, x: m.take(x, m.tensor([-13])),
    lambda m, x: m.take(x, m.tensor([1.0])),
    lambda m, x: m.take_along_dim(x, m.tensor([0, 1]), 1),
    lambda m, x: m.take_along_dim(x, m.tensor([[0.0, 1]]), 1),
    lambda m, x: m.take_along_dim(x, m.tensor([[0], [1]]), 1),
    lambda m, x: m.take_along_dim(x, m.tensor([[0]]), 2),
]


@pytest.mark.parametrize("fn", TAKE_ERRORS)
def test_take_errors(fn):
    t, p = both(lambda m: m.zeros(3, 4))
    helper_test_exception(lambda: fn(torch, t), lambda: fn(pag, p))


INDEX_SELECT_ADD_ERRORS = [
    lambda m, x: m.index_select(x, 1, m.tensor([4])),
    lambda m, x: m.index_select(x, 1, m.tensor([-1])),
    lambda m, x: m.index_select(x, 0, m.tensor([4])),
    lambda m, x: m.index_select(x, 0, m.tensor([-1])),
    lambda m, x: m.index_select(x.long(), 1, m.tensor([4])),
    lambda m, x: m.index_select(x, 1, m.tensor([[1]])),
    lambda m, x: m.index_select(x, 1, m.tensor([1.0])),
    lambda m, x: m.index_select(x, 2, m.tensor([0])),
    lambda m, x: m.index_select(m.tensor(5.0), 0, m.tensor([0, 0])),
    lambda m, x: m.index_select(m.tensor(5.0), 0, m.tensor([1])),
    lambda m, x: m.index_add(x, 0, m.tensor([0, 1]), m.ones(2, 5)),
    lambda m, x: m.index_add(x, 0, m.tensor([0, 1]), m.ones(3, 4)),
    lambda m, x: m.index_add(x, 0, m.tensor([0, 5]), m.ones(2, 4)),
    lambda m, x: m.index_add(x, 0, m.tensor([0, -1]), m.ones(2, 4)),
    lambda m, x: m.index_add(x, 0, m.tensor([[0, 1]]), m.ones(2, 4)),
    lambda m, x: m.index_add(x, 0, m.tensor([0.0, 1]), m.ones(2, 4)),
    lambda m, x: m.index_add(x, 0, m.tensor([0, 1]), m.ones(2, 4, dtype=m.float64)),
    lambda m, x: m.index_add(x, 0, m.tensor([0, 1]), m.ones(4)),
    lambda m, x: m.index_add(x, 1, m.tensor([1]), m.ones(3)),
]


@pytest.mark.parametrize("fn", INDEX_SELECT_ADD_ERRORS)
def test_index_select_add_errors(fn):
    t, p = both(lambda m: m.zeros(3, 4))
    helper_test_exception(lambda: fn(torch, t), lambda: fn(pag, p))


# ---------------------------------------------------------------- masked ops
def test_masked_fill():
    for mask_shape in ((3, 4), (4,), (), (2, 3, 4), (3, 1)):
        (tm,) = make_inputs([mask_shape], dtype="bool", seed=3) if mask_shape else (torch.tensor(True),)
        pm = to_pag(tm)
        p, t = helper_test_op([(3, 4)], lambda x: x.masked_fill(tm, -1.5), lambda x: x.masked_fill(pm, -1.5),
                              noncontig=True)
        assert node_name(p) == node_name(t) == "MaskedFillBackward0"
        p, t = helper_test_op(None, lambda x, v: torch.masked_fill(x, tm, v), lambda x, v: pag.masked_fill(x, pm, v),
                              inputs=make_inputs([(3, 4)]) + [torch.tensor(0.7)])
        assert node_name(p) == node_name(t) == "MaskedFillBackward1"
    helper_test_op([(3, 4)], lambda x: x.masked_fill(x > 0, 2), lambda x: x.masked_fill(x > 0, 2))
    helper_test_op([(3, 4)], lambda x: x.masked_fill(x > 0, torch.tensor(2.0, dtype=torch.float64)),
                   lambda x: x.masked_fill(x > 0, pag.tensor(2.0, dtype=pag.float64)))
    for dtype in ("int64", "bool"):
        (t,) = make_inputs([(3, 4)], dtype=dtype)
        assert_close(to_pag(t).masked_fill(pag.tensor([True, False, True, False]), 2.5),
                     t.masked_fill(torch.tensor([True, False, True, False]), 2.5))


def test_masked_fill_inplace():
    def f(x, v):
        y = x * 2
        y.masked_fill_(y > 0, 0.0)
        y.masked_fill_(y < -1, v)
        return y
    p, t = helper_test_op(None, f, inputs=make_inputs([(3, 4)]) + [torch.tensor(-0.7)])
    assert node_name(p) == node_name(t) == "MaskedFillBackward1"
    t, p = both(lambda m: m.zeros(3, 4))
    t.masked_fill_(torch.tensor([True, False, True, False]), 1.0)
    p.masked_fill_(pag.tensor([True, False, True, False]), 1.0)
    assert_close(p, t)
    assert p._version == t._version == 1


def test_masked_select():
    for mask_shape in ((3, 4), (4,), (2, 3, 4), ()):
        (tm,) = make_inputs([mask_shape], dtype="bool", seed=5) if mask_shape else (torch.tensor(True),)
        pm = to_pag(tm)
        p, t = helper_test_op([(3, 4)], lambda x: torch.masked_select(x, tm), lambda x: x.masked_select(pm),
                              noncontig=True)
        assert node_name(p) == node_name(t) == "MaskedSelectBackward0"
    tm, pm = both(lambda m: m.tensor(True))
    helper_test_op(None, lambda x: x.masked_select(tm), lambda x: x.masked_select(pm), inputs=[torch.tensor(0.7)])


MASK_ERRORS = [
    lambda m, x: x.masked_fill(m.tensor([True, False, True]), 1.0),
    lambda m, x: x.masked_fill(x, 1.0),
    lambda m, x: x.masked_fill(x.long(), 1.0),
    lambda m, x: x.masked_fill(x > 0, m.tensor([2.0])),
    lambda m, x: x.masked_fill(m.tensor([1, 0, 1, 0]), m.tensor([1.0])),
    lambda m, x: x.masked_fill_(m.ones(2, 3, 4).bool(), 1.0),
    lambda m, x: m.masked_select(x, x),
    lambda m, x: m.masked_select(x, m.tensor([True, False])),
]


@pytest.mark.parametrize("fn", MASK_ERRORS)
def test_mask_errors(fn):
    t, p = both(lambda m: m.zeros(3, 4))
    helper_test_exception(lambda: fn(torch, t), lambda: fn(pag, p))


def test_masked_fill_leaf_error():
    t, p = both(lambda m: m.zeros(3, 4, requires_grad=True))
    helper_test_exception(lambda: t.masked_fill_(t > 0, 1.0), lambda: p.masked_fill_(p > 0, 1.0))


# ---------------------------------------------------------------- nonzero
def test_nonzero():
    for shape, dtype in (((3, 4), "bool"), ((5,), "int64"), ((2, 3, 2), "float32"), ((), "bool"), ((2, 0), "bool")):
        (t,) = make_inputs([shape], dtype=dtype, low=-1, high=1, seed=7) if shape else (torch.tensor(True),)
        p = to_pag(t)
        assert_close(pag.nonzero(p), torch.nonzero(t))
        assert_close(p.nonzero(), t.nonzero())
        assert_close(pag.argwhere(p), torch.argwhere(t))
        pt, tt = pag.nonzero(p, as_tuple=True), torch.nonzero(t, as_tuple=True)
        assert len(pt) == len(tt)
        for a, b in zip(pt, tt):
            assert_close(a, b)
    for v in (5.0, 0.0):
        t, p = both(lambda m: m.tensor(v))
        assert_close(p.nonzero(), t.nonzero())
        assert_close(p.nonzero(as_tuple=True)[0], t.nonzero(as_tuple=True)[0])
    (t,) = make_inputs([(4, 3)], dtype="int64", low=-1, high=1, seed=2)
    assert_close(to_pag(t).t().nonzero(), t.t().nonzero())


# ---------------------------------------------------------------- index / index_put
def test_index_put():
    cases = [
        (lambda m: (m.tensor([0, 1]),), (4,), False),
        (lambda m: (m.tensor([0, 0, 2]),), (3, 4), True),
        (lambda m: (m.tensor([0, 0, 2]),), (3, 4), False),
        (lambda m: (m.tensor([0, 1]), m.tensor([1, 3])), (2,), True),
        (lambda m: (m.tensor([[True, False, True, True]] * 3),), (), False),
        (lambda m: (m.tensor([[True, False, True, True]] * 3),), (1,), True),
        (lambda m: (m.tensor([True, False, True]),), (2, 4), True),
        (lambda m: (m.tensor([2, 2]), m.tensor([0, 0])), (), True),
    ]
    for make_idx, vshape, acc in cases:
        ti, pi = both(make_idx)
        inputs = make_inputs([(3, 4), vshape]) if vshape else make_inputs([(3, 4)]) + [torch.tensor(0.7)]
        p, t = helper_test_op(None, lambda x, v: torch.index_put(x, ti, v, accumulate=acc),
                              lambda x, v: pag.index_put(x, pi, v, accumulate=acc), inputs=inputs)
        assert node_name(p) == node_name(t) == "IndexPutBackward0"

        def inplace(m, i):
            def run(x, v):
                y = x * 1
                y.index_put_(i, v, accumulate=acc)
                return y
            return run
        inputs = [i.detach() for i in inputs]
        p, t = helper_test_op(None, inplace(torch, ti), inplace(pag, pi), inputs=inputs)
        assert node_name(p) == node_name(t) == "IndexPutBackward0"


def test_index_put_large_accumulate():
    ti, pi = both(lambda m: m.tensor(np.random.default_rng(2).integers(0, 50, size=3000)))
    helper_test_op([(50, 64), (3000, 64)], lambda x, v: x.index_put((ti,), v, accumulate=True),
                   lambda x, v: x.index_put((pi,), v, accumulate=True), rtol=1e-5, atol=1e-5)
    helper_test_op([(50, 64)], lambda x: x[ti], lambda x: x[pi], rtol=1e-5, atol=1e-5)


def test_index_put_duplicates_last_wins():
    t, p = both(lambda m: m.zeros(3).index_put_((m.tensor([0, 0, 0]),), m.tensor([1.0, 2, 3])))
    assert_close(p, t)
    for dtype in ("int64", "bool"):
        t, p = both(lambda m: m.zeros(3, dtype=getattr(m, dtype)).index_put_(
            (m.tensor([0, 0, 2]),), m.tensor([1, 0, 1], dtype=getattr(m, dtype)), accumulate=True))
        assert_close(p, t)


INDEX_PUT_ERRORS = [
    lambda m, x: x.index_put_((m.tensor([0, 9]),), m.tensor([1.0, 2, 3, 4]).double()),
    lambda m, x: x.index_put_((m.tensor([0, 1]), m.tensor([0, 1]), m.tensor([0, 1])), m.tensor(1.0)),
    lambda m, x: x.index_put_((m.tensor([0.0, 1]),), m.tensor(1.0)),
    lambda m, x: x.index_put_((m.tensor([0, 1]),), m.tensor([1.0, 2, 3])),
    lambda m, x: x.index_put_((m.tensor([0, 9]),), m.tensor([1.0, 2, 3])),
    lambda m, x: x.index_put_((m.tensor([0, 9]),), m.tensor(1.0)),
    lambda m, x: x.index_put_((m.tensor([0, 1]),), m.ones(1, 2, 1)),
    lambda m, x: x.index_put_((m.tensor([True, False]),), m.ones(2, 4)),
    lambda m, x: x.index_put_((m.tensor([True, False]),), m.tensor(1.0)),
    lambda m, x: m.index_put(x, (None, m.tensor([0, 1])), m.tensor(1.0)),
]


@pytest.mark.parametrize("fn", INDEX_PUT_ERRORS)
def test_index_put_errors(fn):
    t, p = both(lambda m: m.zeros(3, 4))
    helper_test_exception(lambda: fn(torch, t), lambda: fn(pag, p))


def test_index_backward_create_graph():
    ti, pi = both(lambda m: m.tensor([[0, 2], [2, 1]]))
    (tx,) = make_inputs([(3, 4)], dtype="float64")
    tx.requires_grad_(True)
    px = to_pag(tx).requires_grad_(True)
    for fn_t, fn_p in ((lambda x: x.gather(1, ti), lambda x: x.gather(1, pi)),
                       (lambda x: x.index_select(0, ti[0]), lambda x: x.index_select(0, pi[0])),
                       (lambda x: x.masked_fill(x > 0, 1.0), lambda x: x.masked_fill(x > 0, 1.0)),
                       (lambda x: x.masked_select(x > 0), lambda x: x.masked_select(x > 0)),
                       (lambda x: x.scatter_add(1, ti, x[:2, :2]), lambda x: x.scatter_add(1, pi, x[:2, :2])),
                       (lambda x: x[ti], lambda x: x[pi])):
        (gt,) = torch.autograd.grad((fn_t(tx) ** 3).sum(), tx, create_graph=True)
        (gp,) = pag.autograd.grad((fn_p(px) ** 3).sum(), px, create_graph=True)
        assert_close(gp, gt)
        (ht,) = torch.autograd.grad((gt * gt).sum(), tx)
        (hp,) = pag.autograd.grad((gp * gp).sum(), px)
        assert_close(hp, ht)


def test_saved_index_modified_inplace_is_detected():
    ti, pi = both(lambda m: m.tensor([0, 1]))
    tx, px = both(lambda m: m.ones(3, requires_grad=True))
    ty, py = tx[ti], px[pi]
    ti.add_(1)
    pi.add_(1)
    helper_test_exception(lambda: ty.sum().backward(), lambda: py.sum().backward(), exact=False)


def test_warnings_match_torch():
    t, p = both(lambda m: m.zeros(3, 4))
    for fn in (lambda m, x: x[[[0, 1], [1, 2]]], lambda m, x: x.__setitem__([[0, 1], [1, 2]], 1.0)):
        with pytest.warns(UserWarning) as tw:
            fn(torch, t)
        with pytest.warns(UserWarning) as pw:
            fn(pag, p)
        assert str(pw[0].message) in str(tw[0].message)
