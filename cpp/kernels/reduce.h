// The reduction driver: for each output element, fold the input elements that map
// to it. Kernels get raw pointers and geometries only. Work is split over outputs,
// or, for a few outputs with long reductions, over fixed-size blocks of the
// reduced range whose partial results are combined in order, so the association
// (and the result) does not depend on the number of threads.
#pragma once
#include <vector>

#include "kernels/loops.h"

namespace pag::kernels {

struct ReduceGeometry {
  Geometry outer;   // kept dims; operands: (out, in)
  Geometry inner;   // reduced dims; operand: in
  int64_t num_out() const { return outer.numel(); }
  int64_t num_red() const { return inner.numel(); }
};

constexpr int64_t kReduceBlock = 16384;  // fixed block of the reduced range (determinism)

// Ops: acc_t init(); acc_t step(acc_t, in_t, int64_t index); acc_t combine(acc_t, acc_t); out_t finish(acc_t)
template <typename out_t, typename in_t, typename acc_t, typename Ops>
void reduce_loop(const ReduceGeometry& rg, char* out_base, const char* in_base, const Ops& ops) {
  const int64_t num_out = rg.num_out(), num_red = rg.num_red();
  auto fold = [&](const char* in0, int64_t rb, int64_t re, acc_t acc) {
    char* base[1] = {const_cast<char*>(in0)};
    int64_t idx = rb;
    run_range(rg.inner, base, rb, re, [&](char** p, const int64_t* s, int64_t n) {
      const char* q = p[0];
      if (s[0] == sizeof(in_t)) {
        const in_t* v = reinterpret_cast<const in_t*>(q);
        for (int64_t i = 0; i < n; ++i) acc = ops.step(acc, v[i], idx + i);
      } else {
        for (int64_t i = 0; i < n; ++i) acc = ops.step(acc, *reinterpret_cast<const in_t*>(q + i * s[0]), idx + i);
      }
      idx += n;
    });
    return acc;
  };
  // Location of output o and of its first input element.
  auto locate = [&](int64_t o, char*& op, const char*& ip) {
    int64_t rem = o;
    int64_t off_out = 0, off_in = 0;
    for (size_t d = 0; d < rg.outer.sizes.size(); ++d) {
      int64_t i = rem % rg.outer.sizes[d];
      rem /= rg.outer.sizes[d];
      off_out += i * rg.outer.strides[0][d];
      off_in += i * rg.outer.strides[1][d];
    }
    op = out_base + off_out;
    ip = in_base + off_in;
  };
  if (num_out >= 2 * num_threads() || num_red < 2 * kReduceBlock) {
    int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(num_red, 1));
    parallel_for(num_out, grain, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        char* op;
        const char* ip;
        locate(o, op, ip);
        acc_t acc = ops.init();
        if (num_red <= kReduceBlock) {
          acc = fold(ip, 0, num_red, acc);
        } else {
          for (int64_t rb = 0; rb < num_red; rb += kReduceBlock)
            acc = ops.combine(acc, fold(ip, rb, std::min(num_red, rb + kReduceBlock), ops.init()));
        }
        *reinterpret_cast<out_t*>(op) = ops.finish(acc);
      }
    });
  } else {
    int64_t nblocks = (num_red + kReduceBlock - 1) / kReduceBlock;
    for (int64_t o = 0; o < num_out; ++o) {
      char* op;
      const char* ip;
      locate(o, op, ip);
      std::vector<acc_t> partial(nblocks);
      parallel_for(nblocks, 1, [&](int64_t b, int64_t e) {
        for (int64_t k = b; k < e; ++k)
          partial[k] = fold(ip, k * kReduceBlock, std::min(num_red, (k + 1) * kReduceBlock), ops.init());
      });
      acc_t acc = ops.init();
      for (int64_t k = 0; k < nblocks; ++k) acc = ops.combine(acc, partial[k]);
      *reinterpret_cast<out_t*>(op) = ops.finish(acc);
    }
  }
}

}  // namespace pag::kernels
