"""Benchmark workloads, each written once against a framework module `fw`
(pyautograd or torch; numpy where a plain-numpy version exists).

A workload's `make(fw, name, quick)` returns a zero-argument callable that runs
one unit of work (one op, one training step, one matmul...). Setup (data,
parameters) happens in `make`, outside the timed call."""
import math

import numpy as np

FLOAT_FWS = ("pyautograd", "torch")


class Workload:
    def __init__(self, name, group, title, make, frameworks=FLOAT_FWS, quick=True, flops=None, bytes=None,
                 param=None, rss=False):
        self.name, self.group, self.title, self.make = name, group, title, make
        self.frameworks, self.quick, self.flops, self.bytes, self.param, self.rss = (
            frameworks, quick, flops, bytes, param, rss)


# ---------------------------------------------------------------- per-op cost
def make_add(fw, name, quick):
    if name == "numpy":
        a, b = np.ones(1, np.float32), np.ones(1, np.float32)
        return lambda: a + b
    a, b = fw.ones(1), fw.ones(1)
    return lambda: a + b


def make_scalar_fwd_bwd(fw, name, quick):
    """Three ops forward ((x*w - y)**2) and backward on one-element tensors."""
    x, y = fw.tensor([2.0]), fw.tensor([4.0])
    w = fw.tensor([1.0], requires_grad=True)

    def step():
        loss = (x * w - y) ** 2
        loss.backward()
        w.grad = None
    return step


# ---------------------------------------------------------------- the seed programs' loops
def make_seed000(fw, name, quick):
    """seed_000: quadratic model, per-sample SGD with autograd (one epoch of three samples)."""
    w = fw.tensor([1.0, 1.0, 1.0])
    w.requires_grad = True
    data = [(1.0, 2.0), (2.0, 4.0), (3.0, 6.0)]

    def epoch():
        for x, y in data:
            l = (w[0] * (x ** 2) + w[1] * x + w[2] - y) ** 2
            l.backward()
            w.data = w.data - 0.01 * w.grad.data
            w.grad.data.zero_()
        return l.item()
    return epoch


def make_seed001(fw, name, quick):
    """seed_001: y = x * w, per-sample SGD with autograd (one epoch)."""
    w = fw.Tensor([1.0])
    w.requires_grad = True
    data = [(1.0, 2.0), (2.0, 4.0), (3.0, 6.0)]

    def epoch():
        for x, y in data:
            l = (x * w - y) ** 2
            l.backward()
            _ = w.grad.item()
            w.data = w.data - 0.01 * w.grad.data
            w.grad.data.zero_()
        return l.item()
    return epoch


def make_seed002(fw, name, quick):
    """seed_002's hand-written gradient loop, with the weight held in a framework tensor."""
    w = fw.tensor(1.0)
    data = [(1.0, 2.0), (2.0, 4.0), (3.0, 6.0)]

    def epoch():
        nonlocal w
        for x, y in data:
            grad = 2 * x * (x * w - y)
            w = w - 0.01 * grad
            l = (x * w - y) * (x * w - y)
        return l.item()
    return epoch


