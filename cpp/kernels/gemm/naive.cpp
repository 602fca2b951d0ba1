// Reference kernels: the plain loops the tuned kernels are tested against, and
// the path for integer types and for layouts without a unit stride.
#include <cstdlib>

#include "kernels/gemm/gemm.h"
#include "kernels/loops.h"

namespace pag::kernels::gemm {

namespace {
// Elements per thread below which the naive loops stay on one thread.
constexpr int64_t kMinElemsPerThread = int64_t(1) << 21;

int64_t row_grain(int64_t row_elems) { return std::max<int64_t>(1, kMinElemsPerThread / std::max<int64_t>(1, row_elems)); }
}  // namespace

template <typename T>
void gemm_naive(const GemmArgs<T>& g) {
  const bool has_x = g.x && g.beta != T(0);
  parallel_for(g.m, row_grain(g.n * g.k / 16), [&](int64_t i0, int64_t i1) {
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
T dot_naive(int64_t n, const T* x, int64_t incx, const T* y, int64_t incy) {
  T s = T(0);
  for (int64_t i = 0; i < n; ++i) s += x[i * incx] * y[i * incy];
  return s;
}

template <typename T>
void gemv_naive(int64_t m, int64_t k, const T* a, int64_t rsa, int64_t csa, const T* x, int64_t incx, T* y,
                int64_t incy) {
  parallel_for(m, row_grain(k), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) y[i * incy] = dot_naive(k, a + i * rsa, csa, x, incx);
  });
}

#define PAG_NAIVE_INSTANTIATE(T)                                                                    \
  template void gemm_naive<T>(const GemmArgs<T>&);                                                  \
  template T dot_naive<T>(int64_t, const T*, int64_t, const T*, int64_t);                           \
  template void gemv_naive<T>(int64_t, int64_t, const T*, int64_t, int64_t, const T*, int64_t, T*, int64_t);
PAG_NAIVE_INSTANTIATE(float)
PAG_NAIVE_INSTANTIATE(double)
PAG_NAIVE_INSTANTIATE(int64_t)
#undef PAG_NAIVE_INSTANTIATE

}  // namespace pag::kernels::gemm
