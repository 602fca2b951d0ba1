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

}  // namespace pag::kernels
