"""pyautograd.optim against torch.optim: trajectories of SGD / Adam / AdamW / RMSprop over a
grid of options, state_dict round trips, param groups, zero_grad, errors, repr,
and the lr schedulers' sequences. Every test runs torch on the same values."""
import copy
import itertools
import math

import numpy as np
import pyautograd as pag
import pytest
import torch

from helpers import helper_test_exception

F32 = dict(rtol=1e-5, atol=1e-6)
F64 = dict(rtol=1e-12, atol=1e-12)


def tol(dtype):
    return F64 if dtype == np.float64 else F32


# ---------------------------------------------------------------- a small model

SHAPES = [(4, 8), (8,), (8, 3), (3,)]


def make_data(dtype=np.float32, seed=0):
    r = np.random.default_rng(seed)
    init = [(r.standard_normal(s) * 0.5).astype(dtype) for s in SHAPES]
    x = r.standard_normal((16, 4)).astype(dtype)
    y = r.standard_normal((16, 3)).astype(dtype)
    return init, x, y


def mlp_loss(ps, x, y):
    # 2-layer tanh MLP written with broadcasting and sums: x @ W is (x[:, :, None] * W[None]).sum(1)
    h = ((x.unsqueeze(2) * ps[0].unsqueeze(0)).sum(1) + ps[1]).tanh()
    o = (h.unsqueeze(2) * ps[2].unsqueeze(0)).sum(1) + ps[3]
    return ((o - y) ** 2).mean()


def train(fw, make_opt, steps=100, dtype=np.float32, params=None, opt=None, sched=None, seed=0):
    """Runs `steps` steps of the MLP on `fw` (torch or pag); returns (params, optimizer)."""
    init, x, y = make_data(dtype, seed)
    if params is None:
        params = [fw.tensor(a.copy(), requires_grad=True) for a in init]
    x, y = fw.tensor(x), fw.tensor(y)
    opt = opt if opt is not None else make_opt(fw, params)
    for _ in range(steps):
        opt.zero_grad()
        mlp_loss(params, x, y).backward()
        opt.step()
        if sched is not None:
            sched.step()
    return params, opt


def close(p, t, dtype=np.float32, msg="", **kw):
    np.testing.assert_allclose(p.detach().numpy(), t.detach().numpy(), err_msg=msg, **(kw or tol(dtype)))


def compare_states(popt, topt, pparams, tparams, dtype=np.float32, t=None):
    assert len(popt.state) == len(topt.state)
    for pp, tp in zip(pparams, tparams):
        ps, ts = popt.state[pp], topt.state[tp]
        assert sorted(ps) == sorted(ts)
        for k in ts:
            if isinstance(ts[k], torch.Tensor):
                assert str(ps[k].dtype) == str(ts[k].dtype), k
                assert tuple(ps[k].shape) == tuple(ts[k].shape), k
                # states accumulate gradients, whose autograd rounding differs near cancellations:
                # tolerances relative to the state's scale
                scale = float(ts[k].abs().max()) if ts[k].numel() else 0.0
                t = t or tol(dtype)
                close(ps[k], ts[k], dtype, msg=k, rtol=t["rtol"], atol=t["atol"] + t["rtol"] * scale)
            else:
                assert ps[k] == ts[k]


def check_trajectory(make_opt, dtype=np.float32, steps=100, t=None):
    tparams, topt = train(torch, make_opt, steps, dtype)
    pparams, popt = train(pag, make_opt, steps, dtype)
    for i, (pp, tp) in enumerate(zip(pparams, tparams)):
        close(pp, tp, dtype, msg=f"param {i}", **(t or {}))
        assert pp.is_leaf and pp.grad_fn is None and pp.requires_grad
    compare_states(popt, topt, pparams, tparams, dtype, t)


# ---------------------------------------------------------------- trajectories

SGD_CONFIGS = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3),
    dict(lr=0.05, momentum=0.9, nesterov=True),
    dict(lr=0.1, weight_decay=0.05),
    dict(lr=0.05, momentum=0.8, dampening=0.1, weight_decay=0.01),
    dict(lr=0.005, momentum=0.5, nesterov=True, weight_decay=0.02, maximize=True),
    dict(lr=0.005, maximize=True),
]

ADAM_CONFIGS = [
    dict(),
    dict(lr=0.01),
    dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6),
    dict(lr=0.01, amsgrad=True),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, betas=(0.5, 0.9), amsgrad=True, weight_decay=0.05),
    dict(lr=0.005, maximize=True),
    dict(lr=0.01, eps=1e-3, amsgrad=True, maximize=True, weight_decay=0.01),
]


