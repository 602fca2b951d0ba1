"""Threads: the kernel thread count is one process-wide setting (set_num_threads /
get_num_threads as torch's), grad mode is per Python thread, and several Python
threads training independent models at once (with the GIL released in the heavy
C++ calls) get bit-identical results to the same trainings run one after another.
Every multi-threaded test runs under a timeout, so a deadlock fails instead of
hanging the suite."""
import os
import textwrap
import threading

import numpy as np
import pytest
import torch

import models
import pyautograd as pag
from helpers import helper_test_exception, run_python

TIMEOUT = 120  # seconds; generous for a loaded machine, finite for a deadlock


@pytest.fixture
def restore_threads():
    n = pag.get_num_threads()
    yield
    pag.set_num_threads(n)


def run_threads(fns, timeout=TIMEOUT):
    """Runs each fn in its own thread; returns their results, re-raises their errors, fails on a hang."""
    results, errors = [None] * len(fns), []

    def wrap(i, fn):
        try:
            results[i] = fn()
        except BaseException as e:  # noqa: BLE001 - reported to the main thread
            errors.append(e)
    threads = [threading.Thread(target=wrap, args=(i, fn), daemon=True) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), f"a thread did not finish in {timeout} s (deadlock?)"
    if errors:
        raise errors[0]
    return results


# ---------------------------------------------------------------- the setting

def test_num_threads_api_matches_torch(restore_threads):
    assert pag.get_num_threads() >= 1
    assert pag.set_num_threads is pag._C.set_num_threads
    for n in [1, 3, 2]:
        pag.set_num_threads(n)
        torch_n = torch.get_num_threads()
        torch.set_num_threads(n)
        assert pag.get_num_threads() == torch.get_num_threads() == n
        torch.set_num_threads(torch_n)
    for bad in [0, -1, 1.5, "2", True, None, 2**31, 2**63, -2**31 - 1]:
        helper_test_exception(lambda: torch.set_num_threads(bad), lambda: pag.set_num_threads(bad))


def test_num_threads_is_global_not_per_thread(restore_threads):
    pag.set_num_threads(1)
    assert run_threads([pag.get_num_threads])[0] == 1
    run_threads([lambda: pag.set_num_threads(3)])
    assert pag.get_num_threads() == 3


def test_default_follows_omp_num_threads():
    code = "import pyautograd as p, torch; print(p.get_num_threads(), torch.get_num_threads())"
    for env_n in ["1", "3"]:
        env = dict(os.environ, OMP_NUM_THREADS=env_n)
        out = run_python(["-c", code], env=env, timeout=TIMEOUT)
        assert out.returncode == 0, out.stderr
        ours, theirs = out.stdout.split()
        assert ours == theirs   # torch also caps the request at what the process may use
        assert env_n != "1" or ours == "1"


