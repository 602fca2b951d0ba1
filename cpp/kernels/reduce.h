// The reduction drivers. Kernels get raw pointers and geometries only.
//
// reduce_loop: for each output element, fold the input elements that map to it.
// line_loop:   for each line along one dim, run a functor over the whole line
//              (scans, softmax).
//
// Note [Deterministic reductions]: the reduced range of every output is cut into
// fixed blocks of kReduceBlock elements. Each block is folded from init() and the
// block results are combined in order. Threads split either the outputs or, for a
// few outputs with long reductions, the blocks, but never change how one output is
// associated, so results do not depend on the number of threads.
#pragma once
#include <vector>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <type_traits>

#include "kernels/loops.h"

namespace pag::kernels {

struct ReduceGeometry {
  Geometry outer;  // kept dims; operand 0 is the input, operands 1.. the outputs
  Geometry inner;  // reduced dims; operand 0 is the input
  int64_t num_out() const { return outer.numel(); }
  int64_t num_red() const { return inner.numel(); }
};

constexpr int64_t kReduceBlock = 16384;  // Note [Deterministic reductions]
constexpr int64_t kVerticalChunk = 64;   // adjacent outputs folded together (Note [Vertical reductions])

// One fixed block [begin, end) of an output's reduced range.
template <typename in_t>
struct BlockRef {
  const Geometry* inner;
  const char* base;
  int64_t begin, end;
  // f(const in_t* v, int64_t stride_in_elements, int64_t n, int64_t first_index) for each innermost run.
  template <typename F>
  void for_runs(const F& f) const {
    if (begin >= end) return;
    char* b[1] = {const_cast<char*>(base)};
    int64_t idx = begin;
    run_range(*inner, b, begin, end, [&](char** p, const int64_t* s, int64_t n) {
      f(reinterpret_cast<const in_t*>(p[0]), s[0] / (int64_t)sizeof(in_t), n, idx);
      idx += n;
    });
  }
};

// The Ops a reduction supplies:
//   acc_t init();  acc_t combine(acc_t earlier, acc_t later);  void write(char* const* outs, acc_t)
// and one way of folding:
//   acc_t step(acc_t, in_t v, int64_t index)            element by element, with an
//   optional acc_t run(acc_t, const in_t* v, int64_t n, int64_t index) for dense runs, or
//   acc_t block(acc_t, const BlockRef<in_t>&)           a whole block at once (multi-pass folds).
// Ops with `static constexpr bool kVertical` fold adjacent outputs together (Note [Vertical
// reductions]) through step, or through
//   void rows(acc_t* part, int64_t cnt, const BlockRef<in_t>&)  one block of cnt adjacent outputs,
//                                                       output c's elements at +c from output 0's.
template <typename in_t, typename acc_t, typename Ops>
acc_t fold_block(const Ops& ops, acc_t acc, const BlockRef<in_t>& b) {
  if constexpr (requires { ops.block(acc, b); }) {
    return ops.block(acc, b);
  } else {
    b.for_runs([&](const in_t* v, int64_t st, int64_t n, int64_t idx) {
      if (st == 1) {
        if constexpr (requires { ops.run(acc, v, n, idx); }) {
          acc = ops.run(acc, v, n, idx);
        } else {
          for (int64_t i = 0; i < n; ++i) acc = ops.step(acc, v[i], idx + i);
        }
      } else {
        for (int64_t i = 0; i < n; ++i) acc = ops.step(acc, v[i * st], idx + i);
      }
    });
    return acc;
  }
}

// Note [Vertical reductions]: when the reduced dims are strided and the innermost
// kept dim is dense in the input (a sum over the batch dim of [N, C]), kVertical
// ops fold up to kVerticalChunk adjacent outputs at once, walking the input row by
// row; each output still folds its own elements in the same order and blocks.
template <typename in_t, typename acc_t, typename Ops>
void reduce_loop(const ReduceGeometry& rg, char* const* outs, int nouts, const char* in_base, const Ops& ops) {
  const int64_t num_out = rg.num_out(), num_red = rg.num_red();
  if (num_out == 0) return;
  const int64_t nblocks = std::max<int64_t>(1, (num_red + kReduceBlock - 1) / kReduceBlock);
  auto block = [&](const char* ip, int64_t k) {
    return BlockRef<in_t>{&rg.inner, ip, k * kReduceBlock, std::min(num_red, (k + 1) * kReduceBlock)};
  };
  // The input of output o, and its output pointers.
  auto locate = [&](int64_t o, char** op, const char*& ip) {
    int64_t rem = o, off_in = 0;
    int64_t off_out[kMaxOperands] = {0, 0, 0, 0};
    for (size_t d = 0; d < rg.outer.sizes.size(); ++d) {
      int64_t i = rem % rg.outer.sizes[d];
      rem /= rg.outer.sizes[d];
      off_in += i * rg.outer.strides[0][d];
      for (int j = 0; j < nouts; ++j) off_out[j] += i * rg.outer.strides[1 + j][d];
    }
    ip = in_base + off_in;
    for (int j = 0; j < nouts; ++j) op[j] = outs[j] + off_out[j];
  };
  auto reduce_one = [&](const char* ip) {
    if (nblocks == 1) return fold_block(ops, ops.init(), block(ip, 0));
    acc_t acc = ops.init();
    for (int64_t k = 0; k < nblocks; ++k) acc = ops.combine(acc, fold_block(ops, ops.init(), block(ip, k)));
    return acc;
  };
  const bool few_outputs = num_out < 2 * num_threads() && num_red >= 2 * kReduceBlock;

  if constexpr (requires { Ops::kVertical; }) {
    const int64_t s0 = rg.outer.sizes[0];
    if (s0 > 1 && rg.outer.strides[0][0] == (int64_t)sizeof(in_t) && rg.inner.strides[0][0] != (int64_t)sizeof(in_t) &&
        num_red > 1) {
      const int64_t nchunks = (s0 + kVerticalChunk - 1) / kVerticalChunk;
      const int64_t items = (num_out / s0) * nchunks;
      // Folds block k of the chunk at ip (cnt adjacent outputs) into part[0..cnt).
      auto fold_rows = [&](const char* ip, int64_t cnt, int64_t k, acc_t* part) {
        if constexpr (requires { ops.rows(part, cnt, block(ip, k)); }) {
          ops.rows(part, cnt, block(ip, k));
        } else {
          for (int64_t c = 0; c < cnt; ++c) part[c] = ops.init();
          block(ip, k).for_runs([&](const in_t* v, int64_t st, int64_t n, int64_t idx) {
            for (int64_t i = 0; i < n; ++i) {
              const in_t* row = v + i * st;
              for (int64_t c = 0; c < cnt; ++c) part[c] = ops.step(part[c], row[c], idx + i);
            }
          });
        }
      };
      // partials: nblocks rows of cnt block results already folded in parallel, or null.
      auto chunk = [&](int64_t item, const acc_t* partials) {
        int64_t rest = item / nchunks, c0 = (item % nchunks) * kVerticalChunk;
        int64_t cnt = std::min(kVerticalChunk, s0 - c0);
        char* op[kMaxOperands];
        const char* ip;
        locate(rest * s0 + c0, op, ip);
        acc_t acc[kVerticalChunk], part[kVerticalChunk];
        if (nblocks == 1) {
          fold_rows(ip, cnt, 0, acc);
        } else {
          for (int64_t c = 0; c < cnt; ++c) acc[c] = ops.init();
          for (int64_t k = 0; k < nblocks; ++k) {
            const acc_t* p = part;
            if (partials) p = partials + k * cnt;
            else fold_rows(ip, cnt, k, part);
            for (int64_t c = 0; c < cnt; ++c) acc[c] = ops.combine(acc[c], p[c]);
          }
        }
        for (int64_t c = 0; c < cnt; ++c) {
          char* o[kMaxOperands];
          for (int j = 0; j < nouts; ++j) o[j] = op[j] + c * rg.outer.strides[1 + j][0];
          ops.write(o, acc[c]);
        }
      };
      if (items < 2 * num_threads() && num_red >= 2 * kReduceBlock) {
        for (int64_t item = 0; item < items; ++item) {
          int64_t c0 = (item % nchunks) * kVerticalChunk, cnt = std::min(kVerticalChunk, s0 - c0);
          char* op[kMaxOperands];
          const char* ip;
          locate((item / nchunks) * s0 + c0, op, ip);
          std::unique_ptr<acc_t[]> partials(new acc_t[nblocks * cnt]);
          parallel_for(nblocks, 1, [&](int64_t b, int64_t e) {
            for (int64_t k = b; k < e; ++k) fold_rows(ip, cnt, k, partials.get() + k * cnt);
          });
          chunk(item, partials.get());
        }
      } else {
        int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(num_red * kVerticalChunk, 1));
        parallel_for(items, grain, [&](int64_t b, int64_t e) {
          for (int64_t item = b; item < e; ++item) chunk(item, nullptr);
        });
      }
      return;
    }
  }