# alpha stays near 1 here: with a short average (alpha=0.3) RMSprop is nearly sign descent,
# where a last-bit difference of autograd's rounding in a near-zero gradient flips a whole
# step; the fixed-gradient grid below covers small alphas
RMSPROP_CONFIGS = [
    dict(),
    dict(lr=0.005, alpha=0.995),
    dict(lr=0.005, momentum=0.9),
    dict(lr=0.005, centered=True),
    dict(lr=0.005, weight_decay=0.1),
    dict(lr=0.002, momentum=0.5, centered=True, weight_decay=0.05),
    dict(lr=0.005, eps=1e-3, maximize=True),
    dict(lr=0.002, momentum=0.8, centered=True, maximize=True, weight_decay=0.01),
]


@pytest.mark.parametrize("cfg", SGD_CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
def test_sgd_trajectory(cfg):
    check_trajectory(lambda fw, ps: fw.optim.SGD(ps, **cfg))


@pytest.mark.parametrize("cfg", ADAM_CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "default")
def test_adam_trajectory(cfg):
    check_trajectory(lambda fw, ps: fw.optim.Adam(ps, **cfg))


@pytest.mark.parametrize("cfg", ADAM_CONFIGS[:4] + [dict(lr=0.01, weight_decay=0.3, amsgrad=True)],
                         ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "default")
def test_adamw_trajectory(cfg):
    check_trajectory(lambda fw, ps: fw.optim.AdamW(ps, **cfg))


@pytest.mark.parametrize("cfg", RMSPROP_CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()) or "default")
def test_rmsprop_trajectory(cfg):
    # RMSprop's step lr * g / sqrt(v) does not shrink with the gradient, so the last-bit
    # differences of autograd's sums reach the parameters at their relative size: over 100
    # float32 steps a few elements differ by up to about 1e-5
    check_trajectory(lambda fw, ps: fw.optim.RMSprop(ps, **cfg), t=dict(rtol=1e-4, atol=2e-5))


@pytest.mark.parametrize("name,cfg", [("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.01)),
                                      ("Adam", dict(lr=0.01, amsgrad=True)),
                                      ("AdamW", dict(lr=0.01)),
                                      ("RMSprop", dict(lr=0.005)),
                                      ("RMSprop", dict(lr=0.002, momentum=0.9, centered=True, weight_decay=0.01))])
def test_trajectory_float64(name, cfg):
    check_trajectory(lambda fw, ps: getattr(fw.optim, name)(ps, **cfg), dtype=np.float64)


# Fixed gradient sequences isolate the update from autograd's rounding: the full grid of
# options, with shapes that exercise the vector loops' tails.
GRID_SHAPES = [(5, 7), (3,), (1000,), (33,), ()]


def run_fixed(fw, make_opt, dtype, steps=20, shapes=GRID_SHAPES, seed=1):
    r = np.random.default_rng(seed)
    init = [np.asarray(r.standard_normal(s), dtype=dtype) for s in shapes]
    grads = [[np.asarray(r.standard_normal(s), dtype=dtype) for s in shapes] for _ in range(steps)]
    ps = [fw.tensor(a.copy(), requires_grad=True) for a in init]
    opt = make_opt(fw, ps)
    for gs in grads:
        for p, g in zip(ps, gs):
            p.grad = fw.tensor(g.copy())
        opt.step()
    return ps


def sgd_grid():
    for mom, damp, wd, nest, maxi in itertools.product([0, 0.9], [0, 0.3], [0, 0.05], [False, True], [False, True]):
        if not (nest and (mom == 0 or damp != 0)):
            yield dict(lr=0.1, momentum=mom, dampening=damp, weight_decay=wd, nesterov=nest, maximize=maxi)


def adam_grid():
    for betas, eps, ams, wd, maxi in itertools.product([(0.9, 0.999), (0.3, 0.6)], [1e-8, 1e-3], [False, True],
                                                       [0, 0.1], [False, True]):
        yield dict(lr=0.01, betas=betas, eps=eps, amsgrad=ams, weight_decay=wd, maximize=maxi)


def rmsprop_grid():
    for alpha, mom, cen, wd, maxi in itertools.product([0.99, 0.3], [0, 0.9], [False, True], [0, 0.1],
                                                       [False, True]):
        yield dict(lr=0.01, alpha=alpha, momentum=mom, centered=cen, weight_decay=wd, maximize=maxi)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_grid_fixed_grads(dtype):
    # Note [Optimizer rounding]: SGD's update is the same sequence of roundings as torch's (bit for bit
    # where both use FMA); the tolerance also admits a CPU without FMA under a torch build with it
    t = dict(rtol=1e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-14, atol=1e-14)
    for cfg in sgd_grid():
        make = lambda fw, ps: fw.optim.SGD(ps, **cfg)  # noqa: E731
        for pp, tp in zip(run_fixed(pag, make, dtype), run_fixed(torch, make, dtype)):
            close(pp, tp, dtype, msg=str(cfg), **t)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_grid_fixed_grads(name, dtype):
    for cfg in adam_grid():
        make = lambda fw, ps: getattr(fw.optim, name)(ps, **cfg)  # noqa: E731
        for pp, tp in zip(run_fixed(pag, make, dtype), run_fixed(torch, make, dtype)):
            close(pp, tp, dtype, msg=str(cfg))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rmsprop_grid_fixed_grads(dtype):
    # Note [Optimizer rounding]: RMSprop divides by a sqrt, which torch takes from MKL's VML;
    # over 60 steps the trajectories agree to a few ulps of the update. The parameters are
    # O(1), so the absolute bound is some ulps of 1 per step: a centered square average
    # (sq - ga**2) cancels and shows a rounding difference at that size, as it does with
    # PYAUTOGRAD_ISA=generic (no FMA) against torch's FMA kernels.
    t = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    for cfg in rmsprop_grid():
        make = lambda fw, ps: fw.optim.RMSprop(ps, **cfg)  # noqa: E731
        for pp, tp in zip(run_fixed(pag, make, dtype, 60), run_fixed(torch, make, dtype, 60)):
            close(pp, tp, dtype, msg=str(cfg), **t)


def fma_on_both():
    # pag's update loops and torch's kernels both use FMA (Note [Optimizer rounding])
    return torch.backends.cpu.get_cpu_capability() != "DEFAULT" and pag._C._gemm_isa() != "generic"


@pytest.mark.skipif(not fma_on_both(), reason="bit-exact only where pag and torch both use FMA")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cfg", [dict(lr=0.05, momentum=0.8, dampening=0.2, weight_decay=0.01, maximize=True),
                                 dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.05), dict(lr=0.1)],
                         ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
