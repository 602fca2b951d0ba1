// Indexing loops: gather/scatter along one dim, advanced indexing through
// linearized offsets, masked fill, nonzero, the search for an out-of-range
// index and the overlapping accumulate of as_strided's backward. Kernels see
// base pointers and a Geometry (kernels/loops.h); bounds are checked here and
// reported back as a flag, so the op can raise torch's message with the
// offending value.
#pragma once
#include <atomic>
#include <cstdint>

#include "kernels/loops.h"

namespace pag::kernels {

// acc op val for scatter_add / index_put(accumulate) / scatter(reduce=...).
enum class Reduce { None, Add, Mul };

template <typename T>
inline void reduce_into(T* dst, T v, Reduce r) {
  if (r == Reduce::None) {
    *dst = v;
  } else if (r == Reduce::Add) {
    if constexpr (std::is_same_v<T, bool>) *dst = *dst || v;
    else *dst += v;
  } else {
    if constexpr (std::is_same_v<T, bool>) *dst = *dst && v;
    else *dst *= v;
  }
}

// Note [Linearized indices]: advanced indexing first folds every index tensor
// into one int64 offset per index position (off = sum_k wrap(idx_k) * stride_k,
// in elements of the source), checking bounds on the way. The copy loop then
// has three operands whatever the number of index tensors: the dense side, the
// source/destination restrided with stride 0 on the indexed dims, and `off`
// broadcast over the non-indexed dims.
//
// off += wrap(idx) * stride over operands (off: int64, idx: int64). Returns false
// on an out-of-range value (then nothing is guaranteed about `off`).
inline bool linearize_index(const Geometry& g, char* const* base, int64_t size, int64_t stride, bool wrap_negative) {
  std::atomic<bool> ok{true};
  for_each(g, base, [&](char** p, const int64_t* s, int64_t n) {
    bool local = true;
    for (int64_t i = 0; i < n; ++i) {
      int64_t* o = reinterpret_cast<int64_t*>(p[0] + i * s[0]);
      int64_t v = *reinterpret_cast<const int64_t*>(p[1] + i * s[1]);
      if (v < 0 && wrap_negative) v += size;
      if (v < 0 || v >= size) { local = false; break; }
      *o += v * stride;
    }
    if (!local) ok.store(false, std::memory_order_relaxed);
  });
  return ok.load();
}

// The first int64 value outside [lo, hi) in the geometry's order, over one operand;
// false when every value is in range. Serial, so "first" is well defined.
inline bool first_out_of_range(const Geometry& g, char* const* base, int64_t lo, int64_t hi, int64_t* found) {
  if (g.numel() == 0) return false;
  bool done = false;
  run_range(g, base, 0, g.numel(), [&](char** p, const int64_t* s, int64_t n) {
    for (int64_t i = 0; i < n && !done; ++i) {
      int64_t v = *reinterpret_cast<const int64_t*>(p[0] + i * s[0]);
      if (v < lo || v >= hi) { *found = v; done = true; }
    }
  });
  return done;
}

// out = src[off] over operands (out, src restrided, off).
template <typename T>
void index_gather(const Geometry& g, char* const* base) {
  for_each(g, base, [](char** p, const int64_t* s, int64_t n) {
    if (s[0] == sizeof(T) && s[1] == sizeof(T) && s[2] == 0) {
      T* o = reinterpret_cast<T*>(p[0]);
      const T* src = reinterpret_cast<const T*>(p[1]) + *reinterpret_cast<const int64_t*>(p[2]);
      for (int64_t i = 0; i < n; ++i) o[i] = src[i];
      return;
    }
    for (int64_t i = 0; i < n; ++i) {
      int64_t off = *reinterpret_cast<const int64_t*>(p[2] + i * s[2]);
      *reinterpret_cast<T*>(p[0] + i * s[0]) = reinterpret_cast<const T*>(p[1] + i * s[1])[off];
    }
  });
}

// dst[off] (op)= values over operands (dst restrided, values, off). Accumulation
// runs serially: duplicate offsets would race.
template <typename T>
void index_put(const Geometry& g, char* const* base, Reduce r) {
  auto inner = [r](char** p, const int64_t* s, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      int64_t off = *reinterpret_cast<const int64_t*>(p[2] + i * s[2]);
      reduce_into(reinterpret_cast<T*>(p[0] + i * s[0]) + off, *reinterpret_cast<const T*>(p[1] + i * s[1]), r);
    }
  };
  if (r == Reduce::None) for_each(g, base, inner);
  else if (g.numel() > 0) run_range(g, base, 0, g.numel(), inner);
}

