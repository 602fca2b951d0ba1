"""Typical beginner training programs, written as torch code, run twice: once with torch,
once with only the import lines pointed at pyautograd. Their printed output must agree:
lines inside a printed tensor exactly (repr parity), every other line with the same text
and numbers equal within float32 accuracy (rtol 1e-5)."""
import contextlib
import io
import math
import re
import textwrap

import pytest


PROGRAMS = {}


def program(name, *marks):
    def register(src):
        PROGRAMS[name] = (textwrap.dedent(src), marks)
    return register


# ---------------------------------------------------------------- the programs
program("manual_gradient_descent")("""
    import torch

    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 20)
    y = 3 * x + 2 + 0.1 * torch.randn(20)
    print(y)
    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    lr = 0.1
    for step in range(100):
        pred = w * x + b
        loss = ((pred - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        if step % 2 == 0:
            w.grad.zero_()
            b.grad.zero_()
            if step == 0:
                print(w.grad, b.grad)
        else:
            w.grad = None
            b.grad = None
        if step % 20 == 0:
            print(f"step {step:3d}: loss {loss.item():.6f}")
    print("w =", w.item(), "b =", b.item())
    print(w.grad, b.grad, w.is_leaf, w.requires_grad, pred.requires_grad)
    with torch.no_grad():
        print((w * x + b).requires_grad)
""")

program("linear_regression_nn_linear")("""
    import torch
    import torch.nn as nn

    torch.manual_seed(42)
    X = torch.randn(100, 3)
    true_w = torch.tensor([[2.0], [-3.4], [1.5]])
    y = X @ true_w + 4.2 + 0.01 * torch.randn(100, 1)
    model = nn.Linear(3, 1)
    print(model)
    print(model.weight)
    print(model.bias)
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for epoch in range(60):
        optimizer.zero_grad()
        loss = criterion(model(X), y)
        loss.backward()
        optimizer.step()
        if epoch % 10 == 0:
            print(f"epoch {epoch:2d} loss {loss.item():.5f}")
    print("learned weight:", model.weight.detach().flatten().tolist())
    print("learned bias:", model.bias.item())
    print(model.weight.grad.shape, model.weight.grad.dtype)
""")

program("logistic_regression_bce_with_logits")("""
    import torch
    from torch import nn

    torch.manual_seed(1)
    X = torch.randn(200, 2)
    y = ((X @ torch.tensor([[1.0], [2.0]])) > 0.3).float()
    print("positives:", y.sum())
    model = nn.Linear(2, 1)
    loss_fn = nn.BCEWithLogitsLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    for it in range(101):
        logits = model(X)
        loss = loss_fn(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if it % 25 == 0:
            with torch.no_grad():
                acc = ((logits > 0).float() == y).float().mean()
            print(f"iter {it:3d}  loss {loss.item():.4f}  acc {acc.item():.3f}")
    with torch.no_grad():
        probs = torch.sigmoid(model(X))
    print("predicted positives:", (probs > 0.5).long().sum())
    print(probs.dtype, probs.shape, probs.requires_grad)
""")

program("mlp_classifier_adam_cross_entropy")("""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.manual_seed(0)
    centers = torch.tensor([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
    labels = torch.randint(0, 3, (300,))
    X = F.one_hot(labels, 3).float() @ centers + 0.5 * torch.randn(300, 2)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    print(model)
    print("parameters:", sum(p.numel() for p in model.parameters()))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(50):
        opt.zero_grad()
        out = model(X)
        loss = loss_fn(out, labels)
        loss.backward()
        opt.step()
        if epoch % 10 == 9:
            acc = (out.argmax(dim=1) == labels).float().mean().item()
            print(f"epoch {epoch + 1}: loss={loss.item():.4f} acc={acc:.3f}")
    print("per class:", [(labels == k).sum().item() for k in range(3)], labels.dtype)
""")

program("custom_module_with_parameters")("""
    import math
    import torch

    class Polynomial3(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.randn(()))
            self.b = torch.nn.Parameter(torch.randn(()))
            self.c = torch.nn.Parameter(torch.randn(()))
            self.d = torch.nn.Parameter(torch.randn(()))

        def forward(self, x):
            return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

        def string(self):
            return f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3"

    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 500)
    y = torch.sin(x)
    model = Polynomial3()
    print(model)
    print([name for name, _ in model.named_parameters()])
    print(model.a, model.d)
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-5)
    for t in range(300):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        if t % 100 == 99:
            print(t, loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"Result: {model.string()}")
    print(sum(p.numel() for p in model.parameters()), len(list(model.parameters())))
""")

