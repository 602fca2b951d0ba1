// The GEMM driver: BLIS's five loops around the micro-kernel.
//
//   jc over n in NC columns      B block (KC x NC) packed once, shared by all threads
//    pc over k in KC             (the first pc applies beta * X, later ones accumulate)
//     ic over m in MC rows       A block (MC x KC) packed per thread, stays in L2
//      jr over NR columns        a KC x NR micro-panel of B stays in L1 ...
//       ir over MR rows          ... while the kernel streams MR x KC micro-panels of A
//
// Packing reads any strides (a transposed operand is packed through register
// transposes, not copied first), so backward's A^T and B^T cost no copies.
// Threads share the packed B block and take row blocks of C (Note [GEMM threading]);
// small problems skip packing A and read it in place (run_small).
#include <algorithm>
#include <chrono>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <thread>
#include <type_traits>
#include <utility>

#include "kernels/gemm/gemm.h"
#include "kernels/gemm/kernel.h"
#include "kernels/loops.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace pag::kernels::gemm {

namespace {

// Below this many multiply-adds per thread a problem runs on fewer threads: a
// fork/join and two barriers per k block cost more than they save. Measured: two
// threads pay from n = 112 on (square float32; 1.4x at n = 128), below which
// problems take the unpacked single-thread path anyway.
constexpr double kMinFlopsPerThread = 48.0 * 48.0 * 48.0;
// Batched products up to this size per matrix thread over the batch instead.
constexpr double kBatchThreadMaxFlops = 8 * 128.0 * 128.0 * 128.0;
// At or below this many multiply-adds, with A's rows contiguous in the kernel's
// frame, A is not packed (run_small): copying it would cost more than it saves.
constexpr double kSmallMaxFlops = 96.0 * 96.0 * 96.0;

std::atomic<int> g_isa{-1};

Isa current_isa() {
  int v = g_isa.load(std::memory_order_relaxed);
  if (v < 0) {
    v = (int)cpu_isa();
    g_isa.store(v, std::memory_order_relaxed);
  }
  return (Isa)v;
}

// Only reached for an ISA the CPU has: the ISA files' code runs nowhere else.
template <typename T> const KernelSet<T>& kernel_set();
template <> const KernelSet<float>& kernel_set<float>() {
  switch (current_isa()) {
    case Isa::Avx512: return kernels_avx512_f32();
    case Isa::Avx2: return kernels_avx2_f32();
    default: return kernels_generic_f32();
  }
}
template <> const KernelSet<double>& kernel_set<double>() {
  switch (current_isa()) {
    case Isa::Avx512: return kernels_avx512_f64();
    case Isa::Avx2: return kernels_avx2_f64();
    default: return kernels_generic_f64();
  }
}

// The packing buffer of a calling thread (its B block and one A block per worker,
// allocated before the workers start, so nothing throws inside the parallel
// region); grown on demand and kept, so steady-state calls do not allocate.
struct AlignedBuffer {
  void* p = nullptr;
  size_t bytes = 0;
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { std::free(p); }
  template <typename T>
  T* get(int64_t n) {
    size_t need = size_t(n) * sizeof(T) + 64;
    if (need > bytes) {
      std::free(p);
      bytes = (need + 4095) / 4096 * 4096;
      p = std::aligned_alloc(64, bytes);
      if (!p) {
        bytes = 0;
        throw std::bad_alloc();
      }
    }
    return static_cast<T*>(p);
  }
};
thread_local AlignedBuffer tl_pack;

// Note [GEMM barrier]: the threads of one GEMM meet twice per k block. On a machine
// with more runnable threads than cores a waiting thread must give its core back
// soon (the thread it waits for may need it), so it spins briefly, then yields.
class Barrier {
 public:
  void set_size(int n) { n_ = n; }
  void wait() {
    const int gen = gen_.load(std::memory_order_acquire);
    if (count_.fetch_add(1, std::memory_order_acq_rel) == n_ - 1) {
      count_.store(0, std::memory_order_relaxed);
      gen_.fetch_add(1, std::memory_order_release);
      return;
    }
    for (int spins = 0; gen_.load(std::memory_order_acquire) == gen; ++spins) {
      if (spins < 1000) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      } else {
        std::this_thread::yield();
      }
    }
  }

 private:
  int n_ = 1;
  std::atomic<int> count_{0}, gen_{0};
};

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

int max_threads() {
#ifdef _OPENMP
  if (omp_in_parallel()) return 1;
#endif
  return num_threads();
}

int threads_for(double flops) {
  int nt = max_threads();
  if (nt <= 1) return 1;
  return (int)std::max(1.0, std::min<double>(nt, flops / kMinFlopsPerThread));
}

