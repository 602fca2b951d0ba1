"""pyautograd.nn against torch.nn: Module API behaviour (registration, iteration,
state_dict, hooks, modes, conversions, printing), Parameter, containers, every
module and loss (values and gradients with torch's weights loaded), and nn.init."""
import copy
import math
import pickle
import warnings
from collections import OrderedDict

import numpy as np
import pytest
import torch

import pyautograd as pag
from helpers import assert_close, helper_test_exception, make_inputs, to_pag



def randn(*shape, dtype="float32", seed=0, low=-2.0, high=2.0):
    return make_inputs([shape], dtype, low, high, seed)[0]


def pag_state(module):
    """A torch module's state_dict as pyautograd tensors."""
    return OrderedDict((k, to_pag(v)) for k, v in module.state_dict().items())


def make_net(lib):
    """The same small module tree in torch or pyautograd: parameters, persistent and
    non-persistent buffers, a None parameter and buffer, a shared submodule, containers."""
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self, k):
            super().__init__()
            self.w = nn.Parameter(lib.ones(3, 2) * k)
            self.b = nn.Parameter(lib.zeros(2))
            self.register_buffer("running", lib.zeros(2))
            self.register_buffer("scratch", lib.ones(1), persistent=False)
            self.act = nn.Tanh()

        def forward(self, x):
            return self.act(x * self.w.sum(0) + self.b)

        def extra_repr(self):
            return "k=block"

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block1 = Block(0.5)
            self.block2 = Block(0.25)
            self.shared = self.block1
            self.head = nn.Sequential(nn.ReLU(), nn.Identity())
            self.scale = nn.Parameter(lib.tensor(2.0))
            self.register_parameter("unused", None)
            self.register_buffer("steps", lib.tensor(0))
            self.register_buffer("empty", None)

        def forward(self, x):
            return self.head(self.block2(self.block1(x))) * self.scale

    return Net()


# ================================================================ Parameter
def test_parameter_basics():
    t = pag.ones(2, 3)
    p = pag.nn.Parameter(t)
    assert isinstance(p, pag.Tensor) and isinstance(p, pag.nn.Parameter)
    assert type(p).__name__ == "Parameter"
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    # aliases the data's storage
    with pag.no_grad():
        p.mul_(3)
    assert t.tolist() == [[3.0] * 3] * 2
    assert not pag.nn.Parameter(pag.ones(2), requires_grad=False).requires_grad
    assert tuple(pag.nn.Parameter().shape) == tuple(torch.nn.Parameter().shape)
    # made from a non-leaf, it is a fresh leaf
    x = pag.ones(2, requires_grad=True) * 2
    assert pag.nn.Parameter(x).is_leaf
    # ops on a parameter give plain tensors
    assert type(p * 2) is pag.Tensor and type(p.detach()) is pag.Tensor
    assert p.requires_grad_(True) is p
    helper_test_exception(lambda: torch.nn.Parameter(torch.ones(2, dtype=torch.long)),
                          lambda: pag.nn.Parameter(pag.ones(2, dtype=pag.long)))
    assert not pag.nn.Parameter(pag.ones(2, dtype=pag.long), requires_grad=False).requires_grad


def test_parameter_copy_and_pickle():
    p = pag.nn.Parameter(pag.tensor([1.0, 2.0]))
    q = copy.deepcopy(p)
    assert type(q) is pag.nn.Parameter and q.requires_grad and q is not p
    assert q.tolist() == p.tolist()
    with pag.no_grad():
        q.add_(1)
    assert p.tolist() == [1.0, 2.0]
    r = pickle.loads(pickle.dumps(pag.nn.Parameter(pag.tensor([1.0, 2.0]), requires_grad=False)))
    assert type(r) is pag.nn.Parameter and not r.requires_grad and r.tolist() == [1.0, 2.0]
def test_parameter_repr():
    for data in (torch.tensor([1.0, 2.5]), torch.zeros(2, 2, dtype=torch.float64)):
        assert repr(pag.nn.Parameter(to_pag(data))) == repr(torch.nn.Parameter(data))
        assert str(pag.nn.Parameter(to_pag(data), requires_grad=False)) == \
            str(torch.nn.Parameter(data, requires_grad=False))


def test_buffer_marker():
    b = pag.nn.Buffer(pag.ones(2))
    assert isinstance(b, pag.nn.Buffer) and isinstance(b, pag.Tensor)
    assert not isinstance(pag.ones(2), pag.nn.Buffer)
    m = pag.nn.Module()
    m.kept = pag.nn.Buffer(pag.ones(1))
    m.temp = pag.nn.Buffer(pag.ones(1), persistent=False)
    tm = torch.nn.Module()
    tm.kept = torch.nn.Buffer(torch.ones(1))
    tm.temp = torch.nn.Buffer(torch.ones(1), persistent=False)
    assert list(m.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in tm.named_buffers()]


# ================================================================ registration and iteration
def test_named_members_match_torch():
    t, p = make_net(torch), make_net(pag)

    def names(it):
        return [(n, tuple(v.shape)) for n, v in it]
    for kw in ({}, {"recurse": False}, {"prefix": "model"}, {"remove_duplicate": False}):
        assert names(p.named_parameters(**kw)) == names(t.named_parameters(**kw)), kw
        assert names(p.named_buffers(**kw)) == names(t.named_buffers(**kw)), kw
    assert [tuple(v.shape) for v in p.parameters()] == [tuple(v.shape) for v in t.parameters()]
    assert [tuple(v.shape) for v in p.buffers(recurse=False)] == [tuple(v.shape) for v in t.buffers(recurse=False)]
    assert [n for n, _ in p.named_children()] == [n for n, _ in t.named_children()]
    assert [type(m).__name__ for m in p.children()] == [type(m).__name__ for m in t.children()]
    for kw in ({}, {"remove_duplicate": False}, {"prefix": "root"}):
        assert [n for n, _ in p.named_modules(**kw)] == [n for n, _ in t.named_modules(**kw)], kw
    assert [type(m).__name__ for m in p.modules()] == [type(m).__name__ for m in t.modules()]
    assert p.shared is p.block1
    assert p.get_submodule("block1.act") is p.block1.act
    assert p.get_submodule("") is p
    assert p.get_parameter("block2.w") is p.block2.w
    assert p.get_buffer("block1.running") is p.block1.running
    assert p.unused is None and p.empty is None


