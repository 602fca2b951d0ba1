"""Autograd against torch: graph structure, .grad semantics, backward/grad arguments, grad modes,
in-place and views, custom Functions, hooks, higher-order gradients, gradcheck."""
import os
import sys
import threading
import warnings

import numpy as np
import pytest
import torch

sys.path.insert(0, os.path.dirname(__file__))
import pyautograd as pag  # noqa: E402
from helpers import assert_close, helper_test_exception, to_pag  # noqa: E402


def _ns(x):
    return torch if isinstance(x, torch.Tensor) else pag


def both(values, dtype="float32", requires_grad=True):
    """The same leaf in torch and pyautograd."""
    t = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=requires_grad)
    p = pag.tensor(values, dtype=getattr(pag, dtype), requires_grad=requires_grad)
    return t, p


def graph(fn, depth=6):
    """A grad_fn's graph as nested (name, input_nr, children) tuples, for comparing structure."""
    if fn is None or depth == 0:
        return None
    return (fn.name(), tuple((graph(f, depth - 1), nr) for f, nr in fn.next_functions))


def check_graph(p, t):
    assert graph(p.grad_fn) == graph(t.grad_fn), f"\n pyautograd: {graph(p.grad_fn)}\n torch:      {graph(t.grad_fn)}"


# ---------------------------------------------------------------- requires_grad, leaves, grad_fn
def test_requires_grad_and_leaves():
    t, p = both([1.0, 2.0])
    for x in (t, p):
        assert x.requires_grad and x.is_leaf and x.grad_fn is None
        y = x * 2
        assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
        z = _ns(x).ones(2)
        assert not z.requires_grad and z.is_leaf
        assert z.requires_grad_() is z and z.requires_grad and z.is_leaf
        z.requires_grad_(False)
        assert not z.requires_grad
        z.requires_grad = True
        assert z.requires_grad
        assert not (z.detach() * 2).requires_grad
        i = _ns(x).tensor([1, 2])
        assert not (i * 2).requires_grad and (i * 2).grad_fn is None
        assert not (x > 0).requires_grad and (x > 0).grad_fn is None
        assert not x.long().requires_grad
    helper_test_exception(lambda: torch.tensor([1, 2]).requires_grad_(), lambda: pag.tensor([1, 2]).requires_grad_())
    helper_test_exception(lambda: setattr(torch.tensor([True]), "requires_grad", True),
                          lambda: setattr(pag.tensor([True]), "requires_grad", True))
    helper_test_exception(lambda: setattr(t * 2, "requires_grad", False), lambda: setattr(p * 2, "requires_grad", False))
    helper_test_exception(lambda: (t * 2).requires_grad_(False), lambda: (p * 2).requires_grad_(False))
    # requires_grad=True on a non-leaf is allowed and changes nothing
    (t * 2).requires_grad_(True)
    (p * 2).requires_grad_(True)


def test_grad_fn_graph_structure():
    t, p = both([1.0, 2.0, 3.0])
    tw, pw = both([0.5, -1.0, 2.0])
    cases = [lambda x, w: (x * 2 + 1).sum(), lambda x, w: (x * w).exp().sum() / 3,
             lambda x, w: x.unsqueeze(0).expand(2, 3).t().reshape(-1).relu(),
             lambda x, w: _ns(x).cat([x, w]).view(2, 3).sum(0) - w.detach(),
             lambda x, w: _ns(x).stack([x, w]).mean() if hasattr(x, "mean") else x,
             lambda x, w: x.clamp(min=w).sigmoid().pow(2), lambda x, w: 2 - x / w, lambda x, w: 2 ** x,
             lambda x, w: _ns(x).where(x > w, x, w).tanh(), lambda x, w: x.double().float(),
             lambda x, w: x.split([1, 2])[1] * w.narrow(0, 0, 2)]
    for fn in cases:
        check_graph(fn(p, pw), fn(t, tw))


def test_next_functions_and_accumulate_grad():
    t, p = both([1.0, 2.0])
    for x in (t, p):
        y = (x * 2).sum()
        mul = y.grad_fn.next_functions[0][0]
        acc, nr = mul.next_functions[0]
        assert nr == 0 and mul.next_functions[1] == (None, 0)
        assert acc.variable is x
        assert acc.next_functions == ()
        # the same leaf keeps one sink
        assert (x * 3).grad_fn.next_functions[0][0] is acc
    tp = t * 2
    pp = p * 2
    assert pp.grad_fn.next_functions[0][0].name() == tp.grad_fn.next_functions[0][0].name()


def test_output_nr():
    t, p = both([[1.0, 2.0], [3.0, 4.0]])
    for x, y in [(t, p)]:
        ta, tb = x.unbind()
        pa, pb = y.unbind()
        assert (pa.output_nr, pb.output_nr) == (ta.output_nr, tb.output_nr)
        tn = (tb * 1).grad_fn.next_functions[0]
        pn = (pb * 1).grad_fn.next_functions[0]
        assert pn[1] == tn[1] == 1


# ---------------------------------------------------------------- .grad
def test_grad_accumulates_across_backward():
    t, p = both([1.0, 2.0, 3.0])
    for x in (t, p):
        (x * 2).sum().backward()
        g = x.grad
        (x * x).sum().backward()
        assert x.grad is g, "accumulation is in place into the existing .grad"
        x.grad.zero_()
        (x ** 3).sum().backward()
    assert_close(p.grad, t.grad)
    t.grad = None
    p.grad = None
    (t.exp() * 2).sum().backward()
    (p.exp() * 2).sum().backward()
    assert_close(p.grad, t.grad)


def test_grad_of_nonleaf_is_none_unless_retained():
    t, p = both([1.0, 2.0])
    for x in (t, p):
        y = x * 2
        z = y * 3
        z.retain_grad()
        assert z.retains_grad and not y.retains_grad and not x.retains_grad
        (z * z).sum().backward()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            assert y.grad is None
        assert any("is not a leaf Tensor is being accessed" in str(m.message) for m in w)
        x.retain_grad()  # a leaf: no-op
    tz, pz = (t * 2), (p * 2)
    tz.retain_grad()
    pz.retain_grad()
    (tz ** 2).sum().backward()
    (pz ** 2).sum().backward()
    assert_close(pz.grad, tz.grad)
    (tz ** 2).sum().backward() if False else None
    helper_test_exception(lambda: torch.ones(2).retain_grad(), lambda: pag.ones(2).retain_grad())


def test_retain_grad_accumulates():
    t, p = both([1.0, 2.0])
    for x in (t, p):
        y = x * 2
        y.retain_grad()
        (y * y).sum().backward(retain_graph=True)
        (y * y).sum().backward()
    assert_close(p * 0 + 0, t * 0 + 0)
    ty, py = t * 2, p * 2
    ty.retain_grad()
    py.retain_grad()
    (ty * ty).sum().backward(retain_graph=True)
    (py * py).sum().backward(retain_graph=True)
    (ty * 3).sum().backward()
    (py * 3).sum().backward()
    assert_close(py.grad, ty.grad)


def test_grad_assignment():
    t, p = both([1.0, 2.0, 3.0])
    for x in (t, p):
        x.grad = _ns(x).ones(3)
        (x * 2).sum().backward()
        x.grad = None
        assert x.grad is None
        (x * 2).sum().backward()
    assert_close(p.grad, t.grad)
    for bad in [lambda m: 1, lambda m: [1.0, 2.0, 3.0], lambda m: "g", lambda m: m.ones(2),
                lambda m: m.ones(3, dtype=m.float64), lambda m: m.ones(3, dtype=m.int64), lambda m: m.ones(3, 1)]:
        helper_test_exception(lambda: setattr(t, "grad", bad(torch)), lambda: setattr(p, "grad", bad(pag)))


# ---------------------------------------------------------------- backward arguments
def test_backward_with_gradient():
    t, p = both([[1.0, 2.0], [3.0, 4.0]])
    gt = torch.tensor([[1.0, -1.0], [0.5, 2.0]])
    for x, g in [(t, gt), (p, to_pag(gt))]:
        (x * x).backward(g)
        (x.exp()).backward(gradient=g * 2)
    assert_close(p.grad, t.grad)
    # a float64 gradient for a float32 output
    t.grad = p.grad = None
    (t * 3).backward(gt.double())
    (p * 3).backward(to_pag(gt.double()))
    assert_close(p.grad, t.grad)
    helper_test_exception(lambda: (t * 2).backward(torch.ones(3)), lambda: (p * 2).backward(pag.ones(3)))
    helper_test_exception(lambda: (t * 2).backward(), lambda: (p * 2).backward())
    helper_test_exception(lambda: torch.ones(2).sum().backward(), lambda: pag.ones(2).sum().backward())
    helper_test_exception(lambda: t.long().sum().backward(), lambda: p.long().sum().backward())


def test_backward_twice():
    t, p = both([1.0, 2.0, 3.0])
    for make in [lambda x: (x * x).sum(), lambda x: (x * 2).sum(), lambda x: x.exp().sum(),
                 lambda x: (x.sigmoid() * x).mean() if hasattr(x, "mean") else x.sum()]:
        lt, lp = make(t), make(p)
        lt.backward()
        lp.backward()
        helper_test_exception(lambda: lt.backward(), lambda: lp.backward())
    # nothing saved: a second backward is allowed, as in torch
    for x in (t, p):
        x.grad = None
        lo = (x + 2).sum()
        lo.backward()
        lo.backward()
    assert_close(p.grad, t.grad)


def test_retain_graph():
    t, p = both([1.0, 2.0, 3.0])
    for x in (t, p):
        lo = (x * x.exp()).sum()
        lo.backward(retain_graph=True)
        lo.backward(retain_graph=True)
        lo.backward()
    assert_close(p.grad, t.grad)