program("custom_function_straight_through_clamp")("""
    import torch

    class ClampSTE(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, lo, hi):
            ctx.save_for_backward(x)
            return x.clamp(lo, hi)

        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return grad_out, None, None

    torch.manual_seed(0)
    w = torch.randn(8, requires_grad=True)
    x = torch.randn(32, 8)
    coef = torch.tensor([0.5, -0.5, 1.0, -1.0, 0.25, 0.0, 0.75, -0.25])
    target = (x * coef).sum(dim=1)
    opt = torch.optim.SGD([w], lr=0.1)
    for step in range(30):
        wq = ClampSTE.apply(w, -0.6, 0.6)
        loss = ((x * wq).sum(dim=1) - target).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 10 == 0:
            print(step, loss.item(), wq.grad_fn.name())
    print(w.detach().tolist())
    print(ClampSTE.apply(w.detach(), -0.6, 0.6))
    g, = torch.autograd.grad(ClampSTE.apply(w, -0.6, 0.6).sum(), w)
    print(g)
""")

program("custom_function_legendre_tutorial")("""
    import math
    import torch

    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    dtype = torch.float
    x = torch.linspace(-math.pi, math.pi, 400, dtype=dtype)
    y = torch.sin(x)
    a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, dtype=dtype, requires_grad=True)
    learning_rate = 2e-5
    for t in range(300):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            print(t, loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    print(f"Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)")
    print(y_pred.grad_fn.name(), a.grad, a.dtype)
""")

program("dynamic_graph")("""
    import math
    import torch

    class DynamicNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.randn(()))
            self.b = torch.nn.Parameter(torch.randn(()))
            self.c = torch.nn.Parameter(torch.randn(()))
            self.d = torch.nn.Parameter(torch.randn(()))
            self.e = torch.nn.Parameter(torch.randn(()))

        def forward(self, x, step):
            y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
            # the depth of the graph depends on the step
            for exp in range(4, 4 + step % 3):
                y = y + self.e * x ** exp
            # and Python control flow on tensor values
            halvings = 0
            while y.abs().mean() > 2:
                y = y * 0.5
                halvings += 1
            if y.sum() > 0:
                y = y - 0.01 * self.e
            return y, halvings

    def graph_size(fn):
        seen, todo = {}, [fn]
        while todo:
            f = todo.pop()
            if f is None or id(f) in seen:
                continue
            seen[id(f)] = f
            todo.extend(g for g, _ in f.next_functions)
        return len(seen)

    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 300)
    y = torch.sin(x)
    model = DynamicNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
    for step in range(60):
        y_pred, halvings = model(x, step)
        loss = ((y_pred - y) ** 2).mean()
        if step < 6 or step % 20 == 19:
            print(step, halvings, loss.item(), loss.grad_fn.name(), graph_size(loss.grad_fn))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print([round(p.item(), 4) for p in model.parameters()])
""")

program("dataloader_shuffle_epochs")("""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    X = torch.randn(20, 3)
    y = (X * torch.tensor([1.0, -1.0, 2.0])).sum(dim=1) + 0.5
    dataset = TensorDataset(X, y)
    loader = DataLoader(dataset, batch_size=6, shuffle=True)
    print(len(dataset), len(loader))
    w = torch.zeros(3, requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    opt = torch.optim.SGD([w, b], lr=0.1)
    for epoch in range(3):
        total = 0.0
        for i, (xb, yb) in enumerate(loader):
            pred = (xb * w).sum(dim=1) + b
            loss = ((pred - yb) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * xb.shape[0]
            if i == 0:
                print("epoch", epoch, "first batch", xb.shape, yb)
            if i == len(loader) - 1:
                print("last batch size", len(yb))
        print(f"epoch {epoch} mean loss {total / len(dataset):.6f}")
    print(w.detach().tolist(), b.item())
""")

