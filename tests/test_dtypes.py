"""dtypes against torch: conversions (to/type/float/...), promotion helpers, the default dtype,
dtype objects, Python scalars out of tensors, and gradients through conversions."""
import os
import sys

import numpy as np
import pytest
import torch

sys.path.insert(0, os.path.dirname(__file__))
import pyautograd as pag  # noqa: E402
from helpers import assert_close, helper_test_exception, to_pag  # noqa: E402

NAMES = ["bool", "int64", "float32", "float64"]
VALUES = {"bool": [True, False, True], "int64": [-3, 0, 7], "float32": [-1.5, 0.0, 2.75],
          "float64": [-1.25, 0.5, 3.0]}


def pair(name, values=None):
    v = VALUES[name] if values is None else values
    return torch.tensor(v, dtype=getattr(torch, name)), pag.tensor(v, dtype=getattr(pag, name))


@pytest.fixture(autouse=True)
def restore_default_dtype():
    yield
    torch.set_default_dtype(torch.float32)
    pag.set_default_dtype(pag.float32)


def test_dtype_objects():
    for n in NAMES:
        td, pd = getattr(torch, n), getattr(pag, n)
        assert repr(pd) == repr(td) == f"torch.{n}" or repr(pd) == repr(td)
        assert pd.is_floating_point == td.is_floating_point
        assert pd.is_signed == td.is_signed
        assert pd.itemsize == td.itemsize
        assert pd == getattr(pag, n) and pd != (pag.float32 if n != "float32" else pag.int64)
    assert pag.float is pag.float32 and pag.double is pag.float64 and pag.long is pag.int64
    assert repr(pag.float) == repr(torch.float)
    assert len({pag.float32, pag.float64, pag.int64, pag.bool}) == 4  # hashable, distinct


@pytest.mark.parametrize("src", NAMES)
@pytest.mark.parametrize("dst", NAMES)
def test_conversions(src, dst):
    t, p = pair(src)
    td, pd = getattr(torch, dst), getattr(pag, dst)
    assert_close(p.to(pd), t.to(td))
    assert_close(p.to(dtype=pd), t.to(dtype=td))
    assert_close(p.type(pd), t.type(td))
    method = {"bool": "bool", "int64": "long", "float32": "float", "float64": "double"}[dst]
    assert_close(getattr(p, method)(), getattr(t, method)())
    assert_close(p.type_as(pag.ones(1, dtype=pd)), t.type_as(torch.ones(1, dtype=td)))
    assert_close(p.to(pag.ones(1, dtype=pd)), t.to(torch.ones(1, dtype=td)))
    # same dtype: the same tensor, unless a copy is asked for
    assert (p.to(pd) is p) == (t.to(td) is t)
    assert (getattr(p, method)() is p) == (getattr(t, method)() is t)
    c = p.to(pd, copy=True)
    assert c is not p
    if src == dst:
        assert c.untyped_storage_ptr() != p.untyped_storage_ptr()


def test_float_to_int_conversion_values():
    t = torch.tensor([-2.7, -0.5, 0.5, 2.7, 1e10, -0.0])
    p = to_pag(t)
    assert_close(p.long(), t.long())
    assert_close(p.bool(), t.bool())
    assert_close(p.to(pag.int64).double(), t.to(torch.int64).double())
    n = torch.tensor([float("nan"), float("inf")])
    assert_close(to_pag(n).bool(), n.bool())


def test_type_strings():
    for n in NAMES:
        t, p = pair(n)
        assert p.type() == t.type()
    t, p = pair("float32")
    for s in ["torch.DoubleTensor", "torch.LongTensor", "torch.BoolTensor", "torch.FloatTensor"]:
        assert_close(p.type(s), t.type(s))
    helper_test_exception(lambda: t.type("torch.Foo"), lambda: p.type("torch.Foo"), exact=False)


def test_to_device_and_dtype_arguments():
    t, p = pair("float32")
    assert p.to("cpu") is p and t.to("cpu") is t
    assert_close(p.to("cpu", pag.float64), t.to("cpu", torch.float64))
    assert_close(p.to(device="cpu", dtype=pag.int64), t.to(device="cpu", dtype=torch.int64))
    assert_close(p.to(pag.float64, non_blocking=True), t.to(torch.float64, non_blocking=True))
    assert p.cpu() is p


