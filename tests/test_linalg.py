"""Matrix products against torch: values, gradients, recorded nodes and errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import pyautograd as pag
from helpers import assert_close, helper_test_exception, helper_test_op, make_inputs, to_pag

# (shape of a, shape of b): every branch of torch's matmul (dot, mv, 1-D @ 2-D, mm,
# folded mm / mv, broadcast bmm, the squeeze shortcut for size-1 batches).
MATMUL_SHAPES = [
    ((5,), (5,)),
    ((3, 5), (5,)),
    ((5,), (5, 4)),
    ((3, 5), (5, 4)),
    ((2, 3, 5), (5,)),
    ((2, 3, 5), (5, 4)),
    ((5,), (2, 5, 4)),
    ((3, 5), (2, 5, 4)),
    ((2, 3, 5), (2, 5, 4)),
    ((2, 3, 5), (1, 5, 4)),
    ((1, 3, 5), (2, 5, 4)),
    ((4, 1, 3, 5), (2, 5, 4)),
    ((2, 3, 5), (4, 2, 5, 6)),
    ((5,), (3, 2, 5, 4)),
    ((3, 2, 4, 5), (5,)),
    ((2, 1, 3, 5), (1, 4, 5, 2)),
]
# Products with a zero-size dimension: (op, shape of a, shape of b).
EMPTY_CASES = [("matmul", (0, 3, 5), (5, 4)), ("matmul", (3, 0), (0, 4)), ("matmul", (0,), (0,)),
               ("matmul", (2, 0, 5), (5, 3)), ("matmul", (4, 0), (0,)), ("matmul", (2, 3, 0), (2, 0, 4)),
               ("mm", (0, 3), (3, 4)), ("bmm", (3, 0, 4), (3, 4, 2)), ("bmm", (0, 2, 3), (0, 3, 4)),
               ("mv", (0, 3), (3,)), ("mv", (3, 0), (0,)), ("dot", (0,), (0,)), ("linear", (0, 3), (4, 3)),
               ("linear", (2, 0), (4, 0))]


def _ids(shapes):
    return ["x".join(map(str, a)) + "@" + "x".join(map(str, b)) for a, b in shapes]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=_ids(MATMUL_SHAPES))
def test_matmul(sa, sb):
    helper_test_op([sa, sb], torch.matmul, pag.matmul)


@pytest.mark.parametrize("op,sa,sb", EMPTY_CASES, ids=[c[0] + "-" + _ids([c[1:]])[0] for c in EMPTY_CASES])
def test_empty(op, sa, sb):
    # Backward from an explicit all-ones gradient: the value and the input gradients.
    t_in = make_inputs([sa, sb])
    p_in = [to_pag(t).requires_grad_() for t in t_in]
    for t in t_in:
        t.requires_grad_()
    t_fn, p_fn = (F.linear, pag.nn.functional.linear) if op == "linear" else (getattr(torch, op), getattr(pag, op))
    t_out, p_out = t_fn(*t_in), p_fn(*p_in)
    assert_close(p_out, t_out)
    t_out.backward(torch.ones_like(t_out))
    p_out.backward(pag.ones(p_out.shape))
    for t, p in zip(t_in, p_in):
        assert_close(p.grad, t.grad)


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES[:12], ids=_ids(MATMUL_SHAPES[:12]))
def test_matmul_float64_noncontig(sa, sb):
    helper_test_op([sa, sb], lambda a, b: a @ b, dtype="float64", noncontig=True)


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES[:16], ids=_ids(MATMUL_SHAPES[:16]))
def test_matmul_int64(sa, sb):
    helper_test_op([sa, sb], torch.matmul, pag.matmul, dtype="int64", low=-5, high=5, grad=False)


def _names(t, depth=2):
    out, fn = [], t.grad_fn
    while fn is not None and len(out) < depth:
        out.append(fn.name().replace("torch::autograd::", ""))
        nxt = [f for f, _ in fn.next_functions if f is not None]
        fn = nxt[0] if nxt else None
    return out


@pytest.mark.parametrize("grad_a,grad_b", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES[:16], ids=_ids(MATMUL_SHAPES[:16]))
def test_matmul_records_torch_nodes(sa, sb, grad_a, grad_b):
    ta, tb = make_inputs([sa, sb])
    pa, pb = to_pag(ta), to_pag(tb)
    ta.requires_grad_(grad_a), tb.requires_grad_(grad_b)
    pa.requires_grad_(grad_a), pb.requires_grad_(grad_b)
    assert _names(pag.matmul(pa, pb)) == _names(torch.matmul(ta, tb))


@pytest.mark.parametrize("sa,sb", [((2, 3), (3, 4)), ((1, 7), (7, 1)), ((6, 1), (1, 5)), ((33, 17), (17, 40))])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("noncontig", [False, True])
def test_mm(sa, sb, dtype, noncontig):
    helper_test_op([sa, sb], torch.mm, pag.mm, dtype=dtype, noncontig=noncontig)
    helper_test_op([sa, sb], lambda a, b: a.mm(b), dtype=dtype, noncontig=noncontig)


def test_mm_strided_views():
    # Sliced operands (no unit stride at all) and an expanded one (stride 0).
    def run(a, b):
        a_s = a.as_strided((4, 4), (24, 3), 1)        # a[::2, 1::3]
        b_s = b.as_strided((4, 4), (8, 2), 8)         # b[1:, ::2]
        b_e = b.as_strided((3, 1), (8, 1), 0).expand(3, 4)
        return a_s.mm(b_s) + a.as_strided((4, 3), (24, 1), 0).mm(b_e)
    helper_test_op([(8, 12), (5, 8)], run)


@pytest.mark.parametrize("sa,sb", [((2, 3, 4), (2, 4, 5)), ((1, 1, 1), (1, 1, 1)), ((5, 7, 3), (5, 3, 2))])
@pytest.mark.parametrize("noncontig", [False, True])
def test_bmm(sa, sb, noncontig):
    helper_test_op([sa, sb], torch.bmm, pag.bmm, noncontig=noncontig)
    helper_test_op([sa, sb], lambda a, b: a.bmm(b), dtype="float64", noncontig=noncontig)


def test_bmm_batch_transposed():
    helper_test_op([(4, 2, 3), (3, 4, 5)], lambda a, b: torch.bmm(a, b.transpose(0, 1)),
                   lambda a, b: pag.bmm(a, b.transpose(0, 1)))


@pytest.mark.parametrize("sa,sb", [((3, 4), (4,)), ((1, 4), (4,)), ((5, 1), (1,))])
@pytest.mark.parametrize("noncontig", [False, True])
def test_mv(sa, sb, noncontig):
    helper_test_op([sa, sb], torch.mv, pag.mv, noncontig=noncontig)
    helper_test_op([sa, sb], lambda a, b: a.mv(b), dtype="float64", noncontig=noncontig)


def test_mv_dot_strided():
    helper_test_op([(6, 8), (10,)], lambda a, v: a.as_strided((3, 4), (16, 2), 0).mv(v.as_strided((4,), (2,), 1)))
    helper_test_op([(10,), (5,)], lambda a, b: a.as_strided((5,), (2,), 0).dot(b))


@pytest.mark.parametrize("n", [1, 7, 100])
def test_dot(n):
    helper_test_op([(n,), (n,)], torch.dot, pag.dot)
    helper_test_op([(n,), (n,)], lambda a, b: a.dot(b), dtype="float64")
    helper_test_op([(n,), (n,)], torch.dot, pag.dot, dtype="int64", grad=False)


@pytest.mark.parametrize("bias", [(4,), (3, 4), (3, 1), (1, 4), ()])
@pytest.mark.parametrize("beta,alpha", [(1.0, 1.0), (0.5, 2.0), (0.0, 1.0), (2.0, 0.0)])
def test_addmm(bias, beta, alpha):
    helper_test_op([bias if bias != () else torch.tensor(-0.5), (3, 5), (5, 4)], lambda c, a, b: torch.addmm(c, a, b, beta=beta, alpha=alpha),
                   lambda c, a, b: pag.addmm(c, a, b, beta=beta, alpha=alpha))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_addmm_method_noncontig(dtype):
    helper_test_op([(6, 4), (6, 7), (7, 4)], lambda c, a, b: c.addmm(a, b, beta=0.25, alpha=-1.5), dtype=dtype,
                   noncontig=True)


def test_addmm_beta_zero_ignores_nan():
    c = torch.full((2, 2), float("nan"))
    a, b = torch.ones(2, 3), torch.ones(3, 2)
    ref = torch.addmm(c, a, b, beta=0)
    out = pag.addmm(to_pag(c), to_pag(a), to_pag(b), beta=0)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_addmm_int64():
    helper_test_op([(4,), (3, 5), (5, 4)], lambda c, a, b: torch.addmm(c, a, b, beta=2, alpha=3),
                   lambda c, a, b: pag.addmm(c, a, b, beta=2, alpha=3), dtype="int64", grad=False)


def test_addmm_records_node():
    c, a, b = make_inputs([(4,), (3, 5), (5, 4)])
    out = pag.addmm(to_pag(c).requires_grad_(), to_pag(a), to_pag(b))
    assert out.grad_fn.name() == type(torch.addmm(c.requires_grad_(), a, b).grad_fn).__name__ == "AddmmBackward0"


LINEAR_CASES = [
    ((2, 3), (4, 3), (4,)),
    ((2, 3), (4, 3), None),
    ((5, 2, 3), (4, 3), (4,)),
    ((5, 2, 3), (4, 3), None),
    ((3,), (4, 3), (4,)),
    ((3,), (4, 3), None),
    ((6, 5, 2, 3), (4, 3), (4,)),
    ((2, 3), (4, 3), ()),
    ((5, 2, 3), (4, 3), ()),
    ((2, 3), (3,), None),
    ((3,), (3,), ()),
    ((5, 2, 3), (4, 3), (1, 4)),
    ((5, 2, 3), (4, 3), (2, 4)),
    ((5, 2, 3), (4, 3), (5, 1, 4)),
    ((5, 2, 3), (4, 3), (1, 1)),
]


@pytest.mark.parametrize("sx,sw,sb", LINEAR_CASES, ids=[str(c) for c in LINEAR_CASES])
@pytest.mark.parametrize("noncontig", [False, True])
def test_linear(sx, sw, sb, noncontig):
    shapes = [sx, sw] + ([sb if sb != () else torch.tensor(0.75)] if sb is not None else [])
    helper_test_op(shapes, F.linear, pag.nn.functional.linear, noncontig=noncontig)


@pytest.mark.parametrize("sx,sw,sb", LINEAR_CASES, ids=[str(c) for c in LINEAR_CASES])
@pytest.mark.parametrize("noncontig", [False, True])
def test_linear_records_torch_nodes(sx, sw, sb, noncontig):
    shapes = [sx, sw] + ([sb if sb != () else torch.tensor(0.75)] if sb is not None else [])
    t_in = make_inputs(shapes, noncontig=noncontig)
    p_in = [to_pag(t) for t in t_in]
    if noncontig:
        p_in = [p if t.is_contiguous() else to_pag(t.transpose(-1, -2).contiguous()).transpose(-1, -2)
                for t, p in zip(t_in, p_in)]
    for t, p in zip(t_in, p_in):
        t.requires_grad_(True)
        p.requires_grad_(True)
    assert _names(pag.nn.functional.linear(*p_in), 3) == _names(F.linear(*t_in), 3)


def test_operators_and_methods():
    helper_test_op([(3, 4), (4, 2)], lambda a, b: a @ b)
    helper_test_op([(3, 4), (4, 2)], lambda a, b: a.matmul(b))
    helper_test_op([(2, 3, 4), (4,)], lambda a, b: b.__rmatmul__(a))
    ta = torch.ones(2, 2)
    # Same TypeError; the message names the class by its qualified name.
    helper_test_exception(lambda: ta @ 2, lambda: pag.ones(2, 2) @ 2, exact=False)
    helper_test_exception(lambda: 2 @ ta, lambda: 2 @ pag.ones(2, 2), exact=False)


def test_create_graph_second_order():
    def f(lib):
        def run(x, w, c):
            y = lib.addmm(c, x, w, beta=0.5, alpha=2.0)
            z = lib.matmul(y.tanh(), w.t())
            (g,) = (torch if lib is torch else pag).autograd.grad((z * z).sum(), [x], create_graph=True)
            return (g * g).sum() + lib.mv(g.t(), c).sum() + lib.dot(g.select(0, 0), g.select(0, 1))
        return run
    helper_test_op([(3, 4), (4, 3), (3,)], f(torch), f(pag), dtype="float64")


def test_bmm_second_order():
    def f(lib):
        def run(a, b):
            (g,) = (torch if lib is torch else pag).autograd.grad(lib.bmm(a, b).pow(2).sum(), [a], create_graph=True)
            return lib.bmm(g, b).sum()
        return run
    helper_test_op([(2, 3, 4), (2, 4, 5)], f(torch), f(pag), dtype="float64")


@pytest.fixture
def int_indexing(monkeypatch):
    # gradcheck reads outputs element by element (t[k]); route integer indexing
    # through select() where the branch has no Tensor.__getitem__ of its own.
    if not hasattr(pag.Tensor, "__getitem__"):
        monkeypatch.setattr(pag.Tensor, "__getitem__", lambda t, k: t.select(0, k), raising=False)


def _first_grad(fn, n_inputs, grad_outputs):
    """(inputs) -> d<fn(inputs), grad_outputs>/d(inputs) with create_graph: what gradgradcheck
    differentiates. The finite-difference pass calls it on plain tensors under no_grad, so it
    makes its own leaves and turns grad mode on."""
    def first_grad(*args):
        ins = [a if a.requires_grad else a.detach().requires_grad_(True) for a in args[:n_inputs]]
        with pag.enable_grad():
            return pag.autograd.grad(fn(*ins), ins, grad_outputs, create_graph=True)
    return first_grad


@pytest.mark.parametrize("op", ["mm", "matmul", "addmm", "bmm", "mv", "dot", "matmul_batched", "matmul_1d"])
def test_gradcheck(op, int_indexing):
    rng = np.random.default_rng(1)

    def t(*s):
        return pag.tensor(rng.standard_normal(s)).requires_grad_(True)
    cases = {
        "mm": (pag.mm, (t(3, 4), t(4, 2))),
        "matmul": (pag.matmul, (t(2, 3, 4), t(4, 2))),
        "matmul_batched": (pag.matmul, (t(2, 1, 3, 2), t(2, 2, 3))),
        "matmul_1d": (pag.matmul, (t(3), t(3, 2))),
        "addmm": (lambda c, a, b: pag.addmm(c, a, b, beta=0.7, alpha=-1.3), (t(2), t(3, 4), t(4, 2))),
        "bmm": (pag.bmm, (t(2, 3, 2), t(2, 2, 3))),
        "mv": (pag.mv, (t(3, 4), t(4))),
        "dot": (pag.dot, (t(5), t(5))),
    }
    fn, inputs = cases[op]
    assert pag.autograd.gradcheck(fn, inputs)
    grad_out = pag.tensor(rng.standard_normal(tuple(fn(*inputs).shape)))
    assert pag.autograd.gradcheck(_first_grad(fn, len(inputs), grad_out), inputs)


ERRORS = [
    lambda L: L.mm(L.ones(2, 3), L.ones(4, 5)),
    lambda L: L.mm(L.ones(2, 3), L.ones(3)),
    lambda L: L.mm(L.ones(3), L.ones(3, 4)),
    lambda L: L.mm(L.ones(2, 3), L.ones(3, 4, dtype=L.float64)),
    lambda L: L.mm(L.ones(2, 3, dtype=L.int64), L.ones(3, 4)),
    lambda L: L.mm(L.ones(2, 3, dtype=L.bool), L.ones(3, 4, dtype=L.bool)),
    lambda L: L.mm(L.ones(2, 3), L.ones(3, 5, dtype=L.bool)),
    lambda L: L.matmul(L.ones(2, 3, dtype=L.bool), L.ones(3, 4, dtype=L.bool)),
    lambda L: L.matmul(L.ones(3, dtype=L.bool), L.ones(3, dtype=L.bool)),
    lambda L: L.matmul(L.ones(2, 3, dtype=L.bool), L.ones(3, dtype=L.bool)),
    lambda L: L.matmul(L.ones(2, 2, 3, dtype=L.bool), L.ones(2, 3, 4, dtype=L.bool)),
    lambda L: L.matmul(L.ones(2, 3), L.ones(4, 5)),
    lambda L: L.matmul(L.ones(3), L.ones(4)),
    lambda L: L.matmul(L.ones(2, 3), L.ones(4)),
    lambda L: L.matmul(L.ones(3), L.ones(4, 5)),
    lambda L: L.matmul(L.ones(2, 2, 3), L.ones(2, 4, 5)),
    lambda L: L.matmul(L.ones(2, 2, 3), L.ones(3, 3, 4)),
    lambda L: L.matmul(L.ones(2, 2, 3), L.ones(4)),
    lambda L: L.matmul(L.ones(2, 2, 3), L.ones(4, 5)),
    lambda L: L.matmul(L.ones(3), L.ones(2, 4, 5)),
    lambda L: L.matmul(L.ones(2, 2, 3), L.ones(1, 4, 4)),
    lambda L: L.matmul(L.ones(2, 2, 3), L.ones(1, 4, 4, requires_grad=True)),
    lambda L: L.matmul(L.ones(2, 2, 3), L.ones(3, 2, 4, 4)),
    lambda L: L.matmul(L.ones(0, 2, 3), L.ones(5, 3, 4)),
    lambda L: L.matmul(L.ones(()), L.ones(3)),
    lambda L: L.matmul(L.ones(3), L.ones(())),
    lambda L: L.matmul(L.ones(3), L.ones(3, dtype=L.float64)),
    lambda L: L.matmul(L.ones(2, 3), L.ones(3, dtype=L.float64)),
    lambda L: L.matmul(L.ones(2, 3), L.ones(3, 4, dtype=L.float64)),
    lambda L: L.matmul(L.ones(2, 2, 3), L.ones(2, 3, 4, dtype=L.float64)),
    lambda L: L.matmul(L.ones(2, 2, 3), L.ones(3, 4, dtype=L.float64)),
    lambda L: L.matmul(L.ones(2, 2, 3), L.ones(3, dtype=L.float64)),
    lambda L: L.matmul(L.ones(2, 3), L.ones(2, 3, 4, dtype=L.float64)),
    lambda L: L.matmul(L.ones(3, dtype=L.int64), L.ones(3, 4)),
    lambda L: L.dot(L.ones(3), L.ones(4)),
    lambda L: L.dot(L.ones(3, 1), L.ones(3)),
    lambda L: L.dot(L.ones(3), L.ones(3, 1)),
    lambda L: L.dot(L.ones(3), L.ones(3, dtype=L.float64)),
    lambda L: L.dot(L.ones(3, dtype=L.bool), L.ones(3, dtype=L.bool)),
    lambda L: L.dot(L.ones(3, dtype=L.bool), L.ones(4, dtype=L.bool)),
    lambda L: L.dot(L.ones(()), L.ones(())),
    lambda L: L.mv(L.ones(2, 3), L.ones(4)),
    lambda L: L.mv(L.ones(2, 3), L.ones(3, 1)),
    lambda L: L.mv(L.ones(3), L.ones(3)),
    lambda L: L.mv(L.ones(2, 3), L.ones(3, dtype=L.float64)),
    lambda L: L.mv(L.ones(2, 3, dtype=L.float64), L.ones(4)),
    lambda L: L.mv(L.ones(2, 3, dtype=L.bool), L.ones(3, dtype=L.bool)),
    lambda L: L.bmm(L.ones(2, 3), L.ones(2, 3, 4)),
    lambda L: L.bmm(L.ones(2, 2, 3), L.ones(3, 4)),
    lambda L: L.bmm(L.ones(2, 2, 3), L.ones(3, 3, 4)),
    lambda L: L.bmm(L.ones(2, 2, 3), L.ones(2, 4, 4)),
    lambda L: L.bmm(L.ones(2, 2, 3), L.ones(2, 3, 4, dtype=L.float64)),
    lambda L: L.bmm(L.ones(2, 2, 3, dtype=L.int64), L.ones(2, 3, 4)),
    lambda L: L.bmm(L.ones(2, 2, 3, dtype=L.bool), L.ones(2, 3, 4, dtype=L.bool)),
    lambda L: L.addmm(L.ones(3), L.ones(2, 3), L.ones(4, 5)),
    lambda L: L.addmm(L.ones(3), L.ones(2, 3), L.ones(3, 5)),
    lambda L: L.addmm(L.ones(2, 1, 5), L.ones(2, 3), L.ones(3, 5)),
    lambda L: L.addmm(L.ones(5), L.ones(3), L.ones(3, 5)),
    lambda L: L.addmm(L.ones(5), L.ones(2, 3), L.ones(3)),
    lambda L: L.addmm(L.ones(5, dtype=L.float64), L.ones(2, 3), L.ones(3, 5)),
    lambda L: L.addmm(L.ones(5), L.ones(2, 3, dtype=L.float64), L.ones(3, 5)),
    lambda L: L.addmm(L.ones(5), L.ones(2, 3), L.ones(3, 5, dtype=L.float64)),
    lambda L: L.addmm(L.ones(5, dtype=L.float64), L.ones(2, 3), L.ones(4, 5)),
    lambda L: L.addmm(L.ones(5, dtype=L.int64), L.ones(2, 3), L.ones(3, 5)),
    lambda L: L.addmm(L.ones(5, dtype=L.bool), L.ones(2, 3, dtype=L.bool), L.ones(3, 5, dtype=L.bool)),
]


def _linear(L):
    return F.linear if L is torch else pag.nn.functional.linear


LINEAR_ERRORS = [
    lambda L: _linear(L)(L.ones(2, 3), L.ones(4, 5)),
    lambda L: _linear(L)(L.ones(2, 3), L.ones(4, 3), L.ones(5)),
    lambda L: _linear(L)(L.ones(2, 2, 3), L.ones(4, 3), L.ones(5)),
    lambda L: _linear(L)(L.ones(()), L.ones(4, 3)),
    lambda L: _linear(L)(L.ones(3), L.ones(())),
    lambda L: _linear(L)(L.ones(2, 3), L.ones(3), L.ones(())),
    lambda L: _linear(L)(L.ones(2, 3), L.ones(2, 4, 3)),
    lambda L: _linear(L)(L.ones(2, 3), L.ones(4, 3, dtype=L.float64)),
    lambda L: _linear(L)(L.ones(2, 3), L.ones(4, 3), L.ones(4, dtype=L.float64)),
    lambda L: _linear(L)(L.ones(2, 2, 3), L.ones(4, 3), L.ones(4, dtype=L.float64)),
    lambda L: _linear(L)(L.ones(3), L.ones(3), L.ones(1)),
    lambda L: _linear(L)(L.ones(5, 2, 3), L.ones(4, 3), L.ones(2, 1)),
    lambda L: _linear(L)(L.ones(5, 2, 3), L.ones(4, 3), L.ones(1, 1, 4)),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    helper_test_exception(lambda: ERRORS[i](torch), lambda: ERRORS[i](pag))


@pytest.mark.parametrize("i", range(len(LINEAR_ERRORS)))
def test_linear_errors(i):
    helper_test_exception(lambda: LINEAR_ERRORS[i](torch), lambda: LINEAR_ERRORS[i](pag))


def test_non_tensor_argument_is_type_error():
    helper_test_exception(lambda: torch.mm(torch.ones(2, 2), 2), lambda: pag.mm(pag.ones(2, 2), 2), exact=False)


# torch's mm_mat1_backward / mm_mat2_backward: a column-major operand gets its gradient
# computed column-major, so after the transpose the leaf's .grad is row-major (Linear's
# weight); values, strides and the recorded double-backward graph follow torch.
@pytest.mark.parametrize("op", ["mm", "addmm", "linear"])
@pytest.mark.parametrize("a_t,b_t", [(False, False), (True, False), (False, True), (True, True)])
def test_mm_gradient_layout_as_torch(op, a_t, b_t):
    rng = np.random.default_rng(3)
    a0 = rng.standard_normal((6, 5)).astype(np.float32)
    b0 = rng.standard_normal((5, 4)).astype(np.float32)
    bias0 = rng.standard_normal(4).astype(np.float32)
    out = {}
    for lib in (torch, pag):
        # leaves stored transposed when asked, so the operand is a column-major view
        la = lib.tensor(a0.T.copy() if a_t else a0, requires_grad=True)
        lb = lib.tensor(b0.T.copy() if b_t else b0, requires_grad=True)
        bias = lib.tensor(bias0, requires_grad=True)
        a = la.t() if a_t else la
        b = lb.t() if b_t else lb
        if op == "mm":
            y = lib.mm(a, b)
        elif op == "addmm":
            y = lib.addmm(bias, a, b)
        else:
            y = lib.nn.functional.linear(a, b.t(), bias)
        (ga, gb) = lib.autograd.grad((y * y).sum(), (la, lb), create_graph=True)
        out[lib] = (ga, gb, ga.stride(), gb.stride(), ga.grad_fn.name(), gb.grad_fn.name())
    t, p = out[torch], out[pag]
    assert_close(p[0], t[0])
    assert_close(p[1], t[1])
    assert p[2:] == t[2:]


def test_linear_weight_grad_is_row_major():
    lin = pag.nn.Linear(7, 3)
    lin(pag.randn(5, 7)).sum().backward()
    assert lin.weight.grad.is_contiguous() and lin.weight.grad.stride() == (7, 1)
