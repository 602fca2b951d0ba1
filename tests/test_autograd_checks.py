"""The engine's checks on gradients, against torch: what tensor hooks and custom
Function.backward may return (torch's check_single_result, PyNode::apply and
validate_outputs), which graphs may run backward twice, and inference tensors."""
import functools

import pytest
import torch

import pyautograd as pag
from test_op_table import same_as_torch

# ---------------------------------------------------------------- tensor hooks
HOOK_RETURNS = {
    "none": lambda L, g: None,
    "scaled": lambda L, g: g * 2,
    "non_contiguous_same_shape": lambda L, g: g.expand(3, 2).t().contiguous().t()[:, 0] if g.dim() == 1 else g,
    "longer": lambda L, g: L.ones(3),
    "column": lambda L, g: L.ones(2, 1),
    "row": lambda L, g: L.ones(1, 2),
    "scalar": lambda L, g: L.tensor(1.0),
    "float64": lambda L, g: g.double(),
    "float16": lambda L, g: g.half(),
    "int64": lambda L, g: g.long(),
    "str": lambda L, g: "a",
    "float": lambda L, g: 1.0,
    "list": lambda L, g: [g],
}


@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "non_leaf"])
@pytest.mark.parametrize("ret", list(HOOK_RETURNS))
def test_hook_result_checked(leaf, ret):
    def run(L):
        x = L.ones(2, requires_grad=True)
        t = x if leaf else x * 1

        def hook(g):
            return HOOK_RETURNS[ret](L, g)

        t.register_hook(hook)
        (t * 3).sum().backward()
        return x.grad
    same_as_torch(run)


@pytest.mark.parametrize("make", ["lambda", "callable_object", "partial"])
def test_hook_name_in_message(make):
    class Hook:
        def __call__(self, g):
            return g[:1]

    def run(L):
        x = L.ones(2, requires_grad=True)
        y = x * 1
        hook = {"lambda": lambda g: g[:1], "callable_object": Hook(),
                "partial": functools.partial(lambda k, g: g[:k], 1)}[make]
        y.register_hook(hook)
        y.sum().backward()
    same_as_torch(run)


def test_float64_leaf_hook_returning_float32():
    def run(L):
        x = L.ones(2, requires_grad=True, dtype=L.float64)
        x.register_hook(lambda g: g.float())
        x.sum().backward()
    same_as_torch(run)


def test_failed_hook_leaves_grad_unset():
    for L in (torch, pag):
        x = L.ones(2, requires_grad=True)
        x.register_hook(lambda g: g.double())
        with pytest.raises(RuntimeError):
            x.sum().backward()
        assert x.grad is None


# ---------------------------------------------------------------- Function.backward
def _function(L, backward, forward=lambda ctx, *a: a[0] * 2):
    return type("MyFn", (L.autograd.Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward)})


FN_RETURNS = {
    # shapes: broadcastable-to shapes are summed back, others raise
    "same": lambda L, g: g,
    "longer": lambda L, g: L.ones(3),
    "one": lambda L, g: L.ones(1),
    "scalar": lambda L, g: L.tensor(2.0),
    "broadcast_rows": lambda L, g: L.ones(3, 2),
    "leading_one": lambda L, g: L.ones(1, 2),
    "transposed": lambda L, g: L.ones(2, 3),
    # dtypes: cast to the input's
    "float64": lambda L, g: g.double(),
    "float16": lambda L, g: g.half(),
    "int64": lambda L, g: g.long(),
    "bool": lambda L, g: g.bool(),
    "float64_broadcast": lambda L, g: L.ones(3, 2, dtype=L.float64),
    # types and counts
    "str": lambda L, g: "abc",
    "int": lambda L, g: 3,
    "list": lambda L, g: [g],
    "none": lambda L, g: None,
    "two": lambda L, g: (g, g),
    "trailing_none": lambda L, g: (g, None),
    "trailing_nones": lambda L, g: (g, None, None),
    "trailing_int": lambda L, g: (g, 1),
}