program("adamw_steplr")("""
    import torch
    import torch.nn as nn
    from torch.optim.lr_scheduler import StepLR

    torch.manual_seed(3)
    X = torch.randn(64, 4)
    y = (X * torch.tensor([1.0, -2.0, 0.5, 3.0])).sum(dim=1, keepdim=True)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    opt = torch.optim.AdamW(model.parameters(), lr=0.05, weight_decay=0.01)
    sched = StepLR(opt, step_size=10, gamma=0.5)
    print(opt)
    for epoch in range(40):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(X), y)
        loss.backward()
        opt.step()
        sched.step()
        if epoch % 10 == 0:
            print(epoch, f"{loss.item():.5f}", sched.get_last_lr())
    print(opt.param_groups[0]["lr"], sched.last_epoch)
    print(opt.state_dict()["param_groups"][0]["initial_lr"], sorted(opt.state_dict()["state"][0]))
""")

program("dropout_train_eval")("""
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.ones(6))
            self.drop = nn.Dropout(p=0.5)

        def forward(self, x):
            return self.drop(x * self.scale).sum(dim=1)

    torch.manual_seed(0)
    net = Net()
    x = torch.randn(4, 6)
    print(net)
    print(net.training, net.drop.training)
    print(net(x))
    print(net(x))
    net.eval()
    print(net.training, net.drop.training)
    print(net(x))
    print((net(x) == net(x)).all())
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    for step in range(5):
        opt.zero_grad()
        loss = (net(x) - 1).pow(2).mean()
        loss.backward()
        opt.step()
        print(step, loss.item())
    print(net.scale)
    net.eval()
    with torch.no_grad():
        print(net(x))
""")

program("checkpoint_save_load_mid_training")("""
    import os
    import tempfile
    import torch
    import torch.nn as nn

    class Quadratic(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(torch.randn(()))
            self.b = nn.Parameter(torch.randn(()))
            self.c = nn.Parameter(torch.randn(()))

        def forward(self, x):
            return self.a * x * x + self.b * x + self.c

    torch.manual_seed(0)
    x = torch.linspace(-2, 2, 40)
    y = 0.5 * x * x - x + 0.25

    def train(model, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
        return loss.item()

    model = Quadratic()
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    print("after 20 steps:", train(model, opt, 20))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "checkpoint.pt")
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": 20}, path)
        print("continued:", train(model, opt, 20))
        ckpt = torch.load(path)
    print("saved at step", ckpt["optimizer"]["state"][0]["step"])
    restored = Quadratic()
    print(restored.load_state_dict(ckpt["model"]))
    opt2 = torch.optim.Adam(restored.parameters(), lr=0.05)
    opt2.load_state_dict(ckpt["optimizer"])
    print("resumed:", train(restored, opt2, 20), "from step", ckpt["step"])
    print(list(ckpt["model"].keys()), list(ckpt["optimizer"]["state"].keys()))
    # the optimizer adopted the checkpoint's step tensors, as torch's does
    print(ckpt["optimizer"]["state"][0]["step"], ckpt["optimizer"]["param_groups"][0]["lr"])
    print(all((p == q).item() for p, q in zip(model.parameters(), restored.parameters())))
    print([p.item() for p in restored.parameters()])
""")

program("no_grad_evaluation_argmax_accuracy")("""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.manual_seed(7)
    W_true = torch.randn(4, 3)
    X_train, X_test = torch.randn(120, 4), torch.randn(20, 4)
    y_train, y_test = (X_train @ W_true).argmax(dim=1), (X_test @ W_true).argmax(dim=1)
    model = nn.Linear(4, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    for epoch in range(30):
        model.train()
        loss = F.cross_entropy(model(X_train), y_train)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        logits = model(X_test)
        print(torch.is_grad_enabled(), logits.requires_grad, logits.grad_fn)
        preds = logits.argmax(dim=1)
        acc = (preds == y_test).float().mean()
    print(torch.is_grad_enabled())
    print("test labels:", y_test)
    print("predictions:", preds)
    print(f"train loss {loss.item():.4f}, test accuracy {acc.item():.2f}")
    print(F.softmax(logits, dim=1).sum(dim=1).sub(1).abs().lt(1e-6).all())
""")


