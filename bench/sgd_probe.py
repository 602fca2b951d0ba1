"""SGD-with-momentum step bandwidth: pyautograd's fused step next to torch's
SGD(fused=True) and SGD(foreach=False) on the same parameters.

One step reads p, g, buf and writes p, buf: 20 bytes per float32 element.
Usage: python bench/sgd_probe.py [--numel 10000000] [--tensors 1] [--iters 20]
Threads: OMP_NUM_THREADS for pyautograd (set before starting), --threads for torch.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import pyautograd as pag  # noqa: E402
import torch  # noqa: E402


def make_params(fw, numel, tensors, seed=0):
    r = np.random.default_rng(seed)
    sizes = [numel // tensors + (1 if i < numel % tensors else 0) for i in range(tensors)]
    ps = []
    for n in sizes:
        p = fw.tensor(r.standard_normal(n).astype(np.float32), requires_grad=True)
        p.grad = fw.tensor(r.standard_normal(n).astype(np.float32))
        ps.append(p)
    return ps


def time_steps(opt, iters):
    opt.step()  # creates the momentum buffers
    opt.step()
    best = float("inf")
    for _ in range(iters):
        t = time.perf_counter()
        opt.step()
        best = min(best, time.perf_counter() - t)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--numel", type=int, default=10_000_000)
    ap.add_argument("--tensors", type=int, default=1)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    nbytes = 20 * args.numel
    cfg = dict(lr=0.01, momentum=0.9)
    runs = [
        ("pyautograd SGD (fused C++)", lambda: pag.optim.SGD(make_params(pag, args.numel, args.tensors), **cfg)),
        ("torch SGD(fused=True)", lambda: torch.optim.SGD(make_params(torch, args.numel, args.tensors), fused=True,
                                                          **cfg)),
        ("torch SGD(foreach=False)", lambda: torch.optim.SGD(make_params(torch, args.numel, args.tensors),
                                                             foreach=False, **cfg)),
    ]
    print(f"SGD momentum step, {args.numel:,} float32 elements in {args.tensors} tensor(s), {nbytes / 1e6:.0f} MB "
          f"moved per step; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
          f"torch threads={torch.get_num_threads()}, cpu count={os.cpu_count()}")
    results = {}
    for name, make in runs:
        opt = make()
        t = time_steps(opt, args.iters)
        results[name] = t
        print(f"  {name:28s} {t * 1e3:8.2f} ms/step  {nbytes / t / 1e9:7.2f} GB/s")
        del opt
    base = results["torch SGD(fused=True)"]
    print(f"  pyautograd / torch fused time ratio: {results['pyautograd SGD (fused C++)'] / base:.2f}")


if __name__ == "__main__":
    main()