  if (!few_outputs) {
    int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(num_red, 1));
    parallel_for(num_out, grain, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        char* op[kMaxOperands];
        const char* ip;
        locate(o, op, ip);
        ops.write(op, reduce_one(ip));
      }
    });
  } else {
    for (int64_t o = 0; o < num_out; ++o) {
      char* op[kMaxOperands];
      const char* ip;
      locate(o, op, ip);
      std::unique_ptr<acc_t[]> partial(new acc_t[nblocks]);  // not vector<bool>: threads write neighbours
      parallel_for(nblocks, 1, [&](int64_t b, int64_t e) {
        for (int64_t k = b; k < e; ++k) partial[k] = fold_block(ops, ops.init(), block(ip, k));
      });
      acc_t acc = ops.init();
      for (int64_t k = 0; k < nblocks; ++k) acc = ops.combine(acc, partial[k]);
      ops.write(op, acc);
    }
  }
}

// Sum of a dense run: 8 independent lanes over chunks of 256 elements, each chunk
// folded pairwise, so the error grows with n / 256 rather than n and the loop vectorizes.
template <typename acc_t, typename in_t>
acc_t dense_sum(const in_t* v, int64_t n) {
  constexpr int64_t kLanes = 8, kChunk = 256;
  acc_t total = acc_t(0);
  int64_t i = 0;
  for (; i + kChunk <= n; i += kChunk) {
    acc_t lane[kLanes] = {};
    for (int64_t j = 0; j < kChunk; j += kLanes)
      for (int64_t l = 0; l < kLanes; ++l) lane[l] += static_cast<acc_t>(v[i + j + l]);
    total += ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
  }
  acc_t tail = acc_t(0);
  for (; i < n; ++i) tail += static_cast<acc_t>(v[i]);
  return total + tail;
}