def test_registration_errors_match_torch():
    t, p = make_net(torch), make_net(pag)

    def both(fn):
        helper_test_exception(lambda: fn(t, torch), lambda: fn(p, pag))
    both(lambda n, lib: n.register_parameter("steps", None))
    both(lambda n, lib: n.register_buffer("scale", None))
    both(lambda n, lib: n.add_module("scale", lib.nn.ReLU()))
    both(lambda n, lib: n.register_parameter("x.y", None))
    both(lambda n, lib: n.register_parameter("", None))
    both(lambda n, lib: n.register_buffer("x.y", None))
    both(lambda n, lib: n.register_buffer("", None))
    both(lambda n, lib: n.add_module("x.y", lib.nn.ReLU()))
    both(lambda n, lib: n.add_module("", lib.nn.ReLU()))
    both(lambda n, lib: n.add_module(3, lib.nn.ReLU()))
    both(lambda n, lib: n.add_module("m", 5))
    both(lambda n, lib: n.register_buffer(1, None))
    both(lambda n, lib: n.register_parameter(1.5, None))
    both(lambda n, lib: n.register_buffer("b", 3))
    both(lambda n, lib: n.register_parameter("c", lib.ones(1)))
    both(lambda n, lib: n.register_parameter("d", lib.nn.Parameter(lib.ones(1)) * 2))
    both(lambda n, lib: setattr(n, "scale", lib.ones(2)))
    both(lambda n, lib: setattr(n, "head", 3))
    both(lambda n, lib: setattr(n, "steps", 4))
    both(lambda n, lib: n.nothere)
    both(lambda n, lib: n.get_submodule("head.x"))
    both(lambda n, lib: n.get_submodule("scale"))
    both(lambda n, lib: n.get_parameter("steps"))
    both(lambda n, lib: n.get_buffer("scale"))
    both(lambda n, lib: n.train(1))
    both(lambda n, lib: n.to(lib.long))
    both(lambda n, lib: lib.nn.Module(3))
    both(lambda n, lib: lib.nn.Module(a=3))
    both(lambda n, lib: lib.nn.Module()())
    both(lambda n, lib: n.load_state_dict([1]))


def test_setattr_delattr_and_dir():
    m = pag.nn.Module()
    m.p = pag.nn.Parameter(pag.ones(1))
    m.register_buffer("b", pag.ones(1))
    m.c = pag.nn.ReLU()
    m.plain = 5
    assert set(m._parameters) == {"p"} and set(m._buffers) == {"b"} and set(m._modules) == {"c"}
    # a Parameter replaces a module or buffer of the same name, a module replaces a buffer
    m.c = pag.nn.Parameter(pag.ones(1))
    assert "c" in m._parameters and "c" not in m._modules
    m.c = None
    assert m.c is None and "c" in m._parameters
    m.register_buffer("b2", pag.ones(1))
    m.b2 = pag.nn.ReLU()
    assert "b2" in m._modules and "b2" not in m._buffers
    m.b = pag.zeros(2)  # a tensor assigned to a buffer name stays a buffer
    assert m._buffers["b"].tolist() == [0.0, 0.0]
    del m.p, m.c
    m.c = pag.nn.ReLU()
    d = dir(m)
    assert {"b", "b2", "c", "plain", "forward", "state_dict"} <= set(d) and "p" not in d
    del m.b, m.c, m.plain
    assert not m._buffers and "c" not in m._modules and not hasattr(m, "plain")
    helper_test_exception(lambda: delattr(torch.nn.Module(), "zz"), lambda: delattr(pag.nn.Module(), "zz"))
    assert not any(k.isdigit() for k in dir(pag.nn.Sequential(pag.nn.ReLU(), pag.nn.ReLU())))


# ================================================================ state_dict
def test_state_dict_matches_torch():
    t, p = make_net(torch), make_net(pag)
    ts, ps = t.state_dict(), p.state_dict()
    assert isinstance(ps, OrderedDict)
    assert list(ps) == list(ts)
    for k in ts:
        assert_close(ps[k], ts[k], msg=k)
        assert not ps[k].requires_grad and ps[k].grad_fn is None
    assert list(ps._metadata) == list(ts._metadata)
    assert ps._metadata == ts._metadata
    assert list(p.state_dict(prefix="net.")) == list(t.state_dict(prefix="net."))
    kv = p.state_dict(keep_vars=True)
    assert kv["scale"] is p.scale and kv["block1.w"] is p.block1.w
    # a state_dict entry shares memory with the parameter
    with pag.no_grad():
        ps["scale"].fill_(5.0)
    assert p.scale.item() == 5.0
    dest = OrderedDict()
    assert p.state_dict(destination=dest) is dest