def test_backward_inputs():
    ta, pa = both([1.0, 2.0])
    tb, pb = both([3.0, -1.0])
    for a, b in [(ta, tb), (pa, pb)]:
        (a * b * 2).sum().backward(inputs=[a])
        assert b.grad is None
        c = a * 3
        (c * b).sum().backward(inputs=[c, b])
        assert c.grad is not None
        (a * b).sum().backward(inputs=b)
    assert_close(pa.grad, ta.grad)
    assert_close(pb.grad, tb.grad)
    tc, pc = ta * 3, pa * 3
    (tc * tb).sum().backward(inputs=[tc])
    (pc * pb).sum().backward(inputs=[pc])
    assert_close(pc.grad, tc.grad)
    helper_test_exception(lambda: (ta * 2).sum().backward(inputs=[]), lambda: (pa * 2).sum().backward(inputs=[]))


def test_autograd_backward_function():
    ta, pa = both([1.0, 2.0])
    for a in (ta, pa):
        ns = _ns(a)
        ns.autograd.backward([(a * 2).sum(), (a * a).sum()])
        ns.autograd.backward(a * 3, grad_tensors=ns.ones(2))
        ns.autograd.backward([a * 4], [ns.ones(2)])
    assert_close(pa.grad, ta.grad)
    helper_test_exception(lambda: torch.autograd.backward([ta.sum(), ta.sum()], [torch.ones(())]),
                          lambda: pag.autograd.backward([pa.sum(), pa.sum()], [pag.ones(())]))


# ---------------------------------------------------------------- autograd.grad
def test_autograd_grad_basics():
    ta, pa = both([1.0, 2.0, 3.0], "float64")
    tb, pb = both([0.5, -1.0, 2.0], "float64")
    for fn in [lambda a, b: (a * b).sum(), lambda a, b: (a.exp() * b.sin()).sum()]:
        gt = torch.autograd.grad(fn(ta, tb), [ta, tb])
        gp = pag.autograd.grad(fn(pa, pb), [pa, pb])
        assert isinstance(gp, tuple) and len(gp) == 2
        for x, y in zip(gp, gt):
            assert_close(x, y)
        # single input tensor
        (g1,) = pag.autograd.grad(fn(pa, pb), pa)
        assert_close(g1, torch.autograd.grad(fn(ta, tb), ta)[0])
    assert pa.grad is None and ta.grad is None, "autograd.grad does not touch .grad"
    # several outputs and grad_outputs
    gt = torch.autograd.grad([ta * 2, tb * ta], [ta, tb], grad_outputs=[torch.ones(3, dtype=torch.float64),
                                                                          torch.arange(3.0, dtype=torch.float64)])
    gp = pag.autograd.grad([pa * 2, pb * pa], [pa, pb], grad_outputs=[pag.ones(3, dtype=pag.float64),
                                                                       pag.arange(3.0, dtype=pag.float64)])
    for x, y in zip(gp, gt):
        assert_close(x, y)
    # grad w.r.t. an intermediate
    tc, pc = ta * 2, pa * 2
    assert_close(pag.autograd.grad((pc ** 2).sum(), pc)[0], torch.autograd.grad((tc ** 2).sum(), tc)[0])


def test_autograd_grad_allow_unused_and_errors():
    ta, pa = both([1.0, 2.0])
    tb, pb = both([3.0, 4.0])
    gt = torch.autograd.grad((ta * 2).sum(), [ta, tb], allow_unused=True)
    gp = pag.autograd.grad((pa * 2).sum(), [pa, pb], allow_unused=True)
    assert gp[1] is None and gt[1] is None
    assert_close(gp[0], gt[0])
    gt = torch.autograd.grad((ta * 2).sum(), [ta, tb], materialize_grads=True)
    gp = pag.autograd.grad((pa * 2).sum(), [pa, pb], materialize_grads=True)
    assert_close(gp[1], gt[1])
    helper_test_exception(lambda: torch.autograd.grad((ta * 2).sum(), [ta, tb]),
                          lambda: pag.autograd.grad((pa * 2).sum(), [pa, pb]))
    helper_test_exception(lambda: torch.autograd.grad((ta * 2).sum(), [tb, ta]),
                          lambda: pag.autograd.grad((pa * 2).sum(), [pb, pa]))
    helper_test_exception(lambda: torch.autograd.grad((ta * 2).sum(), [torch.ones(2)]),
                          lambda: pag.autograd.grad((pa * 2).sum(), [pag.ones(2)]))
    helper_test_exception(lambda: torch.autograd.grad((ta * 2).sum(), []),
                          lambda: pag.autograd.grad((pa * 2).sum(), []))
    helper_test_exception(lambda: torch.autograd.grad(ta * 2, ta), lambda: pag.autograd.grad(pa * 2, pa))
    helper_test_exception(lambda: torch.autograd.grad(ta.sum(), ta, grad_outputs=torch.ones(2)),
                          lambda: pag.autograd.grad(pa.sum(), pa, grad_outputs=pag.ones(2)))
    helper_test_exception(lambda: torch.autograd.grad([ta.sum(), ta.sum()], ta, grad_outputs=[torch.ones(())]),
                          lambda: pag.autograd.grad([pa.sum(), pa.sum()], pa, grad_outputs=[pag.ones(())]))
    helper_test_exception(lambda: torch.autograd.grad(torch.ones(2).sum(), ta),
                          lambda: pag.autograd.grad(pag.ones(2).sum(), pa))


def test_autograd_grad_retain_graph():
    ta, pa = both([1.0, 2.0])
    for a in (ta, pa):
        y = (a.exp() * a).sum()
        g1 = _ns(a).autograd.grad(y, a, retain_graph=True)[0]
        g2 = _ns(a).autograd.grad(y, a)[0]
        assert_close(g1, g2) if isinstance(g1, pag.Tensor) else None
    ty, py = (ta.exp() * ta).sum(), (pa.exp() * pa).sum()
    torch.autograd.grad(ty, ta)
    pag.autograd.grad(py, pa)
    helper_test_exception(lambda: torch.autograd.grad(ty, ta), lambda: pag.autograd.grad(py, pa))


