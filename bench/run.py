"""pyautograd's benchmark: every workload with pyautograd, torch and numpy side by
side in one process; prints median times and ratios, writes JSON + markdown and
PNG charts to bench/results/.

    python bench/run.py            # everything
    python bench/run.py --quick    # a small subset (CI)
    python bench/run.py --only matmul
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

# numpy must see OpenBLAS's best kernels: this machine's environment pins
# OPENBLAS_CORETYPE=Haswell (AVX2), which hides its AVX-512 kernels. Re-exec
# once without it, before numpy is imported.
if os.environ.get("OPENBLAS_CORETYPE") and not os.environ.get("PAG_BENCH_KEEP_CORETYPE"):
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE")
    env["PAG_BENCH_KEEP_CORETYPE"] = "1"
    spec = getattr(sys.modules["__main__"], "__spec__", None)  # set under `python -m bench`
    argv = ["-m", spec.name] + sys.argv[1:] if spec else sys.argv
    os.execve(sys.executable, [sys.executable] + argv, env)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# `bench` is imported from the checkout. Unless the checkout holds an in-tree build,
# it goes last on the path (`python -m bench` puts it first), so the installed
# pyautograd (pip install .) wins over sources that have no compiled extension.
if not any(f.startswith("_C.") for f in os.listdir(os.path.join(ROOT, "pyautograd"))):
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != ROOT]
sys.path.append(ROOT)

import numpy as np  # noqa: E402

from bench.workloads import WORKLOADS  # noqa: E402


def load_frameworks():
    fws = {"numpy": np}
    import pyautograd
    fws["pyautograd"] = pyautograd
    try:
        import torch
        fws["torch"] = torch
    except ImportError:
        print("torch is not installed: comparing with numpy only (pip install torch==2.13.0)", file=sys.stderr)
    return fws


def time_callable(fn, quick):
    """Median seconds per call: calls are batched so one sample lasts >= min_sample."""
    min_sample = 0.005 if quick else 0.02
    samples = 5 if quick else 11
    fn()  # warm-up (allocations, caches, lazy init)
    fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_sample or n >= 1 << 20:
            break
        n *= 2 if dt == 0 else max(2, min(16, int(min_sample / dt) + 1))
    times = [dt / n]
    for _ in range(samples - 1):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - t0) / n)
    return statistics.median(times)


def peak_rss_mb(workload, fw_name):
    """Peak RSS of one framework running a workload, in its own process: VmHWM, which
    starts afresh at exec (getrusage's ru_maxrss would carry over this process's peak)."""
    code = (
        "import sys; sys.path.append(%r)\n"
        "from bench.workloads import WORKLOADS\n"
        "import numpy as np\n"
        "w = [w for w in WORKLOADS if w.name == %r][0]\n"
        "fw = np\n"
        "if %r != 'numpy':\n"
        "    import importlib; fw = importlib.import_module(%r)\n"
        "f = w.make(fw, %r, False)\n"
        "for _ in range(5): f()\n"
        "import os, resource\n"
        "if os.path.exists('/proc/self/status'):\n"
        "    print([int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')][0] / 1024)\n"
        "else:\n"
        "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    ) % (ROOT, workload.name, fw_name, fw_name, fw_name)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=HERE)
    if out.returncode != 0:
        print(f"peak RSS of {fw_name} on {workload.name!r} failed:\n{out.stderr}", file=sys.stderr)
        return None
    return float(out.stdout.strip().splitlines()[-1])


def fma_peak_gflops(pag):
    """Float32 FMA throughput of this machine on all cores, measured by pyautograd's probe
    (independent FMA chains in registers with the ISA its GEMM uses): the matmul chart's ceiling."""
    return pag._C._fma_peak_gflops(os.cpu_count(), 0.5)