// Max (IsMax) or min of a dense run of n >= 1 elements, ignoring NaN, in 8 lanes so the loop
// vectorizes; *has_nan (if given) tells whether the run holds a NaN.
template <typename T, bool IsMax = true>
T dense_extreme(const T* v, int64_t n, bool* has_nan = nullptr) {
  constexpr int64_t kLanes = 8;
  auto better = [](T a, T b) { return IsMax ? a > b : a < b; };
  T lane[kLanes];
  bool nan[kLanes] = {};
  for (int64_t l = 0; l < kLanes; ++l) lane[l] = v[0];
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int64_t l = 0; l < kLanes; ++l) {
      lane[l] = better(v[i + l], lane[l]) ? v[i + l] : lane[l];
      nan[l] |= v[i + l] != v[i + l];
    }
  for (; i < n; ++i) {
    lane[0] = better(v[i], lane[0]) ? v[i] : lane[0];
    nan[0] |= v[i] != v[i];
  }
  T m = lane[0];
  bool any = nan[0];
  for (int64_t l = 1; l < kLanes; ++l) {
    m = better(lane[l], m) || m != m ? lane[l] : m;
    any |= nan[l];
  }
  if (has_nan) *has_nan = any;
  return m;
}
// Max of a dense run, ignoring NaN; -inf when empty.
template <typename T>
T dense_max(const T* v, int64_t n) {
  return n == 0 ? T(-std::numeric_limits<T>::infinity()) : dense_extreme<T, true>(v, n);
}

// ---------------------------------------------------------------- lines
// Lines along one dim: outer has operands (out, in) over the other dims; every line
// has n elements with byte strides (out_stride, in_stride).
struct LineGeometry {
  Geometry outer;
  int64_t n = 0;
  int64_t out_stride = 0, in_stride = 0;
};

// What a line functor gets: `count` adjacent lines of n elements (element strides os, is
// along each line). When count > 1, line c starts c elements after line 0 in both
// operands, so loops over c vectorize (Note [Vertical reductions], for lines).
template <typename T>
struct Lines {
  T* out;
  const T* in;
  int64_t n, os, is, count;
};

