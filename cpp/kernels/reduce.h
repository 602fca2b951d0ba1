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
#include <cmath>
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
//   acc_t step(acc_t, in_t v, int64_t index)            element by element (required for kVertical), with an
//   optional acc_t run(acc_t, const in_t* v, int64_t n, int64_t index) for dense runs, or
//   acc_t block(acc_t, const BlockRef<in_t>&)           a whole block at once (multi-pass folds).
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
        for (int64_t c = 0; c < cnt; ++c) part[c] = ops.init();
        block(ip, k).for_runs([&](const in_t* v, int64_t st, int64_t n, int64_t idx) {
          for (int64_t i = 0; i < n; ++i) {
            const in_t* row = v + i * st;
            for (int64_t c = 0; c < cnt; ++c) part[c] = ops.step(part[c], row[c], idx + i);
          }
        });
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

// ---------------------------------------------------------------- lines
// Lines along one dim: outer has operands (out, in) over the other dims; every line
// has n elements with byte strides (out_stride, in_stride).
struct LineGeometry {
  Geometry outer;
  int64_t n = 0;
  int64_t out_stride = 0, in_stride = 0;
};

// f(char* out, const char* in, n, out_stride_bytes, in_stride_bytes) once per line, lines in parallel.
template <typename F>
void line_loop(const LineGeometry& lg, char* out_base, const char* in_base, const F& f) {
  const int64_t lines = lg.outer.numel();
  if (lines == 0 || lg.n == 0) return;
  int64_t grain = std::max<int64_t>(1, kParallelGrain / lg.n);
  parallel_for(lines, grain, [&](int64_t b, int64_t e) {
    char* base[2] = {out_base, const_cast<char*>(in_base)};
    run_range(lg.outer, base, b, e, [&](char** p, const int64_t* s, int64_t cnt) {
      for (int64_t i = 0; i < cnt; ++i) f(p[0] + i * s[0], p[1] + i * s[1], lg.n, lg.out_stride, lg.in_stride);
    });
  });
}

}  // namespace pag::kernels
