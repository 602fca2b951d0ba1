"""Note [Op table]: clamp / clip, where, the in-place methods, cat / stack and
split_with_sizes as rows: values, in-place results that are self, out=, gradients, and
for bad calls torch's TypeError, word for word (Tensor[] elements, several overloads)."""
import warnings

import pytest
import torch

import pyautograd as pag
from helpers import assert_close
from test_op_table import same_as_torch


def env(L):
    return {"L": L, "x": L.arange(-3.0, 3.0).reshape(2, 3), "y": L.full((2, 3), 0.5), "c": L.tensor([True, False, True]),
            "i": L.arange(6).reshape(2, 3), "s": L.tensor(1.5), "o": L.empty(0), "ob": L.empty(0, dtype=L.bool),
            "oi": L.empty(0, dtype=L.int64)}


CALLS = [
    # clamp / clip: Tensor and Scalar overloads, function and method, out=
    "L.clamp(x, -1, 1)", "L.clamp(x, min=0)", "L.clamp(x, max=0)", "x.clamp(-1)", "x.clamp(None, 1)",
    "x.clamp(min=y)", "L.clamp(x, y, 1.0 + y)", "x.clamp(max=s)", "L.clamp(i, 1, 3)", "L.clamp(i, 0.5)",
    "L.clamp(x, True)", "L.clamp(x, -1, 1, out=o)", "L.clamp(x, y, out=o)", "L.clip(x, -1, 1)", "x.clip(max=0)",
    "L.clip(x, min=y, out=o)", "L.clamp(input=x, min=1)",
    "L.clamp(x)", "x.clamp()", "L.clamp(x, 1, y)", "L.clamp(x, y, 1)", "L.clamp(x, 'a')", "x.clamp(min='a')",
    "L.clamp(x, 1, 2, 3)", "L.clamp(x, foo=1)", "L.clamp()", "L.clip(x, 'a')", "x.clip(1, y)",
    "L.clamp_min(x, 0)", "x.clamp_min(y)", "L.clamp_min(x, 0, out=o)", "L.clamp_min(x, 'a')", "x.clamp_min()",
    "L.clamp_max(x, 0)", "x.clamp_max(y)", "L.clamp_max(x, max=y, out=o)", "x.clamp_max(min=1)",
    # where: five overloads in the function form, two in the method form
    "L.where(c, x, y)", "L.where(c, x, 2)", "L.where(c, 1, y)", "L.where(c, 1, 2)", "L.where(c, 1.5, 2)",
    "L.where(c, True, x)", "L.where(c, i, 2.5)", "L.where(c, x, y, out=o)", "L.where(c)", "L.where(x > 0)",
    "L.where(L.tensor(True))", "L.where(condition=c, input=x, other=y)", "x.where(c, y)", "x.where(c, 2)",
    "x.where(condition=c, other=0)",
    "L.where(c, x)", "L.where(c, 'a', x)", "L.where(1, x, y)", "L.where(x, x, y)", "L.where()", "x.where(c)",
    "x.where(c, 'a')", "x.where(1, y)", "L.where(c, x, y, 1)", "L.where(c, x, 2, out=o)",
    # logical_not / bitwise_not
    "L.logical_not(x)", "c.logical_not()", "L.logical_not(x, out=ob)", "L.logical_not(x, 1)", "x.logical_not(1)",
    "L.bitwise_not(i)", "c.bitwise_not()", "L.bitwise_not(i, out=oi)", "L.bitwise_not(x)", "i.bitwise_not(1)",
    # cat / concat / concatenate / stack
    "L.cat((x, y))", "L.cat([x, y], 1)", "L.cat([x, y], dim=-1)", "L.cat([x, y], axis=0)", "L.cat(tensors=[x])",
    "L.cat([x, y], out=o)", "L.concat([x, y], 1)", "L.concatenate([x, y], axis=1)", "L.concatenate([x], dim=0)",
    "L.stack([x, y])", "L.stack((x, y), 2)", "L.stack([x, y], dim=-1, out=o)", "L.cat([x, i])",
    "L.cat((x, 1))", "L.cat((1, x))", "L.cat([x, None])", "L.cat([[1]])", "L.cat(x)", "L.cat([])", "L.cat(())",
    "L.cat([x], dim=True)", "L.cat([x], 0.5)", "L.cat()", "L.cat([x, y], 0, 1)", "L.cat([x], foo=0)",
    "L.cat('ab')", "L.cat({x})", "L.cat(None)", "L.cat(tensors=(x, 1))", "L.cat([x, y], 2)", "L.cat([x, s])",
    "L.concat([x, 'a'])", "L.concatenate(x)", "L.stack((x, 1))", "L.stack(x)", "L.stack([])", "L.stack([x, i[:1]])",
    "L.stack([x], dim=True)", "L.stack([x, y], out=1)",
    # split_with_sizes
    "x.split_with_sizes([1, 2], 1)", "L.split_with_sizes(x, (1, 1))",
    "x.split_with_sizes(split_sizes=[2])", "x.split_with_sizes(True)", "x.split_with_sizes(2)",
    "x.split_with_sizes([1, 'a'])", "x.split_with_sizes([1, 1], dim=True)", "x.split_with_sizes([1, 1, 1])",
    "x.split_with_sizes()",
]