// f(const Lines<T>&) over every line of out/in (both of element type T), lines in parallel.
template <typename T, typename F>
void line_loop(const LineGeometry& lg, char* out_base, const char* in_base, const F& f) {
  const int64_t lines = lg.outer.numel();
  if (lines == 0 || lg.n == 0) return;
  constexpr int64_t sz = sizeof(T);
  const int64_t n = lg.n, os = lg.out_stride / sz, is = lg.in_stride / sz;
  const int64_t s0 = lg.outer.sizes[0];
  const bool vertical = s0 > 1 && lg.outer.strides[0][0] == sz && lg.outer.strides[1][0] == sz && lg.in_stride != sz;
  const int64_t width = vertical ? kVerticalChunk : 1;
  const int64_t nchunks = vertical ? (s0 + width - 1) / width : lines;
  const int64_t items = vertical ? (lines / s0) * nchunks : lines;
  int64_t grain = std::max<int64_t>(1, kParallelGrain / (n * width));
  parallel_for(items, grain, [&](int64_t b, int64_t e) {
    for (int64_t item = b; item < e; ++item) {
      int64_t first = item, count = 1;
      if (vertical) {
        int64_t c0 = (item % nchunks) * width;
        first = (item / nchunks) * s0 + c0;
        count = std::min(width, s0 - c0);
      }
      int64_t rem = first, off_o = 0, off_i = 0;
      for (size_t d = 0; d < lg.outer.sizes.size(); ++d) {
        int64_t i = rem % lg.outer.sizes[d];
        rem /= lg.outer.sizes[d];
        off_o += i * lg.outer.strides[0][d];
        off_i += i * lg.outer.strides[1][d];
      }
      f(Lines<T>{reinterpret_cast<T*>(out_base + off_o), reinterpret_cast<const T*>(in_base + off_i), n, os, is,
                 count});
    }
  });
}

// Calls body(os, is) with compile-time unit strides when the line is dense (so it vectorizes).
template <typename T, typename Body>
void with_strides(const Lines<T>& L, const Body& body) {
  using one = std::integral_constant<int64_t, 1>;
  if (L.os == 1 && L.is == 1) body(one{}, one{});
  else body(L.os, L.is);
}

