// GEMM, GEMV and DOT on raw strided operands (BLIS-style; see driver.cpp).
// Element (i, j) of a matrix operand lives at p[i * rs + j * cs]: any strides,
// so transposed or sliced views are read in place, without copies.
#pragma once
#include <cstdint>
#include <string>

#include "kernels/cpu.h"

namespace pag::kernels::gemm {

// C = alpha * A @ B + beta * X, with A: m x k, B: k x n, C and X: m x n.
// X may be C itself (C += A @ B), or a broadcast view (zero strides: a bias row or
// column). beta == 0 (or x == nullptr) never reads X, so NaNs there do not leak.
template <typename T>
struct GemmArgs {
  int64_t m = 0, n = 0, k = 0;
  const T* a = nullptr;
  int64_t rsa = 0, csa = 0;
  const T* b = nullptr;
  int64_t rsb = 0, csb = 0;
  T* c = nullptr;
  int64_t rsc = 0, csc = 0;
  const T* x = nullptr;
  int64_t rsx = 0, csx = 0;
  T alpha = T(1), beta = T(0);
};

// The tuned kernels (float, double); other types run the naive loops.
template <typename T> void gemm(const GemmArgs<T>& g);
// `batch` GEMMs whose operands advance by the given element strides per batch.
template <typename T>
void gemm_batched(const GemmArgs<T>& g, int64_t batch, int64_t bsa, int64_t bsb, int64_t bsc, int64_t bsx);
// The reference: a plain triple loop, accumulating in T. Tests compare against it.
template <typename T> void gemm_naive(const GemmArgs<T>& g);
template <typename T>
void gemv_naive(int64_t m, int64_t k, const T* a, int64_t rsa, int64_t csa, const T* x, int64_t incx, T* y,
                int64_t incy);
template <typename T> T dot_naive(int64_t n, const T* x, int64_t incx, const T* y, int64_t incy);

// y = A @ x (A: m x k), and the dot product of two strided vectors.
template <typename T>
void gemv(int64_t m, int64_t k, const T* a, int64_t rsa, int64_t csa, const T* x, int64_t incx, T* y, int64_t incy);
template <typename T> T dot(int64_t n, const T* x, int64_t incx, const T* y, int64_t incy);

// Which micro-kernels run, with their block sizes (pyautograd._C._gemm_info()).
std::string info();
// Float32 FMA throughput of this machine with the active ISA and `threads` threads,
// measured over about `seconds` (pyautograd._C._fma_peak_gflops(); the bench's peak line).
double fma_peak_gflops(int threads, double seconds);
// Tests run every kernel this CPU can: selects `isa` (clamped to cpu_isa()) and
// returns the one now in use.
Isa set_isa(Isa isa);
Isa active_isa();

}  // namespace pag::kernels::gemm