// gather along one dim: out = self[index] over operands (out, self restrided with
// stride 0 on `dim`, index); `dim_stride` is self's byte stride on that dim.
template <typename T>
bool gather_dim(const Geometry& g, char* const* base, int64_t dim_size, int64_t dim_stride) {
  std::atomic<bool> ok{true};
  for_each(g, base, [&](char** p, const int64_t* s, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      int64_t v = *reinterpret_cast<const int64_t*>(p[2] + i * s[2]);
      if (v < 0 || v >= dim_size) { ok.store(false, std::memory_order_relaxed); return; }
      *reinterpret_cast<T*>(p[0] + i * s[0]) = *reinterpret_cast<const T*>(p[1] + i * s[1] + v * dim_stride);
    }
  });
  return ok.load();
}

// Note [Scatter lines]: scatter writes self[.., index[i], ..] for every i. Two
// index positions collide only when they differ in the scattered dim alone, so
// the geometry keeps that dim innermost (g.sizes[0]) and threads split whole
// lines of it: no two threads ever write the same element.
//
// self[index] (op)= src over operands (self restrided, index, src); `src`
// may be a 0-stride scalar. Out-of-range entries are skipped and reported.
template <typename T>
bool scatter_dim(const Geometry& g, char* const* base, int64_t dim_size, int64_t dim_stride, Reduce r) {
  std::atomic<bool> ok{true};
  const int64_t n = g.numel();
  if (n == 0) return true;
  const int64_t line = g.sizes[0];
  const int64_t lines = n / line;
  auto inner = [&](char** p, const int64_t* s, int64_t cnt) {
    for (int64_t i = 0; i < cnt; ++i) {
      int64_t v = *reinterpret_cast<const int64_t*>(p[1] + i * s[1]);
      if (v < 0 || v >= dim_size) { ok.store(false, std::memory_order_relaxed); continue; }
      reduce_into(reinterpret_cast<T*>(p[0] + i * s[0] + v * dim_stride), *reinterpret_cast<const T*>(p[2] + i * s[2]), r);
    }
  };
  parallel_for(lines, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(line, 1)), [&](int64_t b, int64_t e) {
    run_range(g, base, b * line, e * line, inner);
  });
  return ok.load();
}

// dst += src over operands (dst, src), serially: dst may overlap itself (the adjoint
// of as_strided sums every element that lands on the same storage slot).
template <typename T>
void accumulate_serial(const Geometry& g, char* const* base) {
  if (g.numel() == 0) return;
  run_range(g, base, 0, g.numel(), [](char** p, const int64_t* s, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<T*>(p[0] + i * s[0]) += *reinterpret_cast<const T*>(p[1] + i * s[1]);
  });
}

// out = mask ? value : out over operands (out, mask).
template <typename T>
void masked_fill(const Geometry& g, char* const* base, T value) {
  for_each(g, base, [value](char** p, const int64_t* s, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      if (*reinterpret_cast<const bool*>(p[1] + i * s[1])) *reinterpret_cast<T*>(p[0] + i * s[0]) = value;
  });
}

// Coordinates of the nonzero elements of a strided array, row-major, into
// out[count][ndim] (int64). Returns the count; with out == nullptr only counts.
template <typename T>
int64_t nonzero(const T* data, const int64_t* sizes, const int64_t* strides, int ndim, int64_t* out) {
  int64_t numel = 1;
  for (int d = 0; d < ndim; ++d) numel *= sizes[d];
  if (numel == 0) return 0;
  int64_t idx[64] = {0};
  int64_t off = 0, count = 0;
  for (int64_t k = 0; k < numel; ++k) {
    if (data[off] != T(0)) {
      if (out)
        for (int d = 0; d < ndim; ++d) out[count * ndim + d] = idx[d];
      ++count;
    }
    for (int d = ndim - 1; d >= 0; --d) {
      off += strides[d];
      if (++idx[d] < sizes[d]) break;
      off -= strides[d] * sizes[d];
      idx[d] = 0;
    }
  }
  return count;
}

}  // namespace pag::kernels
