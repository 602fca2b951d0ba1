// The GEMM driver: BLIS's five loops around the micro-kernel.
//
//   jc over n in NC columns      B block (KC x NC) packed once, shared by all threads
//    pc over k in KC             (the first pc applies beta * X, later ones accumulate)
//     ic over m in MC rows       A block (MC x KC) packed per thread, stays in L2
//      jr over NR columns        a KC x NR micro-panel of B stays in L1 ...
//       ir over MR rows          ... while the kernel streams MR x KC micro-panels of A
//
// Packing reads any strides (a transposed operand is packed through register
// transposes, not copied first), so backward's A^T and B^T cost nothing extra.
// Threads split the ic loop (or the jr loop when m is short); small problems skip
// packing and run the unpacked micro-kernel straight on the operands.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
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

// Below this many multiply-adds a problem runs on one thread.
constexpr double kMinFlopsPerThread = 48.0 * 48.0 * 48.0;
// At or below this many multiply-adds, and with A's rows contiguous in the kernel's
// frame, the unpacked kernel runs: packing would cost more than it saves.
constexpr double kUnpackedMaxFlops = 40.0 * 40.0 * 40.0;

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

// Packing buffers: one A block per thread, one B block per calling thread; grown
// on demand and kept, so steady-state calls do not allocate.
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
thread_local AlignedBuffer tl_apack, tl_bpack;

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

template <typename T>
void run_unpacked(const GemmArgs<T>& g, const KernelSet<T>& ks) {
  const int MR = ks.blk.mr, NR = ks.blk.nr;
  for (int64_t j = 0; j < g.n; j += NR)
    for (int64_t i = 0; i < g.m; i += MR) {
      Tile<T> t{g.c + i * g.rsc + j * g.csc, g.rsc, g.csc,
                g.x ? g.x + i * g.rsx + j * g.csx : nullptr, g.rsx, g.csx,
                g.alpha, g.beta, (int)std::min<int64_t>(MR, g.m - i), (int)std::min<int64_t>(NR, g.n - j)};
      ks.unpacked(g.k, g.a + i * g.rsa, g.csa, g.b + j * g.csb, g.rsb, g.csb, t);
    }
}

template <typename T>
void run_packed(const GemmArgs<T>& g, const KernelSet<T>& ks, int nt) {
  const int MR = ks.blk.mr, NR = ks.blk.nr;
  const int64_t m = g.m, n = g.n, k = g.k;
  // Even blocks: k = 400 with KC = 384 runs as 2 x 200, not 384 + 16.
  const int64_t KC = ceil_div(k, ceil_div(k, ks.blk.kc));
  const int64_t NC = round_up(ceil_div(n, ceil_div(n, ks.blk.nc)), NR);
  const int64_t mpanels = ceil_div(m, MR);
  // Threads take row panels when there are enough of them, else column panels.
  const bool split_rows = mpanels >= 2 * nt || mpanels >= ceil_div(std::min(n, NC), NR);
  T* bpack = tl_bpack.get<T>(KC * NC);

  auto body = [&](int tid, int nth) {
    int64_t r0 = 0, r1 = m;
    if (split_rows) {
      r0 = std::min(m, mpanels * tid / nth * MR);
      r1 = std::min(m, mpanels * (tid + 1) / nth * MR);
    }
    // Even row blocks of at most MC rows (a multiple of MR).
    const int64_t rows = r1 - r0;
    const int64_t MC = rows > 0 ? round_up(ceil_div(rows, ceil_div(rows, ks.blk.mc)), MR) : MR;
    T* apack = tl_apack.get<T>(MC * KC);
    for (int64_t jc = 0; jc < n; jc += NC) {
      const int64_t nc = std::min(NC, n - jc), npanels = ceil_div(nc, NR);
      int64_t q0 = 0, q1 = npanels;
      if (!split_rows) {
        q0 = npanels * tid / nth;
        q1 = npanels * (tid + 1) / nth;
      }
      for (int64_t pc = 0; pc < k; pc += KC) {
        const int64_t kc = std::min(KC, k - pc);
        {
          const int64_t p0 = npanels * tid / nth, p1 = npanels * (tid + 1) / nth;
          if (p0 < p1)
            ks.pack_b(kc, std::min(nc, p1 * NR) - p0 * NR, g.b + pc * g.rsb + (jc + p0 * NR) * g.csb, g.rsb,
                      g.csb, bpack + p0 * NR * kc);
        }
#ifdef _OPENMP
        if (nth > 1) {
#pragma omp barrier
        }
#endif
        // The first k block writes alpha * AB + beta * X; later ones add into C.
        const bool first = pc == 0;
        const T* x = first ? g.x : g.c;
        const int64_t rsx = first ? g.rsx : g.rsc, csx = first ? g.csx : g.csc;
        const T beta = first ? g.beta : T(1);
        for (int64_t ic = r0; ic < r1; ic += MC) {
          const int64_t mc = std::min(MC, r1 - ic);
          ks.pack_a(mc, kc, g.a + ic * g.rsa + pc * g.csa, g.rsa, g.csa, apack);
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
#ifdef _OPENMP
        if (nth > 1) {
#pragma omp barrier
        }
#endif
      }
    }
  };

#ifdef _OPENMP
  if (nt > 1) {
#pragma omp parallel num_threads(nt)
    body(omp_get_thread_num(), omp_get_num_threads());
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
  if (g.rsa == 1 && flops <= kUnpackedMaxFlops) {
    run_unpacked(g, ks);
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
  if (nt > 1 && batch >= nt && flops < kMinFlopsPerThread * 8) {
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
    for (int64_t i = 0; i < batch; ++i) one(i, false);
    return;
  }
  for (int64_t i = 0; i < batch; ++i) one(i, true);
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

Isa set_isa(Isa isa) {
  if ((int)isa > (int)cpu_isa()) isa = cpu_isa();
  g_isa.store((int)isa, std::memory_order_relaxed);
  return isa;
}

Isa active_isa() { return current_isa(); }

#define PAG_GEMM_INSTANTIATE(T)                                                                          \
  template void gemm<T>(const GemmArgs<T>&);                                                             \
  template void gemm_batched<T>(const GemmArgs<T>&, int64_t, int64_t, int64_t, int64_t, int64_t);
PAG_GEMM_INSTANTIATE(float)
PAG_GEMM_INSTANTIATE(double)
PAG_GEMM_INSTANTIATE(int64_t)
#undef PAG_GEMM_INSTANTIATE

}  // namespace pag::kernels::gemm
