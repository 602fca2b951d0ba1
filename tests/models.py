"""Small models and training loops shared by the hardening tests (memory, threads,
determinism)."""
import numpy as np

import pyautograd as pag
import pyautograd.nn as nn
import pyautograd.nn.functional as F

def mlp(sizes=(8, 32, 32, 1), seed=0):
    """Linear layers with tanh and relu between them, initialized from `seed`."""
    pag.manual_seed(seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.Tanh() if i % 2 == 0 else nn.ReLU())
    return nn.Sequential(*layers)


def data(n=16, d_in=8, d_out=1, seed=1):
    g = pag.Generator().manual_seed(seed)
    return pag.randn(n, d_in, generator=g), pag.randn(n, d_out, generator=g)


def make_optimizer(model, kind="sgd"):
    if kind == "adam":
        return pag.optim.Adam(model.parameters(), lr=1e-2)
    return pag.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)


def train(model, x, y, steps, opt=None):
    """`steps` SGD (or the given optimizer's) steps on mse_loss; returns the last loss."""
    opt = opt or make_optimizer(model)
    loss = None
    for _ in range(steps):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    return loss


def state_bytes(model):
    """The parameters' exact bits, for bit-identical comparisons."""
    return [p.detach().numpy().tobytes() for p in model.parameters()]


def as_bytes(t):
    return np.ascontiguousarray(t.detach().numpy()).tobytes()