def test_sgd_bit_exact_60_steps(cfg, dtype):
    # torch's SGD and the driver's SGD functor agree bit for bit, threaded spans included
    make = lambda fw, ps: fw.optim.SGD(ps, **cfg)  # noqa: E731
    shapes = GRID_SHAPES + [(70001,)]
    for pp, tp in zip(run_fixed(pag, make, dtype, 60, shapes), run_fixed(torch, make, dtype, 60, shapes)):
        np.testing.assert_array_equal(pp.detach().numpy(), tp.detach().numpy(), err_msg=str(cfg))


def correctly_rounded_sqrt(x):
    return torch.from_numpy(np.sqrt(x.numpy()))


def torch_ops_rmsprop(p, grads, lr, alpha, eps, weight_decay, momentum, centered, maximize):
    # torch's _single_tensor_rmsprop, op by op, with the sqrt correctly rounded
    sq, ga, buf = torch.zeros_like(p), torch.zeros_like(p), torch.zeros_like(p)
    for g in grads:
        g = -g if maximize else g
        if weight_decay != 0:
            g = g.add(p, alpha=weight_decay)
        sq.mul_(alpha).addcmul_(g, g, value=1 - alpha)
        if centered:
            ga.lerp_(g, 1 - alpha)
            avg = correctly_rounded_sqrt(sq.addcmul(ga, ga, value=-1))
        else:
            avg = correctly_rounded_sqrt(sq)
        avg = avg.add_(eps)
        if momentum > 0:
            buf.mul_(momentum).addcdiv_(g, avg)
            p.add_(buf, alpha=-lr)
        else:
            p.addcdiv_(g, avg, value=-lr)
    return p


def torch_ops_adam(p, grads, lr, betas, eps, weight_decay, amsgrad, maximize, decoupled):
    # torch's _single_tensor_adam, op by op, with the sqrt correctly rounded
    m, v, vmax = torch.zeros_like(p), torch.zeros_like(p), torch.zeros_like(p)
    beta1, beta2 = betas
    for step, g in enumerate(grads, 1):
        g = -g if maximize else g
        if weight_decay != 0:
            if decoupled:
                p.mul_(1 - lr * weight_decay)
            else:
                g = g.add(p, alpha=weight_decay)
        m.lerp_(g, 1 - beta1)
        v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
        step_size = lr / (1 - beta1 ** step)
        bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
        if amsgrad:
            torch.maximum(vmax, v, out=vmax)
            denom = (correctly_rounded_sqrt(vmax) / bias_correction2_sqrt).add_(eps)
        else:
            denom = (correctly_rounded_sqrt(v) / bias_correction2_sqrt).add_(eps)
        p.addcdiv_(m, denom, value=-step_size)
    return p