// A dimension of size 1 may carry any stride; give it the unit stride so the
// layout tests below see through it.
template <typename T>
void normalize(GemmArgs<T>& g) {
  if (g.m == 1) g.rsa = g.rsc = g.rsx = 1;
  if (g.n == 1) g.csb = g.csc = g.csx = 1;
  if (g.k == 1) g.csa = g.rsb = 1;
  if (!g.x) g.beta = T(0);
}

// Note [GEMM frame]: the micro-kernels store columns of C (MR consecutive rows).
// When C's rows are its contiguous dimension we compute C^T = B^T A^T instead:
// swapping the operands and every pair of strides, which costs nothing.
template <typename T>
GemmArgs<T> transposed(const GemmArgs<T>& g) {
  GemmArgs<T> t = g;
  t.m = g.n;
  t.n = g.m;
  t.a = g.b;
  t.rsa = g.csb;
  t.csa = g.rsb;
  t.b = g.a;
  t.rsb = g.csa;
  t.csb = g.rsa;
  t.rsc = g.csc;
  t.csc = g.rsc;
  t.rsx = g.csx;
  t.csx = g.rsx;
  return t;
}

// C = beta * X (k == 0 or alpha == 0: the product contributes nothing).
template <typename T>
void scale_only(const GemmArgs<T>& g) {
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j)
      g.c[i * g.rsc + j * g.csc] = g.beta == T(0) ? T(0) : g.beta * g.x[i * g.rsx + j * g.csx];
}

// The small-matrix path: A (whose rows are contiguous in the kernel's frame) is
// read in place and only B, a few KB here, is packed; one thread, no k blocking.
template <typename T>
void run_small(const GemmArgs<T>& g, const KernelSet<T>& ks) {
  const int MR = ks.blk.mr, NR = ks.blk.nr;
  T* bpack = tl_pack.get<T>(round_up(g.n, NR) * g.k);
  ks.pack_b(g.k, g.n, g.b, g.rsb, g.csb, bpack);
  for (int64_t j = 0; j < g.n; j += NR)
    for (int64_t i = 0; i < g.m; i += MR) {
      Tile<T> t{g.c + i * g.rsc + j * g.csc, g.rsc, g.csc,
                g.x ? g.x + i * g.rsx + j * g.csx : nullptr, g.rsx, g.csx,
                g.alpha, g.beta, (int)std::min<int64_t>(MR, g.m - i), (int)std::min<int64_t>(NR, g.n - j)};
      ks.unpacked_a(g.k, g.a + i * g.rsa, g.csa, bpack + j * g.k, t);
    }
}

