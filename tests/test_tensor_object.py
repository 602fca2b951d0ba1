"""Python Tensor objects against torch: which calls hand back the same object (identity),
subclasses kept through in-place calls, attributes, weak references and object lifetime.
Each case runs the same code under both libraries and compares what it observes."""
import gc
import os
import sys
import weakref

import pytest
import torch

sys.path.insert(0, os.path.dirname(__file__))
import pyautograd as pag  # noqa: E402


def _grad_identity(lib):
    x = lib.ones(3, requires_grad=True)
    (x * 2).sum().backward()
    g = x.grad
    same_twice = x.grad is x.grad
    (x * 3).sum().backward()  # accumulates into the grad a Python name still holds
    return same_twice, x.grad is g, g.tolist(), x.grad.tolist()


def _inplace_returns_self(lib):
    x = lib.zeros(2, 3)
    out = [x.add_(1) is x, x.mul_(2) is x, x.zero_() is x, x.fill_(3.0) is x,
           x.clamp_(0, 1) is x, x.requires_grad_() is x, x.detach_() is x,
           x.copy_(lib.ones(2, 3)) is x, x.sub_(1) is x, x.div_(2) is x, x.relu_() is x]
    y = x
    y += 1
    y *= 2
    y -= 1
    y /= 2
    out.append(y is x)
    return out


def _views_and_bases(lib):
    x = lib.arange(6.0)
    v = x.view(2, 3)
    w = v[0]
    return v._base is x, w._base is x, x._base is None, x.view(6)._base is x, v.detach()._base is None


def _modules_and_optimizers(lib):
    m = lib.nn.Linear(3, 2)
    params = list(m.parameters())
    opt = lib.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    m(lib.ones(4, 3)).sum().backward()
    g = m.weight.grad
    opt.step()
    return (params[0] is m.weight, params[1] is m.bias, opt.param_groups[0]["params"][0] is m.weight,
            dict(m.named_parameters())["weight"] is m.weight, m.state_dict(keep_vars=True)["bias"] is m.bias,
            m.weight.grad is g, type(m.weight).__name__, type(m.weight.detach_()).__name__)


def _subclass_through_ops(lib):
    class Mine(lib.Tensor):
        pass

    p = lib.nn.Parameter(lib.ones(2), requires_grad=False)
    q = Mine(lib.ones(2))
    r = p.data
    return (type(p.mul_(1)).__name__, type(q.add_(1)).__name__, q.add_(0) is q, p.detach_() is p,
            type(p * 2).__name__, type(r).__name__, isinstance(q, lib.Tensor))


def _attributes_follow_the_object(lib):
    x = lib.ones(2)
    x.tag = "mine"
    y = x.add_(1)
    z = x[...]
    return y.tag, hasattr(z, "tag"), getattr(x.view(2), "tag", None)


def _weakrefs_and_lifetime(lib):
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    ref = weakref.ref(y)
    alive = ref() is y
    fn = y.grad_fn
    del y
    gc.collect()
    gone = ref() is None
    # the graph still holds y's node; x and its gradient still work
    fn_name = fn.name()
    return alive, gone, fn_name


CASES = [_grad_identity, _inplace_returns_self, _views_and_bases, _modules_and_optimizers,
         _subclass_through_ops, _attributes_follow_the_object, _weakrefs_and_lifetime]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__.strip("_") for c in CASES])
def test_identity_as_torch(case):
    assert case(pag) == case(torch)


def test_object_is_freed_with_its_last_reference():
    # the Python object dies with its last Python reference; the tensor lives on in C++
    # (here in the graph) and a later access wraps it in a new, working object
    x = pag.ones(3, requires_grad=True)
    y = x.exp()  # ExpBackward saves its result
    ref = weakref.ref(y)
    z = y.sum()
    del y
    gc.collect()
    assert ref() is None
    before = pag._C._live_counts()["TensorImpl"]
    z.backward()  # runs ExpBackward on the saved result
    assert x.grad.tolist() == pytest.approx([2.718281828] * 3)
    del z
    gc.collect()
    assert pag._C._live_counts()["TensorImpl"] < before


def test_second_init_is_ignored():
    t = pag.Tensor([1.0, 2.0])
    t.__init__([5.0])
    assert t.tolist() == [1.0, 2.0]


def test_uninitialized_subclass_object_is_rejected():
    class Mine(pag.Tensor):
        def __init__(self):  # never calls Tensor.__init__
            pass

    with pytest.raises(TypeError, match="__init__"):
        Mine()