@pytest.mark.skipif(not fma_on_both(), reason="bit-exact only where pag and torch both use FMA")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,cfg", [
    ("RMSprop", dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, maximize=False)),
    ("RMSprop", dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.1, momentum=0.9, centered=True, maximize=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.3, eps=1e-6, weight_decay=0.05, momentum=0.5, centered=False, maximize=False)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-8, weight_decay=0, momentum=0, centered=True, maximize=False)),
    ("Adam", dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.6), eps=1e-3, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, amsgrad=True, maximize=False)),
], ids=lambda c: c if isinstance(c, str) else ",".join(f"{k}={v}" for k, v in c.items()))
def test_sqrt_updates_bit_exact_against_torch_ops(name, cfg, dtype):
    # Note [Optimizer rounding]: with torch's own ops and a correctly rounded sqrt in place of
    # VML's, the functors reproduce torch's update bit for bit over 60 steps
    r = np.random.default_rng(4)
    p0 = r.standard_normal(4099).astype(dtype)
    grads = [r.standard_normal(4099).astype(dtype) for _ in range(60)]
    pp = pag.tensor(p0.copy(), requires_grad=True)
    opt = getattr(pag.optim, name)([pp], **cfg)
    for g in grads:
        pp.grad = pag.tensor(g)
        opt.step()
    tgrads = [torch.tensor(g) for g in grads]
    with torch.no_grad():
        if name == "RMSprop":
            tp = torch_ops_rmsprop(torch.tensor(p0.copy()), tgrads, **cfg)
        else:
            tp = torch_ops_adam(torch.tensor(p0.copy()), tgrads, **cfg, decoupled=name == "AdamW")
    np.testing.assert_array_equal(pp.detach().numpy(), tp.numpy())


@pytest.mark.parametrize("name,cfg", [("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
                                      ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
                                      ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.01))])
def test_large_tensors_threaded(name, cfg):
    # above the parallel grain the flat range is split across threads (Note [Multi-tensor split])
    make = lambda fw, ps: getattr(fw.optim, name)(ps, **cfg)  # noqa: E731
    shapes = [(70001,), (3, 5), (40000,)]
    for pp, tp in zip(run_fixed(pag, make, np.float32, 5, shapes), run_fixed(torch, make, np.float32, 5, shapes)):
        close(pp, tp)


@pytest.mark.parametrize("name,cfg", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
                                      ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True))])
def test_noncontiguous_and_mixed_dtype_params(name, cfg):
    # a transposed leaf (its state and grad laid out differently) and a float64 param in one group
    r = np.random.default_rng(3)
    a = r.standard_normal((4, 3)).astype(np.float32)
    b = r.standard_normal(5)
    grads = [(r.standard_normal((3, 4)).astype(np.float32), r.standard_normal(5)) for _ in range(5)]
    res = []
    for fw in (torch, pag):
        p = fw.tensor(a).t().requires_grad_()
        q = fw.tensor(b, dtype=fw.float64, requires_grad=True)
        assert p.is_leaf and not p.is_contiguous()
        opt = getattr(fw.optim, name)([p, q], **cfg)
        for ga, gb in grads:
            p.grad = fw.tensor(ga)
            q.grad = fw.tensor(gb)
            opt.step()
        res.append((p, q, opt))
    (tp, tq, topt), (pp, pq, popt) = res
    close(pp, tp)
    close(pq, tq, np.float64)
    compare_states(popt, topt, [pp, pq], [tp, tq])


# ---------------------------------------------------------------- semantics

@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_tensor_lr_with_scheduler(name):
    # a Tensor lr stays a tensor; the scheduler fills it in place
    out = []
    for fw in (torch, pag):
        lr = fw.tensor(0.05)

        def make(fw, ps):
            return getattr(fw.optim, name)(ps, lr=lr)
        params, opt = train(fw, make, 1)
        sched = fw.optim.lr_scheduler.StepLR(opt, 3, gamma=0.5)
        train(fw, None, 10, params=params, opt=opt, sched=sched)
        assert opt.param_groups[0]["lr"] is lr
        out.append((params, lr.item(), [float(x) for x in sched.get_last_lr()]))
    (tparams, tlr, tlast), (pparams, plr, plast) = out
    assert plr == tlr and plast == tlast
    for pp, tp in zip(pparams, tparams):
        close(pp, tp)