@pytest.mark.parametrize("call", CALLS)
def test_call_matches_torch(call):
    envs = {}

    def run(L):
        envs[L] = env(L)
        return eval(call, envs[L])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = same_as_torch(run)
    if "out=o" in call and got is not None:
        assert got is envs[pag][call.split("out=")[1].rstrip(")")]  # out itself is returned


# In-place calls: the same values in self, the same object returned, or the same error
# with self unchanged.
INPLACE_CALLS = [
    "x.clamp_(-1, 1)", "x.clamp_(min=0)", "x.clamp_(max=y)", "x.clamp_(y, 1.0 + y)", "L.clamp_(x, -1)",
    "x.clip_(-1, 1)", "x.clip_(max=s)", "L.clip_(x, y)",
    "x.clamp_()", "x.clamp_(min='a')", "x.clamp_(1, y)", "x.clamp_(1, 2, 3)", "L.clamp_(x, 'a')", "x.clip_(foo=1)",
    "i.clamp_(0.5)",
    "x.mul_(2)", "x.mul_(y)", "x.mul_(True)", "x.mul_(s)", "x.mul_(other=2)", "x.mul_('a')", "x.mul_()",
    "x.mul_(y, 1)", "i.mul_(0.5)",
    "x.div_(2)", "x.div_(y)", "x.div_(2, rounding_mode='floor')", "x.div_(y, rounding_mode='trunc')",
    "x.div_(2, rounding_mode=None)", "x.div_(2, rounding_mode=1)", "x.div_(2, 'floor')", "x.div_('a')", "x.div_()",
    "x.div_(2, rounding_mode='bad')", "i.div_(2)",
    "x.pow_(2)", "x.pow_(y)", "x.pow_(exponent=3)", "x.pow_()", "x.pow_('a')", "i.pow_(-1)",
    "x.add_(y)", "x.add_(2)", "x.add_(y, alpha=2)", "x.add_(True)", "x.add_(y, alpha='a')", "x.add_('a')",
    "x.add_()", "i.add_(y)", "i.add_(i, alpha=0.5)", "x.sub_(y)", "x.sub_(1, alpha=2)", "x.sub_('a')",
    "c.sub_(c)",
    "x.relu_()", "L.relu_(x)", "x.relu_(1)", "L.relu_(x, 1)", "L.relu_()",
    "x.neg_()", "L.neg_(x)", "x.neg_(1)", "c.neg_()",
    "x.zero_()", "L.zero_(x)", "x.zero_(1)", "x.zero_(a=1)",
    "x.fill_(2)", "x.fill_(s)", "x.fill_(True)", "L.fill_(x, 3)", "x.fill_(value=1.5)", "x.fill_()", "x.fill_('a')",
    "x.fill_(y)", "i.fill_(2.5)",
    "x.copy_(y)", "x.copy_(1)", "x.copy_(y, True)", "x.copy_(i)",
    "x.copy_(y, non_blocking=1)", "x.copy_('a')", "x.copy_(L.ones(4))", "x.copy_(c)",
]