program("classifier_dataloader_clip_steplr_eval")("""
    import torch
    import torch.nn as nn
    from torch.utils.data import DataLoader, TensorDataset, random_split
    from torch.optim.lr_scheduler import StepLR

    torch.manual_seed(0)
    # three noisy rings, one per class
    n = 60
    labels = torch.cat([torch.full((n,), k) for k in range(3)])
    angles = torch.rand(3 * n) * 2 * torch.pi
    radius = 1.0 + labels.float() + 0.3 * torch.randn(3 * n)
    X = torch.stack([radius * torch.cos(angles), radius * torch.sin(angles)], dim=1)
    perm = torch.randperm(len(X))
    X, labels = X[perm], labels[perm]
    train_set, val_set = random_split(TensorDataset(X, labels), [150, 30])
    X_val, y_val = val_set[:]
    print(len(train_set), len(val_set), X_val.shape, y_val.dtype, [(y_val == k).sum().item() for k in range(3)])

    train_loader = DataLoader(train_set, batch_size=32, shuffle=True, drop_last=False)
    print(len(train_loader), len(train_loader.dataset))
    model = nn.Sequential(
        nn.Linear(2, 32),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(32, 32),
        nn.ReLU(),
        nn.Linear(32, 3),
    )
    print(model)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    scheduler = StepLR(optimizer, step_size=5, gamma=0.5)

    def evaluate(model, X, y):
        model.eval()
        with torch.no_grad():
            logits = model(X)
            loss = criterion(logits, y)
            preds = logits.argmax(dim=1)
            acc = (preds == y).float().mean().item()
        return loss.item(), acc, preds

    for epoch in range(12):
        model.train()
        running, seen, norms = 0.0, 0, []
        for batch_idx, (xb, yb) in enumerate(train_loader, start=1):
            optimizer.zero_grad(set_to_none=True)
            loss = criterion(model(xb), yb)
            loss.backward()
            total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            norms.append(total_norm.item())
            optimizer.step()
            running += loss.item() * xb.size(0)
            seen += xb.size(0)
        scheduler.step()
        val_loss, val_acc, _ = evaluate(model, X_val, y_val)
        print(f"epoch {epoch:2d} train {running / seen:.4f} val {val_loss:.4f} acc {val_acc:.3f} "
              f"max grad norm {max(norms):.4f} lr {scheduler.get_last_lr()[0]:.5f}")
    print(type(total_norm).__name__, total_norm.dtype, total_norm.shape, total_norm.requires_grad)

    _, acc, preds = evaluate(model, X_val, y_val)
    print("final accuracy:", acc)
    print("predictions:", preds[:10])
    for k in range(3):
        mask = y_val == k
        print(f"class {k}: {(preds[mask] == k).sum().item()}/{mask.sum().item()}")
    print(model.training, torch.is_grad_enabled(), scheduler.last_epoch, optimizer.param_groups[0]["lr"])
    with torch.inference_mode():
        probs = torch.softmax(model(X_val[:3]), dim=1)
    print(probs.sum(dim=1).allclose(torch.ones(3)), torch.isclose(probs.sum(dim=1), torch.ones(3)), batch_idx)
    print(probs.requires_grad, probs.argmax(1).tolist(), probs.max(dim=1).values.gt(0.4).all().item())
""")

program("regression_custom_module_manual_init")("""
    import math
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Regressor(nn.Module):
        def __init__(self, n_in, hidden):
            super().__init__()
            self.hidden = nn.Linear(n_in, hidden)
            self.out = nn.Linear(hidden, 1)
            self.scale = nn.Parameter(torch.empty(1))
            self.reset_parameters()

        def reset_parameters(self):
            nn.init.kaiming_uniform_(self.hidden.weight, nonlinearity="relu")
            nn.init.zeros_(self.hidden.bias)
            nn.init.xavier_normal_(self.out.weight)
            nn.init.constant_(self.out.bias, 0.1)
            nn.init.ones_(self.scale)

        def forward(self, x):
            h = F.relu(self.hidden(x))
            return self.scale * self.out(h).squeeze(-1)

    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, mean=0.0, std=0.1)

    torch.manual_seed(0)
    X = torch.rand(200, 3) * 4 - 2
    y = torch.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2 - X[:, 2] + 0.05 * torch.randn(200)
    model = Regressor(3, 16)
    print(model)
    for name, p in model.named_parameters():
        print(f"{name:14s} {tuple(p.shape)} mean {p.mean().item():+.4f} std {p.std().item() if p.numel() > 1 else 0:.4f}")
    print(sum(p.numel() for p in model.parameters() if p.requires_grad), "trainable parameters")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    for step in range(150):
        optimizer.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)
        optimizer.step()
        if step % 25 == 0:
            print(f"step {step:3d} loss {loss.item():.6f} scale {model.scale.item():.4f}")
    model.eval()
    with torch.no_grad():
        pred = model(X)
        ss_res = ((y - pred) ** 2).sum()
        ss_tot = ((y - y.mean()) ** 2).sum()
        print("R^2:", round((1 - ss_res / ss_tot).item(), 4), "RMSE:", math.sqrt(F.mse_loss(pred, y).item()))
    vec = torch.nn.utils.parameters_to_vector(model.parameters())
    print(vec.shape, vec.requires_grad, vec.grad_fn.name())
    model.apply(init_weights)
    print(model.hidden.weight.std().item() < 0.2, model.out.bias)
    torch.nn.utils.vector_to_parameters(vec.detach(), model.parameters())
    with torch.no_grad():
        print(torch.allclose(model(X), pred), torch.equal(model(X), pred))
""")