def test_params_without_grad_are_skipped():
    for fw in (torch, pag):
        a = fw.ones(3, requires_grad=True)
        b = fw.ones(2, requires_grad=True)
        opt = fw.optim.Adam([a, b], lr=0.1)
        (a * a).sum().backward()
        opt.step()
        assert b.grad is None
        assert b.tolist() == [1.0, 1.0]
        assert len(opt.state) == 1 and a in opt.state
    assert a.tolist() == pytest.approx([0.9] * 3)


def test_step_bumps_versions_and_records_nothing():
    p = pag.ones(3, requires_grad=True)
    opt = pag.optim.SGD([p], lr=0.1, momentum=0.9)
    (p * 2).sum().backward()
    v = p._version
    opt.step()
    buf = opt.state[p]["momentum_buffer"]
    assert p._version > v and p.is_leaf and p.grad_fn is None and p.requires_grad
    assert not buf.requires_grad and buf.grad_fn is None
    vb = buf._version
    opt.step()
    assert buf._version > vb
    aopt = pag.optim.Adam([p])
    aopt.step()
    st = aopt.state[p]
    versions = [st[k]._version for k in ("step", "exp_avg", "exp_avg_sq")]
    aopt.step()
    assert all(st[k]._version > v for k, v in zip(("step", "exp_avg", "exp_avg_sq"), versions))


def test_state_entries_like_torch():
    for name, cfg, keys in [("SGD", dict(lr=0.1, momentum=0.9), ["momentum_buffer"]), ("SGD", dict(lr=0.1), []),
                            ("Adam", dict(amsgrad=True), ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]),
                            ("AdamW", {}, ["step", "exp_avg", "exp_avg_sq"]),
                            ("RMSprop", {}, ["step", "square_avg"]),
                            ("RMSprop", dict(momentum=0.9, centered=True),
                             ["step", "square_avg", "momentum_buffer", "grad_avg"])]:
        tparams, topt = train(torch, lambda fw, ps: getattr(fw.optim, name)(ps, **cfg), steps=3)
        pparams, popt = train(pag, lambda fw, ps: getattr(fw.optim, name)(ps, **cfg), steps=3)
        for pp, tp in zip(pparams, tparams):
            assert list(popt.state[pp]) == list(topt.state[tp]) == keys
        compare_states(popt, topt, pparams, tparams)
        if name != "SGD":
            st = popt.state[pparams[0]]["step"]
            assert st.dim() == 0 and str(st.dtype) == "torch.float32" and st.item() == 3.0


def test_sgd_momentum_buffer_first_step_is_grad_clone():
    for fw in (torch, pag):
        p = fw.tensor([1.0, -2.0], requires_grad=True)
        opt = fw.optim.SGD([p], lr=0.5, momentum=0.9, dampening=0.5, weight_decay=0.1)
        p.grad = fw.tensor([0.5, 0.25])
        opt.step()
        buf = opt.state[p]["momentum_buffer"]
        assert buf.tolist() == pytest.approx([0.6, 0.05])  # grad + wd * p, not dampened
        assert buf.data_ptr() != p.grad.data_ptr()
        p.grad = fw.tensor([1.0, 1.0])
        opt.step()
        res = (buf.tolist(), p.tolist())
        if fw is torch:
            expect = res
    assert res[0] == pytest.approx(expect[0]) and res[1] == pytest.approx(expect[1])


def test_closure():
    for fw in (torch, pag):
        p = fw.tensor([1.0, 2.0], requires_grad=True)
        opt = fw.optim.SGD([p], lr=0.1)
        calls = []

        def closure():
            opt.zero_grad()
            loss = (p * p).sum()
            loss.backward()
            calls.append(fw.is_grad_enabled())
            return loss

        with fw.no_grad():
            loss = opt.step(closure)
        assert calls == [True] and loss.item() == 5.0
        assert p.tolist() == pytest.approx([0.8, 1.6])


def test_zero_grad():
    for set_to_none in (True, False):
        res = []
        for fw in (torch, pag):
            a = fw.ones(3, requires_grad=True)
            b = fw.ones(2, requires_grad=True)
            opt = fw.optim.SGD([a, b], lr=0.1)
            (a * 3).sum().backward()
            g = a.grad
            opt.zero_grad(set_to_none=set_to_none)
            res.append((a.grad is None, b.grad is None, None if a.grad is None else (a.grad.tolist(), a.grad is g)))
        assert res[0] == res[1]