@pytest.mark.parametrize("call", INPLACE_CALLS)
def test_inplace_call_matches_torch(call):
    envs = {}

    def run(L):
        envs[L] = env(L)
        return eval(call, envs[L])
    got = same_as_torch(run)
    name = "x" if call.startswith(("x.", "L.")) else call[0]
    want_self = env(torch)[name]
    if got is not None:
        assert got is envs[pag][name]  # self itself is returned
        want_self = envs[torch][name]
    assert_close(envs[pag][name], want_self)  # a failed call changed nothing


def test_deprecated_inplace_alpha_overload():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        x = pag.ones(2)
        r = x.add_(2, pag.ones(2))
        x.sub_(3, pag.ones(2))
    assert r is x
    assert_close(x, torch.tensor([0.0, 0.0]))
    for m in (str(e.message) for e in w if "deprecated" in str(e.message)):
        assert m.startswith(("This overload of add_ is deprecated:\n\tadd_(Number alpha, Tensor other)",
                             "This overload of sub_ is deprecated:\n\tsub_(Number alpha, Tensor other)"))


def test_rows_are_functions_and_methods():
    x = pag.ones(2)
    for name in ("clamp", "clip", "clamp_", "clip_", "clamp_min", "clamp_max", "where", "relu_", "neg_", "zero_",
                 "fill_", "logical_not", "bitwise_not", "split_with_sizes"):
        assert callable(getattr(pag, name)) and callable(getattr(x, name)), name
        assert getattr(pag, name).__name__ == name
    for name in ("cat", "concat", "concatenate", "stack"):
        assert callable(getattr(pag, name)) and not hasattr(x, name) and not hasattr(torch.Tensor, name)
    for name in ("mul_", "div_", "pow_", "add_", "sub_", "copy_"):
        assert not hasattr(pag, name) and not hasattr(torch, name) and callable(getattr(x, name))


def test_gradients_through_clamp_where_cat_stack():
    grads = {}
    for L in (torch, pag):
        x = L.arange(-3.0, 3.0).reshape(2, 3).requires_grad_()
        y = L.linspace(-1.0, 1.0, 6).reshape(2, 3).requires_grad_()
        lo = L.full((2, 3), -1.5, requires_grad=True)
        c = x > y
        parts = [L.clamp(x, -1, 2), x.clamp(min=lo), L.clip(y, max=0.25), L.where(c, x, y), L.where(c, 2.0, y),
                 x.where(c, 0), L.clamp_min(x, y), L.clamp_max(y, 0)]
        out = L.cat([L.stack(parts[:4], 1), L.stack(parts[4:], -1).reshape(2, 4, 3)], 0)
        (out * L.arange(1.0, out.numel() + 1.0).reshape(out.shape)).sum().backward()
        grads[L] = (x.grad, y.grad, lo.grad)
    for g, w in zip(grads[pag], grads[torch]):
        assert_close(g, w)


def test_inplace_rows_record_gradients():
    grads = {}
    for L in (torch, pag):
        w = L.tensor([-2.0, 0.5, 3.0], requires_grad=True)
        h = w * 1.0
        h.mul_(3).clamp_(-1.0, 4.0).div_(2).add_(w, alpha=2).sub_(w).neg_().relu_()
        h.sum().backward()
        grads[L] = w.grad
    assert_close(grads[pag], grads[torch])


def test_split_with_sizes_gradient_and_views():
    for L in (torch, pag):
        x = L.arange(6.0).reshape(2, 3).requires_grad_()
        a, b = x.split_with_sizes([1, 2], 1)
        (a.sum() * 2 + (b * b).sum()).backward()
        grads = x.grad
        if L is torch:
            want = grads
    assert_close(grads, want)


def test_cat_out_with_grad_is_torch_error():
    for L in (torch, pag):
        with pytest.raises(RuntimeError, match=r"^cat\(\): functions with out=\.\.\. arguments don't support "
                                               r"automatic differentiation, but one of the arguments requires grad\.$"):
            L.cat([L.ones(2, requires_grad=True), L.ones(2)], out=L.empty(0))
