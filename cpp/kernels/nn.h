// Loops of the nn ops (ops/nn.cpp): the three-operand map of the fused loss
// kernels, and negative log likelihood's gathers, cascade sum and scatter. As
// everywhere in kernels/, they see raw pointers and geometries only.
#pragma once
#include <cstdint>
#include <iterator>
#include <numeric>
#include <utility>

#include "kernels/loops.h"

namespace pag::kernels {

// out = op(a, b, c) over operands (out, a, b, c), all of type T, each element loaded in
// its compute type (Note [Per-element conversion]). The contiguous case (c possibly a
// broadcast scalar, as a reduced loss's incoming gradient is) runs as a flat loop the
// compiler can vectorize.
template <typename T, typename Op>
void map3_loop(const Geometry& g, char* const* base, const Op& op) {
  constexpr int64_t sz = sizeof(T);
  for_each(g, base, [&](char** ptr, const int64_t* s, int64_t n) {
    T* o = reinterpret_cast<T*>(ptr[0]);
    const T* x = reinterpret_cast<const T*>(ptr[1]);
    const T* y = reinterpret_cast<const T*>(ptr[2]);
    const T* z = reinterpret_cast<const T*>(ptr[3]);
    if (s[0] == sz && s[1] == sz && s[2] == sz && s[3] == sz) {
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) o[i] = store<T>(op(load(x[i]), load(y[i]), load(z[i])));
    } else if (s[0] == sz && s[1] == sz && s[2] == sz && s[3] == 0) {
      const auto zv = load(*z);
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) o[i] = store<T>(op(load(x[i]), load(y[i]), zv));
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<T*>(ptr[0] + i * s[0]) =
            store<T>(op(load(*reinterpret_cast<const T*>(ptr[1] + i * s[1])),
                        load(*reinterpret_cast<const T*>(ptr[2] + i * s[2])),
                        load(*reinterpret_cast<const T*>(ptr[3] + i * s[3]))));
    }
  });
}

// ---------------------------------------------------------------- negative log likelihood
// Note [NLL layout]: every nll variant runs on the input viewed as (N, C, S) contiguous
// (S = H * W for nll_loss2d, 1 otherwise) and the target as (N * S) class indices.
struct NllShape {
  int64_t N, C, S;
};

// The first of the n targets that is neither ignore_index nor in [0, C), or -1.
inline int64_t first_bad_target(const int64_t* tgt, int64_t n, int64_t C, int64_t ignore_index) {
  for (int64_t i = 0; i < n; ++i) {
    int64_t t = tgt[i];
    if (t != ignore_index && (t < 0 || t >= C)) return i;
  }
  return -1;
}

// o[i] = -x[target i] * weight (0 where ignored), one loss per target.
template <typename T>
void nll_per_element(T* o, const T* x, const int64_t* t, const T* wp, NllShape sh, int64_t ignore_index) {
  parallel_for(sh.N * sh.S, 4096, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      int64_t c = t[i];
      if (c == ignore_index) { o[i] = 0; continue; }
      int64_t n = i / sh.S, s = i % sh.S;
      T cw = wp ? wp[c] : T(1);
      o[i] = -x[(n * sh.C + c) * sh.S + s] * cw;
    }
  });
}

inline int64_t ceil_log2(int64_t x) {
  if (x <= 2) return 1;
  int64_t r = 0;
  uint64_t v = (uint64_t)x - 1;
  while (v) { ++r; v >>= 1; }
  return r;
}

// The summed loss and the total weight of the N * S >= 1 targets, with torch's cascade
// (8 levels of partial sums) in the order torch visits the elements, so float32 results
// match torch's closely.
template <typename T>
std::pair<T, T> nll_cascade_sum(const T* x, const int64_t* t, const T* wp, NllShape sh, int64_t ignore_index) {
  const int64_t numiter = sh.N * sh.S;
  constexpr int64_t levels = 8;
  const int64_t level_power = std::max<int64_t>(4, ceil_log2(numiter) / levels);
  const int64_t level_mask = (int64_t(1) << level_power) - 1;
  T wsum[levels] = {0}, lsum[levels] = {0};
  int64_t ignored = 0;
  for (int64_t i = 0; i < numiter; ++i) {
    int64_t c = t[i];
    if (c == ignore_index) { ++ignored; continue; }
    int64_t n = i / sh.S, s = i % sh.S;
    T v = x[(n * sh.C + c) * sh.S + s];
    if (wp) {
      lsum[0] -= v * wp[c];
      wsum[0] += wp[c];
    } else {
      lsum[0] -= v;
    }
    for (int64_t j = 0; j + 1 < levels; ++j) {
      if ((i & (level_mask << (j * level_power))) != 0) break;
      wsum[j + 1] += wsum[j];
      lsum[j + 1] += lsum[j];
      wsum[j] = 0;
      lsum[j] = 0;
    }
  }
  T tw = wp ? std::accumulate(std::begin(wsum), std::end(wsum), T(0)) : static_cast<T>(numiter - ignored);
  T r = std::accumulate(std::begin(lsum), std::end(lsum), T(0));
  return {r, tw};
}

// grad_input of nll: at each target, -weight * g[i] when `per_element`, else weight * scalar_grad
// (o starts zeroed; ignored targets stay 0).
template <typename T>
void nll_backward_scatter(T* o, const int64_t* t, const T* wp, const T* g, NllShape sh, int64_t ignore_index,
                          bool per_element, T scalar_grad) {
  parallel_for(sh.N * sh.S, 4096, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      int64_t c = t[i];
      if (c == ignore_index) continue;
      int64_t n = i / sh.S, s = i % sh.S;
      T cw = wp ? wp[c] : T(1);
      o[(n * sh.C + c) * sh.S + s] = per_element ? -cw * g[i] : cw * scalar_grad;
    }
  });
}

// o (zeroed, n rows of num_classes) gets a 1 at column v[i] of row i.
inline void one_hot_fill(int64_t* o, const int64_t* v, int64_t n, int64_t num_classes) {
  for (int64_t i = 0; i < n; ++i) o[i * num_classes + v[i]] = 1;
}

}  // namespace pag::kernels
