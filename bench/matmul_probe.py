"""GFLOP/s of square float32 matmul, pyautograd next to numpy and torch in one process.

    python bench/matmul_probe.py [--dtype float32|float64] [--sizes 64,128,...] [--threads N]

Each size runs the three libraries in turn, several rounds, and keeps each one's best
time, so a busy machine slows all three alike. --threads N runs all three on N threads
(OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / torch.set_num_threads). numpy's OpenBLAS picks its kernel from
the CPU unless OPENBLAS_CORETYPE names one (run with `OPENBLAS_CORETYPE= ` to unset a
pinned core); the core in use is printed. Not a test: no assertions.
"""
import argparse
import ctypes
import glob
import os
import sys
import time

np = torch = pag = None  # imported in main(), after the thread counts are in the environment


def openblas_core():
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "libscipy_openblas*.so"))
    for path in libs:
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
            if hasattr(lib, name):
                f = getattr(lib, name)
                f.restype = ctypes.c_char_p
                return f().decode()
    return "unknown"


def best_time(fn, flops, budget=0.25):
    fn()
    reps = max(1, int(budget * 100e9 / flops))
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t) / reps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--sizes", default="64,128,256,512,1024,2048")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0, help="threads for all three (default: each one's own)")
    args = ap.parse_args()
    if args.threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    global np, torch, pag
    import numpy as np
    import torch
    sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import pyautograd as pag
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"pyautograd: {pag._C._gemm_info()}")
    print(f"numpy {np.__version__}: OpenBLAS core {openblas_core()} (OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '<unset>')})")
    print(f"torch {torch.__version__}: {torch.get_num_threads()} threads, CPU capability "
          f"{torch.backends.cpu.get_cpu_capability()}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print(f"{'n':>6} {'pyautograd':>11} {'numpy':>9} {'torch':>9}   GFLOP/s ({args.dtype}, best of {args.rounds})")
    for n in map(int, args.sizes.split(",")):
        a = np.random.default_rng(0).standard_normal((n, n)).astype(args.dtype)
        b = np.random.default_rng(1).standard_normal((n, n)).astype(args.dtype)
        pa, pb = pag.tensor(a), pag.tensor(b)
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        runs = {"pyautograd": lambda: pa @ pb, "numpy": lambda: a @ b, "torch": lambda: ta @ tb}
        flops = 2.0 * n ** 3
        best = {k: float("inf") for k in runs}
        for _ in range(args.rounds):
            for name, fn in runs.items():
                best[name] = min(best[name], best_time(fn, flops))
        print(f"{n:>6} " + " ".join(f"{flops / best[k] / 1e9:{w}.1f}" for k, w in
                                     (("pyautograd", 11), ("numpy", 9), ("torch", 9))))


if __name__ == "__main__":
    main()
