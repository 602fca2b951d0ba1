// The elementwise loop driver. Kernels never see tensors: they get base pointers
// and a Geometry (sizes and per-operand byte strides, innermost dim first, already
// broadcast and coalesced). One driver per loop shape: contiguous, scalar-broadcast,
// strided; the operation is a functor. OpenMP splits the flat index range above a
// grain size, so each thread runs the same inner loops on its own span.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/dtype.h"
#include "core/half.h"
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

// Note [Per-element conversion]: the loops load each operand element in its compute type
// (opmath_t: float for float16/bfloat16, Note [Reduced floats]), run the op once and
// round the result once into the output's type; for the other dtypes the loads are plain.
template <typename T>
inline opmath_t<T> load(const T& v) {
  return static_cast<opmath_t<T>>(v);
}
template <typename out_t, typename V>
inline out_t store(V v) {
  if constexpr (is_reduced_float_v<out_t>) return out_t(static_cast<float>(v));
  else return static_cast<out_t>(v);
}

// out = op(a) over a Geometry with operands (out, a).
template <typename out_t, typename in_t, typename Op>
void unary_loop(const Geometry& g, char* const* base, const Op& op) {
  for_each(g, base, [&](char** p, const int64_t* s, int64_t n) {
    out_t* o = reinterpret_cast<out_t*>(p[0]);
    const in_t* a = reinterpret_cast<const in_t*>(p[1]);
    if (s[0] == sizeof(out_t) && s[1] == sizeof(in_t)) {
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) o[i] = store<out_t>(op(load(a[i])));
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<out_t*>(p[0] + i * s[0]) =
            store<out_t>(op(load(*reinterpret_cast<const in_t*>(p[1] + i * s[1]))));
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
      for (int64_t i = 0; i < n; ++i) o[i] = store<out_t>(op(load(a[i]), load(b[i])));
    } else if (s[0] == so && s[1] == si && s[2] == 0) {
      const auto bv = load(*b);
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) o[i] = store<out_t>(op(load(a[i]), bv));
    } else if (s[0] == so && s[1] == 0 && s[2] == si) {
      const auto av = load(*a);
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) o[i] = store<out_t>(op(av, load(b[i])));
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<out_t*>(p[0] + i * s[0]) = store<out_t>(
            op(load(*reinterpret_cast<const in_t*>(p[1] + i * s[1])), load(*reinterpret_cast<const in_t*>(p[2] + i * s[2]))));
    }
  });
}

// Values of runtime dtype `d` at `p` (byte stride `s`) converted into buf[0, n), as
// convert<T> converts them (torch's static_cast_with_inter_type).
template <typename T>
void load_chunk(Dtype d, const char* p, int64_t s, int64_t n, T* buf) {
  PAG_DISPATCH_ALL(d, "load", [&] {
    for (int64_t i = 0; i < n; ++i) buf[i] = convert<T>(*reinterpret_cast<const scalar_t*>(p + i * s));
  });
}

