// What the driver needs from one ISA's kernels: the block sizes (from the one
// table in blocking.h), the packed and unpacked micro-kernels, and the packers.
#pragma once
#include <cstdint>

#include "kernels/cpu.h"
#include "kernels/gemm/blocking.h"

namespace pag::kernels::gemm {

// Where a finished MR x NR tile goes: C = alpha * acc + beta * X (X unread when
// beta == 0); only the top-left mr x nr part is stored.
template <typename T>
struct Tile {
  T* c;
  int64_t rsc, csc;
  const T* x;
  int64_t rsx, csx;
  T alpha, beta;
  int mr, nr;
};

template <typename T>
struct KernelSet {
  Isa isa;
  Blocking blk;
  const char* name;
  // a: an MR x kc micro-panel (k-major, MR per k); b: a kc x NR micro-panel (NR per k).
  void (*packed)(int64_t kc, const T* a, const T* b, const Tile<T>& t);
  // The small-matrix path: A read in place (its MR rows contiguous, lda apart per k),
  // B a packed micro-panel as above.
  void (*unpacked_a)(int64_t kc, const T* a, int64_t lda, const T* b, const Tile<T>& t);
  // mc x kc of A (rs along m, cs along k) into ceil(mc / MR) zero-padded micro-panels.
  void (*pack_a)(int64_t mc, int64_t kc, const T* a, int64_t rs, int64_t cs, T* dst);
  // kc x nc of B (rs along k, cs along n) into ceil(nc / NR) zero-padded micro-panels.
  void (*pack_b)(int64_t kc, int64_t nc, const T* b, int64_t rs, int64_t cs, T* dst);
  // GEMV and DOT on unit-stride data: y[i * incy] = a[i * lda, 0:k] . x (rows of A
  // contiguous), y[0:m] = sum_p a[p * lda, 0:m] * x[p * incx] (columns contiguous),
  // and x[0:n] . y[0:n].
  void (*gemv_rows)(int64_t m, int64_t k, const T* a, int64_t lda, const T* x, T* y, int64_t incy);
  void (*gemv_cols)(int64_t m, int64_t k, const T* a, int64_t lda, const T* x, int64_t incx, T* y);
  T (*dot)(int64_t n, const T* x, const T* y);
  // The FMA peak probe: `iters` rounds of kFmaChains independent vector FMAs
  // (2 * W * kFmaChains * iters FLOPs); returns a value that depends on all of them.
  T (*fma_probe)(int64_t iters);
  int lanes;  // W: elements per vector register
};
constexpr int kFmaChains = 12;  // independent chains: latency (4) x FMA ports (2) with room to spare

// One definition per ISA file (ukernel_*_avx512.cpp, ukernel_*_avx2.cpp, ukernel_generic.cpp).
const KernelSet<float>& kernels_avx512_f32();
const KernelSet<double>& kernels_avx512_f64();
const KernelSet<float>& kernels_avx2_f32();
const KernelSet<double>& kernels_avx2_f64();
const KernelSet<float>& kernels_generic_f32();
const KernelSet<double>& kernels_generic_f64();

}  // namespace pag::kernels::gemm
