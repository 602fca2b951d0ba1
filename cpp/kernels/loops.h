// The elementwise loop driver. Kernels never see tensors: they get base pointers
// and a Geometry (sizes and per-operand byte strides, innermost dim first, already
// broadcast and coalesced). One driver per loop shape: contiguous, scalar-broadcast,
// strided; the operation is a functor. OpenMP splits the flat index range above a
// grain size, so each thread runs the same inner loops on its own span.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/small_vec.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace pag::kernels {

constexpr int kMaxOperands = 4;
constexpr int64_t kParallelGrain = 32768;  // elements; below this threads cost more than they save

struct Geometry {
  int nops = 0;
  DimVec sizes;                       // innermost first
  DimVec strides[kMaxOperands];       // bytes, innermost first
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t s : sizes) n *= s;
    return n;
  }
};

int num_threads();  // kernels/parallel.cpp (Note [Thread setting])
void set_num_threads(int n);

// Runs `fn(begin, end)` over [0, n) in chunks, in parallel when n >= grain.
template <typename F>
void parallel_for(int64_t n, int64_t grain, const F& fn) {
#ifdef _OPENMP
  if (n >= grain && num_threads() > 1 && !omp_in_parallel()) {
    int nt = (int)std::min<int64_t>(num_threads(), (n + grain - 1) / grain);
#pragma omp parallel num_threads(nt)
    {
      // The team may be smaller than asked (OMP_THREAD_LIMIT, OMP_DYNAMIC): split by its real size.
      int team = omp_get_num_threads(), tid = omp_get_thread_num();
      int64_t chunk = (n + team - 1) / team;
      int64_t b = tid * chunk, e = std::min(n, b + chunk);
      if (b < e) fn(b, e);
    }
    return;
  }
#endif
  if (n > 0) fn(0, n);
}

// Calls inner(ptrs, inner_strides, count) for every innermost run in the flat range [begin, end).
template <typename Inner>
void run_range(const Geometry& g, char* const* base, int64_t begin, int64_t end, const Inner& inner) {
  if (begin >= end) return;  // also keeps empty geometries (a size 0 dim) away from `% 0`
  const int nd = (int)g.sizes.size();
  const int nops = g.nops;
  if (begin >= end) return;
  if (nd == 0) {
    char* p[kMaxOperands];
    int64_t s[kMaxOperands] = {0, 0, 0, 0};
    for (int k = 0; k < nops; ++k) p[k] = base[k];
    inner(p, s, 1);
    return;
  }
  int64_t idx[32];
  int64_t rem = begin;
  for (int d = 0; d < nd; ++d) {
    idx[d] = rem % g.sizes[d];
    rem /= g.sizes[d];
  }
  int64_t inner_strides[kMaxOperands];
  for (int k = 0; k < nops; ++k) inner_strides[k] = g.strides[k][0];
  int64_t pos = begin;
  while (pos < end) {
    char* p[kMaxOperands];
    for (int k = 0; k < nops; ++k) {
      int64_t off = 0;
      for (int d = 0; d < nd; ++d) off += idx[d] * g.strides[k][d];
      p[k] = base[k] + off;
    }
    int64_t n = std::min(g.sizes[0] - idx[0], end - pos);
    inner(p, inner_strides, n);
    pos += n;
    idx[0] += n;
    for (int d = 0; d < nd - 1 && idx[d] >= g.sizes[d]; ++d) {
      idx[d] = 0;
      ++idx[d + 1];
    }
  }
}

template <typename Inner>
void for_each(const Geometry& g, char* const* base, const Inner& inner) {
  int64_t n = g.numel();
  parallel_for(n, kParallelGrain, [&](int64_t b, int64_t e) { run_range(g, base, b, e, inner); });
}

// out = op(a) over a Geometry with operands (out, a).
template <typename out_t, typename in_t, typename Op>
void unary_loop(const Geometry& g, char* const* base, const Op& op) {
  for_each(g, base, [&](char** p, const int64_t* s, int64_t n) {
    out_t* o = reinterpret_cast<out_t*>(p[0]);
    const in_t* a = reinterpret_cast<const in_t*>(p[1]);
    if (s[0] == sizeof(out_t) && s[1] == sizeof(in_t)) {
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) o[i] = op(a[i]);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<out_t*>(p[0] + i * s[0]) = op(*reinterpret_cast<const in_t*>(p[1] + i * s[1]));
    }
  });
}

// out = op(a, b) over a Geometry with operands (out, a, b).
template <typename out_t, typename in_t, typename Op>
void binary_loop(const Geometry& g, char* const* base, const Op& op) {
  for_each(g, base, [&](char** p, const int64_t* s, int64_t n) {
    out_t* o = reinterpret_cast<out_t*>(p[0]);
    const in_t* a = reinterpret_cast<const in_t*>(p[1]);
    const in_t* b = reinterpret_cast<const in_t*>(p[2]);
    constexpr int64_t so = sizeof(out_t), si = sizeof(in_t);
    if (s[0] == so && s[1] == si && s[2] == si) {
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) o[i] = op(a[i], b[i]);
    } else if (s[0] == so && s[1] == si && s[2] == 0) {
      const in_t bv = *b;
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) o[i] = op(a[i], bv);
    } else if (s[0] == so && s[1] == 0 && s[2] == si) {
      const in_t av = *a;
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) o[i] = op(av, b[i]);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<out_t*>(p[0] + i * s[0]) =
            op(*reinterpret_cast<const in_t*>(p[1] + i * s[1]), *reinterpret_cast<const in_t*>(p[2] + i * s[2]));
    }
  });
}

// out = op(a, b, c) over operands (out, a, b, c); used by where/clamp/fused backward rules.
template <typename out_t, typename a_t, typename b_t, typename c_t, typename Op>
void ternary_loop(const Geometry& g, char* const* base, const Op& op) {
  for_each(g, base, [&](char** p, const int64_t* s, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<out_t*>(p[0] + i * s[0]) =
          op(*reinterpret_cast<const a_t*>(p[1] + i * s[1]), *reinterpret_cast<const b_t*>(p[2] + i * s[2]),
             *reinterpret_cast<const c_t*>(p[3] + i * s[3]));
  });
}

}  // namespace pag::kernels