def fmt_time(s):
    if s is None:
        return "—"
    if s < 1e-6:
        return f"{s * 1e9:.0f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.2f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a small subset with short samples (CI)")
    ap.add_argument("--only", default="", help="regex on workload names")
    ap.add_argument("--out", default=os.path.join(HERE, "results"), help="output folder")
    ap.add_argument("--no-charts", action="store_true")
    args = ap.parse_args(argv)

    fws = load_frameworks()
    chosen = [w for w in WORKLOADS if (w.quick or not args.quick) and re.search(args.only, w.name)]
    results = []
    for i, w in enumerate(chosen):
        row = {"name": w.name, "group": w.group, "title": w.title, "times": {}, "param": w.param}
        for name in w.frameworks:
            if name not in fws:
                continue
            print(f"[{i + 1}/{len(chosen)}] {w.name:<22} {name:<11}", end=" ", file=sys.stderr, flush=True)
            try:
                fn = w.make(fws[name], name, args.quick)
                t = time_callable(fn, args.quick)
                row["times"][name] = t
                print(fmt_time(t), file=sys.stderr, flush=True)
            except Exception as e:  # a framework lacking a feature is reported, not fatal
                row.setdefault("errors", {})[name] = f"{type(e).__name__}: {e}"
                print(f"failed: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
            del fn
        if w.rss and not args.quick:
            row["peak_rss_mb"] = {n: peak_rss_mb(w, n) for n in w.frameworks if n in fws}
        if w.flops:
            row["gflops"] = {n: w.flops / t / 1e9 for n, t in row["times"].items()}
        if w.bytes:
            row["gbps"] = {n: w.bytes / t / 1e9 for n, t in row["times"].items()}
        results.append(row)

    meta = {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "torch": getattr(fws.get("torch"), "__version__", None),
            "fma_peak_gflops": fma_peak_gflops(fws["pyautograd"]), "quick": args.quick,
            "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    table = render_table(results)
    print(table)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(table + "\n")
    if not args.no_charts:
        draw_charts(results, meta, args.out)
    print(f"\nwrote {args.out}/results.json, results.md" + ("" if args.no_charts else ", speedup.png, matmul.png"))
    failed = [r["name"] for r in results if "pyautograd" in r.get("errors", {})]
    if failed:  # the peers may lack a feature; pyautograd failing a workload is a bug
        sys.exit(f"pyautograd failed: {', '.join(failed)}")


def render_table(results):
    lines = ["| workload | pyautograd | torch | numpy | vs torch | vs numpy | notes |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in results:
        t = r["times"]
        p = t.get("pyautograd")
        vt = f"{t['torch'] / p:.2f}x" if p and "torch" in t else "—"
        vn = f"{t['numpy'] / p:.2f}x" if p and "numpy" in t else "—"
        notes = []
        if "gflops" in r and "pyautograd" in r["gflops"]:
            notes.append("GFLOP/s " + ", ".join(f"{k} {v:.0f}" for k, v in r["gflops"].items()))
        if "gbps" in r:
            notes.append("GB/s " + ", ".join(f"{k} {v:.1f}" for k, v in r["gbps"].items()))
        if r.get("peak_rss_mb"):
            notes.append("peak RSS MB " + ", ".join(f"{k} {v:.0f}" for k, v in r["peak_rss_mb"].items() if v))
        if r.get("errors"):
            notes.append("errors: " + "; ".join(f"{k}: {v}" for k, v in r["errors"].items()))
        lines.append(f"| {r['title']} | {fmt_time(p)} | {fmt_time(t.get('torch'))} | {fmt_time(t.get('numpy'))} "
                     f"| {vt} | {vn} | {'; '.join(notes)} |")
    lines.append("")
    lines.append("Times are medians per call; 'vs torch' > 1 means pyautograd is faster.")
    return "\n".join(lines)


def draw_charts(results, meta, out):
    try:
        import matplotlib
        import matplotlib.ticker
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no charts (pip install matplotlib)", file=sys.stderr)
        return
    rows = [r for r in results if "pyautograd" in r["times"] and "torch" in r["times"]]
    if rows:
        fig, ax = plt.subplots(figsize=(9, 0.35 * len(rows) + 1.5))
        names = [r["name"] for r in rows]
        sp = [r["times"]["torch"] / r["times"]["pyautograd"] for r in rows]
        ax.barh(names, sp, color=["tab:green" if s >= 1 else "tab:red" for s in sp])
        ax.axvline(1.0, color="k", lw=0.8)
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator([0.25, 0.5, 1, 2, 4, 8, 16]))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}x"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlim(min(0.5, min(sp) / 1.2), max(2, max(sp) * 1.2))
        ax.set_xlabel("speed-up over torch (eager, CPU); > 1x is faster")
        ax.invert_yaxis()
        ax.set_title("pyautograd vs torch")
        fig.tight_layout()
        fig.savefig(os.path.join(out, "speedup.png"), dpi=110)
        plt.close(fig)
    mm = [r for r in results if r["group"] == "matmul" and r.get("param")]
    if mm:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for fw, style in (("pyautograd", "o-"), ("torch", "s--"), ("numpy", "^:")):
            pts = [(r["param"], r["gflops"][fw]) for r in mm if fw in r.get("gflops", {})]
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], style, label=fw)
        if meta.get("fma_peak_gflops"):
            ax.axhline(meta["fma_peak_gflops"], color="gray", ls="-.", label="FMA peak (measured)")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("n (n x n @ n x n, float32)")
        ax.set_ylabel("GFLOP/s")
        ax.legend()
        ax.set_title("matmul throughput")
        fig.tight_layout()
        fig.savefig(os.path.join(out, "matmul.png"), dpi=110)
        plt.close(fig)


if __name__ == "__main__":
    main()