// ---------------------------------------------------------------- vectorizable math
// Note [Fast expf]: the softmax family needs exp over whole lines, and std::exp is a
// call per element. exp_fast is Cephes' expf (reduction by ln2 in two parts, a
// degree-6 polynomial, 2^n through the exponent bits) written with selects only, so
// loops over it vectorize. Error about 1 ulp for x <= 88; below -87.33 it flushes to
// 0 (no denormals), above 88 it gives inf; NaN stays NaN. The kernels call it with
// shifted arguments (x - max <= 0).
[[gnu::always_inline]] inline float exp_fast(float x) {
  constexpr float kHi = 88.0f, kLo = -87.33654475f;  // kLo = ln(2^-126)
  constexpr float kShifter = 12582912.0f;           // 1.5 * 2^23: adding it rounds to an integer
  float xc = x > kHi ? kHi : (x < kLo ? kLo : x);
  float t = xc * 1.44269504088896341f + kShifter;
  float n = t - kShifter;
  int32_t ni = std::bit_cast<int32_t>(t) - std::bit_cast<int32_t>(kShifter);
  float r = (xc - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  float y = p * std::bit_cast<float>((ni + 127) << 23);
  y = x < kLo ? 0.0f : y;
  y = x > kHi ? std::numeric_limits<float>::infinity() : y;
  return x != x ? x : y;
}
[[gnu::always_inline]] inline double exp_fast(double x) { return std::exp(x); }


// ---------------------------------------------------------------- reduction ops
// The Ops of the reductions in ops/reduce.cpp (see reduce_loop above for what an Ops
// supplies), and the line functors of its scans and normalizations. ops/reduce.cpp,
// which instantiates them, compiles without trapping math (Note [No trapping math]).

template <typename T> struct acc_type { using type = T; };
template <> struct acc_type<float> { using type = double; };
template <> struct acc_type<bool> { using type = int64_t; };
template <> struct acc_type<Half> { using type = float; };  // torch accumulates the storage floats in float
template <> struct acc_type<BFloat16> { using type = float; };

// Integer sums and products wrap like torch's (two's complement), without signed-overflow UB.
template <typename T> T wrap_add(T a, T b) {
  if constexpr (std::is_integral_v<T>) return (T)((uint64_t)a + (uint64_t)b);
  else return a + b;
}
template <typename T> T wrap_mul(T a, T b) {
  if constexpr (std::is_integral_v<T>) return (T)((uint64_t)a * (uint64_t)b);
  else return a * b;
}
template <typename out_t, typename acc_t> out_t cast_out(acc_t v) {
  if constexpr (std::is_same_v<out_t, bool>) return v != acc_t(0);
  else return static_cast<out_t>(v);
}

// sum, or mean when `mean` is set.
template <typename out_t, typename in_t, typename acc_t>
struct SumOps {
  static constexpr bool kVertical = true;
  bool mean = false;
  double count = 0;
  acc_t init() const { return acc_t(0); }
  acc_t step(acc_t a, in_t v, int64_t) const { return wrap_add(a, static_cast<acc_t>(v)); }
  acc_t run(acc_t a, const in_t* v, int64_t n, int64_t) const {
    if constexpr (std::is_floating_point_v<acc_t>) {
      return a + dense_sum<acc_t>(v, n);
    } else {
      for (int64_t i = 0; i < n; ++i) a = wrap_add(a, static_cast<acc_t>(v[i]));
      return a;
    }
  }
  acc_t combine(acc_t a, acc_t b) const { return wrap_add(a, b); }
  void write(char* const* o, acc_t a) const {
    if constexpr (std::is_floating_point_v<acc_t>) {
      if (mean) a = a / static_cast<acc_t>(count);  // 0 / 0 = nan for empty, as torch
    }
    *reinterpret_cast<out_t*>(o[0]) = cast_out<out_t>(a);
  }
};

template <typename T, typename acc_t, typename out_t = T>
struct ProdOps {
  static constexpr bool kVertical = true;
  acc_t init() const { return acc_t(1); }
  acc_t step(acc_t a, T v, int64_t) const { return wrap_mul(a, static_cast<acc_t>(v)); }
  acc_t combine(acc_t a, acc_t b) const { return wrap_mul(a, b); }
  void write(char* const* o, acc_t a) const { *reinterpret_cast<out_t*>(o[0]) = cast_out<out_t>(a); }
};

// max/min values; NaN wins (torch propagates it).
template <typename T, bool IsMax>
struct ExtremeOps {
  static constexpr bool kVertical = true;
  T init() const {
    if constexpr (std::is_same_v<T, bool>) return !IsMax;
    else if constexpr (is_float_v<T>)
      return IsMax ? T(-std::numeric_limits<T>::infinity()) : std::numeric_limits<T>::infinity();
    else return IsMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
  }
  T step(T acc, T v, int64_t) const {
    bool take = IsMax ? v > acc : v < acc;
    if constexpr (is_float_v<T>) take = take || v != v;
    return take ? v : acc;
  }
  T combine(T a, T b) const { return step(a, b, 0); }
  void write(char* const* o, T a) const { *reinterpret_cast<T*>(o[0]) = a; }
};

// max/min with the index of the first extreme element (of the first NaN, if any).
template <typename T, bool IsMax, bool WithValues>
struct ArgOps {
  static constexpr bool kVertical = true;
  struct acc_t {
    T v{};
    int64_t i = -1;
  };
  acc_t init() const { return acc_t{}; }
  static bool better(T v, T cur) {
    if constexpr (is_float_v<T>) {
      if (cur != cur) return false;
      if (v != v) return true;
    }
    return IsMax ? v > cur : v < cur;
  }
  acc_t step(acc_t a, T v, int64_t idx) const { return (a.i < 0 || better(v, a.v)) ? acc_t{v, idx} : a; }
  // A dense run: its extreme (vectorized), then the first index holding it (or the first NaN).
  acc_t run(acc_t a, const T* v, int64_t n, int64_t idx) const {
    if (n == 0) return a;
    bool nan = false;
    T m = dense_extreme<T, IsMax>(v, n, &nan);
    int64_t i = 0;
    if (nan) while (v[i] == v[i]) ++i;
    else while (v[i] != m) ++i;
    return combine(a, acc_t{v[i], idx + i});
  }
  acc_t combine(acc_t a, acc_t b) const {
    if (a.i < 0) return b;
    if (b.i < 0) return a;
    return better(b.v, a.v) ? b : a;
  }
  void write(char* const* o, acc_t a) const {
    if constexpr (WithValues) {
      *reinterpret_cast<T*>(o[0]) = a.v;
      *reinterpret_cast<int64_t*>(o[1]) = a.i;
    } else {
      *reinterpret_cast<int64_t*>(o[0]) = a.i;
    }
  }
};

template <typename T, bool IsAny>
struct AnyAllOps {
  static constexpr bool kVertical = true;
  bool init() const { return !IsAny; }
  bool step(bool a, T v, int64_t) const { return IsAny ? (a || v != T(0)) : (a && v != T(0)); }
  bool combine(bool a, bool b) const { return IsAny ? (a || b) : (a && b); }
  void write(char* const* o, bool a) const { *reinterpret_cast<bool*>(o[0]) = a; }
};

// Note [Variance]: each fixed block is folded in two passes (its mean, then the
// squared deviations from it, with the rounding correction of the deviations'
// sum), and blocks merge with Chan's formula, in double: accurate even when the
// mean is large against the spread, and deterministic.
template <typename T>
struct VarOps {
  static constexpr bool kVertical = true;
  struct acc_t {
    double n = 0, mean = 0, m2 = 0;
  };
  double correction = 1;
  bool take_sqrt = false;
  acc_t init() const { return acc_t{}; }
  acc_t block(acc_t, const BlockRef<T>& b) const {
    double s = 0;
    b.for_runs([&](const T* v, int64_t st, int64_t n, int64_t) {
      if (st == 1) s += dense_sum<double>(v, n);
      else for (int64_t i = 0; i < n; ++i) s += v[i * st];
    });
    acc_t r;
    r.n = (double)(b.end - b.begin);
    if (r.n == 0) return r;
    r.mean = s / r.n;
    double m2 = 0, c = 0;
    b.for_runs([&](const T* v, int64_t st, int64_t n, int64_t) {
      for (int64_t i = 0; i < n; ++i) {
        double d = (double)v[i * st] - r.mean;
        m2 += d * d;
        c += d;
      }
    });
    r.m2 = m2 - c * c / r.n;
    if (r.m2 < 0) r.m2 = 0;
    return r;
  }
  void rows(acc_t* part, int64_t cnt, const BlockRef<T>& b) const {
    double s[kVerticalChunk], m2[kVerticalChunk], d1[kVerticalChunk];
    const double n = (double)(b.end - b.begin);
    for (int64_t c = 0; c < cnt; ++c) { s[c] = 0; m2[c] = 0; d1[c] = 0; }
    b.for_runs([&](const T* v, int64_t st, int64_t len, int64_t) {
      for (int64_t i = 0; i < len; ++i)
        for (int64_t c = 0; c < cnt; ++c) s[c] += v[i * st + c];
    });
    for (int64_t c = 0; c < cnt; ++c) s[c] = n > 0 ? s[c] / n : 0;  // the mean
    b.for_runs([&](const T* v, int64_t st, int64_t len, int64_t) {
      for (int64_t i = 0; i < len; ++i)
        for (int64_t c = 0; c < cnt; ++c) {
          double d = (double)v[i * st + c] - s[c];
          m2[c] += d * d;
          d1[c] += d;
        }
    });
    for (int64_t c = 0; c < cnt; ++c) {
      double r = n > 0 ? m2[c] - d1[c] * d1[c] / n : 0;
      part[c] = acc_t{n, s[c], r < 0 ? 0 : r};
    }
  }
  acc_t combine(acc_t a, acc_t b) const {
    if (a.n == 0) return b;
    if (b.n == 0) return a;
    acc_t r;
    r.n = a.n + b.n;
    double d = b.mean - a.mean;
    r.mean = a.mean + d * (b.n / r.n);
    r.m2 = a.m2 + b.m2 + d * d * (a.n * b.n / r.n);
    return r;
  }
  void write(char* const* o, acc_t a) const {
    double v = a.m2 / std::max(0.0, a.n - correction);
    *reinterpret_cast<T*>(o[0]) = static_cast<T>(take_sqrt ? std::sqrt(v) : v);
  }
};

// Note [Logsumexp]: each block takes two passes, its max m and the sum of
// exp(x - m); blocks merge by rescaling to the larger max. A block whose max is
// +-inf shifts by 0 instead (torch's masking of infinite maxima), so rows of -inf
// give -inf and rows holding +inf give +inf, never inf - inf.
template <typename T>
struct LogsumexpOps {
  static constexpr bool kVertical = true;
  static constexpr double kNegInf = -std::numeric_limits<double>::infinity();
  struct acc_t {
    double m = kNegInf, s = 0;
  };
  static acc_t shifted(T m, double s) {
    return acc_t{m == -std::numeric_limits<T>::infinity() ? kNegInf : (std::isinf(m) ? 0.0 : (double)m), s};
  }
  acc_t init() const { return acc_t{}; }
  acc_t block(acc_t, const BlockRef<T>& b) const {
    T m = -std::numeric_limits<T>::infinity();
    b.for_runs([&](const T* v, int64_t st, int64_t n, int64_t) {
      if (st == 1) {
        T r = dense_max(v, n);
        m = r > m ? r : m;
      } else {
        for (int64_t i = 0; i < n; ++i) m = v[i * st] > m ? v[i * st] : m;
      }
    });
    const T shift = std::isinf(m) ? T(0) : m;
    double s = 0;
    b.for_runs([&](const T* v, int64_t st, int64_t n, int64_t) {
      constexpr int64_t kTmp = 256;
      T tmp[kTmp];
      for (int64_t j0 = 0; j0 < n; j0 += kTmp) {
        int64_t cnt = std::min(kTmp, n - j0);
        for (int64_t j = 0; j < cnt; ++j) tmp[j] = exp_fast(v[(j0 + j) * st] - shift);
        s += dense_sum<double>(tmp, cnt);
      }
    });
    return shifted(m, s);
  }
  void rows(acc_t* part, int64_t cnt, const BlockRef<T>& b) const {
    T m[kVerticalChunk], shift[kVerticalChunk];
    double s[kVerticalChunk];
    for (int64_t c = 0; c < cnt; ++c) { m[c] = -std::numeric_limits<T>::infinity(); s[c] = 0; }
    b.for_runs([&](const T* v, int64_t st, int64_t n, int64_t) {
      for (int64_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < cnt; ++c) m[c] = v[i * st + c] > m[c] ? v[i * st + c] : m[c];
    });
    for (int64_t c = 0; c < cnt; ++c) shift[c] = std::isinf(m[c]) ? T(0) : m[c];
    b.for_runs([&](const T* v, int64_t st, int64_t n, int64_t) {
      for (int64_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < cnt; ++c) s[c] += exp_fast(v[i * st + c] - shift[c]);
    });
    for (int64_t c = 0; c < cnt; ++c) part[c] = shifted(m[c], s[c]);
  }
  acc_t combine(acc_t a, acc_t b) const {
    if (a.s == 0) return b;  // nothing but -inf (or nothing) so far
    if (b.s == 0) return a;
    if (b.m > a.m) std::swap(a, b);
    a.s += a.m == b.m ? b.s : b.s * std::exp(b.m - a.m);
    return a;
  }
  void write(char* const* o, acc_t a) const { *reinterpret_cast<T*>(o[0]) = static_cast<T>(a.m + std::log(a.s)); }
};

// ---------------------------------------------------------------- line functors
// Inclusive sums along each line, from the end when `reverse` (cumsum and its backward).
template <typename T, typename acc_t>
void cumsum_lines(const Lines<T>& L, bool reverse) {
  if (L.count == 1) {
    acc_t s = 0;
    for (int64_t k = 0; k < L.n; ++k) {
      int64_t i = reverse ? L.n - 1 - k : k;
      s = wrap_add(s, static_cast<acc_t>(L.in[i * L.is]));
      L.out[i * L.os] = static_cast<T>(s);
    }
    return;
  }
  acc_t s[kVerticalChunk] = {};
  const int64_t C = L.count;
  for (int64_t k = 0; k < L.n; ++k) {
    int64_t i = reverse ? L.n - 1 - k : k;
    const T* xr = L.in + i * L.is;
    T* yr = L.out + i * L.os;
    for (int64_t c = 0; c < C; ++c) {
      s[c] = wrap_add(s[c], static_cast<acc_t>(xr[c]));
      yr[c] = static_cast<T>(s[c]);
    }
  }
}

// prod_{j != i} x_j for every element i of each line, by a prefix and a suffix
// product: exact with any number of zeros, no division.
template <typename T>
void prod_others_lines(const Lines<T>& L) {
  double p[kVerticalChunk];
  const int64_t C = L.count;
  for (int64_t c = 0; c < C; ++c) p[c] = 1;
  for (int64_t i = 0; i < L.n; ++i) {
    const T* xr = L.in + i * L.is;
    T* yr = L.out + i * L.os;
    for (int64_t c = 0; c < C; ++c) { yr[c] = static_cast<T>(p[c]); p[c] *= xr[c]; }
  }
  for (int64_t c = 0; c < C; ++c) p[c] = 1;
  for (int64_t i = L.n - 1; i >= 0; --i) {
    const T* xr = L.in + i * L.is;
    T* yr = L.out + i * L.os;
    for (int64_t c = 0; c < C; ++c) { yr[c] = static_cast<T>(yr[c] * p[c]); p[c] *= xr[c]; }
  }
}

// One or `count` adjacent lines of softmax / log_softmax: max, exp(x - max) and its
// sum (in double), then the scale. A NaN makes its line NaN through the sum.
// With a storage type R (float16 / bfloat16 lines computed in float), log_softmax
// rounds the sum and its log to R, as torch's last-dim kernel (Note [Reduced-float softmax]).
template <typename T, typename R>
T log_of_sum(double s) {
  if constexpr (std::is_same_v<R, T>) return static_cast<T>(std::log(s));
  else return static_cast<T>(R(std::log(static_cast<float>(R(static_cast<float>(s))))));
}
template <typename T, bool Log, typename R = T>
void softmax_lines(const Lines<T>& L) {
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  const int64_t n = L.n;
  if (L.count == 1) {
    with_strides(L, [&](auto os, auto is) {
      const T* x = L.in;
      T* y = L.out;
      T m = kNegInf;
      if (is == 1) m = dense_max(x, n);
      else for (int64_t i = 0; i < n; ++i) m = x[i * is] > m ? x[i * is] : m;
      for (int64_t i = 0; i < n; ++i) y[i * os] = exp_fast(x[i * is] - m);
      double s = 0;
      if (os == 1) s = dense_sum<double>(y, n);
      else for (int64_t i = 0; i < n; ++i) s += y[i * os];
      if constexpr (Log) {
        const T ls = log_of_sum<T, R>(s);
        for (int64_t i = 0; i < n; ++i) y[i * os] = (x[i * is] - m) - ls;
      } else {
        const T inv = static_cast<T>(1.0 / s);
        for (int64_t i = 0; i < n; ++i) y[i * os] *= inv;
      }
    });
    return;
  }
  const int64_t C = L.count;
  T m[kVerticalChunk], k[kVerticalChunk];
  double s[kVerticalChunk];
  for (int64_t c = 0; c < C; ++c) { m[c] = kNegInf; s[c] = 0; }
  for (int64_t i = 0; i < n; ++i) {
    const T* xr = L.in + i * L.is;
    for (int64_t c = 0; c < C; ++c) m[c] = xr[c] > m[c] ? xr[c] : m[c];
  }
  for (int64_t i = 0; i < n; ++i) {
    const T* xr = L.in + i * L.is;
    T* yr = L.out + i * L.os;
    for (int64_t c = 0; c < C; ++c) {
      T e = exp_fast(xr[c] - m[c]);
      yr[c] = e;
      s[c] += e;
    }
  }
  for (int64_t c = 0; c < C; ++c) k[c] = Log ? log_of_sum<T, R>(s[c]) : static_cast<T>(1.0 / s[c]);
  for (int64_t i = 0; i < n; ++i) {
    const T* xr = L.in + i * L.is;
    T* yr = L.out + i * L.os;
    for (int64_t c = 0; c < C; ++c) yr[c] = Log ? (xr[c] - m[c]) - k[c] : yr[c] * k[c];
  }
}

// float16 / bfloat16 lines: each line (or vertical chunk of lines) is widened into a
// per-thread float buffer, runs softmax_lines<float>, and is rounded back once, so no
// whole-tensor float copy is made (Note [Reduced-float softmax]).
template <typename S, bool Log, typename R = float>
void softmax_lines_reduced(const Lines<S>& L) {
  const int64_t n = L.n, C = L.count;
  thread_local std::vector<float> buf;
  if ((int64_t)buf.size() < 2 * n * C) buf.resize(2 * n * C);
  float* in = buf.data();
  float* out = in + n * C;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < C; ++c) in[i * C + c] = static_cast<float>(L.in[i * L.is + c]);
  softmax_lines<float, Log, R>(Lines<float>{out, in, n, C, C, C});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < C; ++c) L.out[i * L.os + c] = static_cast<S>(out[i * C + c]);
}