def make_seed003(fw, name, quick):
    """seed_003: nn.Linear(2, 1), MSELoss, SGD: one step on a batch of two."""
    fw.manual_seed(0)
    model = fw.nn.Linear(2, 1)
    loss_fn = fw.nn.MSELoss()
    opt = fw.optim.SGD(model.parameters(), lr=0.01)
    x = fw.tensor([[1., 2.], [3., 4.]])
    y = fw.tensor([[3.], [7.]])

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def make_mlp_1_10_1(fw, name, quick):
    """seed_004: the 1-10-1 ReLU network, SGD momentum, one training step."""
    fw.manual_seed(666)
    x = fw.linspace(-1, 1, 10).unsqueeze(-1)
    target = x.pow(2) + 0.2 * fw.rand(x.size())
    model = fw.nn.Sequential(fw.nn.Linear(1, 10), fw.nn.ReLU(), fw.nn.Linear(10, 1))
    opt = fw.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    mse = fw.nn.MSELoss()

    def step():
        loss = mse(model(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


# ---------------------------------------------------------------- MLP training steps
def _mlp(fw, sizes, batch, seed=0):
    fw.manual_seed(seed)
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(fw.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(fw.nn.ReLU())
    model = fw.nn.Sequential(*layers)
    opt = fw.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = fw.randn(batch, sizes[0])
    y = fw.randint(0, sizes[-1], (batch,))
    loss_fn = fw.nn.CrossEntropyLoss()

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def _mlp_numpy(sizes, batch, seed=0):
    """The same step written by hand in numpy (forward, softmax-CE backward, momentum SGD)."""
    rng = np.random.default_rng(seed)
    Ws = [rng.uniform(-1, 1, (sizes[i + 1], sizes[i])).astype(np.float32) / math.sqrt(sizes[i])
          for i in range(len(sizes) - 1)]
    bs = [np.zeros(sizes[i + 1], np.float32) for i in range(len(sizes) - 1)]
    vW = [np.zeros_like(w) for w in Ws]
    vb = [np.zeros_like(b) for b in bs]
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], batch)

    def step():
        acts = [x]
        h = x
        for i, (w, b) in enumerate(zip(Ws, bs)):
            h = h @ w.T + b
            if i < len(Ws) - 1:
                h = np.maximum(h, 0)
            acts.append(h)
        z = h - h.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        g = p
        g[np.arange(batch), y] -= 1
        g /= batch
        for i in reversed(range(len(Ws))):
            gW = g.T @ acts[i]
            gb = g.sum(0)
            if i > 0:
                g = (g @ Ws[i]) * (acts[i] > 0)
            vW[i] *= 0.9
            vW[i] += gW
            vb[i] *= 0.9
            vb[i] += gb
            Ws[i] -= 0.01 * vW[i]
            bs[i] -= 0.01 * vb[i]
    return step


def make_mlp_784(fw, name, quick):
    if name == "numpy":
        return _mlp_numpy([784, 256, 10], 64)
    return _mlp(fw, [784, 256, 10], 64)


def make_mlp_1024(fw, name, quick):
    if name == "numpy":
        return _mlp_numpy([1024, 1024, 1024, 10], 512)
    return _mlp(fw, [1024, 1024, 1024, 10], 512)


# ---------------------------------------------------------------- kernels
def make_matmul(n, transpose=""):
    def make(fw, name, quick):
        rng = np.random.default_rng(0)
        a = rng.standard_normal((n, n)).astype(np.float32)
        b = rng.standard_normal((n, n)).astype(np.float32)
        if name != "numpy":
            a, b = fw.from_numpy(a), fw.from_numpy(b)
        ta = (lambda t: t.T) if "a" in transpose else (lambda t: t)
        tb = (lambda t: t.T) if "b" in transpose else (lambda t: t)
        a2, b2 = ta(a), tb(b)
        return lambda: a2 @ b2
    return make


N_ELEM = 10_000_000


def _vec(fw, name, seed=0):
    a = np.random.default_rng(seed).standard_normal(N_ELEM).astype(np.float32)
    return a if name == "numpy" else fw.from_numpy(a)


def make_add_big(fw, name, quick):
    a, b = _vec(fw, name, 0), _vec(fw, name, 1)
    return lambda: a + b


def make_relu_big(fw, name, quick):
    a = _vec(fw, name)
    if name == "numpy":
        return lambda: np.maximum(a, 0)
    return lambda: fw.relu(a)


def make_relu_backward_big(fw, name, quick):
    """ReLU's backward on 10^7 floats: the gradient passes where the output is positive."""
    a, g = _vec(fw, name, 0), _vec(fw, name, 1)
    if name == "numpy":
        return lambda: np.where(a > 0, g, np.float32(0))
    x = a.clone().requires_grad_(True)
    y = fw.relu(x)

    def step():
        x.grad = None
        y.backward(g, retain_graph=True)
    return step


def make_sgd_momentum(fw, name, quick):
    """One SGD-momentum step over 10M parameters (in 10 tensors of 1M)."""
    rng = np.random.default_rng(0)
    if name == "numpy":
        ps = [rng.standard_normal(1_000_000).astype(np.float32) for _ in range(10)]
        gs = [rng.standard_normal(1_000_000).astype(np.float32) for _ in range(10)]
        bufs = [np.zeros_like(p) for p in ps]

        def step():
            for p, g, b in zip(ps, gs, bufs):
                b *= 0.9
                b += g
                p -= 0.01 * b
        return step
    ps = [fw.from_numpy(rng.standard_normal(1_000_000).astype(np.float32)).requires_grad_(True) for _ in range(10)]
    for p in ps:
        p.grad = fw.from_numpy(rng.standard_normal(1_000_000).astype(np.float32))
    kw = {"fused": True} if name == "torch" else {}
    opt = fw.optim.SGD(ps, lr=0.01, momentum=0.9, **kw)
    opt.step()  # creates the momentum buffers
    return opt.step


WORKLOADS = [
    Workload("add_1elem", "per-op", "a + b, one-element tensors", make_add, ("pyautograd", "torch", "numpy")),
    Workload("scalar_fwd_bwd", "per-op", "(x*w - y)**2 forward + backward, one element", make_scalar_fwd_bwd),
    Workload("seed000_epoch", "seeds", "seed_000 quadratic autograd, one epoch", make_seed000),
    Workload("seed001_epoch", "seeds", "seed_001 linear autograd, one epoch", make_seed001),
    Workload("seed002_epoch", "seeds", "seed_002 manual gradient, one epoch", make_seed002),
    Workload("seed003_step", "seeds", "seed_003 Linear(2,1)+MSE+SGD step", make_seed003),
    Workload("seed004_step", "seeds", "seed_004 1-10-1 ReLU net, SGD momentum step", make_mlp_1_10_1),
    Workload("mlp_784_256_10", "mlp", "784-256-10 MLP step, batch 64", make_mlp_784,
             ("pyautograd", "torch", "numpy")),
    Workload("mlp_1024x3", "mlp", "1024-1024-1024-10 MLP step, batch 512", make_mlp_1024,
             ("pyautograd", "torch", "numpy"), quick=False, rss=True),
]
for _n in (64, 128, 256, 512, 1024, 2048):
    WORKLOADS.append(Workload(f"matmul_{_n}", "matmul", f"matmul {_n}x{_n} float32", make_matmul(_n),
                              ("pyautograd", "torch", "numpy"), quick=_n in (64, 256), flops=2 * _n ** 3,
                              param=_n))
for _n in (256, 1024):
    WORKLOADS.append(Workload(f"matmul_{_n}_aT", "matmul", f"matmul {_n} A^T @ B (backward's form)",
                              make_matmul(_n, "a"), ("pyautograd", "torch", "numpy"), quick=False,
                              flops=2 * _n ** 3))
    WORKLOADS.append(Workload(f"matmul_{_n}_bT", "matmul", f"matmul {_n} A @ B^T (backward's form)",
                              make_matmul(_n, "b"), ("pyautograd", "torch", "numpy"), quick=False,
                              flops=2 * _n ** 3))
WORKLOADS += [
    Workload("add_1e7", "elementwise", "a + b, 10^7 float32", make_add_big, ("pyautograd", "torch", "numpy"),
             quick=False, bytes=12 * N_ELEM),
    Workload("relu_1e7", "elementwise", "relu, 10^7 float32", make_relu_big, ("pyautograd", "torch", "numpy"),
             quick=False, bytes=8 * N_ELEM),
    Workload("relu_bwd_1e7", "elementwise", "relu backward, 10^7 float32", make_relu_backward_big,
             ("pyautograd", "torch", "numpy"), quick=False, bytes=12 * N_ELEM),
    Workload("sgd_momentum_10M", "optimizer", "SGD momentum step, 10M params (torch fused=True)",
             make_sgd_momentum, ("pyautograd", "torch", "numpy"), quick=False, bytes=20 * N_ELEM),
]
