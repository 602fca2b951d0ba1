"""A small training run: a 2-layer MLP learns y = sin(x) with SGD momentum."""
import pyautograd as torch

torch.manual_seed(0) if hasattr(torch, "manual_seed") else None
x = torch.linspace(-3, 3, 64).unsqueeze(1)
y = x.sin()
w1 = (torch.tensor([[0.5] * 32]) * torch.linspace(-1, 1, 32)).requires_grad_(True)
b1 = torch.zeros(32, requires_grad=True)
w2 = (torch.linspace(-0.3, 0.3, 32).unsqueeze(1)).requires_grad_(True)
b2 = torch.zeros(1, requires_grad=True)
params = [w1, b1, w2, b2]
bufs = [torch.zeros_like(p) for p in params]
for step in range(201):
    pred = (x @ w1 + b1).tanh() @ w2 + b2
    loss = ((pred - y) ** 2).mean()
    for p in params:
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p, b in zip(params, bufs):
            b.mul_(0.9).add_(p.grad)
            p.sub_(0.05 * b)
    if step % 50 == 0:
        print(f"step {step:4d}  loss {loss.item():.6f}")
