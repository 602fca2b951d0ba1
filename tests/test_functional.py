"""pyautograd.nn.functional against torch.nn.functional: values, dtypes, gradients
(first and second order), grad_fn names, warnings and errors."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import pyautograd as pag
import pyautograd.nn.functional as F
from helpers import assert_close, helper_test_exception, helper_test_op, make_inputs, to_pag


REDUCTIONS = ["mean", "sum", "none"]
DTYPES = ["float32", "float64"]


def name(t):
    """grad_fn name in either library."""
    if isinstance(t, torch.Tensor):
        return type(t.grad_fn).__name__ if t.grad_fn is not None else None
    return t.grad_fn.name() if t.grad_fn is not None else None


def pair(t, requires_grad=False):
    """A torch tensor and a pyautograd copy of it (leaves, optionally requiring grad)."""
    t = t.detach().clone()
    p = to_pag(t)
    if requires_grad:
        t.requires_grad_(True)
        p.requires_grad_(True)
    return t, p


def randn(*shape, dtype="float32", seed=0, low=-2.0, high=2.0):
    return make_inputs([shape], dtype, low, high, seed)[0]


def check_first_and_second(torch_fn, pag_fn, inputs, diff, rtol=None, atol=None, second_rtol=None, second_atol=None):
    """Compares f, df (with create_graph), grad_fn names of df, and d(df . w) for the inputs in `diff`."""
    t_in, p_in = zip(*[pair(t, i in diff) for i, t in enumerate(inputs)])
    t_out, p_out = torch_fn(*t_in), pag_fn(*p_in)
    assert_close(p_out, t_out, rtol, atol, msg="forward")
    assert name(p_out) == name(t_out)
    t_v, p_v = pair(randn(*t_out.shape, dtype=str(t_out.dtype)[6:], seed=5))
    t_d = [t_in[i] for i in diff]
    p_d = [p_in[i] for i in diff]
    t_g = torch.autograd.grad((t_out * t_v).sum(), t_d, create_graph=True)
    p_g = pag.autograd.grad((p_out * p_v).sum(), p_d, create_graph=True)
    for tg, pg in zip(t_g, p_g):
        assert_close(pg, tg, rtol, atol, msg="first derivative")
        assert name(pg) == name(tg), f"{name(pg)} != {name(tg)}"
    t_ws = [pair(randn(*g.shape, dtype=str(g.dtype)[6:], seed=7 + k)) for k, g in enumerate(t_g)]
    t_s = sum((g * w[0]).sum() for g, w in zip(t_g, t_ws))
    p_s = sum((g * w[1]).sum() for g, w in zip(p_g, t_ws))
    t_gg = torch.autograd.grad(t_s, t_d, allow_unused=True)
    p_gg = pag.autograd.grad(p_s, p_d, allow_unused=True)
    for tg, pg in zip(t_gg, p_gg):
        if tg is None:
            assert pg is None or not pg.detach().numpy().any()
        else:
            assert_close(pg, tg, second_rtol or rtol, second_atol or atol, msg="second derivative")


# ---------------------------------------------------------------- activations
ACTIVATIONS = {
    "relu": (TF.relu, F.relu),
    "leaky_relu": (TF.leaky_relu, F.leaky_relu),
    "leaky_relu_0.2": (lambda x: TF.leaky_relu(x, 0.2), lambda x: F.leaky_relu(x, 0.2)),
    "elu": (TF.elu, F.elu),
    "elu_0.5": (lambda x: TF.elu(x, 0.5), lambda x: F.elu(x, 0.5)),
    "gelu": (TF.gelu, F.gelu),
    "gelu_tanh": (lambda x: TF.gelu(x, approximate="tanh"), lambda x: F.gelu(x, approximate="tanh")),
    "sigmoid": (TF.sigmoid, F.sigmoid),
    "tanh": (TF.tanh, F.tanh),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", list(ACTIVATIONS))
def test_activation(act, dtype):
    tf, pf = ACTIVATIONS[act]
    helper_test_op([(5, 7)], tf, pf, dtype=dtype, low=-4, high=4)
    helper_test_op([(4, 6)], tf, pf, dtype=dtype, low=-4, high=4, noncontig=True)
    helper_test_op([()], tf, pf, dtype=dtype)
    x_t, x_p = pair(randn(3, 4, low=-3, high=3), True)
    assert name(pf(x_p)) == name(tf(x_t))


@pytest.mark.parametrize("act", ["leaky_relu", "leaky_relu_0.2", "elu", "elu_0.5", "gelu", "gelu_tanh"])
def test_activation_double_backward(act):
    tf, pf = ACTIVATIONS[act]
    check_first_and_second(tf, pf, [randn(4, 5, dtype="float64", low=-3, high=3)], [0])


@pytest.mark.parametrize("case", [
    ("leaky_relu", lambda F, x: F.leaky_relu(x, 0.1, inplace=True)),
    ("leaky_relu_", lambda F, x: F.leaky_relu_(x, 0.3)),
    ("elu", lambda F, x: F.elu(x, 0.7, inplace=True)),
    ("elu_", lambda F, x: F.elu_(x)),
    ("relu", lambda F, x: F.relu(x, inplace=True)),
    ("relu_", lambda F, x: F.relu_(x)),
])
def test_activation_inplace(case):
    _, fn = case
    x_t, x_p = pair(randn(3, 5, low=-3, high=3), True)
    y_t, y_p = x_t * 1.5, x_p * 1.5
    r_t, r_p = fn(TF, y_t), fn(F, y_p)
    assert r_p is y_p and r_t is y_t
    assert_close(y_p, y_t)
    assert name(y_p) == name(y_t)
    assert y_p._version == y_t._version
    (y_t * y_t).sum().backward()
    (y_p * y_p).sum().backward()
    assert_close(x_p.grad, x_t.grad)
    # without grad: just writes in place
    a_t, a_p = pair(randn(2, 3))
    fn(TF, a_t), fn(F, a_p)
    assert_close(a_p, a_t)


def test_activation_inplace_errors():
    x_t, x_p = pair(randn(3), True)
    helper_test_exception(lambda: TF.leaky_relu_(x_t, 0.1), lambda: F.leaky_relu_(x_p, 0.1))
    helper_test_exception(lambda: TF.elu_(x_t), lambda: F.elu_(x_p))
    # negative slopes cannot be differentiated in place: the error comes at backward
    helper_test_exception(lambda: TF.leaky_relu_(x_t * 1, -0.1).sum().backward(),
                          lambda: F.leaky_relu_(x_p * 1, -0.1).sum().backward())
    helper_test_exception(lambda: TF.elu_(x_t * 1, -1.0).sum().backward(),
                          lambda: F.elu_(x_p * 1, -1.0).sum().backward())


def test_activation_errors():
    lt, lp = torch.ones(3, dtype=torch.long), pag.ones(3, dtype=pag.long)
    helper_test_exception(lambda: TF.gelu(lt), lambda: F.gelu(lp))
    helper_test_exception(lambda: TF.elu(lt), lambda: F.elu(lp))
    helper_test_exception(lambda: TF.leaky_relu(lt), lambda: F.leaky_relu(lp))
    helper_test_exception(lambda: TF.gelu(lt.float(), approximate="foo"), lambda: F.gelu(lp.float(), approximate="foo"))


def test_activation_extremes():
    v = [-1e30, -100.0, -20.0, -1e-8, 0.0, 1e-8, 20.0, 100.0, 1e30, float("inf"), float("-inf"), float("nan")]
    for dtype in (torch.float32, torch.float64):
        t = torch.tensor(v, dtype=dtype)
        p = to_pag(t)
        for act in ("relu", "leaky_relu", "elu", "gelu", "gelu_tanh", "sigmoid", "tanh"):
            tf, pf = ACTIVATIONS[act]
            if act == "gelu" and dtype == torch.float32:
                # torch's float32 SIMD erf turns gelu(+inf) into nan; here gelu(+inf) = +inf.
                t_f = torch.tensor([x for x in v if x != float("inf")], dtype=dtype)
                assert_close(pf(to_pag(t_f)), tf(t_f), msg=act)
                continue
            assert_close(pf(p), tf(t), msg=act)
@pytest.mark.parametrize("fn", ["softmax", "log_softmax", "softmin"])
def test_softmax_family(fn):
    tf, pf = getattr(TF, fn), getattr(F, fn)
    helper_test_op([(3, 5)], lambda x: tf(x, dim=1), lambda x: pf(x, dim=1))
    helper_test_op([(3, 5)], lambda x: tf(x, -1, dtype=torch.float64), lambda x: pf(x, -1, dtype=pag.float64))
    # dim=None: torch's implicit choice (0 for 0-, 1- and 3-dim inputs, else 1) with a deprecation warning
    for shape in [(4,), (2, 3), (2, 3, 4), (2, 2, 3, 2)]:
        t, p = pair(randn(*shape))
        with pytest.warns(UserWarning, match=f"Implicit dimension choice for {fn} has been deprecated"):
            r_p = pf(p)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r_t = tf(t)
        assert_close(r_p, r_t)


# ---------------------------------------------------------------- linear and dropout
@pytest.mark.parametrize("bias", [True, False])
def test_linear(bias):
    shapes = [(4, 3), (5, 3)] + ([(5,)] if bias else [])
    helper_test_op(shapes, TF.linear, F.linear)
    helper_test_op([(2, 4, 3), (5, 3)] + ([(5,)] if bias else []), TF.linear, F.linear)
    helper_test_op([(3,), (5, 3)] + ([(5,)] if bias else []), TF.linear, F.linear)


def test_dropout_identity_cases():
    t, p = pair(randn(3, 4), True)
    assert F.dropout(p, 0.5, training=False) is p
    assert F.dropout(p, 0.0, training=True) is p
    assert TF.dropout(t, 0.5, training=False) is t
    e = pag.zeros(0, 3)
    assert F.dropout(e, 0.5) is e
    # p == 1 zeroes everything (and the gradient)
    r_t, r_p = TF.dropout(t, 1.0), F.dropout(p, 1.0)
    assert_close(r_p, r_t)
    assert name(r_p) == name(r_t)
    r_t.sum().backward()
    r_p.sum().backward()
    assert_close(p.grad, t.grad)


def test_dropout_errors():
    t, p = pair(randn(3))
    helper_test_exception(lambda: TF.dropout(t, 1.5), lambda: F.dropout(p, 1.5))
    helper_test_exception(lambda: TF.dropout(t, -0.1), lambda: F.dropout(p, -0.1))
@pytest.mark.parametrize("p_drop", [0.2, 0.5, 0.9])
def test_dropout_matches_torch(p_drop):
    t, p = pair(randn(8, 33), True)
    torch.manual_seed(1234)
    pag.manual_seed(1234)
    r_t, r_p = TF.dropout(t, p_drop), F.dropout(p, p_drop)
    assert_close(r_p, r_t)
    assert name(r_p) == name(r_t)
    r_t.sum().backward()
    r_p.sum().backward()
    assert_close(p.grad, t.grad)
    # in place
    a_t, a_p = pair(randn(5, 7))
    torch.manual_seed(7)
    pag.manual_seed(7)
    TF.dropout(a_t, p_drop, inplace=True)
    F.dropout(a_p, p_drop, inplace=True)
    assert_close(a_p, a_t)


# ---------------------------------------------------------------- regression losses
REGRESSION = {
    "mse_loss": ({}, "MseLossBackward0"),
    "l1_loss": ({}, None),
    "smooth_l1_loss": ({"beta": 0.5}, "SmoothL1LossBackward0"),
    "huber_loss": ({"delta": 0.7}, "HuberLossBackward0"),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("loss", list(REGRESSION))
def test_regression_loss(loss, reduction, dtype):
    kw, _ = REGRESSION[loss]
    tf, pf = getattr(TF, loss), getattr(F, loss)
    helper_test_op([(4, 5), (4, 5)], lambda x, y: tf(x, y, reduction=reduction, **kw),
                   lambda x, y: pf(x, y, reduction=reduction, **kw), dtype=dtype)
    helper_test_op([(3, 4), (3, 4)], lambda x, y: tf(x, y, reduction=reduction, **kw),
                   lambda x, y: pf(x, y, reduction=reduction, **kw), dtype=dtype, noncontig=True)
    helper_test_op([(), ()], lambda x, y: tf(x, y, reduction=reduction, **kw),
                   lambda x, y: pf(x, y, reduction=reduction, **kw), dtype=dtype)
    x_t, x_p = pair(randn(3, 4, dtype=dtype), True)
    y_t, y_p = pair(randn(3, 4, dtype=dtype, seed=1))
    assert name(pf(x_p, y_p, reduction=reduction, **kw)) == name(tf(x_t, y_t, reduction=reduction, **kw))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("loss", ["mse_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_loss_double_backward(loss, reduction):
    kw, _ = REGRESSION[loss]
    tf, pf = getattr(TF, loss), getattr(F, loss)
    # differentiate through both input and target
    check_first_and_second(lambda x, y: tf(x, y, reduction=reduction, **kw),
                           lambda x, y: pf(x, y, reduction=reduction, **kw),
                           [randn(3, 4, dtype="float64"), randn(3, 4, dtype="float64", seed=3)], [0, 1])


@pytest.mark.parametrize("loss", list(REGRESSION))
def test_regression_loss_broadcast_warns(loss):
    kw, _ = REGRESSION[loss]
    tf, pf = getattr(TF, loss), getattr(F, loss)
    x_t, x_p = pair(randn(3, 4), True)
    y_t, y_p = pair(randn(4, seed=2), True)
    with pytest.warns(UserWarning) as rec_p:
        r_p = pf(x_p, y_p, **kw)
    with pytest.warns(UserWarning) as rec_t:
        r_t = tf(x_t, y_t, **kw)
    assert str(rec_p[0].message) == str(rec_t[0].message)
    assert_close(r_p, r_t)
    r_t.backward()
    r_p.backward()
    assert_close(x_p.grad, x_t.grad)
    assert_close(y_p.grad, y_t.grad)


@pytest.mark.parametrize("loss", list(REGRESSION))
def test_regression_loss_mixed_dtypes(loss):
    kw, _ = REGRESSION[loss]
    tf, pf = getattr(TF, loss), getattr(F, loss)
    x_t, x_p = pair(randn(3, 4), True)
    for other in (randn(3, 4, dtype="float64", seed=1), torch.ones(3, 4, dtype=torch.long),
                  torch.ones(3, 4, dtype=torch.bool)):
        y_t, y_p = pair(other)
        try:
            r_t = tf(x_t, y_t, **kw)
        except RuntimeError:
            helper_test_exception(lambda: tf(x_t, y_t, **kw), lambda: pf(x_p, y_p, **kw))
            continue
        assert_close(pf(x_p, y_p, **kw), r_t)


@pytest.mark.parametrize("loss", list(REGRESSION))
def test_regression_loss_errors(loss):
    kw, _ = REGRESSION[loss]
    tf, pf = getattr(TF, loss), getattr(F, loss)
    x_t, x_p = pair(randn(3, 4))
    y_t, y_p = pair(randn(3, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        helper_test_exception(lambda: tf(x_t, y_t, **kw), lambda: pf(x_p, y_p, **kw))
    helper_test_exception(lambda: tf(x_t, x_t, reduction="mean_", **kw), lambda: pf(x_p, x_p, reduction="mean_", **kw))
    lt, lp = torch.ones(3, dtype=torch.long), pag.ones(3, dtype=pag.long)
    helper_test_exception(lambda: tf(lt, lt, **kw), lambda: pf(lp, lp, **kw))


def test_regression_loss_param_errors():
    x_t, x_p = pair(randn(3))
    helper_test_exception(lambda: TF.huber_loss(x_t, x_t, delta=0), lambda: F.huber_loss(x_p, x_p, delta=0))
    helper_test_exception(lambda: TF.smooth_l1_loss(x_t, x_t, beta=-1), lambda: F.smooth_l1_loss(x_p, x_p, beta=-1))
    # beta == 0 is the L1 loss
    helper_test_op([(3, 4), (3, 4)], lambda x, y: TF.smooth_l1_loss(x, y, beta=0.0),
                   lambda x, y: F.smooth_l1_loss(x, y, beta=0.0))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss", "huber_loss"])
def test_regression_loss_weight(loss, reduction):
    tf, pf = getattr(TF, loss), getattr(F, loss)
    helper_test_op([(3, 4), (3, 4), (3, 4)], lambda x, y, w: tf(x, y, reduction=reduction, weight=w),
                   lambda x, y, w: pf(x, y, reduction=reduction, weight=w), low=0.1, high=2)
    x_t, x_p = pair(randn(3, 4))
    w_t, w_p = pair(randn(4))
    helper_test_exception(lambda: tf(x_t, x_t, weight=w_t), lambda: pf(x_p, x_p, weight=w_p))


def test_regression_loss_legacy_args():
    x_t, x_p = pair(randn(3, 4), True)
    y_t, y_p = pair(randn(3, 4, seed=1))
    for sa, rd in [(False, None), (None, False), (True, True)]:
        with pytest.warns(UserWarning):
            r_p = F.mse_loss(x_p, y_p, size_average=sa, reduce=rd)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r_t = TF.mse_loss(x_t, y_t, size_average=sa, reduce=rd)
        assert_close(r_p, r_t)


def test_regression_loss_empty():
    for loss in REGRESSION:
        kw, _ = REGRESSION[loss]
        for reduction in REDUCTIONS:
            t, p = pair(torch.zeros(0))
            assert_close(getattr(F, loss)(p, p, reduction=reduction, **kw),
                         getattr(TF, loss)(t, t, reduction=reduction, **kw))


# ---------------------------------------------------------------- nll_loss
def nll_inputs(shape, seed=0, ignore=None, dtype="float32"):
    """(input, target) torch tensors for an input of `shape` (classes on dim 1, or dim 0 for 1-D)."""
    rng = np.random.default_rng(seed)
    c = shape[0] if len(shape) == 1 else shape[1]
    tshape = () if len(shape) == 1 else (shape[0],) + tuple(shape[2:])
    tgt = rng.integers(0, c, size=tshape)
    if ignore is not None and tgt.size:
        tgt.reshape(-1)[::3] = ignore
    return randn(*shape, dtype=dtype, seed=seed), torch.from_numpy(np.array(tgt, dtype=np.int64))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5,), (4, 5), (3, 4, 6), (2, 3, 4, 5), (2, 3, 2, 2, 3)])
def test_nll_loss(shape, reduction, dtype):
    x, tgt = nll_inputs(shape, dtype=dtype)
    w = randn(shape[0] if len(shape) == 1 else shape[1], low=0.1, high=2, dtype=dtype, seed=9)
    for weight in (None, w):
        for ignore in (-100, 1):
            x, tgt = nll_inputs(shape, ignore=ignore if ignore != -100 else None, dtype=dtype)
            kw = dict(reduction=reduction, ignore_index=ignore)
            helper_test_op(None, lambda a: TF.nll_loss(a, tgt, weight=weight, **kw),
                           lambda a: F.nll_loss(a, to_pag(tgt), weight=None if weight is None else to_pag(weight),
                                                **kw), inputs=[x])
    t_x, p_x = pair(x, True)
    assert name(F.nll_loss(p_x, to_pag(tgt), reduction=reduction)) == name(TF.nll_loss(t_x, tgt, reduction=reduction))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5,), (4, 5), (3, 4, 6), (2, 3, 4, 5)])
def test_nll_loss_double_backward(shape, reduction):
    x, tgt = nll_inputs(shape, dtype="float64")
    w = randn(shape[0] if len(shape) == 1 else shape[1], low=0.1, high=2, dtype="float64", seed=9)
    check_first_and_second(lambda a: TF.nll_loss(a, tgt, weight=w, reduction=reduction),
                           lambda a: F.nll_loss(a, to_pag(tgt), weight=to_pag(w), reduction=reduction), [x], [0])


def test_nll_loss_edge_cases():
    # all targets ignored: mean is 0/0
    x, _ = nll_inputs((3, 4))
    tgt = torch.full((3,), -100)
    for reduction in REDUCTIONS:
        helper_test_op(None, lambda a: TF.nll_loss(a, tgt, reduction=reduction),
                       lambda a: F.nll_loss(a, to_pag(tgt), reduction=reduction), inputs=[x])
    # empty batch
    e, et = torch.zeros(0, 4), torch.zeros(0, dtype=torch.long)
    for reduction in REDUCTIONS:
        assert_close(F.nll_loss(to_pag(e), to_pag(et), reduction=reduction),
                     TF.nll_loss(e, et, reduction=reduction))
    # 1-D input with a 1-element target, and zero total weight
    x1 = randn(4)
    for tgt1 in (torch.tensor(2), torch.tensor(-100)):
        for reduction in REDUCTIONS:
            helper_test_op(None, lambda a: TF.nll_loss(a, tgt1, reduction=reduction),
                           lambda a: F.nll_loss(a, to_pag(tgt1), reduction=reduction), inputs=[x1.clone()])
    # ... a 1-element 1-D target runs forward, but torch's backward rejects it
    t1, p1 = pair(x1, True)
    for reduction in REDUCTIONS:
        assert_close(F.nll_loss(p1, pag.tensor([2]), reduction=reduction),
                     TF.nll_loss(t1, torch.tensor([2]), reduction=reduction))
        helper_test_exception(lambda: TF.nll_loss(t1, torch.tensor([2]), reduction=reduction).backward(),
                              lambda: F.nll_loss(p1, pag.tensor([2]), reduction=reduction).backward())
    zw = torch.zeros(4)
    helper_test_op(None, lambda a: TF.nll_loss(a, torch.tensor([0, 1, 2]), weight=zw),
                   lambda a: F.nll_loss(a, pag.tensor([0, 1, 2]), weight=to_pag(zw)), inputs=[randn(3, 4)])
    # a larger batch exercises the cascaded sum
    xb, tb = nll_inputs((3000, 7), seed=4)
    helper_test_op(None, lambda a: TF.nll_loss(a, tb), lambda a: F.nll_loss(a, to_pag(tb)), inputs=[xb])


def test_nll_loss_errors():
    def both(x, tgt, **kw):
        helper_test_exception(lambda: TF.nll_loss(x, tgt, **kw),
                              lambda: F.nll_loss(to_pag(x), to_pag(tgt),
                                                 **{k: (to_pag(v) if isinstance(v, torch.Tensor) else v)
                                                    for k, v in kw.items()}))
    x = randn(3, 4)
    y = torch.tensor([0, 1, 2])
    both(x, y.float())
    both(x, torch.tensor([True, False, True]))
    both(x, torch.tensor([0, 1, 7]))
    both(x, torch.tensor([0, 1, -3]))
    both(x, torch.tensor([0, 1]))
    both(torch.tensor(1.0), torch.tensor(0))
    both(randn(4), torch.tensor([0, 1]))
    both(randn(4), torch.tensor([[1]]))
    both(randn(2, 4), torch.tensor(1))
    both(x, y, weight=torch.ones(3))
    both(x, y, weight=torch.ones(4, 1))
    both(x, y, weight=torch.ones(4).double())
    both(x, y, weight=torch.ones(4, dtype=torch.long))
    both(x, torch.zeros(3, 2, dtype=torch.long))
    both(randn(2, 3, 4), torch.zeros(2, 5, dtype=torch.long))
    both(randn(2, 3, 4), torch.zeros(2, 4, 1, dtype=torch.long))
    both(randn(2, 3, 4), torch.full((2, 4), 9))
    both(randn(2, 3, 4, 5), torch.zeros(2, 4, 4, dtype=torch.long))
    both(randn(2, 3, 4, 5), torch.zeros(2, 4, dtype=torch.long))
    both(randn(2, 3, 4, 5), torch.zeros(2, 4, 5, dtype=torch.long), weight=torch.ones(4))
    both(randn(2, 3, 4, 5), torch.zeros(2, 4, 5))
    both(torch.ones(3, 4, dtype=torch.long), y)
    both(torch.ones(2, 3, 4, 5, dtype=torch.long), torch.zeros(2, 4, 5, dtype=torch.long))
    both(torch.ones(3, 4, dtype=torch.long), y.float())
    both(x, y, reduction="foo")
    w_t = torch.ones(4, requires_grad=True)
    helper_test_exception(lambda: TF.nll_loss(x, y, weight=w_t),
                          lambda: F.nll_loss(to_pag(x), to_pag(y), weight=pag.ones(4, requires_grad=True)))


# ---------------------------------------------------------------- cross_entropy
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5,), (4, 5), (3, 4, 6), (2, 3, 4, 5)])
def test_cross_entropy_indices(shape, reduction):
    c = shape[0] if len(shape) == 1 else shape[1]
    w = randn(c, low=0.1, high=2, seed=9)
    for weight in (None, w):
        for ignore in (-100, 1):
            for ls in (0.0, 0.2):
                x, tgt = nll_inputs(shape, ignore=ignore if ignore != -100 else None)
                kw = dict(reduction=reduction, ignore_index=ignore, label_smoothing=ls)
                helper_test_op(None, lambda a: TF.cross_entropy(a, tgt, weight=weight, **kw),
                               lambda a: F.cross_entropy(a, to_pag(tgt), weight=None if weight is None else
                                                         to_pag(weight), **kw), inputs=[x])
    x, tgt = nll_inputs(shape)
    t_x, p_x = pair(x, True)
    assert name(F.cross_entropy(p_x, to_pag(tgt), reduction=reduction)) == \
        name(TF.cross_entropy(t_x, tgt, reduction=reduction))
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5,), (4, 5), (3, 4, 6)])
def test_cross_entropy_probabilities(shape, reduction):
    c = shape[0] if len(shape) == 1 else shape[1]
    w = randn(c, low=0.1, high=2, seed=9)
    probs = randn(*shape, low=0, high=1, seed=3)
    probs = probs / probs.sum(0 if len(shape) == 1 else 1, keepdim=True)
    for weight in (None, w):
        for ls in (0.0, 0.3):
            kw = dict(reduction=reduction, label_smoothing=ls)
            helper_test_op(None, lambda a, t: TF.cross_entropy(a, t, weight=weight, **kw),
                           lambda a, t: F.cross_entropy(a, t, weight=None if weight is None else to_pag(weight),
                                                        **kw), inputs=[randn(*shape), probs.clone()])
def test_cross_entropy_double_backward():
    x, tgt = nll_inputs((4, 5), dtype="float64")
    check_first_and_second(lambda a: TF.cross_entropy(a, tgt), lambda a: F.cross_entropy(a, to_pag(tgt)), [x], [0])
def test_cross_entropy_errors():
    x, y = randn(3, 4), torch.tensor([0, 1, 2])

    def both(inp, tgt, **kw):
        helper_test_exception(lambda: TF.cross_entropy(inp, tgt, **kw),
                              lambda: F.cross_entropy(to_pag(inp), to_pag(tgt),
                                                      **{k: (to_pag(v) if isinstance(v, torch.Tensor) else v)
                                                         for k, v in kw.items()}))
    both(x, randn(3, 5))
    both(x, randn(3))
    both(x, torch.ones(3, 4, dtype=torch.long))
    both(x, randn(3, 4), ignore_index=1)
    both(x, y, label_smoothing=1.5)
    both(x, y, weight=torch.ones(3))
    both(x, randn(3, 4), weight=torch.ones(3))
    both(x, torch.tensor([0, 1]))
    both(torch.tensor(1.0), torch.tensor(0))
    both(x, y, weight=torch.ones(4).double())
    both(x, y, reduction="means")


# ---------------------------------------------------------------- binary cross entropy
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction, dtype):
    w = randn(4, low=0.1, high=2, seed=9, dtype=dtype)
    for weight in (None, w, randn(3, 4, low=0.1, high=2, seed=8, dtype=dtype)):
        helper_test_op([(3, 4), (3, 4)], lambda x, t: TF.binary_cross_entropy(x, t, weight=weight, reduction=reduction),
                       lambda x, t: F.binary_cross_entropy(x, t, weight=None if weight is None else to_pag(weight),
                                                           reduction=reduction),
                       dtype=dtype, low=0.02, high=0.98)
    # probabilities at 0 and 1 (the logs are clamped at -100)
    x = torch.tensor([0.0, 1.0, 0.5, 1e-30, 1 - 1e-7], dtype=getattr(torch, dtype))
    t = torch.tensor([1.0, 0.0, 0.5, 1.0, 0.0], dtype=getattr(torch, dtype))
    assert_close(F.binary_cross_entropy(to_pag(x), to_pag(t), reduction=reduction),
                 TF.binary_cross_entropy(x, t, reduction=reduction))
    x_t, x_p = pair(randn(3, 4, low=0.1, high=0.9), True)
    t_t, t_p = pair(randn(3, 4, low=0, high=1, seed=1))
    assert name(F.binary_cross_entropy(x_p, t_p, reduction=reduction)) == \
        name(TF.binary_cross_entropy(x_t, t_t, reduction=reduction))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_double_backward(reduction):
    w = randn(3, 4, low=0.1, high=2, seed=9, dtype="float64")
    check_first_and_second(lambda x, t: TF.binary_cross_entropy(x, t, weight=w, reduction=reduction),
                           lambda x, t: F.binary_cross_entropy(x, t, weight=to_pag(w), reduction=reduction),
                           [randn(3, 4, low=0.1, high=0.9, dtype="float64"),
                            randn(3, 4, low=0.05, high=0.95, seed=2, dtype="float64")], [0, 1],
                           second_rtol=1e-8, second_atol=1e-9)


def test_binary_cross_entropy_errors():
    p_, q_ = randn(3, 4, low=0, high=1), randn(3, 4, low=0, high=1, seed=1)

    def both(x, t, **kw):
        helper_test_exception(lambda: TF.binary_cross_entropy(x, t, **kw),
                              lambda: F.binary_cross_entropy(to_pag(x), to_pag(t),
                                                             **{k: (to_pag(v) if isinstance(v, torch.Tensor) else v)
                                                                for k, v in kw.items()}))
    both(p_, randn(3))
    both(randn(3, 4), q_)
    both(p_, torch.ones(3, 4, dtype=torch.long))
    both(p_, q_.double())
    both(p_, q_.bool())
    both(p_, q_, weight=torch.ones(3))
    both(torch.ones(3, dtype=torch.long), torch.ones(3, dtype=torch.long))
    both(p_, q_, reduction="avg")
    helper_test_exception(lambda: TF.binary_cross_entropy(p_, q_, weight=torch.ones(4, requires_grad=True)),
                          lambda: F.binary_cross_entropy(to_pag(p_), to_pag(q_),
                                                         weight=pag.ones(4, requires_grad=True)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(reduction, dtype):
    w = randn(4, low=0.1, high=2, seed=9, dtype=dtype)
    pw = randn(4, low=0.1, high=3, seed=10, dtype=dtype)
    for weight in (None, w):
        for pos_weight in (None, pw, randn(3, 4, low=0.5, high=2, seed=11, dtype=dtype)):
            helper_test_op([(3, 4), (3, 4)],
                           lambda x, t: TF.binary_cross_entropy_with_logits(x, t, weight, reduction=reduction,
                                                                            pos_weight=pos_weight),
                           lambda x, t: F.binary_cross_entropy_with_logits(
                               x, t, None if weight is None else to_pag(weight), reduction=reduction,
                               pos_weight=None if pos_weight is None else to_pag(pos_weight)),
                           dtype=dtype, low=-4, high=4)
    # saturated logits stay finite
    x = torch.tensor([-200.0, -30.0, 0.0, 30.0, 200.0], dtype=getattr(torch, dtype))
    t = torch.tensor([1.0, 0.0, 0.5, 1.0, 0.0], dtype=getattr(torch, dtype))
    helper_test_op(None, lambda a: TF.binary_cross_entropy_with_logits(a, t, reduction=reduction),
                   lambda a: F.binary_cross_entropy_with_logits(a, to_pag(t), reduction=reduction), inputs=[x])
    x_t, x_p = pair(randn(3, 4), True)
    t_t, t_p = pair(randn(3, 4, low=0, high=1, seed=1))
    assert name(F.binary_cross_entropy_with_logits(x_p, t_p, reduction=reduction)) == \
        name(TF.binary_cross_entropy_with_logits(x_t, t_t, reduction=reduction))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits_double_backward(reduction):
    pw = randn(4, low=0.1, high=3, seed=10, dtype="float64")
    w = randn(4, low=0.1, high=2, seed=9, dtype="float64")
    for pos_weight in (None, pw):
        check_first_and_second(
            lambda x, t: TF.binary_cross_entropy_with_logits(x, t, w, reduction=reduction, pos_weight=pos_weight),
            lambda x, t: F.binary_cross_entropy_with_logits(x, t, to_pag(w), reduction=reduction,
                                                            pos_weight=None if pos_weight is None else
                                                            to_pag(pos_weight)),
            [randn(3, 4, dtype="float64"), randn(3, 4, low=0, high=1, seed=2, dtype="float64")], [0, 1])


def test_binary_cross_entropy_with_logits_dtypes_and_errors():
    x = randn(3, 4)
    q = randn(3, 4, low=0, high=1, seed=1)
    # float32 logits with a float64 target: the loss is float64 but log_sigmoid runs in float32
    pw = randn(4, low=0.5, high=2, seed=3)
    for kw_t, kw_p in [({}, {}), ({"pos_weight": pw.double()}, {"pos_weight": to_pag(pw.double())})]:
        helper_test_op(None, lambda a: TF.binary_cross_entropy_with_logits(a, q.double(), **kw_t),
                       lambda a: F.binary_cross_entropy_with_logits(a, to_pag(q.double()), **kw_p),
                       inputs=[x.clone()], rtol=1e-6, atol=1e-7)
    helper_test_op(None, lambda a: TF.binary_cross_entropy_with_logits(a, q, weight=torch.ones(4).double()),
                   lambda a: F.binary_cross_entropy_with_logits(a, to_pag(q), weight=pag.ones(4).double()),
                   inputs=[x.clone()])

    def both(a, t, **kw):
        helper_test_exception(lambda: TF.binary_cross_entropy_with_logits(a, t, **kw),
                              lambda: F.binary_cross_entropy_with_logits(
                                  to_pag(a), to_pag(t),
                                  **{k: (to_pag(v) if isinstance(v, torch.Tensor) else v) for k, v in kw.items()}))
    both(x, randn(3))
    both(x, torch.ones(3, 4, dtype=torch.long))
    both(x, q.bool())
    both(torch.ones(3, dtype=torch.long), torch.ones(3, dtype=torch.long))
    both(x, q, pos_weight=torch.ones(3))
    both(x, q, reduction="x")
    helper_test_exception(
        lambda: TF.binary_cross_entropy_with_logits(x, q, pos_weight=torch.ones(4, requires_grad=True)),
        lambda: F.binary_cross_entropy_with_logits(to_pag(x), to_pag(q), pos_weight=pag.ones(4, requires_grad=True)))
    helper_test_exception(
        lambda: TF.binary_cross_entropy_with_logits(x, q, weight=torch.ones(4, requires_grad=True)),
        lambda: F.binary_cross_entropy_with_logits(to_pag(x), to_pag(q), weight=pag.ones(4, requires_grad=True)))


# ---------------------------------------------------------------- one_hot and pad
def test_one_hot():
    for t in (torch.tensor([0, 3, 1]), torch.tensor([[1, 0], [2, 2]]), torch.tensor(2)):
        for nc in (-1, 5):
            assert_close(F.one_hot(to_pag(t), nc), TF.one_hot(t, nc))
    e = torch.tensor([], dtype=torch.long)
    assert_close(F.one_hot(to_pag(e), 3), TF.one_hot(e, 3))
    for t, nc in [(torch.tensor([1.0, 2.0]), -1), (torch.tensor([1, -2]), -1), (torch.tensor([1, 5]), 3), (e, -1),
                  (torch.tensor([1]), 0), (torch.tensor([1]), -2)]:
        helper_test_exception(lambda: TF.one_hot(t, nc), lambda: F.one_hot(to_pag(t), nc))


@pytest.mark.parametrize("pad", [(1, 2), (0, 0, 2, 1), (1, 1, 1, 1, 1, 1), (-1, 2), (2, -1, -1, 1), (-1, -1)])
def test_pad_constant(pad):
    helper_test_op([(3, 4, 5)], lambda x: TF.pad(x, pad), lambda x: F.pad(x, pad))
    helper_test_op([(3, 4, 5)], lambda x: TF.pad(x, pad, value=2.5), lambda x: F.pad(x, pad, value=2.5))
    t, p = pair(randn(3, 4, 5), True)
    assert name(F.pad(p, pad)) == name(TF.pad(t, pad))
    li = torch.arange(12).reshape(3, 4)
    assert_close(F.pad(to_pag(li), pad[:4], value=7), TF.pad(li, pad[:4], value=7))


def test_pad_double_backward_and_errors():
    check_first_and_second(lambda x: TF.pad(x, (1, 2, -1, 1)) ** 2, lambda x: F.pad(x, (1, 2, -1, 1)) ** 2,
                           [randn(3, 4, dtype="float64")], [0])
    t, p = pair(randn(3, 4))
    helper_test_exception(lambda: TF.pad(t, (1,)), lambda: F.pad(p, (1,)))
    helper_test_exception(lambda: TF.pad(t, (1, 1, 1, 1, 1, 1)), lambda: F.pad(p, (1, 1, 1, 1, 1, 1)))
    helper_test_exception(lambda: TF.pad(t, (-3, -2)), lambda: F.pad(p, (-3, -2)))