// float16 / bfloat16 softmax / log_softmax backward on float copies laid out as
// [outer, n, inner], as torch's CPU kernels: everything in float, the sum over the dim
// (of g * y, or of g) in float and in order per inner position, one rounding at the end.
template <bool Log>
void softmax_backward_float(const float* g, const float* y, float* gi, int64_t outer, int64_t n, int64_t inner) {
  std::unique_ptr<float[]> buf(new float[inner > 0 ? inner : 1]);
  float* s = buf.get();
  for (int64_t o = 0; o < outer; ++o) {
    const int64_t base = o * n * inner;
    for (int64_t j = 0; j < inner; ++j) s[j] = 0.f;
    for (int64_t i = 0; i < n; ++i) {
      const float* gr = g + base + i * inner;
      const float* yr = y + base + i * inner;
      for (int64_t j = 0; j < inner; ++j) {
        if constexpr (Log) s[j] += gr[j];
        else { const float p = gr[j] * yr[j]; s[j] += p; }
      }
    }
    for (int64_t i = 0; i < n; ++i) {
      const int64_t off = base + i * inner;
      for (int64_t j = 0; j < inner; ++j) {
        if constexpr (Log) { const float e = std::exp(y[off + j]) * s[j]; gi[off + j] = g[off + j] - e; }
        else gi[off + j] = y[off + j] * (g[off + j] - s[j]);
      }
    }
  }
}

}  // namespace pag::kernels