def test_load_state_dict_round_trip():
    t, p = make_net(torch), make_net(pag)
    with torch.no_grad():
        for i, v in enumerate(t.state_dict().values()):
            if v.is_floating_point():
                v.copy_(torch.linspace(-1, 1, v.numel()).reshape(v.shape) + i)
            else:
                v.fill_(7)
    res = p.load_state_dict(pag_state(t))
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert repr(res) == "<All keys matched successfully>" == repr(t.load_state_dict(t.state_dict()))
    for k, v in t.state_dict().items():
        assert_close(p.state_dict()[k], v, msg=k)
    x_t = randn(4, 2)
    x_p = to_pag(x_t)
    assert_close(p(x_p), t(x_t))
    # parameters stay the same objects (copied into, not replaced)
    w = p.block1.w
    p.load_state_dict(pag_state(t))
    assert p.block1.w is w and w.requires_grad


def test_load_state_dict_errors_match_torch():
    t, p = make_net(torch), make_net(pag)
    sd_t = t.state_dict()
    cases = []
    d = OrderedDict(sd_t)
    del d["scale"], d["block2.b"]
    cases.append(d)
    d = OrderedDict(sd_t)
    d["extra"] = torch.ones(1)
    d["block1.zzz"] = torch.ones(1)
    d["nothere.w"] = torch.ones(1)
    cases.append(d)
    d = OrderedDict(sd_t)
    d["block1.w"] = torch.ones(2, 3)
    cases.append(d)
    d = OrderedDict(sd_t)
    del d["steps"]
    d["block1.w"] = torch.ones(4)
    d["more"] = torch.ones(1)
    cases.append(d)
    for case in cases:
        case_p = OrderedDict((k, to_pag(v)) for k, v in case.items())
        helper_test_exception(lambda: t.load_state_dict(case), lambda: p.load_state_dict(case_p))
        r_t = t.load_state_dict(case, strict=False) if "block1.w" not in case or \
            case["block1.w"].shape == sd_t["block1.w"].shape else None
        if r_t is not None:
            r_p = p.load_state_dict(case_p, strict=False)
            assert r_p.missing_keys == r_t.missing_keys and r_p.unexpected_keys == r_t.unexpected_keys
            assert repr(r_p) == repr(r_t) and isinstance(r_p, tuple)
    bad_t = OrderedDict(sd_t)
    bad_t["scale"] = 3.0
    bad_p = pag_state(t)
    bad_p["scale"] = 3.0
    helper_test_exception(lambda: t.load_state_dict(bad_t), lambda: p.load_state_dict(bad_p))


def test_load_state_dict_assign_and_scalar_shapes():
    p = make_net(pag)
    sd = p.state_dict()
    new_w = pag.full((3, 2), 4.0)
    sd["block2.w"] = new_w
    p.load_state_dict(sd, assign=True)
    assert isinstance(p.block2.w, pag.nn.Parameter) and p.block2.w.requires_grad
    assert p.block2.w.tolist() == [[4.0] * 2] * 3
    # block1 is also registered as `shared`: its entries load twice, the later one wins (as in torch)
    t = make_net(torch)
    sd_t, sd_p = t.state_dict(), p.state_dict()
    sd_t["block1.w"] = torch.full((3, 2), 4.0)
    sd_p["block1.w"] = pag.full((3, 2), 4.0)
    t.load_state_dict(sd_t, assign=True)
    p.load_state_dict(sd_p, assign=True)
    assert_close(p.block1.w.detach(), t.block1.w.detach())
    # a (1,) tensor loads into a 0-dim parameter, as in torch
    t = make_net(torch)
    sd_t = t.state_dict()
    sd_t["scale"] = torch.tensor([3.0])
    t.load_state_dict(sd_t)
    sd_p = p.state_dict()
    sd_p["scale"] = pag.tensor([3.0])
    p.load_state_dict(sd_p)
    assert p.scale.item() == t.scale.item() == 3.0


def test_state_dict_hooks():
    logs = []
    for lib in (torch, pag):
        m = make_net(lib)
        seen = []
        h1 = m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: seen.append(("pre", prefix)))
        h2 = m.block2.register_state_dict_post_hook(lambda mod, sd, prefix, meta: seen.append(("post", prefix,
                                                                                                len(sd))))
        m.state_dict()
        h1.remove()
        h2.remove()
        m.state_dict()
        logs.append(seen)
    assert logs[0] == logs[1] and len(logs[0]) == 2
    p = make_net(pag)
    calls = []
    p.register_load_state_dict_post_hook(lambda m, keys: calls.append((list(keys.missing_keys), m)))
    p.load_state_dict(p.state_dict())
    assert calls == [([], p)]


# ================================================================ modes, grads, conversions
def test_train_eval_and_requires_grad():
    t, p = make_net(torch), make_net(pag)
    assert p.training
    for m in (t, p):
        m.eval()
    assert [m.training for m in p.modules()] == [m.training for m in t.modules()]
    assert not any(m.training for m in p.modules())
    p.block2.train()
    t.block2.train()
    assert [m.training for m in p.modules()] == [m.training for m in t.modules()]
    assert p.train() is p and p.eval() is p
    for m in (t, p):
        m.requires_grad_(False)
        assert not any(q.requires_grad for q in m.parameters())
        m.block1.requires_grad_()
    assert [q.requires_grad for q in p.parameters()] == [q.requires_grad for q in t.parameters()]
    assert sum(q.requires_grad for q in p.parameters()) == 2


def test_zero_grad_and_apply():
    p = make_net(pag)
    x = pag.ones(3, 2)
    p(x).sum().backward()
    assert all(q.grad is not None for q in p.parameters())
    p.zero_grad(set_to_none=False)
    assert all(q.grad is not None and not q.grad.detach().numpy().any() for q in p.parameters())
    p(x).sum().backward()
    p.zero_grad()
    assert all(q.grad is None for q in p.parameters())
    order_t, order_p = [], []
    make_net(torch).apply(lambda m: order_t.append(type(m).__name__))
    make_net(pag).apply(lambda m: order_p.append(type(m).__name__))
    assert order_p == order_t