@pytest.mark.parametrize("ret", list(FN_RETURNS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_function_backward_result_checked(ret, dtype):
    def run(L):
        fn = _function(L, lambda ctx, g: FN_RETURNS[ret](L, g))
        x = L.ones(2, requires_grad=True, dtype=getattr(L, dtype))
        fn.apply(x).sum().backward()
        return x.grad if x.grad is not None else L.zeros(0)
    same_as_torch(run)


@pytest.mark.parametrize("shape,ret", [((2, 3), lambda L: L.ones(3)), ((2, 3), lambda L: L.ones(1, 3)),
                                       ((1, 3), lambda L: L.ones(2, 3)), ((2, 1), lambda L: L.ones(4, 2, 5))])
def test_function_gradient_shapes(shape, ret):
    def run(L):
        fn = _function(L, lambda ctx, g: ret(L))
        x = L.ones(*shape, requires_grad=True)
        fn.apply(x).sum().backward()
        return x.grad
    same_as_torch(run)


@pytest.mark.parametrize("ret", [lambda L, g: g, lambda L, g: (g,), lambda L, g: (g, g, g), lambda L, g: (),
                                 lambda L, g: (g, "s"), lambda L, g: (g, "x", 1), lambda L, g: (None, g)])
def test_function_gradient_count(ret):
    def run(L):
        fn = _function(L, lambda ctx, g: ret(L, g), forward=lambda ctx, a, b: a * b)
        x, y = L.ones(2, requires_grad=True), L.ones(2, requires_grad=True)
        fn.apply(x, y).sum().backward()
        return x.grad if x.grad is not None else y.grad
    same_as_torch(run)


@pytest.mark.parametrize("tensor_first", [True, False])
@pytest.mark.parametrize("ret", ["none", "int", "str", "tensor", "bad_shape", "float64"])
def test_function_with_non_tensor_input(tensor_first, ret):
    def run(L):
        def backward(ctx, g):
            other = {"none": None, "int": 3, "str": "s", "tensor": L.ones(5), "bad_shape": None,
                     "float64": None}[ret]
            mine = {"bad_shape": L.ones(3), "float64": g.double()}.get(ret, g)
            return (mine, other) if tensor_first else (other, mine)

        fn = _function(L, backward, forward=lambda ctx, a, b: (a if tensor_first else b) * 2)
        x = L.ones(2, requires_grad=True)
        fn.apply(*((x, 3) if tensor_first else (3, x))).sum().backward()
        return x.grad
    same_as_torch(run)


@pytest.mark.parametrize("ret", ["bad_shape", "str"])
def test_function_gradient_for_input_without_grad(ret):
    # an input that needs no gradient: its shape is not checked, its type is
    def run(L):
        fn = _function(L, lambda ctx, g: (g, L.ones(7) if ret == "bad_shape" else "x"),
                       forward=lambda ctx, a, b: a * b)
        x = L.ones(2, requires_grad=True)
        fn.apply(x, L.ones(2)).sum().backward()
        return x.grad
    same_as_torch(run)


@pytest.mark.parametrize("how", ["non_leaf", "grad", "create_graph"])
def test_function_gradient_fixed_on_every_path(how):
    def run(L):
        fn = _function(L, lambda ctx, g: L.ones(3, 2, dtype=L.float64))
        x = L.ones(2, requires_grad=True)
        if how == "non_leaf":
            fn.apply(x * 1).sum().backward()
            return x.grad
        if how == "grad":
            return L.autograd.grad(fn.apply(x).sum(), x)[0]
        fn.apply(x).sum().backward(create_graph=True)
        return x.grad
    same_as_torch(run)


@pytest.mark.parametrize("root", ["leaf", "leaf_sum", "mul", "mul_sum"])
@pytest.mark.parametrize("dtype", ["float64", "int64", "float16"])
def test_root_gradient_cast_to_root_dtype(root, dtype):
    def run(L):
        x = L.ones(2, requires_grad=True)
        y = {"leaf": x, "leaf_sum": x.sum(), "mul": x * 2, "mul_sum": (x * 2).sum()}[root]
        y.backward(L.ones(y.shape, dtype=getattr(L, dtype)))
        return x.grad
    same_as_torch(run)


# ---------------------------------------------------------------- backward twice
# A node may run again after its graph was freed unless it saved tensors: torch raises
# only when a freed saved tensor is unpacked (mul and div by a number save the number).
TWICE = [
    "(2 * (x * 2)).sum()", "(x * 2).sum()", "(x / 2).sum()", "x.sum() * 3", "(x + x + 1).sum()", "(x - 1).sum()",
    "(1 - x).sum()", "(-x).sum()", "x.neg().sum()", "x.sum()", "x.mean()", "x.sum(0).sum()", "x.mean(1).sum()",
    "x.sum(1, keepdim=True).sum()", "x.view(6).sum()", "x.reshape(3, 2).t().sum()", "x.permute(1, 0).sum()",
    "x.unsqueeze(0).squeeze(0).sum()", "x.expand(2, 2, 3).sum()", "x[:, 1:].sum()", "x[0].sum()",
    "x.narrow(1, 0, 2).sum()", "x.split(1)[0].sum()", "x.flatten().sum()", "x.clone().sum()", "x.double().sum()",
    "L.cat([x, x]).sum()", "L.stack([x, x]).sum()", "L.add(x, x, alpha=2).sum()", "x.sign().sum()",
    "x.floor().sum()", "x.ceil().sum()", "x.round().sum()", "x.clamp(0, 3).sum()",
    # these save tensors
    "(x * x).sum()", "x.exp().sum()", "(x ** 2).sum()", "x.relu().sum()", "x.abs().sum()", "(x @ x.t()).sum()",
    "(x.exp() + 1).sum()", "x.sigmoid().sum()", "x.max()", "x.softmax(1).sum()", "x.prod()",
]


@pytest.mark.parametrize("expr", TWICE)
def test_backward_twice(expr):
    def run(L):
        x = (L.arange(6.0).reshape(2, 3) + 1).requires_grad_()
        z = eval(expr, {"x": x, "L": L})
        z.backward()
        z.backward()
        return x.grad
    same_as_torch(run)


@pytest.mark.parametrize("expr", ["x.exp().sum()", "(x * 2).sum()", "(x + 1).sum()"])
def test_backward_twice_after_retain_graph(expr):
    def run(L):
        x = L.ones(3, requires_grad=True)
        z = eval(expr, {"x": x, "L": L})
        z.backward(retain_graph=True)
        z.backward()
        z.backward()
        return x.grad
    same_as_torch(run)


@pytest.mark.parametrize("save", ["never", "nothing", "none", "input"])
@pytest.mark.parametrize("access", [False, True])
def test_function_backward_twice(save, access):
    # once freed, ctx.saved_tensors raises even when nothing was saved; a backward that
    # does not read it runs again
    def run(L):
        def forward(ctx, a):
            if save != "never":
                ctx.save_for_backward(*{"nothing": (), "none": (None,), "input": (a,)}[save])
            return a * 2

        def backward(ctx, g):
            if access:
                ctx.saved_tensors
            return g * 2

        x = L.ones(2, requires_grad=True)
        z = _function(L, backward, forward).apply(x).sum()
        z.backward()
        z.backward()
        return x.grad
    same_as_torch(run)


# ---------------------------------------------------------------- inference tensors
def _inference(L, *shape):
    with L.inference_mode():
        return L.ones(*shape)


def test_is_inference():
    def run(L):
        with L.inference_mode():
            a = L.ones(3)
            made = [a, a * 2, a[1:], a.view(3, 1), a.t(), a.detach(), L.ones(3, requires_grad=True),
                    L.tensor([1.0, 2.0]), a.unbind(0)[0], a.split(1)[0]]
            normal = L.ones(3)
            view_of_normal = normal.view(3)
            with L.inference_mode(False):
                inside_false = L.ones(3)
        with L.inference_mode(False):
            mode_false = L.ones(3)
        flags = [t.is_inference() for t in made]
        flags += [view_of_normal.is_inference(), inside_false.is_inference(), mode_false.is_inference(),
                  L.ones(3).is_inference(), normal.is_inference()]
        # outside: views and aliases stay inference tensors, new results do not
        flags += [t.is_inference() for t in (a[1:], a.view(3, 1), a.detach(), a.data, a * 2, (a + 1).sum(),
                                             a.clone(), L.zeros_like(a))]
        return L.tensor(flags)
    same_as_torch(run)


def test_requires_grad_inside_inference_mode():
    def run(L):
        x = L.ones(3, requires_grad=True)
        with L.inference_mode():
            a = L.ones(3, requires_grad=True)
            y = x * 2
        return L.tensor([a.requires_grad, a.is_inference(), y.requires_grad, y.is_inference()])
    same_as_torch(run)


INPLACE = ["a.add_(1)", "a.mul_(2)", "a.zero_()", "a.fill_(2.0)", "a.copy_(L.zeros(3))", "a.__setitem__(0, 5.0)",
           "a[1:].add_(1)", "a.view(3, 1).mul_(2)", "a.detach().zero_()", "L.add(L.ones(3), 1, out=a)",
           "a.clamp_(0, 0.5)", "a.neg_()"]


@pytest.mark.parametrize("expr", INPLACE)
@pytest.mark.parametrize("mode", ["outside", "no_grad", "inside"])
def test_inplace_on_inference_tensor(expr, mode):
    def run(L):
        a = _inference(L, 3)
        ctx = {"outside": L.enable_grad, "no_grad": L.no_grad, "inside": L.inference_mode}[mode]
        with ctx():
            exec(expr, {"a": a, "L": L})
        return a
    same_as_torch(run)


def test_inplace_through_data_of_inference_tensor():
    def run(L):
        a = _inference(L, 3)
        a.data.add_(1)
        return a
    same_as_torch(run)


@pytest.mark.parametrize("expr", ["b.add_(a)", "b.copy_(a)", "b.mul_(a[0])"])
def test_inplace_on_normal_tensor_with_inference_operand(expr):
    def run(L):
        a, b = _inference(L, 3), L.ones(3)
        exec(expr, {"a": a, "b": b, "L": L})
        return b
    same_as_torch(run)


def test_normal_tensor_updated_inside_inference_mode():
    def run(L):
        x = L.ones(3)
        with L.inference_mode():
            x.add_(1)
            v = x.view(3)
        v.add_(1)
        return x
    same_as_torch(run)


SAVED = ["x * a", "a * x", "x @ a", "(x * 2) * a", "x.mul(a).sum()", "L.where(a > 0, x * a, x)",
         # these save no inference tensor
         "x + a", "a - x", "x * 2 + a", "a.exp() * x", "L.where(a > 0, x, x)", "L.cat([x, a])"]


@pytest.mark.parametrize("expr", SAVED)
def test_inference_tensor_in_recorded_op(expr):
    def run(L):
        a = _inference(L, 3)
        x = L.ones(3, requires_grad=True)
        y = eval(expr, {"a": a, "x": x, "L": L})
        y.sum().backward()
        return x.grad
    same_as_torch(run)


def test_function_saving_inference_tensor():
    def run(L):
        def forward(ctx, x, a):
            ctx.save_for_backward(a)
            return x * 2

        def backward(ctx, g):
            return g * ctx.saved_tensors[0], None

        a = _inference(L, 3)
        x = L.ones(3, requires_grad=True)
        _function(L, backward, forward).apply(x, a).sum().backward()
        return x.grad
    same_as_torch(run)


@pytest.mark.parametrize("how", ["requires_grad_", "requires_grad_False", "setter", "setter_False", "inside"])
def test_requires_grad_on_inference_tensor(how):
    def run(L):
        a = _inference(L, 3)
        if how == "requires_grad_":
            a.requires_grad_()
        elif how == "requires_grad_False":
            a.requires_grad_(False)
        elif how == "setter":
            a.requires_grad = True
        elif how == "setter_False":
            a.requires_grad = False
        else:
            with L.inference_mode():
                a.requires_grad_()
        return L.tensor([a.requires_grad])
    same_as_torch(run)


@pytest.mark.parametrize("write", [
    "t.add_(1)", "t.mul_(2)", "t.sub_(1)", "t.div_(2)", "t.fill_(3)", "t.zero_()", "t.copy_(pag.full((3,), 7.0))",
    "t.uniform_()", "t.clamp_(5, 6)", "pag.nn.functional.relu(t, inplace=True)", "t.index_add_(0, pag.tensor([0]), pag.ones(1))",
    "t.__setitem__(0, 9.0)", "t.neg_()", "t.masked_fill_(pag.tensor([True, False, True]), 0.0)", "t.round_()",
    "t.scatter_(0, pag.tensor([1]), 5.0)", "t.fmod_(2)", "t.pow_(2)", "t.__iadd__(1)", "t.exponential_()",
    "pag.add(pag.ones(3), 1, out=t)",
])
def test_refused_inference_write_changes_nothing(write):
    # torch writes, then raises; here the write is refused before it happens
    with pag.inference_mode():
        t = pag.tensor([-1.5, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode"):
        eval(write, {"pag": pag, "t": t})
    assert t.tolist() == [-1.5, 2.0, 3.0]
