"""Note [Op table]: the linear-algebra rows (mm, bmm and addmm with torch's out_dtype
overloads and addmm's hidden deprecated signatures; matmul, mv, dot, all with out=) and
torch._C._nn's rows against torch: values for valid calls, and for bad ones the same
exception, word for word."""
import ast
import warnings

import pytest
import torch

import pyautograd as pag
from helpers import assert_close, run_python
from test_op_table import same_as_torch


def linalg_env(L):
    return {"L": L, "x": L.arange(6.0).reshape(2, 3), "y": L.arange(6.0).reshape(3, 2) / 2,
            "b": L.arange(4.0).reshape(2, 2), "r": L.arange(2.0), "v": L.arange(3.0), "s0": L.tensor(2.0),
            "bx": L.arange(12.0).reshape(2, 2, 3), "by": L.arange(12.0).reshape(2, 3, 2),
            "xi": L.arange(6).reshape(2, 3), "yi": L.arange(6).reshape(3, 2), "bi": L.ones(2, 2, dtype=L.int64),
            "o": L.zeros(2, 2), "o1": L.zeros(2), "o0": L.zeros(()), "o3": L.zeros(2, 2, 2), "od": L.zeros(2, 2).double(),
            "ow": L.zeros(3), "xg": L.ones(2, 3).requires_grad_()}


LINALG_CALLS = [
    # mm, bmm: function, method, keywords, out=
    "L.mm(x, y)", "x.mm(y)", "L.mm(input=x, mat2=y)", "x.mm(mat2=y)", "L.mm(x, y, out=o)", "L.mm(x, mat2=y, out=o)",
    "L.bmm(bx, by)", "bx.bmm(by)", "L.bmm(bx, mat2=by)", "L.bmm(bx, by, out=o3)",
    # addmm: beta, alpha (Numbers, 0-dim tensors, bools), a broadcast bias, out=
    "L.addmm(b, x, y)", "b.addmm(x, y)", "L.addmm(b, x, y, beta=2, alpha=0.5)", "b.addmm(x, y, alpha=3)",
    "L.addmm(b, x, y, beta=s0)", "L.addmm(b, x, y, alpha=True)", "L.addmm(input=b, mat1=x, mat2=y)",
    "b.addmm(mat1=x, mat2=y, beta=0)", "L.addmm(r, x, y)", "L.addmm(b, x, y, out=o)", "L.addmm(b, x, y, beta=0, out=o)",
    "L.addmm(bi, xi, yi)", "L.addmm(bi, xi, yi, alpha=2)",
    # addmm's deprecated (beta, self, [alpha,] mat1, mat2)
    "L.addmm(2, b, x, y)", "L.addmm(2, b, 3, x, y)", "b.addmm(2, x, y)", "b.addmm(2, 3, x, y)",
    "L.addmm(0.5, b, x, y, out=o)", "L.addmm(s0, b, x, y)", "L.addmm(2, b, 3, x, y, out=o)",
    # matmul, mv, dot
    "L.matmul(x, y)", "x.matmul(y)", "L.matmul(x, y, out=o)", "L.matmul(bx, by, out=o3)", "L.matmul(v, v, out=o0)",
    "L.mv(x, v)", "x.mv(vec=v)", "L.mv(x, v, out=o1)", "L.dot(v, v)", "v.dot(tensor=v)", "L.dot(v, v, out=o0)",
    # out= of another shape is resized (with torch's warning), of another dtype refused
    "L.mm(x, y, out=ow)", "L.mm(x, y, out=od)", "L.addmm(b, x, y, out=od)", "L.mm(xg, y, out=o)",
    # bad calls: the messages list the out_dtype overloads, never the deprecated ones
    "L.mm(x, 1)", "x.mm()", "L.mm(x)", "L.mm()", "x.mm(y, 1)", "L.mm(x, y, 1)", "L.mm(x, y, foo=1)", "x.mm(y, foo=1)",
    "x.mm(1)", "L.mm(x, y, input=x)", "x.mm(y, out_dtype=L.float32)", "x.mm(y, out=o)", "L.mm(x, y, out=1)",
    "L.bmm(bx, 1)", "bx.bmm()", "L.bmm(bx)", "L.bmm(bx, by, 'a')", "bx.bmm(by, L.float32)",
    "L.addmm(b, x, y, 1)", "L.addmm(b, x, 1)", "L.addmm(b, x)", "L.addmm()", "b.addmm(x)", "b.addmm(x, y, 1)",
    "b.addmm(x, y, L.float32)", "L.addmm(b, x, y, beta='a')", "L.addmm(b, x, y, 1, 2)", "L.addmm(b, x, y, x)",
    "L.addmm(b, x, y, out_dtype=1)", "L.addmm(b, x, y, foo=1)", "b.addmm(x, y, foo=1)", "L.addmm(b, x, y, beta=None)",
    "L.addmm('a', b, x, y)", "b.addmm('a', x, y)", "L.addmm(2, b, 'a', x, y)", "b.addmm()", "L.addmm(b, x, y, alpha=r)",
    "L.matmul(x, 1)", "x.matmul()", "L.matmul(x)", "L.mv(x, 1)", "x.mv()", "L.dot(v, 1)", "v.dot()",
    "L.matmul(x, y, out=o, foo=1)", "L.dot(v, v, v)",
    # the ops' own errors, past the parser
    "L.mm(x, v)", "L.mm(x, x)", "L.mm(x.double(), y)", "L.bmm(x, y)", "L.addmm(b, x, x)", "L.mv(x, x)", "L.dot(v, x)",
]