def test_to_and_dtype_conversions():
    p = make_net(pag)
    w = p.block1.w
    p(pag.ones(3, 2)).sum().backward()
    assert p.to(pag.float64) is p
    assert p.block1.w is w and isinstance(w, pag.nn.Parameter) and w.requires_grad
    assert w.dtype == pag.float64 and w.grad.dtype == pag.float64
    assert p.block1.running.dtype == pag.float64
    assert p.steps.dtype == pag.int64  # integer buffers keep their dtype
    p.float()
    assert all(q.dtype == pag.float32 for q in p.parameters())
    p.double()
    assert all(q.dtype == pag.float64 for q in p.parameters())
    p.to("cpu")
    p.to(device="cpu", dtype=pag.float32)
    assert p.cpu() is p and p.scale.dtype == pag.float32
    p.to(pag.zeros(1, dtype=pag.float64))
    assert p.scale.dtype == pag.float64
    helper_test_exception(lambda: make_net(torch).to(torch.int64), lambda: make_net(pag).to(pag.int64))


def test_deepcopy_and_pickle_module():
    p = make_net(pag)
    q = copy.deepcopy(p)
    assert q is not p and q.block1.w is not p.block1.w
    assert q.shared is q.block1  # sharing survives the copy
    assert list(q.state_dict()) == list(p.state_dict())
    with pag.no_grad():
        q.scale.fill_(9.0)
    assert p.scale.item() == 2.0
    r = pickle.loads(pickle.dumps(pag.nn.Sequential(pag.nn.ReLU(), pag.nn.GELU("tanh"))))
    assert repr(r) == repr(torch.nn.Sequential(torch.nn.ReLU(), torch.nn.GELU("tanh")))


# ================================================================ hooks and __call__
def _hook_log(lib, log):
    m = make_net(lib)

    def pre(mod, args):
        log.append(("pre", type(mod).__name__, len(args)))
        return (args[0] * 2,)

    def pre_kw(mod, args, kwargs):
        log.append(("pre_kw", sorted(kwargs)))

    def post(mod, args, out):
        log.append(("post", type(mod).__name__))
        return out + 1

    def first(mod, args, out):
        log.append(("first",))

    hs = [m.register_forward_pre_hook(pre), m.register_forward_pre_hook(pre_kw, with_kwargs=True),
          m.register_forward_hook(post), m.register_forward_hook(first, prepend=True),
          m.block1.register_forward_hook(lambda mod, a, o: log.append(("inner", tuple(o.shape))))]
    return m, hs


def test_forward_hooks_match_torch():
    log_t, log_p = [], []
    t, hs_t = _hook_log(torch, log_t)
    p, hs_p = _hook_log(pag, log_p)
    x = randn(3, 2)
    assert_close(p(to_pag(x)), t(x))
    assert log_p == log_t
    for h in hs_p + hs_t:
        h.remove()
    log_t.clear()
    log_p.clear()
    assert_close(p(to_pag(x)), t(x))
    assert log_p == log_t == []
    # a pre-hook may return a single value (not a tuple); handles work as context managers
    with p.register_forward_pre_hook(lambda m, a: a[0] * 3) as h, \
            t.register_forward_pre_hook(lambda m, a: a[0] * 3):
        assert_close(p(to_pag(x)), t(x))
    assert h.id not in p._forward_pre_hooks
    assert_close(p(to_pag(x)), t(x))


def test_forward_hook_always_call_and_global_hooks():
    from pyautograd.nn.modules.module import register_module_forward_hook
    calls = []

    class Boom(pag.nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    m = Boom()
    m.register_forward_hook(lambda mod, a, o: calls.append("always"), always_call=True)
    m.register_forward_hook(lambda mod, a, o: calls.append("normal"))
    with pytest.raises(ValueError, match="boom"):
        m(pag.ones(1))
    assert calls == ["always"]
    seen = []
    h = register_module_forward_hook(lambda mod, a, o: seen.append(type(mod).__name__))
    try:
        pag.nn.Sequential(pag.nn.ReLU())(pag.ones(1))
    finally:
        h.remove()
    pag.nn.ReLU()(pag.ones(1))
    assert seen == ["ReLU", "Sequential"]
    bad = pag.nn.ReLU()
    bad.register_forward_pre_hook(lambda m, a, k: 5, with_kwargs=True)
    tbad = torch.nn.ReLU()
    tbad.register_forward_pre_hook(lambda m, a, k: 5, with_kwargs=True)
    helper_test_exception(lambda: tbad(torch.ones(1)), lambda: bad(pag.ones(1)))


# ================================================================ printing
def _repr_pairs():
    def both(fn):
        return fn(torch), fn(pag)
    yield both(make_net)
    yield both(lambda lib: lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Sequential(lib.nn.Tanh(), lib.nn.Dropout(0.3)),
                                             lib.nn.Flatten(), lib.nn.Unflatten(1, (2, 1)), lib.nn.Identity(3)))
    yield both(lambda lib: lib.nn.ModuleList([lib.nn.ReLU(), lib.nn.ReLU(), lib.nn.ReLU(), lib.nn.ELU(),
                                              lib.nn.Sequential(lib.nn.Sigmoid()), lib.nn.Sequential(lib.nn.Sigmoid()),
                                              lib.nn.ELU()]))
    yield both(lambda lib: lib.nn.ModuleDict({"act": lib.nn.LeakyReLU(0.2, True), "soft": lib.nn.Softmax(1),
                                              "none": lib.nn.LogSoftmax(), "g": lib.nn.GELU("tanh")}))
    yield both(lambda lib: lib.nn.Sequential(OrderedDict([("a", lib.nn.ELU(0.5, inplace=True)),
                                                          ("b", lib.nn.Dropout(0.1, inplace=True)),
                                                          ("c", lib.nn.ReLU(True)), ("d", lib.nn.Softmin(0))])))
    for empty in ("Sequential", "ModuleList", "ModuleDict", "Module", "Identity"):
        yield getattr(torch.nn, empty)(), getattr(pag.nn, empty)()
    yield both(lambda lib: lib.nn.ModuleList([lib.nn.ModuleList([lib.nn.Tanh()] * 2)] * 3))
    yield both(lambda lib: lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2, 3)), lib.ones(1, dtype=lib.float64)]))
    yield both(lambda lib: lib.nn.ParameterDict({"w": lib.nn.Parameter(lib.ones(2)), "b": lib.ones(3, 1)}))
    yield both(lambda lib: lib.nn.Flatten(0, 2))
    for loss in ("MSELoss", "L1Loss", "NLLLoss", "BCELoss", "SmoothL1Loss", "HuberLoss"):
        yield getattr(torch.nn, loss)(reduction="sum"), getattr(pag.nn, loss)(reduction="sum")
    yield both(lambda lib: lib.nn.CrossEntropyLoss(weight=lib.ones(3), label_smoothing=0.1))
    yield both(lambda lib: lib.nn.BCEWithLogitsLoss(pos_weight=lib.ones(2)))