// binary_loop for inputs stored in other dtypes than in_t (da, db): each innermost run is
// converted a chunk at a time into stack buffers of the compute type (Note [Per-element
// conversion]), so a mixed-dtype op reads every input once and allocates nothing. A value
// is rounded to in_t first, as torch casts operands to the common dtype, except a scalar
// operand (direct_a / direct_b: a one-element tensor), whose original value torch's
// float16/bfloat16 kernels read straight into float (iter.original_scalar_value).
template <typename out_t, typename in_t, typename Op>
void binary_loop_mixed(const Geometry& g, char* const* base, Dtype da, Dtype db, bool direct_a, bool direct_b,
                       const Op& op) {
  using opm = opmath_t<in_t>;
  constexpr int64_t kChunk = 256;
  auto fill = [](Dtype d, bool direct, const char* p, int64_t s, int64_t m, opm* buf) {
    if (direct || std::is_same_v<opm, in_t>) {
      load_chunk<opm>(d, p, s, m, buf);
    } else {
      in_t tmp[kChunk];
      load_chunk<in_t>(d, p, s, m, tmp);
      for (int64_t i = 0; i < m; ++i) buf[i] = load(tmp[i]);
    }
  };
  for_each(g, base, [&](char** p, const int64_t* s, int64_t n) {
    opm abuf[kChunk], bbuf[kChunk];
    for (int64_t c0 = 0; c0 < n; c0 += kChunk) {
      const int64_t m = std::min(kChunk, n - c0);
      fill(da, direct_a, p[1] + c0 * s[1], s[1], m, abuf);
      fill(db, direct_b, p[2] + c0 * s[2], s[2], m, bbuf);
      char* po = p[0] + c0 * s[0];
      for (int64_t i = 0; i < m; ++i) *reinterpret_cast<out_t*>(po + i * s[0]) = store<out_t>(op(abuf[i], bbuf[i]));
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

// ---------------------------------------------------------------- flat loops
// Contiguous buffers of one dtype, without a Geometry: the elementwise ops' fast paths
// (Note [Per-op cost]).

// po[i] = op(pa[i], pb[i]) for i in [0, n).
template <typename out_t, typename in_t, typename Op>
void flat_binary(out_t* po, const in_t* pa, const in_t* pb, int64_t n, const Op& op) {
  parallel_for(n, kParallelGrain, [&](int64_t lo, int64_t hi) {
#pragma omp simd
    for (int64_t i = lo; i < hi; ++i) po[i] = store<out_t>(op(load(pa[i]), load(pb[i])));
  });
}

// po[i] = op(p[i], v), or op(v, p[i]) when ScalarFirst, for i in [0, n).
template <bool ScalarFirst, typename out_t, typename in_t, typename Op>
void flat_binary_scalar(out_t* po, const in_t* p, opmath_t<in_t> v, int64_t n, const Op& op) {
  parallel_for(n, kParallelGrain, [&](int64_t lo, int64_t hi) {
#pragma omp simd
    for (int64_t i = lo; i < hi; ++i) po[i] = store<out_t>(ScalarFirst ? op(v, load(p[i])) : op(load(p[i]), v));
  });
}

// p[i] = op(p[i], q[i]) in place, for i in [0, n).
template <typename T, typename Op>
void flat_binary_inplace(T* p, const T* q, int64_t n, const Op& op) {
  parallel_for(n, kParallelGrain, [&](int64_t lo, int64_t hi) {
#pragma omp simd
    for (int64_t i = lo; i < hi; ++i) p[i] = op(p[i], q[i]);
  });
}

// p[i] = op(p[i], v) in place, for i in [0, n).
template <typename T, typename Op>
void flat_binary_scalar_inplace(T* p, T v, int64_t n, const Op& op) {
  parallel_for(n, kParallelGrain, [&](int64_t lo, int64_t hi) {
#pragma omp simd
    for (int64_t i = lo; i < hi; ++i) p[i] = op(p[i], v);
  });
}

// p[i] = v for i in [0, n).
template <typename T>
void flat_fill(T* p, T v, int64_t n) {
  parallel_for(n, kParallelGrain, [&](int64_t lo, int64_t hi) { std::fill(p + lo, p + hi, v); });
}

// Whether any element of the Geometry's one operand, stored as `d`, converts to T(0) (serially).
template <typename T>
bool any_zero(const Geometry& g, char* const* base, Dtype d) {
  bool zero = false;
  run_range(g, base, 0, g.numel(), [&](char** ptr, const int64_t* s, int64_t n) {
    T buf[64];
    for (int64_t i = 0; i < n; i += 64) {
      const int64_t m = std::min<int64_t>(64, n - i);
      load_chunk<T>(d, ptr[0] + i * s[0], s[0], m, buf);
      for (int64_t j = 0; j < m; ++j) zero = zero || buf[j] == T(0);
    }
  });
  return zero;
}

}  // namespace pag::kernels