def test_param_groups_different_lrs():
    def make(fw, ps):
        return fw.optim.SGD([{"params": ps[:2], "lr": 0.2}, {"params": ps[2:], "momentum": 0.5}], lr=0.05,
                            momentum=0.9)
    tparams, topt = train(torch, make, 50)
    pparams, popt = train(pag, make, 50)
    for pp, tp in zip(pparams, tparams):
        close(pp, tp)
    assert [{k: v for k, v in g.items() if k != "params"} for g in popt.param_groups] == \
           [{k: v for k, v in g.items() if k != "params"} for g in topt.param_groups]
    compare_states(popt, topt, pparams, tparams)

    def make2(fw, ps):
        opt = fw.optim.Adam(ps[:1], lr=0.01)
        opt.add_param_group({"params": ps[1:], "lr": 0.03, "betas": (0.8, 0.9)})
        return opt
    tparams, topt = train(torch, make2, 50)
    pparams, popt = train(pag, make2, 50)
    for pp, tp in zip(pparams, tparams):
        close(pp, tp)
    assert repr(popt) == repr(topt)


@pytest.mark.parametrize("name,cfg", [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
                                      ("Adam", dict(lr=0.01, amsgrad=True)), ("AdamW", dict(lr=0.01)),
                                      ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True))])
def test_state_dict_round_trip(name, cfg):
    def make(fw, ps):
        return getattr(fw.optim, name)([{"params": ps[:1], "lr": cfg["lr"] * 2}, {"params": ps[1:]}], **cfg)
    out = []
    for fw in (torch, pag):
        params, opt = train(fw, make, 10)
        sd = opt.state_dict()
        saved = copy.deepcopy(sd)  # as after torch.save / torch.load
        # a fresh optimizer over fresh tensors with the same values continues the same trajectory
        params2 = [p.detach().clone().requires_grad_() for p in params]
        opt2 = make(fw, params2)
        opt2.load_state_dict(saved)
        train(fw, None, 10, params=params2, opt=opt2)
        train(fw, None, 10, params=params, opt=opt)
        out.append((sd, params, params2, opt2))
    (tsd, tparams, tparams2, topt2), (psd, pparams, pparams2, popt2) = out
    assert psd["param_groups"] == tsd["param_groups"]
    assert list(psd["state"]) == list(tsd["state"]) == [0, 1, 2, 3]
    for i in tsd["state"]:
        assert list(psd["state"][i]) == list(tsd["state"][i])
    for pp, pp2, tp2 in zip(pparams, pparams2, tparams2):
        close(pp2, tp2)
        np.testing.assert_array_equal(pp2.detach().numpy(), pp.detach().numpy())
    compare_states(popt2, topt2, pparams2, tparams2)


def test_load_state_dict_errors():
    def both(make_src, make_dst):
        def call(fw):
            a, b = fw.ones(2, requires_grad=True), fw.ones(3, requires_grad=True)
            make_dst(fw, a, b).load_state_dict(make_src(fw, a, b).state_dict())
        return lambda: call(torch), lambda: call(pag)
    helper_test_exception(*both(lambda fw, a, b: fw.optim.SGD([a, b]),
                                lambda fw, a, b: fw.optim.SGD([{"params": [a]}, {"params": [b]}])))
    helper_test_exception(*both(lambda fw, a, b: fw.optim.SGD([a, b]), lambda fw, a, b: fw.optim.SGD([a])))


def test_state_dict_step_as_float_is_converted():
    # old checkpoints hold `step` as a Python number; Adam turns it back into a tensor
    for fw in (torch, pag):
        p = fw.ones(2, requires_grad=True)
        opt = fw.optim.Adam([p])
        p.grad = fw.ones(2)
        opt.step()
        sd = opt.state_dict()
        sd["state"][0]["step"] = 1.0
        opt2 = fw.optim.Adam([p])
        opt2.load_state_dict(sd)
        st = opt2.state[p]["step"]
        assert isinstance(st, fw.Tensor) and st.item() == 1.0 and str(st.dtype) == "torch.float32"