# ---------------------------------------------------------------- higher order
SECOND_ORDER = {
    "mul": lambda x, w: (x * x * w).sum(),
    "div": lambda x, w: (w / x).sum(),
    "rdiv": lambda x, w: (2 / x).sum(),
    "pow": lambda x, w: (x ** 3).sum(),
    "pow_tensor": lambda x, w: (x ** w).sum(),
    "rpow": lambda x, w: (2 ** x).sum(),
    "exp": lambda x, w: x.exp().sum(),
    "log": lambda x, w: (x.log() * w).sum(),
    "log1p": lambda x, w: x.log1p().sum(),
    "sqrt": lambda x, w: x.sqrt().sum(),
    "rsqrt": lambda x, w: x.rsqrt().sum(),
    "sin": lambda x, w: x.sin().sum(),
    "cos": lambda x, w: x.cos().sum(),
    "tanh": lambda x, w: x.tanh().sum(),
    "sigmoid": lambda x, w: x.sigmoid().sum(),
    "reciprocal": lambda x, w: x.reciprocal().sum(),
    "square": lambda x, w: (x.square() * w).sum(),
    "abs": lambda x, w: (x.abs() * x).sum(),
    "relu": lambda x, w: (x.relu() * x).sum(),
    "clamp": lambda x, w: (x.clamp(0.5, 1.5) ** 2).sum(),
    "maximum": lambda x, w: (x.maximum(w) ** 2).sum(),
    "where": lambda x, w: (_ns(x).where(x > 1, x * x, w * x)).sum(),
    "sum": lambda x, w: (x.sum() ** 2),
    "mean": lambda x, w: (x.mean() ** 3),
    "sum_dim": lambda x, w: (x.view(3, 1).expand(3, 2).sum(0) ** 2).sum(),
    "mean_dim": lambda x, w: (x.view(1, 3).mean(1) ** 2).sum(),
    "views": lambda x, w: (x.unsqueeze(1).t().reshape(3).narrow(0, 1, 2) ** 3).sum() + (x.select(0, 0) ** 4),
    "cat_stack": lambda x, w: (_ns(x).cat([x, x * w]) ** 2).sum() + (_ns(x).stack([x, w]) ** 3).sum(),
    "split": lambda x, w: (x.split([1, 2])[1] ** 3).sum(),
    "as_strided": lambda x, w: (x.as_strided((2, 2), (1, 1)) ** 3).sum(),
    "sub_rsub": lambda x, w: ((1 - x) * (x - w) ** 2).sum(),
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_derivative(name):
    fn = SECOND_ORDER[name]
    tx, px = both([0.7, 1.3, 2.1], "float64")
    tw, pw = both([0.5, 1.5, -0.5], "float64")
    results = []
    for x, w in [(tx, tw), (px, pw)]:
        ns = _ns(x)
        y = fn(x, w)
        gx, gw = ns.autograd.grad(y, [x, w], create_graph=True, allow_unused=True, materialize_grads=True)
        assert gx.requires_grad
        s = (gx * ns.tensor([1.0, -2.0, 0.5], dtype=x.dtype)).sum()
        hx, hw = ns.autograd.grad(s, [x, w], allow_unused=True, materialize_grads=True)
        results.append((gx, hx, hw))
    for p, t in zip(results[1], results[0]):
        assert_close(p, t, rtol=1e-10, atol=1e-10)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_create_graph_backward():
    tx, px = both([0.5, 1.0, 2.0], "float64")
    for x in (tx, px):
        y = (x ** 3).sum()
        y.backward(create_graph=True)
        g = x.grad
        assert g.requires_grad and g.grad_fn is not None
        x.grad = None
        g.sum().backward()
    assert_close(px.grad, tx.grad)


def test_third_derivative():
    tx, px = both([0.5, 1.0, 2.0], "float64")
    out = []
    for x in (tx, px):
        ns = _ns(x)
        g = ns.autograd.grad((x.sin() * x ** 2).sum(), x, create_graph=True)[0]
        g2 = ns.autograd.grad(g.sum(), x, create_graph=True)[0]
        g3 = ns.autograd.grad(g2.sum(), x)[0]
        out.append((g, g2, g3))
    for p, t in zip(out[1], out[0]):
        assert_close(p, t)


# ---------------------------------------------------------------- grad modes
def test_no_grad_context_and_decorator():
    t, p = both([1.0, 2.0])
    for x in (t, p):
        ns = _ns(x)
        with ns.no_grad():
            assert not ns.is_grad_enabled()
            y = x * 2
            assert not y.requires_grad and y.grad_fn is None
            with ns.enable_grad():
                assert ns.is_grad_enabled()
                assert (x * 2).requires_grad
            assert not ns.is_grad_enabled()
        assert ns.is_grad_enabled()

        @ns.no_grad()
        def f(a):
            return a * 2

        assert not f(x).requires_grad
        assert ns.is_grad_enabled()

        @ns.enable_grad()
        def g(a):
            return a * 2

        with ns.no_grad():
            assert g(x).requires_grad
            assert not ns.is_grad_enabled()

        @ns.no_grad()
        def gen(a):
            for _ in range(2):
                yield (a * 2).requires_grad

        assert list(gen(x)) == [False, False]
        assert ns.is_grad_enabled()


def test_no_grad_restores_on_exception():
    for ns in (torch, pag):
        try:
            with ns.no_grad():
                raise ValueError("x")
        except ValueError:
            pass
        assert ns.is_grad_enabled()


def test_set_grad_enabled():
    t, p = both([1.0])
    for x in (t, p):
        ns = _ns(x)
        with ns.set_grad_enabled(False):
            assert not (x * 2).requires_grad
            with ns.set_grad_enabled(True):
                assert (x * 2).requires_grad
            assert not ns.is_grad_enabled()
        assert ns.is_grad_enabled()
        ns.set_grad_enabled(False)  # as a function
        assert not ns.is_grad_enabled()
        ns.set_grad_enabled(True)
        assert ns.is_grad_enabled()

        @ns.set_grad_enabled(False)
        def f(a):
            return a * 2

        assert not f(x).requires_grad
        assert ns.is_grad_enabled()


def test_inference_mode():
    t, p = both([1.0])
    for x in (t, p):
        ns = _ns(x)
        with ns.inference_mode():
            assert not ns.is_grad_enabled()
            assert ns.is_inference_mode_enabled()
            assert not (x * 2).requires_grad
            with ns.inference_mode(False):
                assert not ns.is_inference_mode_enabled()
        assert ns.is_grad_enabled() and not ns.is_inference_mode_enabled()

        @ns.inference_mode()
        def f(a):
            return a * 2

        @ns.inference_mode
        def g(a):
            return a * 2

        assert not f(x).requires_grad and not g(x).requires_grad
        assert ns.is_grad_enabled()


def test_grad_mode_is_thread_local():
    for ns in (torch, pag):
        seen = {}

        def worker():
            seen["enabled"] = ns.is_grad_enabled()
            with ns.no_grad():
                seen["inner"] = ns.is_grad_enabled()
                ev.set()
                go.wait(5)

        ev, go = threading.Event(), threading.Event()
        with ns.no_grad():
            th = threading.Thread(target=worker)
            th.start()
            ev.wait(5)
            assert not ns.is_grad_enabled()
        # the worker is still inside its no_grad: the main thread is unaffected
        assert ns.is_grad_enabled()
        go.set()
        th.join()
        assert seen == {"enabled": True, "inner": False}


def test_backward_in_no_grad():
    # backward still works inside no_grad, and does not build a graph
    t, p = both([1.0, 2.0])
    for x in (t, p):
        y = (x * x).sum()
        with _ns(x).no_grad():
            y.backward()
        assert not x.grad.requires_grad
    assert_close(p.grad, t.grad)


# ---------------------------------------------------------------- in-place
def test_inplace_bumps_version():
    t, p = both([1.0, 2.0, 3.0], requires_grad=False)
    for x in (t, p):
        for fn in [lambda a: a.add_(1), lambda a: a.mul_(2), lambda a: a.zero_(), lambda a: a.fill_(3),
                   lambda a: a.copy_(a * 2), lambda a: a.__iadd__(1), lambda a: a.clamp_(0, 1),
                   lambda a: a.narrow(0, 0, 1).neg_(), lambda a: a.t().relu_()]:
            fn(x)
    assert p._version == t._version
    ty, py = t + 1, p + 1
    assert py._version == ty._version == 0
    with torch.no_grad():
        ty.add_(1)
    with pag.no_grad():
        py.add_(1)
    assert py._version == ty._version


SAVED_MODIFIED = {
    "exp_output": lambda x, w: (lambda a: (a.add_(1), a.sum())[1])(x.exp()),
    "sigmoid_output": lambda x, w: (lambda a: (a.mul_(2), a.sum())[1])(x.sigmoid()),
    "pow_input": lambda x, w: (lambda v: (lambda s: (v.zero_(), s.sum())[1])(v.pow(2)))(x * 2),
    "mul_input_nograd": lambda x, w: (lambda y: (_inplace_nograd(w), y.sum())[1])(x * w),
    "div_input": lambda x, w: (lambda v: (lambda s: (v.add_(1), s.sum())[1])(w / v))(x * 1),
    "view_of_saved": lambda x, w: (lambda v: (lambda s: (v.narrow(0, 0, 1).mul_(2), s.sum())[1])(v.log()))(x * 1),
}


def _inplace_nograd(w):
    with _ns(w).no_grad():
        w.add_(1)


@pytest.mark.parametrize("name", sorted(SAVED_MODIFIED))
def test_saved_tensor_modified_inplace(name):
    fn = SAVED_MODIFIED[name]
    tx, px = both([1.0, 2.0, 3.0])
    tw, pw = both([0.5, 1.5, 2.5])
    helper_test_exception(lambda: fn(tx, tw).backward(), lambda: fn(px, pw).backward())


def test_saved_tensor_not_modified_cases():
    # tanh saves its output, exp saves its output: changes to the input do not matter
    tx, px = both([1.0, 2.0, 3.0])
    tw, pw = both([0.5, 1.5, 2.5])
    for x, w in [(tx, tw), (px, pw)]:
        z = x * 1
        r = z.tanh()
        z.add_(1)
        r.sum().backward()
        q = x.clone()
        e = q.narrow(0, 0, 2).exp()
        q.mul_(2)
        e.sum().backward()
        # .data changes values without a version bump: backward silently uses the new values
        y = x * w
        w.data.add_(1)
        y.sum().backward()
    assert_close(px.grad, tx.grad)


def test_inplace_on_leaf_errors():
    tx, px = both([1.0, 2.0, 3.0])
    for fn in [lambda x: x.add_(1), lambda x: x.mul_(2), lambda x: x.zero_(), lambda x: x.fill_(1.0),
               lambda x: x.copy_(x.detach()), lambda x: x.__iadd__(1), lambda x: x.relu_(), lambda x: x.clamp_(0, 1),
               lambda x: x.narrow(0, 0, 1).add_(1), lambda x: x.select(0, 1).mul_(2), lambda x: x.t().neg_(),
               lambda x: x.view(3, 1).zero_(), lambda x: x.unsqueeze(0).expand(2, 3).select(0, 0).add_(1)]:
        helper_test_exception(lambda: fn(tx), lambda: fn(px))
    # allowed under no_grad
    for x in (tx, px):
        with _ns(x).no_grad():
            x.add_(1)
            x.narrow(0, 0, 1).mul_(2)
    assert_close(px, tx)
    assert px._version == tx._version


INPLACE_NONLEAF = {
    "add_": lambda y, w: y.add_(w),
    "mul_": lambda y, w: y.mul_(w),
    "mul_scalar": lambda y, w: y.mul_(2),
    "div_": lambda y, w: y.div_(w),
    "pow_": lambda y, w: y.pow_(2),
    "chain": lambda y, w: y.mul_(y.detach().clone()).add_(w).relu_(),
    "clamp_": lambda y, w: y.clamp_(-1, 1),
    "neg_": lambda y, w: y.neg_(),
    "zero_": lambda y, w: y.zero_(),
    "fill_tensor": lambda y, w: y.fill_(w.sum()),
    "copy_": lambda y, w: y.copy_(w * 3),
    "copy_broadcast": lambda y, w: y.copy_(w.sum()),
    "iops": lambda y, w: y.__imul__(w).__iadd__(1).__itruediv__(2),
}


@pytest.mark.parametrize("name", sorted(INPLACE_NONLEAF))
def test_inplace_nonleaf_backward(name):
    fn = INPLACE_NONLEAF[name]
    tx, px = both([0.5, -1.0, 2.0], "float64")
    tw, pw = both([1.5, 0.25, -2.0], "float64")
    outs = []
    for x, w in [(tx, tw), (px, pw)]:
        y = x * 1.5
        z = y.exp()  # uses y's old value; exp saves its output only
        fn(y, w)
        out = (y * y).sum() + z.sum()
        out.backward()
        outs.append((y, out))
    assert_close(outs[1][0], outs[0][0])
    assert outs[1][0].grad_fn.name() == outs[0][0].grad_fn.name()
    assert_close(px.grad, tx.grad)
    if tw.grad is None:
        assert pw.grad is None
    else:
        assert_close(pw.grad, tw.grad)


VIEW_INPLACE = {
    "narrow_mul": lambda y, w: y.narrow(0, 0, 2).mul_(2),
    "narrow_mul_tensor": lambda y, w: y.narrow(0, 1, 2).mul_(w.narrow(0, 0, 2)),
    "select_add": lambda y, w: y.select(0, 1).add_(w.sum()),
    "select_copy": lambda y, w: y.select(0, 2).copy_(w.select(0, 0) * 5),
    "transpose_view": lambda y, w: y.view(3, 1).t().mul_(w),
    "nested_views": lambda y, w: y.unsqueeze(0).narrow(1, 1, 2).squeeze(0).pow_(2),
    "zero_slice": lambda y, w: y.narrow(0, 0, 2).zero_(),
    "fill_slice": lambda y, w: y.narrow(0, 2, 1).fill_(w.sum()),
    "twice": lambda y, w: (y.narrow(0, 0, 2).mul_(w.narrow(0, 1, 2)), y.narrow(0, 1, 2).add_(w.narrow(0, 0, 2))),
    "as_strided": lambda y, w: y.as_strided((2,), (1,), 1).mul_(w.narrow(0, 0, 2)),
}


@pytest.mark.parametrize("name", sorted(VIEW_INPLACE))
def test_inplace_through_view_of_nonleaf(name):
    fn = VIEW_INPLACE[name]
    tx, px = both([0.5, -1.0, 2.0], "float64")
    tw, pw = both([1.5, 0.25, -2.0], "float64")
    res = []
    for x, w in [(tx, tw), (px, pw)]:
        y = x * 1
        fn(y, w)
        assert y.grad_fn.name() == "torch::autograd::CopySlices"
        (y * y * _ns(x).tensor([1.0, 2.0, 3.0], dtype=x.dtype)).sum().backward()
        res.append(y)
    assert_close(res[1], res[0])
    assert_close(px.grad, tx.grad)
    if tw.grad is None:
        assert pw.grad is None
    else:
        assert_close(pw.grad, tw.grad)


def test_inplace_view_then_use_view_and_base():
    # the view's own grad_fn is re-derived from the base's new history (torch: AsStridedBackward0)
    tx, px = both([0.5, -1.0, 2.0, 3.0], "float64")
    tw, pw = both([2.0, 3.0], "float64")
    grads = []
    for x, w in [(tx, tw), (px, pw)]:
        y = x * 1
        v = y.narrow(0, 1, 2)
        other = y.narrow(0, 0, 2)  # made before the in-place change
        v.mul_(w)
        assert v.grad_fn.name() == "AsStridedBackward0"
        assert other.grad_fn.name() == "AsStridedBackward0"
        assert y.grad_fn.name() == "torch::autograd::CopySlices"
        out = (v * 3).sum() + (y ** 2).sum() + (other * _ns(x).tensor([5.0, 7.0], dtype=x.dtype)).sum()
        grads.append(_ns(x).autograd.grad(out, [x, w]))
    for p, t in zip(grads[1], grads[0]):
        assert_close(p, t)


def test_inplace_on_view_of_leaf_without_grad():
    # a buffer that does not require grad gets history through a view
    tw, pw = both([1.0, 2.0], "float64")
    for w in (tw, pw):
        ns = _ns(w)
        z = ns.zeros(4, dtype=w.dtype)
        z.narrow(0, 1, 2).copy_(w * 2)
        assert z.requires_grad and z.grad_fn.name() == "torch::autograd::CopySlices"
        (z * ns.arange(4.0, dtype=w.dtype)).sum().backward()
    assert_close(pw.grad, tw.grad)


def test_inplace_grad_fn_names():
    tx, px = both([1.0, 2.0, 3.0])
    for fn in [lambda y: y.add_(1), lambda y: y.mul_(y.detach()), lambda y: y.zero_(), lambda y: y.fill_(1.0),
               lambda y: y.copy_(y * 2), lambda y: y.clamp_(0, 1), lambda y: y.relu_(), lambda y: y.neg_(),
               lambda y: y.pow_(2), lambda y: y.div_(2), lambda y: y.sub_(1)]:
        ty, py = tx * 1, px * 1
        fn(ty)
        fn(py)
        check_graph(py, ty)


def test_multi_output_view_inplace_errors():
    tx, px = both([1.0, 2.0, 3.0, 4.0])
    cases = [lambda y: y.split(2)[1].mul_(2), lambda y: y.unbind()[0].add_(1), lambda y: y.chunk(2)[0].zero_(),
             lambda y: y.split([1, 3])[1].copy_(y.detach()[:3] if False else y.detach().narrow(0, 0, 3)),
             lambda y: y.split(2)[1].view(2).mul_(2), lambda y: y.split(2)[0].unsqueeze(0).mul_(2)]
    for fn in cases:
        helper_test_exception(lambda: fn(tx * 1), lambda: fn(px * 1))
    # fine without grad
    for x in (tx, px):
        with _ns(x).no_grad():
            y = x * 1
            y.split(2)[1].mul_(2)
        z = x.detach().clone()
        z.split(2)[0].mul_(3)
        assert_close(px.detach() * 1, tx.detach() * 1)


def test_no_grad_view_inplace_errors():
    tx, px = both([1.0, 2.0, 3.0, 4.0])
    tw, pw = both([1.0, 2.0])
    for x, w in [(tx, tw), (px, pw)]:
        ns = _ns(x)
        y = x * 1
        with ns.no_grad():
            v = y.narrow(0, 0, 2)
        # torch: such a view is a leaf that requires grad
        assert v.requires_grad and v.is_leaf
    ty, py = tx * 1, px * 1
    with torch.no_grad():
        tv = ty.narrow(0, 0, 2)
    with pag.no_grad():
        pv = py.narrow(0, 0, 2)
    helper_test_exception(lambda: tv.mul_(2), lambda: pv.mul_(2))
    tz, pz = torch.ones(4), pag.ones(4)
    with torch.no_grad():
        tb = tz.narrow(0, 0, 2)
    with pag.no_grad():
        pb = pz.narrow(0, 0, 2)
    pb.mul_(2)  # nothing requires grad: fine
    tb.mul_(2)
    helper_test_exception(lambda: tb.mul_(tw), lambda: pb.mul_(pw))
    ts, ps = torch.ones(4).split(2)[0], pag.ones(4).split(2)[0]
    helper_test_exception(lambda: ts.mul_(tw), lambda: ps.mul_(pw))


# ---------------------------------------------------------------- custom Function
def make_functions(ns):
    F = ns.autograd.Function

    class Square(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    class ScaleAdd(F):
        @staticmethod
        def forward(ctx, x, y, k, name):
            ctx.k = k
            ctx.name = name
            ctx.save_for_backward(x, y)
            ctx.needs = ctx.needs_input_grad
            return x * k + y, x - y

        @staticmethod
        def backward(ctx, ga, gb):
            x, y = ctx.saved_tensors
            gx = ga * ctx.k + gb if ctx.needs_input_grad[0] else None
            gy = ga - gb if ctx.needs_input_grad[1] else None
            return gx, gy, None, None

    class SortLike(F):
        @staticmethod
        def forward(ctx, x):
            idx = (x > 0).long()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return x * 3, idx

        @staticmethod
        def backward(ctx, g, gidx):
            (idx,) = ctx.saved_tensors
            return g * 3 + idx * 0

    class Exp(F):  # saves its output
        @staticmethod
        def forward(ctx, x):
            r = x.exp()
            ctx.save_for_backward(r)
            return r

        @staticmethod
        def backward(ctx, g):
            (r,) = ctx.saved_tensors
            return g * r

    class SetupCtx(F):
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.k = k
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * ctx.k + 0 * x, None

    class WrongCount(F):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    class TooMany(F):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    class ExtraNones(F):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2, None, None

    class BadShape(F):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return ns.ones(5)

    class NoBackward(F):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    class WrongGrad(F):  # deliberately wrong: d(x^2)/dx is 2x, not x
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x

    class Identity(F):  # returns its input
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5

    return locals()


TF, PF = make_functions(torch), make_functions(pag)


def test_function_basic():
    tx, px = both([1.0, -2.0, 3.0], "float64")
    t, p = TF["Square"].apply(tx), PF["Square"].apply(px)
    assert_close(p, t)
    assert p.grad_fn.name() == t.grad_fn.name() == "SquareBackward"
    check_graph(p, t)
    (t * t).sum().backward()
    (p * p).sum().backward()
    assert_close(px.grad, tx.grad)


def test_function_tuple_outputs_and_non_tensor_args():
    tx, px = both([1.0, -2.0, 3.0], "float64")
    ty, py = both([0.5, 0.5, 0.5], "float64")
    ta, tb = TF["ScaleAdd"].apply(tx, ty, 3.0, "n")
    pa, pb = PF["ScaleAdd"].apply(px, py, 3.0, "n")
    assert isinstance(pa, pag.Tensor) and isinstance(pb, pag.Tensor)
    assert_close(pa, ta)
    assert_close(pb, tb)
    assert pa.grad_fn is pb.grad_fn and pb.output_nr == tb.output_nr == 1
    (ta * 2 + tb * 3).sum().backward()
    (pa * 2 + pb * 3).sum().backward()
    assert_close(px.grad, tx.grad)
    assert_close(py.grad, ty.grad)
    # only one output used: the other's gradient is zero (materialized)
    tx.grad = px.grad = None
    TF["ScaleAdd"].apply(tx, ty, 2.0, "n")[1].sum().backward()
    PF["ScaleAdd"].apply(px, py, 2.0, "n")[1].sum().backward()
    assert_close(px.grad, tx.grad)


def test_function_needs_input_grad():
    tx, px = both([1.0, 2.0], "float64")
    ty, py = both([1.0, 2.0], "float64", requires_grad=False)
    ta, _ = TF["ScaleAdd"].apply(tx, ty, 2.0, "n")
    pa, _ = PF["ScaleAdd"].apply(px, py, 2.0, "n")
    ta.sum().backward()
    pa.sum().backward()
    assert_close(px.grad, tx.grad)
    assert py.grad is None and ty.grad is None
    # needs_input_grad as seen in forward and backward
    for x, y, ns in [(tx, ty, torch), (px, py, pag)]:
        seen = {}

        class Probe(ns.autograd.Function):
            @staticmethod
            def forward(ctx, a, b, k):
                seen["forward"] = tuple(ctx.needs_input_grad)
                return a * b

            @staticmethod
            def backward(ctx, g):
                seen["backward"] = tuple(ctx.needs_input_grad)
                return g, g, None

        Probe.apply(x, y, 1).sum().backward()
        assert seen == {"forward": (True, False, False), "backward": (True, False, False)}


def test_function_mark_non_differentiable():
    tx, px = both([1.0, -2.0, 3.0], "float64")
    to, ti = TF["SortLike"].apply(tx)
    po, pi = PF["SortLike"].apply(px)
    assert_close(po, to)
    assert_close(pi, ti)
    assert not pi.requires_grad and not ti.requires_grad
    assert po.requires_grad
    to.sum().backward()
    po.sum().backward()
    assert_close(px.grad, tx.grad)


def test_function_saves_output_and_setup_context():
    tx, px = both([0.5, 1.0], "float64")
    t, p = TF["Exp"].apply(tx), PF["Exp"].apply(px)
    (t * 2).sum().backward()
    (p * 2).sum().backward()
    assert_close(px.grad, tx.grad)
    # its saved output modified in place
    t, p = TF["Exp"].apply(tx), PF["Exp"].apply(px)
    t.mul_(2)
    p.mul_(2)
    helper_test_exception(lambda: t.sum().backward(), lambda: p.sum().backward(), exact=False,
                          match="modified by an inplace operation")
    tx.grad = px.grad = None
    t, p = TF["SetupCtx"].apply(tx, 4.0), PF["SetupCtx"].apply(px, 4.0)
    assert_close(p, t)
    t.sum().backward()
    p.sum().backward()
    assert_close(px.grad, tx.grad)


def test_function_returns_input():
    tx, px = both([1.0, 2.0], "float64")
    t, p = TF["Identity"].apply(tx), PF["Identity"].apply(px)
    assert p is not px and t is not tx
    assert p.grad_fn.name() == t.grad_fn.name()
    t.sum().backward()
    p.sum().backward()
    assert_close(px.grad, tx.grad)


def test_function_errors():
    tx, px = both([1.0, 2.0], "float64")
    helper_test_exception(lambda: TF["WrongCount"].apply(tx, tx).sum().backward(),
                          lambda: PF["WrongCount"].apply(px, px).sum().backward())
    helper_test_exception(lambda: TF["TooMany"].apply(tx).sum().backward(),
                          lambda: PF["TooMany"].apply(px).sum().backward())
    helper_test_exception(lambda: TF["BadShape"].apply(tx).sum().backward(),
                          lambda: PF["BadShape"].apply(px).sum().backward())
    helper_test_exception(lambda: TF["NoBackward"].apply(tx).sum().backward(),
                          lambda: PF["NoBackward"].apply(px).sum().backward())
    TF["ExtraNones"].apply(tx).sum().backward()
    PF["ExtraNones"].apply(px).sum().backward()
    assert_close(px.grad, tx.grad)
    # without inputs requiring grad there is no node
    assert PF["Square"].apply(px.detach()).grad_fn is None
    assert TF["Square"].apply(tx.detach()).grad_fn is None


def test_function_second_backward_frees_saved():
    tx, px = both([1.0, 2.0], "float64")
    t, p = TF["Square"].apply(tx).sum(), PF["Square"].apply(px).sum()
    t.backward()
    p.backward()
    helper_test_exception(lambda: t.backward(), lambda: p.backward())


# ---------------------------------------------------------------- hooks
def test_hooks_on_leaf_and_nonleaf():
    tx, px = both([1.0, 2.0, 3.0])
    for x in (tx, px):
        calls = []
        h1 = x.register_hook(lambda g: calls.append("leaf") or g * 2)
        y = x * 3
        h2 = y.register_hook(lambda g: calls.append("y") or g + 1)
        h3 = y.register_hook(lambda g: calls.append("y2"))  # returns None: gradient unchanged
        (y * y).sum().backward()
        assert calls == ["y", "y2", "leaf"]
        h1.remove()
        h2.remove()
        h3.remove()
        h1.remove()  # removing twice is fine
        (x * 3).sum().backward()
    assert_close(px.grad, tx.grad)


def test_hook_removed_before_backward():
    tx, px = both([1.0, 2.0])
    for x in (tx, px):
        y = x * 2
        h = y.register_hook(lambda g: g * 100)
        h.remove()
        y.sum().backward()
    assert_close(px.grad, tx.grad)


def test_hook_with_retain_grad_order():
    # torch runs the retain_grad hook last, whatever the registration order
    tx, px = both([1.0, 2.0])
    res = []
    for x in (tx, px):
        y1 = x * 2
        y1.retain_grad()
        y1.register_hook(lambda g: g * 3)
        y2 = x * 2
        y2.register_hook(lambda g: g * 3)
        y2.retain_grad()
        ((y1 * y1).sum() + (y2 * y2).sum()).backward()
        res.append((y1.grad, y2.grad, x.grad))
    for p, t in zip(res[1], res[0]):
        assert_close(p, t)


def test_hook_errors_and_handles():
    helper_test_exception(lambda: torch.ones(2).register_hook(lambda g: g),
                          lambda: pag.ones(2).register_hook(lambda g: g))
    _, px = both([1.0])
    h = px.register_hook(lambda g: g)
    with h:
        pass
    assert hasattr(h, "remove")


def test_hook_sees_accumulated_grad_once():
    tx, px = both([1.0, 2.0])
    seen = {}
    for x in (tx, px):
        s = seen.setdefault(_ns(x).__name__, [])
        y = x * 2
        y.register_hook(lambda g, s=s: s.append(g.clone()))
        (y * 3 + y * 4).sum().backward()
    assert len(seen["pyautograd"]) == len(seen["torch"]) == 1
    assert_close(seen["pyautograd"][0], seen["torch"][0])


# ---------------------------------------------------------------- gradcheck
GC_INPUTS = {"x": (2, 3), "y": (2, 3), "row": (3,)}

GRADCHECK_OPS = {
    # elementwise
    "add": (lambda x, y: x + y, "xy"), "add_alpha": (lambda x, y: x.add(y, alpha=-2.5), "xy"),
    "sub": (lambda x, y: x - y, "xy"), "rsub": (lambda x: 2 - x, "x"), "mul": (lambda x, y: x * y, "xy"),
    "div": (lambda x, y: x / (y.abs() + 0.5), "xy"), "rdiv": (lambda x: 2 / (x.abs() + 0.5), "x"),
    "remainder": (lambda x, y: x.remainder(y.abs() + 2.3), "xy"), "fmod": (lambda x, y: x.fmod(y.abs() + 2.3), "xy"),
    "pow": (lambda x, y: (x.abs() + 0.5) ** y, "xy"), "pow_scalar": (lambda x: x ** 3, "x"),
    "rpow": (lambda x: 1.7 ** x, "x"), "maximum": (lambda x, y: x.maximum(y), "xy"),
    "minimum": (lambda x, y: x.minimum(y), "xy"), "where": (lambda x, y: _ns(x).where(x > y, x * 2, y), "xy"),
    "neg": (lambda x: -x, "x"), "abs": (lambda x: x.abs(), "x"), "sqrt": (lambda x: (x.abs() + 0.3).sqrt(), "x"),
    "rsqrt": (lambda x: (x.abs() + 0.3).rsqrt(), "x"), "exp": (lambda x: x.exp(), "x"),
    "log": (lambda x: (x.abs() + 0.3).log(), "x"), "log1p": (lambda x: (x.abs() + 0.3).log1p(), "x"),
    "sin": (lambda x: x.sin(), "x"), "cos": (lambda x: x.cos(), "x"), "tanh": (lambda x: x.tanh(), "x"),
    "sigmoid": (lambda x: x.sigmoid(), "x"), "relu": (lambda x: x.relu(), "x"),
    "reciprocal": (lambda x: (x.abs() + 0.5).reciprocal(), "x"), "square": (lambda x: x.square(), "x"),
    "clamp": (lambda x: x.clamp(-0.3, 0.4), "x"), "clamp_tensor": (lambda x, y: x.clamp(y - 0.2, y + 0.2), "xy"),
    "clamp_min": (lambda x, y: x.clamp_min(y), "xy"), "clamp_max": (lambda x: x.clamp_max(0.2), "x"),
    "floor": (lambda x: x.floor() * x, "x"), "sign": (lambda x: x.sign() * x, "x"),
    "broadcast": (lambda x, row: x * row + row, "xr"), "to_float64": (lambda x: x.double() * 2, "x"),
    "inplace": (lambda x, y: (x * 1).mul_(y).add_(y).pow_(2), "xy"),
    "inplace_view": (lambda x, y: (lambda z: (z.narrow(1, 0, 2).mul_(y.narrow(1, 1, 2)), z)[1])(x * 1), "xy"),
    # shape
    "view": (lambda x: x.view(3, 2), "x"), "reshape": (lambda x: x.t().reshape(6), "x"),
    "flatten": (lambda x: x.flatten(), "x"), "unflatten": (lambda x: x.unflatten(1, (3, 1)), "x"),
    "unsqueeze": (lambda x: x.unsqueeze(1), "x"), "squeeze": (lambda x: x.unsqueeze(0).squeeze(), "x"),
    "transpose": (lambda x: x.transpose(0, 1), "x"), "t": (lambda x: x.t(), "x"), "T": (lambda x: x.T, "x"),
    "mT": (lambda x: x.mT, "x"), "permute": (lambda x: x.unsqueeze(0).permute(2, 0, 1), "x"),
    "expand": (lambda x: x.unsqueeze(0).expand(4, 2, 3), "x"), "broadcast_to": (lambda r: _ns(r).broadcast_to(r, (2, 3)), "r"),
    "narrow": (lambda x: x.narrow(1, 1, 2), "x"), "select": (lambda x: x.select(1, 2), "x"),
    "as_strided": (lambda x: x.as_strided((2, 2), (1, 2), 1), "x"),
    "as_strided_overlap": (lambda x: x.as_strided((3, 3), (1, 1)), "x"),
    "contiguous": (lambda x: x.t().contiguous(), "x"), "clone": (lambda x: x.clone(), "x"),
    "cat": (lambda x, y: _ns(x).cat([x, y], 1), "xy"), "stack": (lambda x, y: _ns(x).stack([x, y], 1), "xy"),
    "split": (lambda x: x.split([1, 2], 1), "x"), "chunk": (lambda x: x.chunk(2, 1), "x"),
    "unbind": (lambda x: x.unbind(1), "x"),
}


def _gc_inputs(spec, ns, seed=0):
    rng = np.random.default_rng(seed)
    shapes = {"x": (2, 3), "y": (2, 3), "r": (3,)}
    out = []
    for k in spec:
        a = rng.uniform(-1, 1, size=shapes[k])
        out.append(ns.tensor(a, dtype=ns.float64, requires_grad=True))
    return out


@pytest.mark.parametrize("name", sorted(GRADCHECK_OPS))
def test_gradcheck(name):
    fn, spec = GRADCHECK_OPS[name]
    assert pag.autograd.gradcheck(fn, _gc_inputs(spec, pag))
    assert torch.autograd.gradcheck(fn, _gc_inputs(spec, torch))


GRADGRAD_SKIP = {"floor", "sign", "relu", "abs", "maximum", "minimum", "clamp", "clamp_tensor", "clamp_min",
                 "clamp_max", "where", "remainder", "fmod"}  # piecewise linear: second derivative is zero


@pytest.mark.parametrize("name", sorted(GRADCHECK_OPS))
def test_gradgradcheck(name):
    fn, spec = GRADCHECK_OPS[name]
    assert pag.autograd.gradgradcheck(fn, _gc_inputs(spec, pag, seed=1))


def test_gradcheck_fails_on_wrong_function():
    x = pag.tensor([1.0, 2.0], dtype=pag.float64, requires_grad=True)
    tx = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError) as pe:
        pag.autograd.gradcheck(PF["WrongGrad"].apply, (x,))
    with pytest.raises(RuntimeError) as te:
        torch.autograd.gradcheck(TF["WrongGrad"].apply, (tx,))
    assert type(pe.value).__name__ == type(te.value).__name__ == "GradcheckError"
    assert str(pe.value).startswith("Jacobian mismatch for output 0 with respect to input 0,")
    assert pag.autograd.gradcheck(PF["WrongGrad"].apply, (x,), raise_exception=False) is False
    assert pag.autograd.gradcheck(PF["Square"].apply, (x,))


def test_gradcheck_wrong_second_derivative():
    F = pag.autograd.Function

    class CubeWrongGrad2(F):  # first derivative right, but built from a detached x: its derivative is 0
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x.detach() ** 2

    x = pag.tensor([1.0, 2.0], dtype=pag.float64, requires_grad=True)
    assert pag.autograd.gradcheck(CubeWrongGrad2.apply, (x,))
    assert pag.autograd.gradgradcheck(CubeWrongGrad2.apply, (x,), raise_exception=False) is False


# ---------------------------------------------------------------- .grad layout and ownership
def test_grad_layout_follows_the_leaf():
    for make in [lambda m: m.ones(3, 2), lambda m: m.ones(2, 3).t(), lambda m: m.ones(2, 1, 3).permute(2, 1, 0)]:
        res = []
        for m in (torch, pag):
            x = make(m).requires_grad_()
            (x.t() * 2 if x.dim() == 2 else x * 2).sum().backward()
            g1 = x.grad.stride()
            x.grad = None
            g = m.ones(*reversed(tuple(x.shape))).permute(*reversed(range(x.dim())))
            x.backward(g)
            res.append((g1, x.grad.stride(), x.grad is g))
        assert res[1] == res[0]


def test_grads_are_not_shared():
    res = []
    for m in (torch, pag):
        a, b = m.ones(2, requires_grad=True), m.ones(2, requires_grad=True)
        (a + b).sum().backward()
        a.grad.add_(1)
        g = m.ones(2)
        c = m.ones(2, requires_grad=True)
        c.backward(g)
        assert c.grad is not g
        g.add_(5)
        res.append((b.grad.tolist(), c.grad.tolist()))
    assert res[1] == res[0]


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_create_graph_grad_is_a_copy():
    for m in (torch, pag):
        x = m.ones(3, requires_grad=True)
        (x * x).sum().backward(create_graph=True)
        assert x.grad.grad_fn.name() == "torch::autograd::CopyBackwards"


def test_bare_decorators():
    for m in (torch, pag):
        @m.no_grad
        def f(x):
            return x * 2

        @m.enable_grad
        def g(x):
            return x * 2

        x = m.ones(1, requires_grad=True)
        assert not f(x).requires_grad
        with m.no_grad():
            assert g(x).requires_grad


def test_detach_inplace():
    helper_test_exception(lambda: torch.ones(3).narrow(0, 0, 1).detach_(), lambda: pag.ones(3).narrow(0, 0, 1).detach_())
    helper_test_exception(lambda: torch.ones(3, requires_grad=True).t().detach_(),
                          lambda: pag.ones(3, requires_grad=True).t().detach_())
    for m in (torch, pag):
        y = m.ones(3, requires_grad=True) * 2
        assert y.detach_() is y and not y.requires_grad and y.grad_fn is None


# ---------------------------------------------------------------- graph structure, node by node
def graph_signature(root, leaves):
    """The graph below root as a list of its nodes in discovery order, each (class name,
    ((index of the next node | None, input_nr), ...)); a node reached twice is listed once, so
    sharing is compared too, and an AccumulateGrad names the position of its leaf in `leaves`."""
    seen, order = [], []

    def visit(fn):
        if fn is None:
            return None
        for k, f in enumerate(seen):
            if f is fn:
                return k
        seen.append(fn)
        entry = [type(fn).__name__, None]
        order.append(entry)
        if type(fn).__name__ == "AccumulateGrad":
            assert fn.next_functions == ()
            entry[1] = ("leaf", [i for i, t in enumerate(leaves) if t is fn.variable])
        else:
            entry[1] = tuple((visit(f), nr) for f, nr in fn.next_functions)
        return len(seen) - 1

    visit(root)
    return [tuple(e) for e in order]


def _graph_leaves(m):
    rng = np.random.default_rng(0)

    def t(*shape, requires_grad=True, low=-2.0):
        return m.tensor(rng.uniform(low, 2, size=shape).astype(np.float32), requires_grad=requires_grad)
    return dict(a=t(3, 4), b=t(4), c=t(), w=t(5, 4), bias=t(5), bt=t(2, 3, 4), bb=t(2, 4, 5),
                k=t(3, 4, requires_grad=False), p=t(3, 4, low=0.1) * 0.4)


def _setitem(x, v):
    x[0] = v
    x[:, 1] = v
    return x


def _setitem_row(x, v):
    x[1] = v
    x[2:] = v
    return x


def _setitem_index(x, v):
    x[[0, 2], 1:] = v
    return x


def _view_inplace(x, y):
    v = x[1:]
    v.mul_(y)
    return x, v


def _iops(x, y):
    x += y
    x *= 2
    x -= y
    x /= 3
    return x


def _graph_cases(m):
    F = m.nn.functional
    nn = m.nn

    def idx():
        return m.tensor([2, 0, 2])

    def idx2():
        return m.tensor([[0, 1], [2, 3], [1, 1]])

    def tgt():
        return m.tensor([1, 0, 3])

    def mask(L):
        return L["k"] > 0

    class Scale(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, k, y):
            ctx.save_for_backward(x)
            return x * x * k + y

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g, None, g

    class Two(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    def grad_of(f):
        return lambda L: m.autograd.grad(f(L), [L["a"]], create_graph=True)[0]

    def mlp(L):
        m.manual_seed(0)
        net = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))
        return nn.CrossEntropyLoss()(net(L["a"]), m.tensor([0, 1, 1]))

    a = lambda f: (lambda L: f(L["a"]))  # noqa: E731
    return {
        # elementwise, with tensor, number and 0-dim operands on either side
        "add": lambda L: L["a"] + L["b"], "add_num": a(lambda x: x + 2), "radd": a(lambda x: 2 + x),
        "add_alpha": lambda L: L["a"].add(L["b"], alpha=2), "add_const": lambda L: L["a"] + L["k"],
        "add_0dim": lambda L: L["a"] + L["c"], "sub": lambda L: L["a"] - L["b"], "sub_num": a(lambda x: x - 2),
        "rsub": a(lambda x: 2 - x), "sub_alpha": lambda L: L["a"].sub(L["b"], alpha=3),
        "mul": lambda L: L["a"] * L["b"], "mul_num": a(lambda x: x * 2), "rmul": a(lambda x: 2 * x),
        "mul_self": a(lambda x: x * x), "rmul_const": lambda L: L["k"] * L["a"],
        "div": lambda L: L["a"] / L["b"], "div_num": a(lambda x: x / 2), "rdiv": a(lambda x: 2 / x),
        "div_floor": lambda L: L["a"].div(L["b"], rounding_mode="floor"),
        "div_trunc_num": a(lambda x: x.div(2, rounding_mode="trunc")),
        "pow_num": a(lambda x: x ** 2), "pow_half": lambda L: L["p"].pow(0.5), "pow_tensor": lambda L: L["p"] ** L["b"],
        "rpow": a(lambda x: 2 ** x), "pow_0dim": lambda L: L["p"] ** L["c"], "pow_num_base": a(lambda x: m.pow(3, x)),
        "pow_const_exp": lambda L: L["p"] ** L["k"], "pow_const_base": lambda L: L["k"].abs() ** L["a"],
        "builtin_pow": a(lambda x: pow(x, 3)), "builtin_abs": a(abs), "builtin_sum": lambda L: sum([L["a"], L["k"], L["a"]]),
        "mod": a(lambda x: x % 1.5), "rmod": lambda L: 2 % L["p"], "neg": a(lambda x: -x),
        **{f"unary_{n}": (lambda n: lambda L: getattr(L["p"], n)())(n)
           for n in ("abs", "exp", "log", "log1p", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid", "relu", "sign",
                     "floor", "ceil", "round", "reciprocal", "square")},
        "clamp": a(lambda x: x.clamp(-1, 1)), "clamp_min": a(lambda x: x.clamp(min=0)),
        "clamp_max": a(lambda x: x.clamp(max=0)), "clamp_t": lambda L: L["a"].clamp(L["b"], L["c"]),
        "clamp_min_t": lambda L: L["a"].clamp(min=L["b"]), "clamp_max_t": lambda L: L["a"].clamp(max=L["k"]),
        "clamp_min_fn": a(lambda x: m.clamp_min(x, 0.5)), "clamp_max_fn_t": lambda L: m.clamp_max(L["a"], L["b"]),
        "fmod": a(lambda x: x.fmod(1.5)), "fmod_t": lambda L: L["a"].fmod(L["p"]),
        "remainder": a(lambda x: x.remainder(1.5)), "remainder_t": lambda L: L["a"].remainder(L["p"]),
        "maximum": lambda L: m.maximum(L["a"], L["b"]), "minimum": lambda L: m.minimum(L["a"], L["k"]),
        "where": lambda L: m.where(L["a"] > 0, L["a"], L["b"]), "where_num": a(lambda x: m.where(x > 0, x, 0.0)),
        "masked_fill": lambda L: L["a"].masked_fill(mask(L), 0.0),
        "masked_fill_t": lambda L: L["a"].masked_fill(mask(L), L["c"]),
        # reductions, with and without dtype=
        "sum": a(lambda x: x.sum()), "sum_dim": a(lambda x: x.sum(0)), "sum_keep": a(lambda x: x.sum(1, keepdim=True)),
        "mean": a(lambda x: x.mean()), "mean_dims": a(lambda x: x.mean((0, 1))), "max": a(lambda x: x.max()),
        "max_dim": a(lambda x: x.max(0).values), "min": a(lambda x: x.min()), "min_dim": a(lambda x: x.min(1)[0]),
        "amax": a(lambda x: x.amax(0)), "amin": a(lambda x: x.amin(1)), "prod": a(lambda x: x.prod()),
        "prod_dim": a(lambda x: x.prod(0)), "std": a(lambda x: x.std()), "var_dim": a(lambda x: x.var(0)),
        "std_dim": a(lambda x: x.std(1, keepdim=True)), "std_corr": a(lambda x: x.std(0, correction=0)),
        "var_biased": a(lambda x: x.var(unbiased=False)), "logsumexp": a(lambda x: x.logsumexp(1)),
        "cumsum": a(lambda x: x.cumsum(0)), "softmax": a(lambda x: x.softmax(1)), "log_softmax": a(lambda x: x.log_softmax(0)),
        "softmax_f64": a(lambda x: x.softmax(1, dtype=m.float64)), "sum_f64": a(lambda x: x.sum(dtype=m.float64)),
        "sum_dim_f64": a(lambda x: m.sum(x, 1, dtype=m.float64)), "mean_f64": a(lambda x: x.mean(dtype=m.float64)),
        "mean_dim_f64": a(lambda x: x.mean(0, dtype=m.float64)), "prod_f64": a(lambda x: x.prod(dtype=m.float64)),
        "prod_dim_f64": a(lambda x: x.prod(1, dtype=m.float64)), "cumsum_f64": a(lambda x: x.cumsum(1, dtype=m.float64)),
        "double_sum_f32": a(lambda x: x.double().sum(dtype=m.float32)),
        # shapes, views and indexing
        "view": a(lambda x: x.view(12)), "reshape": a(lambda x: x.reshape(2, 6)), "reshape_copy": a(lambda x: x.t().reshape(12)),
        "flatten": lambda L: L["bt"].flatten(1), "t": a(lambda x: x.t()), "T": a(lambda x: x.T), "mT": lambda L: L["bt"].mT,
        "transpose": lambda L: L["bt"].transpose(0, 2), "permute": lambda L: L["bt"].permute(2, 0, 1),
        "unsqueeze": a(lambda x: x.unsqueeze(1)), "squeeze": a(lambda x: x.unsqueeze(0).squeeze()),
        "squeeze_dim": a(lambda x: x.unsqueeze(0).squeeze(0)), "squeeze_dims": a(lambda x: x.unsqueeze(0).squeeze((0, 1))),
        "expand": lambda L: L["b"].expand(3, 4), "expand_as": lambda L: L["b"].expand_as(L["a"]),
        "broadcast_to": lambda L: m.broadcast_to(L["b"], (2, 4)),
        "getitem_int": a(lambda x: x[1]), "getitem_slice": a(lambda x: x[:, 1:3]), "getitem_step": a(lambda x: x[::2]),
        "getitem_none": a(lambda x: x[None, 1]), "getitem_ellipsis": lambda L: L["bt"][..., 0],
        "getitem_index": a(lambda x: x[idx()]), "getitem_mask": lambda L: L["a"][mask(L)], "getitem_list": a(lambda x: x[[0, 2]]),
        "getitem_mixed": a(lambda x: x[idx(), 1:]), "getitem_two": a(lambda x: x[idx(), idx()]), "alias": a(lambda x: x[...]),
        "narrow": a(lambda x: x.narrow(1, 1, 2)), "select": a(lambda x: x.select(1, -1)),
        "cat": lambda L: m.cat([L["a"], L["k"], L["a"]]), "stack": lambda L: m.stack([L["a"], L["a"]], 1),
        "split": a(lambda x: x.split(3, 1)[1]), "split_sizes": a(lambda x: x.split([1, 3], 1)[1]),
        "chunk": a(lambda x: x.chunk(2, 1)[0]), "unbind": a(lambda x: x.unbind(1)[2]),
        "split_sum": a(lambda x: sum(x.split(2, 1))), "unbind_sum": a(lambda x: sum(x.unbind())),
        "contiguous": a(lambda x: x.t().contiguous()), "clone": a(lambda x: x.clone()),
        "gather": a(lambda x: x.gather(1, idx2())), "scatter": a(lambda x: x.scatter(1, idx2(), x[:, :2])),
        "scatter_num": a(lambda x: x.scatter(1, idx2(), 0.5)), "scatter_add": a(lambda x: x.scatter_add(1, idx2(), x[:, 1:3])),
        "index_select": a(lambda x: x.index_select(0, idx())), "index_add": a(lambda x: x.index_add(0, idx(), x)),
        "take": a(lambda x: x.take(idx())), "masked_select": lambda L: L["a"].masked_select(mask(L)),
        "as_strided": a(lambda x: x.as_strided((2, 2), (1, 2), 1)), "to_double": a(lambda x: x.to(m.float64)),
        "double_float": a(lambda x: x.double().float()), "float_noop": a(lambda x: x.float() * 1),
        "type": a(lambda x: x.type(m.float64)), "to_other": lambda L: L["a"].to(L["k"]),
        "detach_mix": a(lambda x: x * x.detach()), "view_as": lambda L: L["a"].view_as(L["k"]),
        "pad": a(lambda x: F.pad(x, (1, 2))),
        # matrix products and linear layers
        "mv": lambda L: L["a"] @ L["b"], "mm": lambda L: L["a"] @ L["w"].t(), "dot": lambda L: L["b"] @ L["b"],
        "bmm": lambda L: m.bmm(L["bt"], L["bb"]), "matmul_3d_2d": lambda L: L["bt"] @ L["w"].t(),
        "matmul_1d_3d": lambda L: L["b"] @ L["bb"], "matmul_const": lambda L: L["k"] @ L["b"],
        "addmm": lambda L: m.addmm(L["bias"], L["a"], L["w"].t()), "linear": lambda L: F.linear(L["a"], L["w"], L["bias"]),
        "linear_nobias": lambda L: F.linear(L["a"], L["w"]), "linear_3d": lambda L: F.linear(L["bt"], L["w"], L["bias"]),
        "linear_1d": lambda L: F.linear(L["b"], L["w"], L["bias"]), "mlp_cross_entropy": mlp,
        # nn.functional
        "relu": a(F.relu), "gelu": a(F.gelu), "gelu_tanh": a(lambda x: F.gelu(x, approximate="tanh")),
        "elu": a(F.elu), "leaky_relu": a(lambda x: F.leaky_relu(x, 0.1)), "F_tanh": a(F.tanh), "F_sigmoid": a(F.sigmoid),
        "F_softmax": a(lambda x: F.softmax(x, dim=1)), "F_log_softmax": a(lambda x: F.log_softmax(x, dim=1)),
        "cross_entropy": a(lambda x: F.cross_entropy(x, tgt())),
        "cross_entropy_sum": a(lambda x: F.cross_entropy(x, tgt(), reduction="sum")),
        "cross_entropy_smooth": a(lambda x: F.cross_entropy(x, tgt(), label_smoothing=0.1)),
        "cross_entropy_smooth_w": lambda L: F.cross_entropy(L["a"], tgt(), weight=L["b"].detach().abs(), label_smoothing=0.2),
        "cross_entropy_smooth_none": a(lambda x: F.cross_entropy(x, m.tensor([1, -100, 3]), label_smoothing=0.3,
                                                                 reduction="none")),
        "cross_entropy_probs": lambda L: F.cross_entropy(L["a"], L["p"].softmax(1)),
        "cross_entropy_4d": lambda L: F.cross_entropy(L["bt"].unsqueeze(0), m.tensor([[[0, 1, 1, 0], [1, 1, 1, 0], [0, 0, 1, 1]]])),
        "nll_loss": a(lambda x: F.nll_loss(x.log_softmax(1), tgt())),
        "nll_loss_weight": lambda L: F.nll_loss(L["a"], tgt(), weight=L["b"].detach()),
        "mse_loss": lambda L: F.mse_loss(L["a"], L["k"]), "mse_loss_both": lambda L: F.mse_loss(L["a"], L["p"], reduction="none"),
        "l1_loss": lambda L: F.l1_loss(L["a"], L["k"]), "smooth_l1_loss": lambda L: F.smooth_l1_loss(L["a"], L["p"]),
        "huber_loss": lambda L: F.huber_loss(L["a"], L["k"], delta=0.5),
        "bce": lambda L: F.binary_cross_entropy(L["p"], (L["k"] > 0).float()),
        "bce_logits": lambda L: F.binary_cross_entropy_with_logits(L["a"], (L["k"] > 0).float()),
        "bce_logits_pos_weight": lambda L: F.binary_cross_entropy_with_logits(L["a"], L["p"], pos_weight=L["b"].detach()),
        "dropout_eval": a(lambda x: F.dropout(x, 0.5, training=False)), "dropout": a(lambda x: F.dropout(x, 0.5)),
        "one_hot_mul": a(lambda x: F.one_hot(tgt(), 4).float() * x),
        "mse_module": lambda L: nn.MSELoss()(L["a"], L["k"]), "bce_module": lambda L: nn.BCEWithLogitsLoss()(L["a"], L["p"]),
        # custom Functions
        "function": lambda L: Scale.apply(L["a"], 2.0, L["b"]), "function_const": lambda L: Scale.apply(L["k"], 2.0, L["b"]),
        "function_two_outputs": a(lambda x: Two.apply(x)), "function_second_output": a(lambda x: Two.apply(x)[1] * 1),
        # in place: on non-leaves, through views (CopySlices), number and tensor values
        "iadd": lambda L: L["a"].clone().add_(L["b"]), "imul_num": a(lambda x: x.clone().mul_(2)),
        "inplace_operators": lambda L: _iops(L["a"] * 1, L["b"]), "relu_": a(lambda x: (x * 1).relu_()),
        "setitem": lambda L: _setitem(L["a"].clone(), L["c"]), "setitem_num": a(lambda x: _setitem(x.clone(), 1.0)),
        "setitem_const_base": lambda L: _setitem(L["k"].clone(), L["c"]),
        "setitem_row": lambda L: _setitem_row(L["a"].clone(), L["b"]),
        "setitem_index": lambda L: _setitem_index(L["a"].clone(), L["b"][:3]),
        "view_inplace": lambda L: _view_inplace(L["a"] * 1, L["b"]), "zero_": a(lambda x: (x * 1).zero_()),
        "fill_num": a(lambda x: (x * 1).fill_(2.0)), "fill_t": lambda L: (L["a"] * 1).fill_(L["c"]),
        "fill_view_t": lambda L: (L["a"] * 1)[0].fill_(L["c"]),
        "masked_fill_": lambda L: (L["a"] * 1).masked_fill_(mask(L), L["c"]), "clamp_": a(lambda x: (x * 1).clamp_(-1, 1)),
        "copy_": lambda L: (L["a"] * 1).copy_(L["b"]), "copy_into_const": lambda L: L["k"].clone().copy_(L["a"]),
        "index_put_": lambda L: (L["a"] * 1).index_put_((idx(),), L["b"]),
        "scatter_": lambda L: (L["a"] * 1).scatter_(1, idx2(), L["c"].expand(3, 2)),
        "uniform_": a(lambda x: (x * 1).uniform_()), "normal_": a(lambda x: (x * 1).normal_()),
        "bernoulli_": a(lambda x: (x * 1).bernoulli_(0.5)), "exponential_": a(lambda x: (x * 1).exponential_()),
        "random_": a(lambda x: (x * 1).random_(0, 5)), "detach_": a(lambda x: x * (x * 1).detach_()),
        # the graphs create_graph=True records
        "grad_sin": grad_of(lambda L: (L["a"].sin() * L["b"]).sum()), "grad_exp": grad_of(lambda L: L["a"].exp().mean()),
        "grad_div": grad_of(lambda L: (L["a"] / L["b"]).sum()), "grad_max": grad_of(lambda L: L["a"].max(1).values.sum()),
        "grad_mse": grad_of(lambda L: F.mse_loss(L["a"], L["p"])), "grad_nll": grad_of(lambda L: F.nll_loss(L["a"], tgt())),
        "grad_cross_entropy": grad_of(lambda L: F.cross_entropy(L["a"], tgt())),
        "grad_softmax": grad_of(lambda L: (L["a"].softmax(1) * L["k"]).sum()),
        "grad_log_softmax": grad_of(lambda L: (L["a"].log_softmax(1) * L["k"]).sum()),
        "grad_gelu": grad_of(lambda L: F.gelu(L["a"]).sum()), "grad_elu": grad_of(lambda L: F.elu(L["a"]).sum()),
        "grad_leaky_relu": grad_of(lambda L: F.leaky_relu(L["a"]).sum()),
        "grad_bce_logits": grad_of(lambda L: F.binary_cross_entropy_with_logits(L["a"], L["p"])),
        "grad_smooth_l1": grad_of(lambda L: F.smooth_l1_loss(L["a"], L["k"])),
        "grad_huber": grad_of(lambda L: F.huber_loss(L["a"], L["k"])),
        "grad_pow": grad_of(lambda L: (L["a"] ** 3).sum()), "grad_square": grad_of(lambda L: (L["a"] ** 2).sum()),
        "grad_sum_dim": grad_of(lambda L: (L["a"].sum(0) ** 2).sum()),
        "grad_mean_dims": grad_of(lambda L: (L["bt"].mean((0, 2)) * L["a"].mean(1)).sum()),
        "grad_expand": grad_of(lambda L: (L["a"].unsqueeze(0).expand(2, 3, 4) ** 2).sum()),
        "grad_cat": grad_of(lambda L: (m.cat([L["a"], L["a"] * 2]) ** 2).sum()),
        "grad_clamp": grad_of(lambda L: (L["a"].clamp(-1, 1) ** 2).sum()),
        "grad_where": grad_of(lambda L: (m.where(L["a"] > 0, L["a"], 0.0) ** 2).sum()),
        "grad_relu": grad_of(lambda L: (L["a"].relu() ** 2).sum()), "grad_F_relu": grad_of(lambda L: (F.relu(L["a"]) * L["a"]).sum()),
        "grad_slice": grad_of(lambda L: (L["a"][1:, ::2] ** 2).sum()), "grad_select": grad_of(lambda L: (L["a"][1, 1:] * L["a"][:, 2]).sum()),
        "grad_narrow": grad_of(lambda L: (L["a"].narrow(1, 1, 2) ** 3).sum()),
        "grad_index": grad_of(lambda L: (L["a"][m.tensor([0, 0, 2])] ** 2).sum()),
        "grad_abs": grad_of(lambda L: (L["a"].abs() * L["a"]).sum()), "grad_sqrt": grad_of(lambda L: (L["a"] ** 2 + 1).sqrt().sum()),
        "grad_sigmoid": grad_of(lambda L: L["a"].sigmoid().sum()), "grad_tanh": grad_of(lambda L: L["a"].tanh().sum()),
        "grad_log": grad_of(lambda L: (L["a"] ** 2 + 1).log().sum()),
        "grad_bce": grad_of(lambda L: F.binary_cross_entropy(L["a"].sigmoid(), L["p"])),
        "grad_tanh_mlp": grad_of(lambda L: (L["a"] @ L["w"].t()).tanh().sum()),
        "grad_sum_f64": grad_of(lambda L: (L["a"].sum(1, dtype=m.float64) ** 2).sum()),
    }