program("save_load_state_dict_and_resume")("""
    import io
    import os
    import tempfile
    import torch
    import torch.nn as nn
    from torch.optim.lr_scheduler import StepLR
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    X = torch.randn(96, 5)
    y = (X @ torch.randn(5, 1) + 0.1 * torch.randn(96, 1)).squeeze(1)
    dataset = TensorDataset(X, y)

    def make():
        torch.manual_seed(1)
        model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1), nn.Flatten(0))
        opt = torch.optim.Adam(model.parameters(), lr=0.02)
        return model, opt, StepLR(opt, step_size=2, gamma=0.7)

    def run_epoch(model, opt, sched, loader):
        total = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item()
        sched.step()
        return total / len(loader)

    # the reference: six epochs without interruption
    model, opt, sched = make()
    torch.manual_seed(2)
    loader = DataLoader(dataset, batch_size=16, shuffle=True)
    reference = [run_epoch(model, opt, sched, loader) for _ in range(6)]
    print("reference:", [round(v, 6) for v in reference])

    # the same run, checkpointed after three epochs and resumed in fresh objects
    model, opt, sched = make()
    torch.manual_seed(2)
    loader = DataLoader(dataset, batch_size=16, shuffle=True)
    first = [run_epoch(model, opt, sched, loader) for _ in range(3)]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "ckpt.pt")
        torch.save({"epoch": 3, "model_state_dict": model.state_dict(), "optimizer_state_dict": opt.state_dict(),
                    "scheduler_state_dict": sched.state_dict(), "rng_state": torch.get_rng_state(),
                    "loss": first[-1]}, path)
        print("saved", os.path.getsize(path) > 0, sorted(torch.load(path, weights_only=True).keys()))
        ckpt = torch.load(path, weights_only=False)
    del model, opt, sched
    model, opt, sched = make()
    print(model.load_state_dict(ckpt["model_state_dict"]))
    opt.load_state_dict(ckpt["optimizer_state_dict"])
    sched.load_state_dict(ckpt["scheduler_state_dict"])
    torch.set_rng_state(ckpt["rng_state"])
    print("resumed at epoch", ckpt["epoch"], "lr", sched.get_last_lr(), "loss", round(ckpt["loss"], 6))
    rest = [run_epoch(model, opt, sched, loader) for _ in range(3)]
    resumed = first + rest
    print("resumed:  ", [round(v, 6) for v in resumed])
    print("same losses:", resumed == reference)
    print(opt.state_dict()["state"][0]["step"], sched.last_epoch, opt.param_groups[0]["lr"])

    # a state_dict through an in-memory buffer into a new model: same outputs
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    clone, _, _ = make()
    state = torch.load(buf)
    print(list(state.keys()), state["0.weight"].shape)
    clone.load_state_dict(state)
    clone.eval()
    with torch.no_grad():
        print(torch.equal(clone(X[:4]), model(X[:4])), clone(X[:4]))
    print(clone[0].weight.requires_grad, clone[0].weight.grad)
""")


# ---------------------------------------------------------------- running and comparing
IMPORT = re.compile(r"^(\s*)(import|from)\s+torch\b")


def port(src):
    """The program with its import lines pointed at pyautograd (nothing else changes)."""
    out = []
    for line in src.splitlines():
        if re.fullmatch(r"\s*import torch\s*", line):
            line = line.replace("import torch", "import pyautograd as torch")
        elif IMPORT.match(line):
            line = re.sub(r"\btorch\b", "pyautograd", line)
        out.append(line)
    ported = "\n".join(out) + "\n"
    assert not re.search(r"^\s*(import|from)\s+torch\b", ported, re.M)
    return ported