@pytest.mark.parametrize("call", LINALG_CALLS)
def test_linalg_rows_match_torch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same_as_torch(lambda L: eval(call, linalg_env(L)))


@pytest.mark.parametrize("call", ["L.mm(x, y, out=o)", "L.bmm(bx, by, out=o3)", "L.addmm(b, x, y, beta=2, out=o)",
                                  "L.addmm(2, b, x, y, out=o)", "L.matmul(x, y, out=o)", "L.mv(x, v, out=o1)",
                                  "L.dot(v, v, out=o0)"])
def test_out_is_returned_and_written(call):
    env = linalg_env(pag)
    out = env[call.rsplit("out=", 1)[1].rstrip(")")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = eval(call, env)
        want = eval(call, linalg_env(torch))
    assert got is out
    assert_close(out, want)


# torch's CPU build has no kernel for the out_dtype overloads: a call that takes one raises
# NotImplementedError, whose message (a list of the dispatcher's backends after the first
# sentences) pyautograd gives the start of.
@pytest.mark.parametrize("call, op", [
    ("L.mm(x, y, L.float32)", "mm.dtype"), ("L.mm(x, y, out_dtype=L.float64)", "mm.dtype"),
    ("L.mm(x, y, L.float32, out=o)", "mm.dtype_out"), ("L.bmm(bx, by, out_dtype=L.float32)", "bmm.dtype"),
    ("L.addmm(b, x, y, L.float32)", "addmm.dtype"), ("L.addmm(b, x, y, out_dtype=L.float32, beta=2)", "addmm.dtype"),
    ("L.addmm(b, x, y, L.float32, out=o)", "addmm.dtype_out"), ("L.mm(x, x, L.float32)", "mm.dtype"),
])
def test_out_dtype_overloads_have_no_cpu_kernel(call, op):
    with pytest.raises(NotImplementedError) as want:
        eval(call, linalg_env(torch))
    env = linalg_env(pag)
    before = env["o"].tolist()
    with pytest.raises(NotImplementedError) as got:
        eval(call, env)
    assert str(got.value).startswith(f"Could not run 'aten::{op}' with arguments from the 'CPU' backend.")
    assert str(want.value).startswith(str(got.value))
    assert env["o"].tolist() == before


_DEPRECATED_SCRIPT = """
import sys, warnings
L = __import__(sys.argv[1])
x, y, b = L.ones(2, 3), L.ones(3, 2), L.ones(2, 2)
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    for call in sys.argv[2:]:
        eval(call)
print(repr([str(m.message).split(" (Triggered internally")[0] for m in w]))
"""


# A deprecated signature warns once per process, whichever op and form takes it (torch's
# one TORCH_WARN_ONCE), with the signature and its replacements in the form's own words.
@pytest.mark.parametrize("calls", [
    ["b.addmm(2, x, y)", "L.addmm(2, b, x, y)", "b.addmm(2, 3, x, y)"],
    ["L.addmm(2, b, 3, x, y)", "L.addmm(2, b, 3, x, y)", "b.addmm(2, x, y)"],
    ["L.addmm(2, b, x, y, out=b.clone())"],
    ["b.addmm(2, 3, x, y)"],
    ["L.sub(b, 2, b)", "L.addmm(2, b, x, y)"],
    ["L.addmm(b, x, y)", "b.addmm(x, y, beta=2)"],
])
def test_deprecated_addmm_warns_once_per_process(calls):
    outputs = []
    for module in ("torch", "pyautograd"):
        r = run_python(["-c", _DEPRECATED_SCRIPT, module, *calls])
        assert r.returncode == 0, r.stderr
        outputs.append(ast.literal_eval(r.stdout.strip()))
    assert outputs[1] == outputs[0]
    assert len(outputs[0]) == (0 if calls[0] == "L.addmm(b, x, y)" else 1)


def nn_env(L):
    g = torch.Generator().manual_seed(0)
    x, t = torch.randn(2, 3, generator=g), torch.randn(2, 3, generator=g)
    lp = torch.randn(4, 3, generator=g).log_softmax(1)
    lp4 = torch.randn(2, 3, 2, 2, generator=g).log_softmax(1)

    def conv(a):
        return a.clone() if L is torch else L.tensor(a.tolist())
    return {"L": L, "N": L._C._nn, "x": conv(x), "t": conv(t), "p": conv(x.sigmoid()), "q": conv(t.sigmoid()),
            "w": conv(x.abs()), "w3": L.tensor([0.5, 1.0, 2.0]), "lp": conv(lp), "lp4": conv(lp4),
            "k": L.tensor([0, 2, 1, 2]), "k3": L.tensor([[[0, 1], [2, 1]], [[1, 1], [0, 2]]]),
            "W": conv(t.t()[:2]), "bw": L.tensor([0.5, -1.0]), "o": L.zeros(2, 3), "o0": L.zeros(()),
            "ol": L.zeros(2, 2), "s0": L.tensor(0.5)}


NN_CALLS = [
    # activations
    "N.leaky_relu(x)", "N.leaky_relu(x, 0.2)", "N.leaky_relu(x, negative_slope=2)", "N.leaky_relu(x, s0)",
    "N.leaky_relu(x, 0.2, out=o)", "N.leaky_relu_(x.clone(), 0.1)", "N.leaky_relu_(x.clone(), negative_slope=True)",
    "N.elu(x)", "N.elu(x, 0.5, 2, 1.5)", "N.elu(x, alpha=2, input_scale=0.5)", "N.elu(x, out=o)", "N.elu_(x.clone(), 2)",
    "N.gelu(x)", "N.gelu(x, approximate='tanh')", "N.gelu(x, out=o)", "N.gelu(input=x)",
    # losses: reduction an int (Mean by default)
    "N.mse_loss(x, t)", "N.mse_loss(x, t, 0)", "N.mse_loss(x, t, reduction=2)", "N.mse_loss(x, t, 0, out=o)",
    "N.mse_loss(x, t, out=o0)", "N.mse_loss(input=x, target=t)", "N.l1_loss(x, t)", "N.l1_loss(x, t, 2)",
    "N.smooth_l1_loss(x, t)", "N.smooth_l1_loss(x, t, 1, 0.5)", "N.smooth_l1_loss(x, t, beta=2)",
    "N.huber_loss(x, t, 0, 0.5)", "N.huber_loss(x, t, delta=2)", "N.huber_loss(x, t, out=o0)",
    "N.binary_cross_entropy(p, q)", "N.binary_cross_entropy(p, q, w, 0)", "N.binary_cross_entropy(p, q, None, 2)",
    "N.binary_cross_entropy(p, q, weight=w, out=o)",
    "N.nll_loss(lp, k)", "N.nll_loss(lp, k, w3, 0, 1)", "N.nll_loss(lp, k, ignore_index=0)", "N.nll_loss2d(lp4, k3)",
    "N.nll_loss2d(lp4, k3, w3, 2)", "N.nll_loss_nd(lp, k, None, 2)", "N.nll_loss_nd(lp4, k3)", "N.nll_loss(lp, k, out=o0)",
    "N.one_hot(k)", "N.one_hot(k, 5)", "N.one_hot(input=k, num_classes=4)",
    "N.linear(x, W, bw)", "N.linear(x, W)", "N.linear(input=x, weight=W, bias=None)", "N.linear(x, W, bw, out=ol)",
    # the nn ops torch has in its public namespace
    "L.binary_cross_entropy_with_logits(x, t)", "L.binary_cross_entropy_with_logits(x, t, w, None, 0)",
    "L.binary_cross_entropy_with_logits(x, t, pos_weight=w, reduction=2)",
    "L.binary_cross_entropy_with_logits(x, t, out=o0)",  # torch's Python has no out= for it
    "L.constant_pad_nd(x, [1, 1])", "L.constant_pad_nd(x, (1, 0, 0, 2), 2.5)", "L.constant_pad_nd(x, pad=[1], value=-1)",
    "L.constant_pad_nd(x, [1, 1], out=L.zeros(2, 5))", "N.smooth_l1_loss(x, t, out=o)",
    "N.nll_loss2d(lp4, k3, out=o0)",
    # bad calls
    "N.mse_loss(x)", "N.mse_loss(x, 1)", "N.mse_loss(x, t, 'mean')", "N.mse_loss(x, t, True)", "N.mse_loss(x, t, None)",
    "N.mse_loss(x, t, 1.0)", "N.mse_loss(x, t, foo=1)", "N.mse_loss()", "N.mse_loss(x, t, 1, 2)",
    "N.leaky_relu(x, 'a')", "N.leaky_relu(x, None)", "N.leaky_relu()", "N.leaky_relu_(x, 'a')", "N.leaky_relu(1)",
    "N.elu(x, 1, 2, 3, 4)", "N.elu(x, alpha='a')", "N.elu_(x, scale=None)",
    "N.gelu(x, 'tanh')", "N.gelu(x, approximate=1)", "N.gelu(x, approximate='foo')", "N.gelu(x, approximate=None)",
    "N.l1_loss(x, t, 1, out=o)", "N.smooth_l1_loss(x, t, 1, 'a')", "N.smooth_l1_loss(x, t, 1, None)",
    "N.huber_loss(x, t, delta='a')", "N.binary_cross_entropy(p, q, 1)", "N.binary_cross_entropy(p)",
    "N.nll_loss(lp, k, ignore_index=True)", "N.nll_loss_nd(lp, k, ignore_index=1.5)", "N.nll_loss(lp, 1)",
    "N.nll_loss2d(lp, k, None, 1, -100, 1)", "N.one_hot(k, num_classes=None)", "N.one_hot(k, 4, out=o)",
    "N.one_hot(k, 1.5)", "N.linear(x, 1)", "N.linear(x)", "N.linear(x, W, 1)", "N.linear(x, W, bias=bw, foo=1)",
    "L.constant_pad_nd(x, 1)", "L.constant_pad_nd(x, [1, 'a'])", "L.constant_pad_nd(x, ('a',))", "L.constant_pad_nd(x)",
    "L.constant_pad_nd(x, [1], 'a')", "L.binary_cross_entropy_with_logits(x, t, None, None, 'mean')",
    "L.binary_cross_entropy_with_logits(x)", "L.binary_cross_entropy_with_logits(x, t, 1)",
    # the ops' own errors
    "N.mse_loss(x, lp)", "N.nll_loss(lp, k[:2])", "N.linear(x, x)",
]


@pytest.mark.parametrize("call", NN_CALLS)
def test_nn_rows_match_torch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same_as_torch(lambda L: eval(call, nn_env(L)))


def test_nn_inplace_rows_return_their_input():
    for L in (torch, pag):
        x = L.tensor([-1.0, 2.0])
        assert L._C._nn.leaky_relu_(x, 0.5) is x and x.tolist() == [-0.5, 2.0]
        assert L._C._nn.elu_(x, 1.0) is x


def test_nn_rows_stay_private():
    # torch has torch._C._nn.mse_loss but no torch.mse_loss (nor torch.linear)
    names = [n for n in dir(pag._C._nn) if not n.startswith("_")]
    assert "mse_loss" in names and "linear" in names
    for name in names:
        assert hasattr(torch._C._nn, name), name
        assert hasattr(pag, name) == hasattr(torch, name), name
        assert getattr(pag._C._nn, name).__name__ == name
        assert getattr(pag._C._nn, name).__module__ == "pyautograd._C._nn"  # torch's: "torch._C._nn"
    for name in ("binary_cross_entropy_with_logits", "constant_pad_nd"):
        assert hasattr(torch, name) and hasattr(pag, name) and not hasattr(torch._C._nn, name)
        assert not hasattr(pag._C._nn, name)
    assert pag.nn.functional.linear is pag._C._nn.linear


def test_nn_rows_keep_the_graph():
    for L in (torch, pag):
        x = L.tensor([[0.5, -1.0, 2.0]], requires_grad=True)
        w = L.tensor([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]], requires_grad=True)
        L._C._nn.mse_loss(L._C._nn.linear(x, w), L.ones(1, 2), 2).backward()
        if L is torch:
            want = (x.grad, w.grad)
        else:
            assert_close(x.grad, want[0])
            assert_close(w.grad, want[1])