// Note [GEMM threading]: threads share one packed B block per (jc, pc) step and
// take work items from an atomic counter: items are row blocks (ic) of C, split
// further along jr when there are too few blocks for every thread to get several.
// A thread that is descheduled on a busy machine then delays the others by at
// most one item, not by a whole static share. A thread keeps the A block it
// packed last, so consecutive items of one row block do not repack it.
template <typename T>
void run_packed(const GemmArgs<T>& g, const KernelSet<T>& ks, int nt) {
  const int MR = ks.blk.mr, NR = ks.blk.nr;
  const int64_t m = g.m, n = g.n, k = g.k;
  // Even blocks: k = 400 with KC = 384 runs as 2 x 200, not 384 + 16.
  const int64_t KC = ceil_div(k, ceil_div(k, ks.blk.kc));
  const int64_t NC = round_up(ceil_div(n, ceil_div(n, ks.blk.nc)), NR);
  const int64_t mc_max = nt > 1 ? std::min<int64_t>(ks.blk.mc, round_up(ceil_div(m, 4 * nt), MR)) : ks.blk.mc;
  const int64_t MC = round_up(ceil_div(m, ceil_div(m, mc_max)), MR);
  const int64_t mblocks = ceil_div(m, MC);
  const int64_t max_panels = ceil_div(std::min(n, NC), NR);
  const int64_t jchunks = std::min(max_panels, std::max<int64_t>(1, ceil_div(4 * nt, mblocks)));
  const int64_t items = mblocks * jchunks;
  const int64_t steps = ceil_div(n, NC) * ceil_div(k, KC);
  // Each block starts on a cache line: the kernels load A panels aligned.
  const int64_t bsize = round_up(KC * NC, 64), asize = round_up(MC * KC, 64);
  T* bpack = tl_pack.get<T>(bsize + nt * asize);
  // Two counters per step: B panels to pack, then compute items.
  std::unique_ptr<std::atomic<int64_t>[]> counters(new std::atomic<int64_t>[2 * steps]);
  for (int64_t i = 0; i < 2 * steps; ++i) counters[i].store(0, std::memory_order_relaxed);
  Barrier barrier;

  auto body = [&](int tid, int nth) {
    T* apack = bpack + bsize + tid * asize;
    int64_t step = 0;
    for (int64_t jc = 0; jc < n; jc += NC) {
      const int64_t nc = std::min(NC, n - jc), npanels = ceil_div(nc, NR);
      const int64_t pgroup = std::max<int64_t>(1, ceil_div(npanels, 4 * nth));
      for (int64_t pc = 0; pc < k; pc += KC, ++step) {
        const int64_t kc = std::min(KC, k - pc);
        for (int64_t p0; (p0 = counters[2 * step].fetch_add(pgroup, std::memory_order_relaxed)) < npanels;) {
          const int64_t p1 = std::min(npanels, p0 + pgroup);
          ks.pack_b(kc, std::min(nc, p1 * NR) - p0 * NR, g.b + pc * g.rsb + (jc + p0 * NR) * g.csb, g.rsb, g.csb,
                    bpack + p0 * NR * kc);
        }
        if (nth > 1) barrier.wait();
        // The first k block writes alpha * AB + beta * X; later ones add into C.
        const bool first = pc == 0;
        const T* x = first ? g.x : g.c;
        const int64_t rsx = first ? g.rsx : g.rsc, csx = first ? g.csx : g.csc;
        const T beta = first ? g.beta : T(1);
        int64_t packed_block = -1;
        for (int64_t w; (w = counters[2 * step + 1].fetch_add(1, std::memory_order_relaxed)) < items;) {
          const int64_t ib = w / jchunks, jb = w % jchunks;
          const int64_t ic = ib * MC, mc = std::min(MC, m - ic);
          if (ib != packed_block) {
            ks.pack_a(mc, kc, g.a + ic * g.rsa + pc * g.csa, g.rsa, g.csa, apack);
            packed_block = ib;
          }
          const int64_t q0 = npanels * jb / jchunks, q1 = npanels * (jb + 1) / jchunks;
          for (int64_t jr = q0; jr < q1; ++jr) {
            const int64_t j = jc + jr * NR;
            const int nr = (int)std::min<int64_t>(NR, n - j);
            for (int64_t ir = 0; ir < mc; ir += MR) {
              const int64_t i = ic + ir;
              Tile<T> t{g.c + i * g.rsc + j * g.csc, g.rsc, g.csc,
                        x ? x + i * rsx + j * csx : nullptr, rsx, csx,
                        g.alpha, beta, (int)std::min<int64_t>(MR, m - i), nr};
              ks.packed(kc, apack + ir * kc, bpack + jr * NR * kc, t);
            }
          }
        }
        if (nth > 1) barrier.wait();
      }
    }
  };

#ifdef _OPENMP
  if (nt > 1) {
#pragma omp parallel num_threads(nt)
    {
      const int nth = omp_get_num_threads();  // the team OpenMP gave us (maybe fewer)
#pragma omp single
      barrier.set_size(nth);
      body(omp_get_thread_num(), nth);
    }
    return;
  }
#endif
  body(0, 1);
}

template <typename T>
void gemm_float(GemmArgs<T> g, bool allow_threads) {
  if (g.m <= 0 || g.n <= 0) return;
  normalize(g);
  if (g.k == 0 || g.alpha == T(0)) {
    scale_only(g);
    return;
  }
  if (g.rsc != 1 && (g.csc == 1 || std::abs(g.csc) < std::abs(g.rsc))) g = transposed(g);
  const KernelSet<T>& ks = kernel_set<T>();
  const double flops = double(g.m) * double(g.n) * double(g.k);
  if (g.rsa == 1 && flops <= kSmallMaxFlops) {
    run_small(g, ks);
    return;
  }
  run_packed(g, ks, allow_threads ? threads_for(flops) : 1);
}

}  // namespace

template <typename T>
void gemm(const GemmArgs<T>& g) {
  if constexpr (std::is_floating_point_v<T>)
    gemm_float(g, true);
  else
    gemm_naive(g);
}

template <typename T>
void gemm_batched(const GemmArgs<T>& g, int64_t batch, int64_t bsa, int64_t bsb, int64_t bsc, int64_t bsx) {
  auto one = [&](int64_t i, bool threads) {
    GemmArgs<T> gi = g;
    gi.a += i * bsa;
    gi.b += i * bsb;
    gi.c += i * bsc;
    if (gi.x) gi.x += i * bsx;
    if constexpr (std::is_floating_point_v<T>)
      gemm_float(gi, threads);
    else
      gemm_naive(gi);
  };
  const double flops = double(g.m) * double(g.n) * double(g.k);
  const int nt = threads_for(flops * double(batch));
  // Small matrices: threads take whole matrices; large ones thread inside each GEMM.
  if (nt > 1 && batch >= nt && flops < kBatchThreadMaxFlops) {
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
    for (int64_t i = 0; i < batch; ++i) one(i, false);
    return;
  }
  for (int64_t i = 0; i < batch; ++i) one(i, true);
}

