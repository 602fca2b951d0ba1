"""Reproducers that used to kill the interpreter (hooks mutated during backward, integer
division traps, deep graphs) and the quadratic `needed` pass of autograd.grad, against
torch. Crash cases run in a subprocess, so a regression fails the test instead of the run."""
import os
import subprocess
import sys
import tempfile
import textwrap

import pytest
import torch

import pyautograd as pag

PAG_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(pag.__file__)))


def run_both(body):
    """Runs `body` (which prints its results, using `L` as the module) in a fresh interpreter,
    once with pyautograd and once with torch; both must exit cleanly and print the same."""
    outs = []
    # Under the sanitizer build (scripts/sanitize_test.sh) only pyautograd runs instrumented,
    # and far slower, so its limit is wide; the limits only guard against a hang.
    sanitized = "ASAN_OPTIONS" in os.environ
    plain = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "PYTHONMALLOC", "ASAN_OPTIONS",
                                                              "UBSAN_OPTIONS")}
    # the pyautograd this process imported (an installed one, or the source tree with its build)
    mine = dict(os.environ, PYTHONPATH=os.pathsep.join([PAG_ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    for mod in ("pyautograd", "torch"):
        code = f"import {mod} as L\n" + textwrap.dedent(body)
        with tempfile.TemporaryDirectory() as cwd:  # not the source tree, whose pyautograd may be unbuilt
            p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd,
                               timeout=1500 if sanitized else 600, env=mine if mod == "pyautograd" else plain)
        assert p.returncode == 0, f"{mod} exited with {p.returncode}: {p.stderr[-2000:]}"
        outs.append(p.stdout)
    assert outs[0] == outs[1]
    return outs[0]


def test_hooks_added_during_backward():
    out = run_both("""
        calls = []
        for leaf in (False, True):
            x = L.ones(3, requires_grad=True)
            y = x if leaf else 2 * x
            def h(g):
                calls.append('h')
                for _ in range(1000):
                    y.register_hook(lambda g: (calls.append('new'), g * 3)[1])
                return g
            y.register_hook(h)
            z = (2 * y).sum()
            z.backward(retain_graph=True)
            print(x.grad.tolist(), len(calls))
            x.grad = None
            z.backward()   # the added hooks run on the next pass
            print(x.grad.tolist(), len(calls))
    """)
    assert out.splitlines()[0].endswith(" 1")


@pytest.mark.parametrize("leaf", [False, True])
@pytest.mark.parametrize("which", ["self", "other"])
def test_hook_removes_a_hook(leaf, which):
    run_both(f"""
        x = L.ones(3, requires_grad=True)
        y = x if {leaf} else 2 * x
        hs = {{}}
        def a(g):
            hs[{which!r}].remove()
            return g * 10
        hs['self'] = y.register_hook(a)
        hs['other'] = y.register_hook(lambda g: g * 2)
        z = (2 * y).sum()
        z.backward(retain_graph=True)
        print(x.grad.tolist())
        x.grad = None
        z.backward()
        print(x.grad.tolist())
    """)


def test_hook_remove_values():
    x = pag.ones(3, requires_grad=True)
    y = 2 * x
    hs = {}

    def a(g):
        hs["a"].remove()
        return g * 10

    hs["a"] = y.register_hook(a)
    y.register_hook(lambda g: g * 2)
    y.sum().backward()
    assert x.grad.tolist() == [40.0, 40.0, 40.0]


INT_DTYPES = ["int8", "int16", "uint8"]


@pytest.mark.parametrize("dt", INT_DTYPES)
def test_integer_division_extremes(dt):
    # min // -1 and friends wrap as in torch, in every form (int32 left out: torch's own
    # int32 kernels trap on some of these)
    run_both(f"""
        DTYPES = [{dt!r}]
        forms = [
            lambda a, b: a // b, lambda a, b: a % b, lambda a, b: L.fmod(a, b), lambda a, b: L.remainder(a, b),
            lambda a, b: L.div(a, b, rounding_mode='floor'), lambda a, b: L.div(a, b, rounding_mode='trunc'),
            lambda a, b: L.floor_divide(a, b),
        ]
        inplace = [
            lambda a, b: a.fmod_(b),
            lambda a, b: a.remainder_(b), lambda a, b: a.div_(b, rounding_mode='floor'),
            lambda a, b: a.div_(b, rounding_mode='trunc'),
        ]
        for dt in DTYPES:
            d = getattr(L, dt)
            info = L.iinfo(d)
            vals = [info.min, info.min + 1, -7, -1, 0, 1, 7, info.max]
            for bv in [-1, 1, -3, 3, 0, info.min, info.max]:
                if d == L.uint8 and bv < 0:
                    continue
                for f in forms:
                    for b in (L.tensor(bv, dtype=d), bv):
                        try:
                            r = f(L.tensor(vals, dtype=d), b)
                            print(dt, bv, r.tolist(), str(r.dtype))
                        except Exception as e:
                            print(dt, bv, type(e).__name__, e)
    """)


def test_arange_int64_overflow():
    run_both("""
        for a in [(0, 2**63 - 1, 2**62), (0, 2**62, 2**61), (-2**63, 2**63 - 1, 2**62),
                  (5, -2**63, -2**62), (-2**63, 2**63 - 1, 2**63 - 1), (2**63 - 1, -2**63, -1)]:
            try:
                print(L.arange(*a).tolist())
            except Exception as e:
                print(type(e).__name__, e)
    """)


def test_deep_graphs_build_backprop_and_drop():
    # 1M nodes: build, backward, autograd.grad, drop, and a clean interpreter exit
    # under the sanitizer a 200k chain (deep enough to have overflowed the stack) keeps it quick
    n = 200_000 if "ASAN_OPTIONS" in os.environ else 1_000_000
    out = run_both(f"""
        n = {n}
        x = L.ones(2, requires_grad=True)
        y = x
        for _ in range(n):
            y = y * 1.0
        s = y.sum()
        print(L.autograd.grad(s, x, retain_graph=True)[0].tolist())
        s.backward()
        print(x.grad.tolist())
        del y, s
        y = x
        for _ in range(100_000):
            y = y * 2.0 + 0.0
        y.sum().backward()
        v = L.zeros(4, 4)
        for _ in range(150_000):
            v = v.view(16).view(4, 4)
        w = x.clone()
        for _ in range(150_000):
            w = w[:]
        print('done')
        # the last chains stay alive until interpreter exit
    """)
    assert "done" in out


def test_grad_through_long_chain():
    # the `needed` pass of autograd.grad / backward(inputs=...) is linear: a 300k chain completes
    n = 50_000 if "ASAN_OPTIONS" in os.environ else 300_000
    x = pag.tensor([0.5, 1.0], requires_grad=True)
    xt = torch.tensor([0.5, 1.0], requires_grad=True)
    ys = [x, xt]
    for i in range(2):
        y = ys[i]
        for _ in range(n):
            y = y.sin()
        ys[i] = y
    g = pag.autograd.grad(ys[0].sum(), x, retain_graph=True)[0]
    gt = torch.autograd.grad(ys[1].sum(), xt)[0]
    assert torch.allclose(torch.tensor(g.tolist()), gt, rtol=1e-5, atol=1e-9)
    ys[0].sum().backward(inputs=[x])
    assert torch.allclose(torch.tensor(x.grad.tolist()), gt, rtol=1e-5, atol=1e-9)


def test_needed_pass_branches():
    # inputs=... through a graph with shared and unused branches (the DFS settles children first)
    def run(L):
        a = L.tensor([1.0, 2.0], requires_grad=True)
        b = L.tensor([3.0, 4.0], requires_grad=True)
        c = a * b
        d = c.sin() + c.exp() * b
        e = (d * a).sum() + b.sum()
        ga = L.autograd.grad(e, a, retain_graph=True)[0]
        gb = L.autograd.grad(e, [b, c], retain_graph=True)
        e.backward(inputs=[c, a], retain_graph=True)
        return [ga.tolist(), [t.tolist() for t in gb], a.grad.tolist(), b.grad]
    r, t = run(pag), run(torch)
    assert r[3] is None and t[3] is None
    for u, v in zip([r[0], *r[1], r[2]], [t[0], *t[1], t[2]]):
        assert torch.allclose(torch.tensor(u), torch.tensor(v))