def test_conversion_grad():
    t, p = pair("float32")
    t.requires_grad_()
    p.requires_grad_()
    for fn in [lambda x: x.double(), lambda x: x.to(_ns(x).float64), lambda x: x.double().float(),
               lambda x: x.type(_ns(x).float64), lambda x: x.to(_ns(x).float64, copy=True)]:
        to, po = fn(t), fn(p)
        assert po.grad_fn.name() == to.grad_fn.name()
        (to * to).sum().backward()
        (po * po).sum().backward()
        assert p.grad.dtype == pag.float32
        assert_close(p.grad, t.grad)
    for fn in [lambda x: x.long(), lambda x: x.bool(), lambda x: x.to(_ns(x).int64)]:
        assert not fn(p).requires_grad and not fn(t).requires_grad
        assert fn(p).grad_fn is None
    # copy of the same dtype records a clone-like node
    assert p.float() is p
    assert p.to(pag.float32, copy=True).requires_grad


def _ns(x):
    return torch if isinstance(x, torch.Tensor) else pag


def test_promote_types_and_result_type():
    for a in NAMES:
        for b in NAMES:
            assert repr(pag.promote_types(getattr(pag, a), getattr(pag, b))) == \
                repr(torch.promote_types(getattr(torch, a), getattr(torch, b)))
    for a in NAMES:
        t, p = pair(a)
        for s in [True, 3, 2.5]:
            assert repr(pag.result_type(p, s)) == repr(torch.result_type(t, s))
        for b in NAMES:
            t2, p2 = pair(b)
            assert repr(pag.result_type(p, p2)) == repr(torch.result_type(t, t2))
            assert repr(pag.result_type(p, p2[0] if False else p2.sum() if b != "bool" else p2.any())) == \
                repr(torch.result_type(t, t2.sum() if b != "bool" else t2.any()))


def test_default_dtype():
    assert repr(pag.get_default_dtype()) == repr(torch.get_default_dtype())
    pag.set_default_dtype(pag.float64)
    torch.set_default_dtype(torch.float64)
    assert repr(pag.get_default_dtype()) == repr(torch.get_default_dtype())
    ti, pi = pair("int64")
    for fn in [lambda x: x * 1.5, lambda x: x / 2, lambda x: x.sqrt(), lambda x: x.exp(), lambda x: x.float() * 1.5,
               lambda x: x.clamp(0.5), lambda x: x.sigmoid(), lambda x: x.bool() / 2]:
        assert_close(fn(pi), fn(ti))
    assert repr(pag.tensor([1.5]).dtype) == repr(torch.tensor([1.5]).dtype)
    assert repr(pag.ones(2).dtype) == repr(torch.ones(2).dtype)
    helper_test_exception(lambda: torch.set_default_dtype(torch.int64), lambda: pag.set_default_dtype(pag.int64),
                          exact=False)


def test_python_scalars_out():
    for n in NAMES:
        t, p = pair(n)
        for k in range(3):
            tv, pv = t[k].item(), p.select(0, k).item()
            assert type(pv) is type(tv) and pv == tv
        assert p.tolist() == t.tolist()
        assert [type(v) for v in p.tolist()] == [type(v) for v in t.tolist()]
    t, p = pair("float32", [2.5])
    assert float(p) == float(t) and int(p) == int(t) and bool(p) == bool(t)
    t, p = pair("int64", [7])
    assert p.__index__() == t.__index__()
    helper_test_exception(lambda: torch.ones(2).item(), lambda: pag.ones(2).item())
    helper_test_exception(lambda: torch.tensor([1.5]).__index__(), lambda: pag.tensor([1.5]).__index__())
    helper_test_exception(lambda: float(torch.ones(2)), lambda: float(pag.ones(2)))
    helper_test_exception(lambda: int(torch.ones(2)), lambda: int(pag.ones(2)))
    helper_test_exception(lambda: float(torch.ones(0)), lambda: float(pag.ones(0)))
    helper_test_exception(lambda: torch.ones(0).item(), lambda: pag.ones(0).item())
    helper_test_exception(lambda: torch.ones(2).__index__(), lambda: pag.ones(2).__index__())
    helper_test_exception(lambda: bool(torch.ones(2)), lambda: bool(pag.ones(2)))
    helper_test_exception(lambda: bool(torch.ones(0)), lambda: bool(pag.ones(0)))


def test_tensor_dtype_properties():
    for n in NAMES:
        t, p = pair(n)
        assert p.is_floating_point() == t.is_floating_point()
        assert p.element_size() == t.element_size()
        assert repr(p.dtype) == repr(t.dtype)
        assert pag.is_floating_point(p) == torch.is_floating_point(t)


def test_numpy_roundtrip_dtypes():
    for n in NAMES:
        t, p = pair(n)
        assert p.numpy().dtype == t.numpy().dtype
        np.testing.assert_array_equal(p.numpy(), t.numpy())
        q = pag.from_numpy(t.numpy())
        assert repr(q.dtype) == repr(t.dtype)
