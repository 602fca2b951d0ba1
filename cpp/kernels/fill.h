// The creation kernels: constant fill, arange, linspace and eye over contiguous
// outputs (ops/factory.cpp validates, allocates and calls them).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/loops.h"

namespace pag::kernels {

// p[0, n) = x.
template <typename T>
void fill_contiguous(T* p, int64_t n, T x) {
  parallel_for(n, kParallelGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) p[i] = x;
  });
}

// Note [Range rounding]: arange and linspace reproduce torch's CPU kernels value for value.
// torch builds them with FMA contraction, so every `a + b * c` there rounds once: std::fma here.
// torch's arange runs each parallel chunk (same split as parallel_for) through its
// vectorized loop: pairs of 256-bit vectors whose lanes are `base + j * step` from a base
// rounded to the output type, then a scalar tail `start + step * idx`; both are mirrored below.
template <typename T>
void arange_fill(T* p, int64_t len, double start, double step) {
  constexpr int64_t W = 32 / sizeof(T);  // lanes of one 256-bit vector
  parallel_for(len, kParallelGrain, [&](int64_t b, int64_t e) {
    int64_t i = b;
    for (; i + 2 * W <= e; i += 2 * W) {
      for (int64_t v = i; v < i + 2 * W; v += W) {
        const double base = static_cast<T>(std::fma(step, static_cast<double>(v), start));
        for (int64_t j = 0; j < W; ++j) p[v + j] = static_cast<T>(std::fma(static_cast<double>(j), step, base));
      }
    }
    for (; i < e; ++i) p[i] = static_cast<T>(std::fma(step, static_cast<double>(i), start));
  });
}

// Integer arange, exact for any int64 bounds.
inline void arange_int64_fill(int64_t* p, int64_t len, int64_t start, int64_t step) {
  uint64_t v = static_cast<uint64_t>(start), d = static_cast<uint64_t>(step);
  for (int64_t i = 0; i < len; ++i, v += d) p[i] = static_cast<int64_t>(v);
}

// torch's linspace (scalar only, Note [Range rounding]): the first half counts up from
// s, the second half down from e; s and e are already in the output type.
template <typename T>
void linspace_fill(T* p, int64_t steps, T s, T e) {
  if (steps == 1) {
    p[0] = s;
    return;
  }
  using step_t = std::conditional_t<std::is_integral_v<T>, double, T>;
  const step_t step = (static_cast<step_t>(e) - static_cast<step_t>(s)) / static_cast<step_t>(steps - 1);
  const int64_t half = steps / 2;
  parallel_for(steps, kParallelGrain, [&](int64_t b, int64_t en) {
    for (int64_t i = b; i < en; ++i)
      p[i] = i < half ? static_cast<T>(std::fma(step, static_cast<step_t>(i), static_cast<step_t>(s)))
                      : static_cast<T>(std::fma(-step, static_cast<step_t>(steps - i - 1), static_cast<step_t>(e)));
  });
}

// Ones on the diagonal of a zeroed row-major n x m matrix.
template <typename T>
void eye_fill(T* p, int64_t n, int64_t m) {
  for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = T(1);
}

}  // namespace pag::kernels