@pytest.mark.parametrize("name", list(_graph_cases(torch)))
def test_graph_structure_matches_torch(name):
    sigs, grads = {}, {}
    for m in (torch, pag):
        m.manual_seed(0)
        L = _graph_leaves(m)
        out = _graph_cases(m)[name](L)
        outs = out if isinstance(out, tuple) else (out,)
        sigs[m] = [graph_signature(o.grad_fn, list(L.values())) for o in outs]
        # and the graph computes torch's gradients
        leaves = [t for t in L.values() if t.requires_grad and t.is_leaf]
        tracked = [o.sum() for o in outs if o.requires_grad]
        grads[m] = m.autograd.grad(sum(tracked), leaves, allow_unused=True) if tracked else [None] * len(leaves)
    assert sigs[pag] == sigs[torch], f"\n pyautograd: {sigs[pag]}\n torch:      {sigs[torch]}"
    for gp, gt in zip(grads[pag], grads[torch]):
        assert (gp is None) == (gt is None)
        if gt is not None:
            assert_close(gp, gt, rtol=1e-4, atol=1e-5)


# Note [Engine bookkeeping]: graphs large enough to grow the engine's task table many
# times over, deep chains and wide fan-in/fan-out, against torch's gradients.
@pytest.mark.parametrize("kind", ["chain", "wide", "lattice"])
def test_engine_large_graphs_as_torch(kind):
    def run(lib):
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        w = lib.tensor([1.5, 0.25, -0.5], requires_grad=True)
        if kind == "chain":
            y = x
            for i in range(1500):
                y = y * 0.999 + w * 0.001 if i % 2 else (y + w).tanh()
            loss = y.sum()
        elif kind == "wide":
            parts = [(x * (i + 1) + w).sin() for i in range(700)]
            loss = sum(p.sum() for p in parts)
        else:
            row = [x + w * i for i in range(30)]
            for _ in range(30):  # each node feeds two in the next row
                row = [(row[i] * row[(i + 1) % len(row)]).tanh() for i in range(len(row))]
            loss = sum(r.sum() for r in row)
        loss.backward()
        return x.grad, w.grad
    (tx, tw), (px, pw) = run(torch), run(pag)
    assert_close(px, tx, rtol=1e-4, atol=1e-5)
    assert_close(pw, tw, rtol=1e-4, atol=1e-5)