def test_validation_errors():
    def both(f):
        return (lambda: f(torch, torch.zeros(2, requires_grad=True)),
                lambda: f(pag, pag.zeros(2, requires_grad=True)))
    cases = [
        lambda fw, p: fw.optim.SGD([p], lr=-0.1),
        lambda fw, p: fw.optim.SGD([p], lr=0.1, momentum=-0.5),
        lambda fw, p: fw.optim.SGD([p], lr=0.1, weight_decay=-1),
        lambda fw, p: fw.optim.SGD([p], lr=0.1, nesterov=True),
        lambda fw, p: fw.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
        lambda fw, p: fw.optim.SGD([p, 1], lr=0.1),
        lambda fw, p: fw.optim.SGD([p, "w"], lr=0.1),
        lambda fw, p: fw.optim.SGD([], lr=0.1),
        lambda fw, p: fw.optim.SGD(p, lr=0.1),
        lambda fw, p: fw.optim.SGD([p * 2], lr=0.1),
        lambda fw, p: fw.optim.SGD([{"params": [p]}, {"params": p}], lr=0.1),
        lambda fw, p: fw.optim.SGD([{"params": {p}}], lr=0.1),
        lambda fw, p: fw.optim.SGD([p], lr=0.1, fused=True, foreach=True),
        lambda fw, p: fw.optim.SGD([p]).add_param_group([p]),
        lambda fw, p: fw.optim.SGD([p]).add_param_group({"params": [p]}),
        lambda fw, p: fw.optim.Adam([p], lr=-1e-3),
        lambda fw, p: fw.optim.Adam([p], eps=-1.0),
        lambda fw, p: fw.optim.Adam([p], betas=(1.0, 0.999)),
        lambda fw, p: fw.optim.Adam([p], betas=(0.9, -0.1)),
        lambda fw, p: fw.optim.Adam([p], betas=(0, 0.9)),
        lambda fw, p: fw.optim.Adam([p], weight_decay=-0.1),
        lambda fw, p: fw.optim.AdamW([p], lr=-1.0),
        lambda fw, p: fw.optim.AdamW([p], betas=(0.9, 1)),
        lambda fw, p: fw.optim.Adam([p], lr=fw.tensor([0.1, 0.2])),
        lambda fw, p: fw.optim.RMSprop([p], lr=-1),
        lambda fw, p: fw.optim.RMSprop([p], eps=-1e-8),
        lambda fw, p: fw.optim.RMSprop([p], momentum=-0.9),
        lambda fw, p: fw.optim.RMSprop([p], weight_decay=-0.1),
        lambda fw, p: fw.optim.RMSprop([p], alpha=-0.5),
        lambda fw, p: fw.optim.RMSprop([p], lr=fw.tensor([0.1, 0.2])),
        lambda fw, p: fw.optim.Optimizer([p], {}).step(),
        lambda fw, p: fw.optim.lr_scheduler.StepLR(object(), 3),
    ]
    for f in cases:
        helper_test_exception(*both(f))


@pytest.mark.parametrize("name", ["Adam", "RMSprop"])
def test_capturable_needs_an_accelerator(name):
    def f(fw):
        p = fw.zeros(2, requires_grad=True)
        p.grad = fw.ones(2)
        getattr(fw.optim, name)([p], capturable=True).step()
    helper_test_exception(lambda: f(torch), lambda: f(pag))


def test_duplicate_params_warn():
    for fw in (torch, pag):
        p = fw.ones(2, requires_grad=True)
        with pytest.warns(UserWarning, match="duplicate parameters"):
            fw.optim.SGD([p, p], lr=0.1)


def test_repr_like_torch():
    def make_all(fw):
        a, b = fw.ones(2, requires_grad=True), fw.ones(3, requires_grad=True)
        opts = [fw.optim.SGD([a], lr=0.1), fw.optim.SGD([a, b], lr=0.01, momentum=0.9, nesterov=True, maximize=True),
                fw.optim.Adam([a]), fw.optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.1}], amsgrad=True,
                                                  betas=(0.8, 0.9), eps=1e-6, weight_decay=1e-4),
                fw.optim.AdamW([a, b], lr=3e-4, fused=True), fw.optim.SGD([a], lr=0.1, foreach=False),
                fw.optim.AdamW([a], lr=fw.tensor(0.01), capturable=True), fw.optim.RMSprop([a]),
                fw.optim.RMSprop([{"params": [a]}, {"params": [b], "lr": 0.1}], momentum=0.9, centered=True)]
        fw.optim.lr_scheduler.StepLR(opts[0], 3)
        fw.optim.lr_scheduler.CosineAnnealingLR(opts[3], 10)
        return [repr(o) for o in opts]
    for p, t in zip(make_all(pag), make_all(torch)):
        assert p == t