// GEMV is bound by memory, which one core nearly saturates: it threads only over
// passes of tens of MB per thread, where a fork/join is surely paid back.
constexpr int64_t kGemvMinElemsPerThread = int64_t(1) << 23;

template <typename T>
void gemv(int64_t m, int64_t k, const T* a, int64_t rsa, int64_t csa, const T* x, int64_t incx, T* y, int64_t incy) {
  if (m <= 0) return;
  if constexpr (std::is_floating_point_v<T>) {
    if (k == 1) csa = incx = 1;
    if (m == 1) rsa = incy = 1;
    const KernelSet<T>& ks = kernel_set<T>();
    const int64_t grain = std::max<int64_t>(64, kGemvMinElemsPerThread / std::max<int64_t>(1, k));
    if (k > 0 && csa == 1 && incx == 1) {
      parallel_for(m, grain, [&](int64_t i0, int64_t i1) {
        ks.gemv_rows(i1 - i0, k, a + i0 * rsa, rsa, x, y + i0 * incy, incy);
      });
      return;
    }
    if (k > 0 && rsa == 1 && incy == 1) {
      parallel_for(m, grain, [&](int64_t i0, int64_t i1) { ks.gemv_cols(i1 - i0, k, a + i0, csa, x, incx, y + i0); });
      return;
    }
  }
  gemv_naive(m, k, a, rsa, csa, x, incx, y, incy);
}

template <typename T>
T dot(int64_t n, const T* x, int64_t incx, const T* y, int64_t incy) {
  if constexpr (std::is_floating_point_v<T>) {
    if (n == 1) incx = incy = 1;
    if (incx == 1 && incy == 1) return kernel_set<T>().dot(n, x, y);
  }
  return dot_naive(n, x, incx, y, incy);
}

std::string info() {
  const auto& s = kernel_set<float>();
  const auto& d = kernel_set<double>();
  auto blk = [](const char* name, const Blocking& b) {
    return std::string(name) + " (MR=" + std::to_string(b.mr) + " NR=" + std::to_string(b.nr) +
           " KC=" + std::to_string(b.kc) + " MC=" + std::to_string(b.mc) + " NC=" + std::to_string(b.nc) + ")";
  };
  return std::string("isa=") + isa_name(current_isa()) + " cpu=" + isa_name(cpu_isa()) + " threads=" +
         std::to_string(num_threads()) + "; float32: " + blk(s.name, s.blk) + "; float64: " + blk(d.name, d.blk);
}

double fma_peak_gflops(int threads, double seconds) {
  const auto& ks = kernel_set<float>();
  const int64_t iters = 1 << 20;  // about a millisecond per round
  const double flops_per_round = 2.0 * ks.lanes * kFmaChains * (double)iters;
  double best = 0.0;
  volatile float sink = 0.f;
  const auto start = std::chrono::steady_clock::now();
  for (;;) {  // the best of several rounds: a round the scheduler interrupted is not the peak
    const auto t0 = std::chrono::steady_clock::now();
    int team = 1;
    float total = 0.f;
#pragma omp parallel num_threads(threads) reduction(+ : total)
    {
#ifdef _OPENMP
#pragma omp single
      team = omp_get_num_threads();
#endif
      total += ks.fma_probe(iters);
    }
    sink = sink + total;
    const auto t1 = std::chrono::steady_clock::now();
    best = std::max(best, flops_per_round * team / std::chrono::duration<double>(t1 - t0).count() / 1e9);
    if (std::chrono::duration<double>(t1 - start).count() >= seconds) break;
  }
  return best;
}

Isa set_isa(Isa isa) {
  if ((int)isa > (int)cpu_isa()) isa = cpu_isa();
  g_isa.store((int)isa, std::memory_order_relaxed);
  return isa;
}

Isa active_isa() { return current_isa(); }

#define PAG_GEMM_INSTANTIATE(T)                                                                     \
  template void gemm<T>(const GemmArgs<T>&);                                                        \
  template void gemm_batched<T>(const GemmArgs<T>&, int64_t, int64_t, int64_t, int64_t, int64_t);   \
  template void gemv<T>(int64_t, int64_t, const T*, int64_t, int64_t, const T*, int64_t, T*, int64_t); \
  template T dot<T>(int64_t, const T*, int64_t, const T*, int64_t);
PAG_GEMM_INSTANTIATE(float)
PAG_GEMM_INSTANTIATE(double)
PAG_GEMM_INSTANTIATE(int64_t)
#undef PAG_GEMM_INSTANTIATE

}  // namespace pag::kernels::gemm
