// Reference kernels: the plain loops the tuned GEMM is tested against, and the
// path for integer matmul; DOT and GEMV for the vector ops.
#include <cstdlib>

#include "kernels/gemm/gemm.h"
#include "kernels/loops.h"

namespace pag::kernels::gemm {

template <typename T>
void gemm_naive(const GemmArgs<T>& g) {
  const bool has_x = g.x && g.beta != T(0);
  parallel_for(g.m, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, g.n * g.k)), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i)
      for (int64_t j = 0; j < g.n; ++j) {
        T acc = T(0);
        for (int64_t p = 0; p < g.k; ++p) acc += g.a[i * g.rsa + p * g.csa] * g.b[p * g.rsb + j * g.csb];
        T v = g.alpha * acc;
        if (has_x) v += g.beta * g.x[i * g.rsx + j * g.csx];
        g.c[i * g.rsc + j * g.csc] = v;
      }
  });
}

template <typename T>
T dot(int64_t n, const T* x, int64_t incx, const T* y, int64_t incy) {
  T s = T(0);
  if (incx == 1 && incy == 1) {
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < n; ++i) s += x[i] * y[i];
  } else {
    for (int64_t i = 0; i < n; ++i) s += x[i * incx] * y[i * incy];
  }
  return s;
}

template <typename T>
void gemv(int64_t m, int64_t k, const T* a, int64_t rsa, int64_t csa, const T* x, int64_t incx, T* y, int64_t incy) {
  const int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, k));
  if (rsa == 1 && m > 1 && incy == 1) {
    // Columns of A are contiguous: y accumulates one scaled column at a time.
    parallel_for(m, std::max<int64_t>(grain, 64), [&](int64_t i0, int64_t i1) {
      T* yy = y + i0;
      for (int64_t i = 0; i < i1 - i0; ++i) yy[i] = T(0);
      for (int64_t p = 0; p < k; ++p) {
        const T xv = x[p * incx];
        const T* col = a + p * csa + i0;
#pragma omp simd
        for (int64_t i = 0; i < i1 - i0; ++i) yy[i] += xv * col[i];
      }
    });
    return;
  }
  parallel_for(m, grain, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) y[i * incy] = dot(k, a + i * rsa, csa, x, incx);
  });
}

#define PAG_NAIVE_INSTANTIATE(T)                                                                   \
  template void gemm_naive<T>(const GemmArgs<T>&);                                                 \
  template T dot<T>(int64_t, const T*, int64_t, const T*, int64_t);                                \
  template void gemv<T>(int64_t, int64_t, const T*, int64_t, int64_t, const T*, int64_t, T*, int64_t);
PAG_NAIVE_INSTANTIATE(float)
PAG_NAIVE_INSTANTIATE(double)
PAG_NAIVE_INSTANTIATE(int64_t)
#undef PAG_NAIVE_INSTANTIATE

}  // namespace pag::kernels::gemm
