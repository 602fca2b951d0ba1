"""A small training run: an MLP learns y = sin(x) with nn, optim and a DataLoader.
Change the first three imports to torch's and it prints the same numbers."""
import pyautograd as torch
import pyautograd.nn as nn
from pyautograd.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
x = torch.linspace(-3, 3, 256).unsqueeze(1)
y = x.sin()
loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=40, gamma=0.5)
loss_fn = nn.MSELoss()
for epoch in range(101):
    for xb, yb in loader:
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
    sched.step()
    if epoch % 20 == 0:
        with torch.no_grad():
            print(f"epoch {epoch:3d}  loss {loss_fn(model(x), y).item():.6f}  lr {sched.get_last_lr()[0]:.4f}")
print(model)