def test_module_repr_matches_torch():
    for t, p in _repr_pairs():
        assert repr(p) == repr(t)
        assert str(p) == str(t)


def test_extra_repr_multiline():
    class Multi(pag.nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"

    class TorchMulti(torch.nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"
    TorchMulti.__name__ = "Multi"
    p, t = Multi(), TorchMulti()
    p.child = pag.nn.ReLU()
    t.child = torch.nn.ReLU()
    assert repr(p) == repr(t)
def test_linear_repr_and_structure():
    for args in [(3, 4), (5, 2, False), (0, 3)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t, p = torch.nn.Linear(*args), pag.nn.Linear(*args)
        assert repr(p) == repr(t)
        assert list(p.state_dict()) == list(t.state_dict())
        assert [tuple(q.shape) for q in p.parameters()] == [tuple(q.shape) for q in t.parameters()]
        assert p.in_features == t.in_features and p.out_features == t.out_features
    big_t, big_p = (lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.ModuleList([lib.nn.Linear(8, 8)] * 2))
                    for lib in (torch, pag))
    assert repr(big_p) == repr(big_t)
    lp = pag.nn.Linear(3, 2, dtype=pag.float64)
    assert lp.weight.dtype == pag.float64 and lp.bias.dtype == pag.float64


# ================================================================ containers
def test_sequential_api_matches_torch():
    def build(lib):
        return lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.Sigmoid(), lib.nn.ELU())
    t, p = build(torch), build(pag)

    def same(a, b):
        assert repr(a) == repr(b)
        assert list(a._modules) == list(b._modules)
    same(p, t)
    assert len(p) == len(t) == 4
    for idx in (0, 2, -1, -4):
        assert type(p[idx]).__name__ == type(t[idx]).__name__
    for sl in (slice(1, 3), slice(None, None, -1), slice(-2, None), slice(None, None, 2)):
        same(p[sl], t[sl])
        assert type(p[sl]) is pag.nn.Sequential
    helper_test_exception(lambda: t[4], lambda: p[4])
    helper_test_exception(lambda: t[-5], lambda: p[-5])
    assert [type(m).__name__ for m in p] == [type(m).__name__ for m in t]
    for lib, s in ((torch, t), (pag, p)):
        s.append(lib.nn.Identity())
        s.insert(1, lib.nn.GELU())
        s.insert(-1, lib.nn.Softmax(0))
        s.extend([lib.nn.Dropout(), lib.nn.Flatten()])
        s[0] = lib.nn.LeakyReLU()
        del s[2]
        del s[1:3]
        s.pop(0)
    same(p, t)
    same(p + build(pag), t + build(torch))
    same(p * 2, t * 2)
    same(2 * p, 2 * t)
    for lib, s in ((torch, t), (pag, p)):
        s += build(lib)
        s *= 2
    same(p, t)
    # (the message names the class, whose module path differs)
    helper_test_exception(lambda: t + torch.nn.ModuleList(), lambda: p + pag.nn.ModuleList(),
                          match=r"^add operator supports only objects of Sequential class, but <class "
                                r"'pyautograd\.nn\.modules\.container\.ModuleList'> is given\.$")
    helper_test_exception(lambda: t * 0, lambda: p * 0,
                          match=r"^Non-positive multiplication factor 0 for <class 'pyautograd\.nn\.modules\.container"
                                r"\.Sequential'>$")
    helper_test_exception(lambda: t.insert(100, torch.nn.ReLU()), lambda: p.insert(100, pag.nn.ReLU()))
    od_t = torch.nn.Sequential(OrderedDict([("first", torch.nn.ReLU()), ("second", torch.nn.Tanh())]))
    od_p = pag.nn.Sequential(OrderedDict([("first", pag.nn.ReLU()), ("second", pag.nn.Tanh())]))
    same(od_p, od_t)
    assert od_p.first is od_p[0]


def test_sequential_forward():
    def build(lib):
        return lib.nn.Sequential(lib.nn.Tanh(), lib.nn.LeakyReLU(0.3), lib.nn.Flatten(), lib.nn.ELU(),
                                 lib.nn.Unflatten(1, (3, 4)), lib.nn.GELU(), lib.nn.Identity())
    t, p = build(torch), build(pag)
    x_t = randn(2, 3, 4).requires_grad_()
    x_p = to_pag(x_t.detach()).requires_grad_()
    y_t, y_p = t(x_t), p(x_p)
    assert_close(y_p, y_t)
    (y_t ** 2).sum().backward()
    (y_p ** 2).sum().backward()
    assert_close(x_p.grad, x_t.grad)


def test_module_list_api_matches_torch():
    def build(lib):
        return lib.nn.ModuleList([lib.nn.ReLU(), lib.nn.Tanh(), lib.nn.ReLU()])
    t, p = build(torch), build(pag)
    for lib, m in ((torch, t), (pag, p)):
        m.append(lib.nn.ELU())
        m.extend([lib.nn.GELU(), lib.nn.GELU()])
        m.insert(1, lib.nn.Sigmoid())
        m[0] = lib.nn.Identity()
        del m[-1]
        m += [lib.nn.Tanh()]
        m.pop(2)
    assert repr(p) == repr(t) and list(p._modules) == list(t._modules)
    assert repr(p[1:4]) == repr(t[1:4]) and repr(p[::-2]) == repr(t[::-2])
    assert repr(p + build(pag)) == repr(t + build(torch))
    assert len(p) == len(t) and type(p[-1]).__name__ == type(t[-1]).__name__
    del p[1:3]
    del t[1:3]
    assert repr(p) == repr(t)
    helper_test_exception(lambda: t[10], lambda: p[10])
    helper_test_exception(lambda: t.extend(5), lambda: p.extend(5))
    helper_test_exception(lambda: torch.nn.ModuleList([torch.nn.ReLU()])(torch.ones(1)),
                          lambda: pag.nn.ModuleList([pag.nn.ReLU()])(pag.ones(1)))


def test_module_dict_api_matches_torch():
    def build(lib):
        return lib.nn.ModuleDict({"relu": lib.nn.ReLU(), "tanh": lib.nn.Tanh()})
    t, p = build(torch), build(pag)
    for lib, m in ((torch, t), (pag, p)):
        m["gelu"] = lib.nn.GELU()
        m.update([("elu", lib.nn.ELU()), ("id", lib.nn.Identity())])
        m.update(OrderedDict([("sig", lib.nn.Sigmoid())]))
        del m["tanh"]
        m.pop("id")
    assert repr(p) == repr(t)
    assert list(p.keys()) == list(t.keys()) and list(p) == list(t)
    assert [type(v).__name__ for v in p.values()] == [type(v).__name__ for v in t.values()]
    assert [k for k, _ in p.items()] == [k for k, _ in t.items()]
    assert ("elu" in p) and ("tanh" not in p) and len(p) == len(t)
    helper_test_exception(lambda: t.update(3), lambda: p.update(3))
    helper_test_exception(lambda: t.update([("a", torch.nn.ReLU(), 3)]), lambda: p.update([("a", pag.nn.ReLU(), 3)]))
    helper_test_exception(lambda: t.update([5]), lambda: p.update([5]))
    p.clear()
    assert len(p) == 0


def test_parameter_list_and_dict():
    pl = pag.nn.ParameterList([pag.ones(2), pag.nn.Parameter(pag.zeros(3))])
    tl = torch.nn.ParameterList([torch.ones(2), torch.nn.Parameter(torch.zeros(3))])
    assert all(isinstance(q, pag.nn.Parameter) for q in pl)
    assert [n for n, _ in pl.named_parameters()] == [n for n, _ in tl.named_parameters()]
    pl.append(pag.ones(1))
    tl.append(torch.ones(1))
    assert len(pl) == 3 and repr(pl) == repr(tl) and repr(pl[1:]) == repr(tl[1:])
    pd = pag.nn.ParameterDict({"b": pag.ones(2), "a": pag.zeros(1)})
    td = torch.nn.ParameterDict({"b": torch.ones(2), "a": torch.zeros(1)})
    assert list(pd) == list(td) and repr(pd) == repr(td)
    assert [n for n, _ in pd.named_parameters()] == [n for n, _ in td.named_parameters()]
    helper_test_exception(lambda: tl(1), lambda: pl(1))


# ================================================================ modules vs torch
def _check_module(t_mod, p_mod, x, *, grad=True, rtol=None, atol=None):
    x_t = x.clone().requires_grad_(grad)
    x_p = to_pag(x).requires_grad_(grad)
    y_t, y_p = t_mod(x_t), p_mod(x_p)
    assert_close(y_p, y_t, rtol, atol)
    if grad:
        w = randn(*y_t.shape, seed=11)
        (y_t * w).sum().backward()
        (y_p * to_pag(w)).sum().backward()
        assert_close(x_p.grad, x_t.grad, rtol, atol)
        for (n, q_t), (_, q_p) in zip(t_mod.named_parameters(), p_mod.named_parameters()):
            assert_close(q_p.grad, q_t.grad, rtol, atol, msg=n)
    return y_p, y_t


@pytest.mark.parametrize("ctor", [
    lambda nn: nn.ReLU(), lambda nn: nn.LeakyReLU(), lambda nn: nn.LeakyReLU(0.2), lambda nn: nn.ELU(),
    lambda nn: nn.ELU(alpha=0.3), lambda nn: nn.GELU(), lambda nn: nn.GELU(approximate="tanh"),
    lambda nn: nn.Sigmoid(), lambda nn: nn.Tanh(), lambda nn: nn.Identity(), lambda nn: nn.Flatten(),
    lambda nn: nn.Flatten(0, 1), lambda nn: nn.Unflatten(2, (2, 2)), lambda nn: nn.Dropout(0.5).eval(),
    lambda nn: nn.Dropout(0.0)])
def test_activation_and_shape_modules(ctor):
    t, p = ctor(torch.nn), ctor(pag.nn)
    _check_module(t, p, randn(3, 5, 4, low=-3, high=3))


@pytest.mark.parametrize("ctor", [lambda nn: nn.ReLU(inplace=True), lambda nn: nn.LeakyReLU(0.1, inplace=True),
                                  lambda nn: nn.ELU(inplace=True)])
def test_inplace_activation_modules(ctor):
    t, p = ctor(torch.nn), ctor(pag.nn)
    x_t = randn(3, 4).requires_grad_()
    x_p = to_pag(x_t.detach()).requires_grad_()
    h_t, h_p = x_t * 2, x_p * 2
    assert p(h_p) is h_p
    t(h_t)
    assert_close(h_p, h_t)
    h_t.sum().backward()
    h_p.sum().backward()
    assert_close(x_p.grad, x_t.grad)
@pytest.mark.parametrize("ctor", [lambda nn: nn.Softmax(dim=1), lambda nn: nn.LogSoftmax(dim=-1),
                                  lambda nn: nn.Softmin(dim=0)])
def test_softmax_modules(ctor):
    _check_module(ctor(torch.nn), ctor(pag.nn), randn(3, 5))
def test_softmax_module_implicit_dim_warns():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = pag.nn.Softmax()(pag.ones(2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(y, torch.nn.Softmax()(torch.ones(2, 3)))
def test_dropout_module_matches_torch():
    t, p = torch.nn.Dropout(0.4), pag.nn.Dropout(0.4)
    torch.manual_seed(5)
    pag.manual_seed(5)
    _check_module(t, p, randn(6, 20))
    x = pag.ones(4)
    assert p.eval()(x) is x


def test_dropout_module_validation():
    helper_test_exception(lambda: torch.nn.Dropout(1.5), lambda: pag.nn.Dropout(1.5))
    helper_test_exception(lambda: torch.nn.Dropout(-0.1), lambda: pag.nn.Dropout(-0.1))
    helper_test_exception(lambda: torch.nn.Unflatten(1, ((2, 1),)), lambda: pag.nn.Unflatten(1, ((2, 1),)))
    helper_test_exception(lambda: torch.nn.Unflatten(1, 3), lambda: pag.nn.Unflatten(1, 3))
    helper_test_exception(lambda: torch.nn.HuberLoss(delta="1"), lambda: pag.nn.HuberLoss(delta="1"))
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(bias):
    t = torch.nn.Linear(5, 3, bias=bias)
    p = pag.nn.Linear(5, 3, bias=bias)
    p.load_state_dict(pag_state(t))
    for x in (randn(4, 5), randn(2, 3, 5), randn(5)):
        _check_module(t, p, x)
        t.zero_grad()
        p.zero_grad()
    t64 = torch.nn.Linear(4, 2, dtype=torch.float64)
    p64 = pag.nn.Linear(4, 2, dtype=pag.float64)
    p64.load_state_dict(pag_state(t64))
    _check_module(t64, p64, randn(3, 4, dtype="float64"))
def test_mlp_training_step_matches_torch():
    def build(lib):
        nn = lib.nn
        return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.GELU(), nn.Linear(16, 4))
    t, p = build(torch), build(pag)
    p.load_state_dict(pag_state(t))
    x = randn(8, 6)
    y = torch.tensor([0, 1, 2, 3, 3, 2, 1, 0])
    for _ in range(3):
        lt = torch.nn.CrossEntropyLoss()(t(x), y)
        lp = pag.nn.CrossEntropyLoss()(p(to_pag(x)), to_pag(y))
        assert_close(lp, lt, rtol=1e-5)
        t.zero_grad()
        p.zero_grad()
        lt.backward()
        lp.backward()
        with torch.no_grad():
            for q in t.parameters():
                q -= 0.1 * q.grad
        with pag.no_grad():
            for q in p.parameters():
                q -= 0.1 * q.grad
    for (n, q_t), (_, q_p) in zip(t.named_parameters(), p.named_parameters()):
        assert_close(q_p, q_t, rtol=1e-4, atol=1e-5, msg=n)


# ================================================================ loss modules
LOSS_CASES = [
    ("MSELoss", {}, "real"), ("MSELoss", {"reduction": "sum"}, "real"), ("L1Loss", {"reduction": "none"}, "real"),
    ("L1Loss", {}, "real"), ("SmoothL1Loss", {"beta": 0.3}, "real"), ("SmoothL1Loss", {"reduction": "none"}, "real"),
    ("HuberLoss", {"delta": 0.5}, "real"), ("HuberLoss", {"reduction": "sum"}, "real"),
    ("BCELoss", {}, "prob"), ("BCELoss", {"weight": "w", "reduction": "sum"}, "prob"),
    ("BCEWithLogitsLoss", {}, "logit"), ("BCEWithLogitsLoss", {"pos_weight": "w", "weight": "w"}, "logit"),
    ("NLLLoss", {}, "class"), ("NLLLoss", {"weight": "w", "ignore_index": 1, "reduction": "sum"}, "class"),
]


@pytest.mark.parametrize("case", LOSS_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(LOSS_CASES)])
def test_loss_modules(case):
    cls, kw, kind = case
    w = randn(4, low=0.2, high=2, seed=4)

    def make(lib):
        args = {k: (w.clone() if lib is torch else to_pag(w)) if v == "w" else v for k, v in kw.items()}
        return getattr(lib.nn, cls)(**args)
    t, p = make(torch), make(pag)
    assert repr(p) == repr(t)
    assert list(p.state_dict()) == list(t.state_dict())
    assert [n for n, _ in p.named_buffers()] == [n for n, _ in t.named_buffers()]
    if kind == "class":
        x = randn(5, 4)
        tgt = torch.tensor([0, 1, 3, 2, 1])
    elif kind == "prob":
        x, tgt = randn(5, 4, low=0.05, high=0.95), randn(5, 4, low=0, high=1, seed=2)
    else:
        x, tgt = randn(5, 4), randn(5, 4, seed=2)
    x_t = x.clone().requires_grad_()
    x_p = to_pag(x).requires_grad_()
    l_t, l_p = t(x_t, tgt), p(x_p, to_pag(tgt))
    assert_close(l_p, l_t)
    l_t.sum().backward()
    l_p.sum().backward()
    assert_close(x_p.grad, x_t.grad)
@pytest.mark.parametrize("kw", [{}, {"weight": True}, {"ignore_index": 2}, {"label_smoothing": 0.1},
                                {"reduction": "none", "label_smoothing": 0.2, "weight": True}])
def test_cross_entropy_module(kw):
    w = randn(4, low=0.2, high=2, seed=4)

    def make(lib):
        args = dict(kw)
        if args.get("weight"):
            args["weight"] = w.clone() if lib is torch else to_pag(w)
        return lib.nn.CrossEntropyLoss(**args)
    t, p = make(torch), make(pag)
    assert repr(p) == repr(t) and list(p.state_dict()) == list(t.state_dict())
    x = randn(6, 4, 3)
    tgt = torch.tensor([[0, 1, 2], [3, 2, 1], [0, 0, 2], [1, 3, 3], [2, 2, 0], [1, 0, 3]])
    x_t = x.clone().requires_grad_()
    x_p = to_pag(x).requires_grad_()
    l_t, l_p = t(x_t, tgt), p(x_p, to_pag(tgt))
    assert_close(l_p, l_t)
    l_t.sum().backward()
    l_p.sum().backward()
    assert_close(x_p.grad, x_t.grad)


def test_loss_module_legacy_args():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sa, rd in [(False, None), (None, False), (True, None)]:
            assert pag.nn.MSELoss(size_average=sa, reduce=rd).reduction == \
                torch.nn.MSELoss(size_average=sa, reduce=rd).reduction


# ================================================================ init
def test_calculate_gain_and_fans():
    for nl, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                      ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("leaky_relu", 3),
                      ("selu", None)]:
        assert pag.nn.init.calculate_gain(nl, param) == torch.nn.init.calculate_gain(nl, param)
    helper_test_exception(lambda: torch.nn.init.calculate_gain("foo"), lambda: pag.nn.init.calculate_gain("foo"))
    helper_test_exception(lambda: torch.nn.init.calculate_gain("leaky_relu", True),
                          lambda: pag.nn.init.calculate_gain("leaky_relu", True))
    for shape in [(3, 4), (5, 2, 3, 3), (2, 7, 4)]:
        assert pag.nn.init._calculate_fan_in_and_fan_out(pag.empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    helper_test_exception(lambda: torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(3)),
                          lambda: pag.nn.init._calculate_fan_in_and_fan_out(pag.empty(3)))
    helper_test_exception(lambda: torch.nn.init.kaiming_uniform_(torch.empty(3, 3), mode="fan_avg"),
                          lambda: pag.nn.init.kaiming_uniform_(pag.empty(3, 3), mode="fan_avg"))
    helper_test_exception(lambda: torch.nn.init.eye_(torch.empty(3)), lambda: pag.nn.init.eye_(pag.empty(3)))