def test_kernels_are_complete_when_openmp_gives_fewer_threads():
    """OMP_THREAD_LIMIT=1 makes every team one thread whatever is asked: no chunk may be skipped."""
    code = textwrap.dedent("""
        import pyautograd as p
        p.set_num_threads(4)
        n = 1 << 20
        x = p.ones(n)
        print(float((x * 2).sum()), float((x + x).sum()), float(p.arange(0, n).double().sum()))
        w = p.zeros(n, requires_grad=True)
        w.grad = p.ones(n)
        p.optim.SGD([w], lr=1.0).step()
        print(float(w.detach().sum()))
    """)
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    out = run_python(["-c", code], env=env, timeout=TIMEOUT)
    assert out.returncode == 0, out.stderr
    n = 1 << 20
    assert out.stdout.split() == [str(2.0 * n), str(2.0 * n), str(float(n * (n - 1) // 2)), str(-float(n))]


# ---------------------------------------------------------------- grad mode

def test_grad_mode_is_per_thread():
    inside, outside = threading.Event(), threading.Event()

    def in_no_grad():
        with pag.no_grad():
            inside.set()
            assert outside.wait(TIMEOUT)
            return pag.is_grad_enabled(), (pag.ones(2, requires_grad=True) * 2).requires_grad

    def with_grad():
        assert inside.wait(TIMEOUT)
        try:
            return pag.is_grad_enabled(), (pag.ones(2, requires_grad=True) * 2).requires_grad
        finally:
            outside.set()
    assert run_threads([in_no_grad, with_grad]) == [(False, False), (True, True)]
    assert pag.is_grad_enabled()


def test_new_threads_start_with_grad_enabled():
    with pag.no_grad():
        assert run_threads([pag.is_grad_enabled])[0] is True
        t = torch.tensor(0.0)   # torch agrees: grad mode is thread-local
        assert run_threads([torch.is_grad_enabled])[0] is True
        del t


# ---------------------------------------------------------------- concurrent training

def _training_job(seed, steps, kind):
    model = models.mlp(seed=seed)
    x, y = models.data(seed=100 + seed)
    opt = models.make_optimizer(model, kind)

    def run():
        loss = models.train(model, x, y, steps, opt)
        return models.state_bytes(model), models.as_bytes(loss)
    return run


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_concurrent_training_matches_sequential(kind):
    steps, n = 30, 4
    # models and data are made in this thread (they draw from the global generator)
    sequential = [job() for job in [_training_job(s, steps, kind) for s in range(n)]]
    concurrent = run_threads([_training_job(s, steps, kind) for s in range(n)])
    for s in range(n):
        assert concurrent[s] == sequential[s], f"model {s} differs when trained concurrently"


def test_concurrent_large_ops_and_backward():
    """Ops big enough to release the GIL, from several threads, with hooks that need it back."""
    n = 1 << 17
    base = np.random.default_rng(0).standard_normal(n).astype(np.float32)

    def job(k):
        def run():
            calls = []
            x = pag.tensor(base * (k + 1)).requires_grad_()
            y = (x * 2).exp().tanh()
            y.register_hook(lambda g: calls.append(1) or g * 1.5)
            z = (y + x).relu().sum()
            z.backward()
            return models.as_bytes(x.grad), models.as_bytes(z), len(calls)
        return run
    expected = [job(k)() for k in range(4)]
    for _ in range(3):
        assert run_threads([job(k) for k in range(4)]) == expected
    t = torch.tensor(base * 3, requires_grad=True)
    ty = (t * 2).exp().tanh()
    ty.register_hook(lambda g: g * 1.5)
    (ty + t).relu().sum().backward()
    np.testing.assert_allclose(np.frombuffer(expected[2][0], dtype=np.float32), t.grad.numpy(), rtol=1e-5,
                               atol=1e-6)


def test_python_function_backward_in_threads():
    class Cube(pag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * x * g

    def job(k):
        def run():
            out = []
            for _ in range(20):
                x = pag.arange(float(1 << 16)).div(1 << 16).add(k).requires_grad_()
                Cube.apply(x).sum().backward()
                out.append(models.as_bytes(x.grad))
            return out
        return run
    results = run_threads([job(k) for k in range(4)])
    for k in range(4):
        assert results[k] == job(k)()
    tx = torch.arange(float(1 << 16)).div(1 << 16).add(2).requires_grad_()
    (tx * tx * tx).sum().backward()
    np.testing.assert_allclose(np.frombuffer(results[2][0], dtype=np.float32), tx.grad.numpy(), rtol=1e-6)


def test_thread_count_changes_during_concurrent_work(restore_threads):
    """set_num_threads from one thread while others run kernels: results never change."""
    n = 1 << 18
    x = pag.arange(float(n)).div(n)
    expected = models.as_bytes((x * 3).exp().sum())
    stop = threading.Event()

    def flip():
        k = 0
        while not stop.is_set():
            pag.set_num_threads(1 + k % 3)
            k += 1

    def work():
        try:
            return all(models.as_bytes((x * 3).exp().sum()) == expected for _ in range(30))
        finally:
            stop.set()
    assert run_threads([flip, work])[1]


def test_concurrent_backward_into_shared_leaves():
    """Hogwild-style: threads run forward and backward through the same leaves at once;
    every gradient arrives in .grad (none lost to a race), as in torch run sequentially."""
    n, per_thread, threads = 1 << 16, 10, 4
    w = pag.ones(n, requires_grad=True)
    b = pag.zeros(n, requires_grad=True)

    def job():
        for _ in range(per_thread):
            ((w * 2.0) + b).sum().backward()
    run_threads([job] * threads)
    tw, tb = torch.ones(n, requires_grad=True), torch.zeros(n, requires_grad=True)
    for _ in range(per_thread * threads):
        ((tw * 2.0) + tb).sum().backward()
    assert models.as_bytes(w.grad) == tw.grad.numpy().tobytes()
    assert models.as_bytes(b.grad) == tb.grad.numpy().tobytes()