def run(src, name):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(src, f"<program {name}>", "exec"), {"__name__": "__main__"})
    return buf.getvalue()


NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?\binf\b|\bnan\b")


def split_tensors(text):
    """(the printed tensors, from 'tensor(' to the matching ')', and the text with each of
    them replaced by a marker)."""
    tensors, rest, pos = [], [], 0
    for m in re.finditer(r"tensor\(", text):
        if m.start() < pos:
            continue
        depth, i = 0, m.start() + len("tensor")
        while i < len(text):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            if depth == 0:
                break
            i += 1
        tensors.append(text[m.start():i + 1])
        rest.append(text[pos:m.start()] + "<tensor>")
        pos = i + 1
    rest.append(text[pos:])
    return tensors, "".join(rest)


def compare(ours, theirs, name):
    to, ro = split_tensors(ours)
    tt, rt = split_tensors(theirs)
    assert len(to) == len(tt), f"{name}: {len(to)} tensors printed, torch printed {len(tt)}\n{ours}\n---\n{theirs}"
    for k, (a, b) in enumerate(zip(to, tt)):
        assert a == b, f"{name}: printed tensor {k + 1} differs:\n pyautograd: {a}\n torch:      {b}"
    lo, lt = ro.splitlines(), rt.splitlines()
    assert len(lo) == len(lt), f"{name}: {len(lo)} lines printed, torch printed {len(lt)}\n{ours}\n---\n{theirs}"
    for i, (a, b) in enumerate(zip(lo, lt)):
        if a == b:
            continue
        where = f"{name}, line {i + 1}:\n pyautograd: {a}\n torch:      {b}"
        assert NUMBER.split(a) == NUMBER.split(b), where
        for x, y in zip(NUMBER.findall(a), NUMBER.findall(b)):
            assert printed_close(x, y), f"{x} != {y} in " + where


def printed_close(x, y):
    """Two printed numbers agree: equal, or within float32 rounding of each other. The
    absolute bound is one unit of a sixth decimal, with a margin for its own binary
    representation (0.041616 - 0.041615 is 1.0000000000010001e-06 as a double)."""
    fx, fy = float(x), float(y)
    return fx == fy or (math.isnan(fx) and math.isnan(fy)) or math.isclose(fx, fy, rel_tol=1e-5, abs_tol=1.000001e-6)


@pytest.mark.parametrize("name", [pytest.param(n, marks=list(marks)) for n, (_, marks) in PROGRAMS.items()])
def test_program(name):
    src = PROGRAMS[name][0]
    theirs = run(src, name)
    ours = run(port(src), name)
    assert theirs.strip(), "the program printed nothing"
    compare(ours, theirs, name)


def test_port_changes_only_imports():
    src = textwrap.dedent("""
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch import optim
        from torch.utils.data import DataLoader
        from torch.optim.lr_scheduler import StepLR
        x = torch.ones(2)  # torch stays torch here
    """)
    assert port(src).splitlines()[1:] == [
        "import pyautograd as torch",
        "import pyautograd.nn as nn",
        "import pyautograd.nn.functional as F",
        "from pyautograd import optim",
        "from pyautograd.utils.data import DataLoader",
        "from pyautograd.optim.lr_scheduler import StepLR",
        "x = torch.ones(2)  # torch stays torch here",
    ]


def test_compare_is_strict_on_tensors_and_tolerant_on_floats():
    compare("loss 0.1234567\n", "loss 0.1234568\n", "t")
    with pytest.raises(AssertionError):
        compare("loss 0.1235\n", "loss 0.1234\n", "t")
    with pytest.raises(AssertionError):
        compare("tensor([1.0001,\n        2.0000])\n", "tensor([1.0001,\n        2.0001])\n", "t")
    compare("1 0.50000001 tensor([1.5000, (2.)])\n", "1 0.5 tensor([1.5000, (2.)])\n", "t")
    with pytest.raises(AssertionError):
        compare("1 0.5 tensor([1.5000, 2.0001])\n", "1 0.5 tensor([1.5000, 2.0000])\n", "t")
    with pytest.raises(AssertionError):
        compare("acc 1\n", "acc 2\n", "t")
    with pytest.raises(AssertionError):
        compare("a\n", "a\nb\n", "t")