def test_deterministic_inits():
    for fn, args in [("constant_", (0.3,)), ("zeros_", ()), ("ones_", ()), ("eye_", ())]:
        for shape in [(3, 4), (4, 2)]:
            t = getattr(torch.nn.init, fn)(torch.empty(*shape), *args)
            p_in = pag.nn.Parameter(pag.empty(*shape))
            p = getattr(pag.nn.init, fn)(p_in, *args)
            assert p is p_in and p.requires_grad and p.is_leaf  # in place, without recording
            assert_close(p.detach(), t)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        pag.nn.init.kaiming_uniform_(pag.empty(0, 3))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_random_inits_match_torch(dtype):
    cases = [("uniform_", {}), ("uniform_", {"a": -2, "b": 5}), ("normal_", {}), ("normal_", {"mean": 1, "std": 3}),
             ("xavier_uniform_", {}), ("xavier_uniform_", {"gain": 2.0}), ("xavier_normal_", {}),
             ("kaiming_uniform_", {}), ("kaiming_uniform_", {"a": math.sqrt(5)}),
             ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}), ("kaiming_normal_", {}),
             ("kaiming_normal_", {"a": 0.1, "mode": "fan_out"}), ("trunc_normal_", {}),
             ("trunc_normal_", {"mean": 3.0, "std": 1.0, "a": 3.5, "b": 6.0})]
    for fn, kw in cases:
        for shape in [(7, 9), (40, 3), (5, 3, 2, 2)]:
            torch.manual_seed(3)
            t = getattr(torch.nn.init, fn)(torch.empty(*shape, dtype=getattr(torch, dtype)), **kw)
            pag.manual_seed(3)
            p = getattr(pag.nn.init, fn)(pag.empty(*shape, dtype=getattr(pag, dtype)), **kw)
            np.testing.assert_array_equal(p.numpy(), t.numpy(), err_msg=f"{fn} {kw} {shape}")
@pytest.mark.parametrize("shape", [(5, 3), (1, 1), (128, 64), (3, 100), (17, 17, False)])
def test_linear_default_init_matches_torch(shape):
    torch.manual_seed(42)
    t = torch.nn.Linear(*shape)
    pag.manual_seed(42)
    p = pag.nn.Linear(*shape)
    for (n, q_t), (_, q_p) in zip(t.state_dict().items(), p.state_dict().items()):
        np.testing.assert_array_equal(q_p.numpy(), q_t.numpy(), err_msg=n)
    # the generator is left where torch leaves it
    if hasattr(pag, "rand"):
        assert_close(pag.rand(3), torch.rand(3))