# ---------------------------------------------------------------- schedulers

SCHEDULERS = [
    ("StepLR", lambda fw, o: fw.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5)),
    ("MultiStepLR", lambda fw, o: fw.optim.lr_scheduler.MultiStepLR(o, milestones=[5, 17, 17, 40], gamma=0.3)),
    ("ExponentialLR", lambda fw, o: fw.optim.lr_scheduler.ExponentialLR(o, gamma=0.95)),
    ("CosineAnnealingLR", lambda fw, o: fw.optim.lr_scheduler.CosineAnnealingLR(o, T_max=20, eta_min=1e-3)),
    ("CosineAnnealingLR0", lambda fw, o: fw.optim.lr_scheduler.CosineAnnealingLR(o, T_max=7)),
    ("LambdaLR", lambda fw, o: fw.optim.lr_scheduler.LambdaLR(o, lambda e: 1.0 / (1 + e) ** 0.5)),
    ("LambdaLR-per-group", lambda fw, o: fw.optim.lr_scheduler.LambdaLR(o, [lambda e: 0.9 ** e,
                                                                            lambda e: math.cos(e / 10)])),
]


def lr_sequence(fw, make_sched, steps=60):
    p, q = fw.ones(2, requires_grad=True), fw.ones(2, requires_grad=True)
    opt = fw.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.3}], lr=0.1, momentum=0.9)
    sched = make_sched(fw, opt)
    seq = [list(sched.get_last_lr())]
    groups = [[g["lr"] for g in opt.param_groups]]
    for _ in range(steps):
        p.grad, q.grad = fw.ones(2), fw.ones(2)
        opt.step()
        sched.step()
        seq.append(list(sched.get_last_lr()))
        groups.append([g["lr"] for g in opt.param_groups])
    return seq, groups, sched, opt


@pytest.mark.parametrize("name,make", SCHEDULERS, ids=[s[0] for s in SCHEDULERS])
def test_scheduler_sequence(name, make):
    tseq, tgroups, tsched, topt = lr_sequence(torch, make)
    pseq, pgroups, psched, popt = lr_sequence(pag, make)
    assert pseq == tseq and pgroups == tgroups  # the same floats, bit for bit
    assert psched.last_epoch == tsched.last_epoch == 60
    assert [g["initial_lr"] for g in popt.param_groups] == [g["initial_lr"] for g in topt.param_groups]
    assert psched.base_lrs == tsched.base_lrs
    tsd, psd = tsched.state_dict(), psched.state_dict()
    assert sorted(psd) == sorted(tsd)
    assert {k: v for k, v in psd.items() if k != "lr_lambdas"} == {k: v for k, v in tsd.items() if k != "lr_lambdas"}


@pytest.mark.parametrize("name,make", SCHEDULERS[:5], ids=[s[0] for s in SCHEDULERS[:5]])
def test_scheduler_state_dict_resume(name, make):
    res = []
    for fw in (torch, pag):
        _, _, sched, opt = lr_sequence(fw, make, 25)
        sd = copy.deepcopy(sched.state_dict())
        osd = copy.deepcopy(opt.state_dict())
        p, q = fw.ones(2, requires_grad=True), fw.ones(2, requires_grad=True)
        opt2 = fw.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.3}], lr=0.1, momentum=0.9)
        opt2.load_state_dict(osd)
        sched2 = make(fw, opt2)
        sched2.load_state_dict(sd)
        seq = []
        for _ in range(30):
            p.grad, q.grad = fw.ones(2), fw.ones(2)
            opt2.step()
            sched2.step()
            seq.append(sched2.get_last_lr())
        # the closed form through step(epoch), as torch (with its deprecation warning)
        with pytest.warns(UserWarning):
            sched2.step(12)
        seq.append(sched2.get_last_lr())
        res.append(seq)
    assert res[0] == res[1]


def test_scheduler_resume_needs_initial_lr():
    def f(fw):
        opt = fw.optim.SGD([fw.ones(2, requires_grad=True)], lr=0.1)
        fw.optim.lr_scheduler.StepLR(opt, 3, last_epoch=5)
    helper_test_exception(lambda: f(torch), lambda: f(pag))


def test_scheduler_call_order_warning():
    for fw in (torch, pag):
        opt = fw.optim.SGD([fw.ones(2, requires_grad=True)], lr=0.1)
        sched = fw.optim.lr_scheduler.ExponentialLR(opt, 0.9)
        with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
            sched.step()
