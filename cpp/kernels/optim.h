// Fused multi-tensor optimizer updates: one generic driver, one functor per optimizer
// (kernels/optim/updates.h). Kernels see dense spans (param, grad and state laid out
// alike) and hyper-parameters, never Tensors.
//
// Note [Optimizer driver]: an update functor U declares
//   kSpec                       its name, whether it keeps a step counter, its state buffers;
//   Args(const OptimOptions&)   the hyper-parameters of one step, read once per call;
//   states_used(args)           bit k: state buffer k is read and written with these args;
//   Hyper<T>, hyper<T>(a, step) the scalars of one tensor in its dtype, computed once per
//                               tensor from its (already incremented) step;
//   kFlags, flags(a, fresh)     the run-time choices compiled as separate loops (bit k is
//                               the k-th bool of `element`);
//   element<kFma, flags...>(h, i, p, g, s0, s1, s2)   the update of element i.
// The ops side (ops/optim.cpp) validates, allocates lazily created state, stages
// non-dense operands and increments the steps; the driver (kernels/optim/update.cpp)
// splits all tensors' elements into parallel spans (Note [Multi-tensor split]) and
// runs `element` over each span in the loop built for the CPU: any x86-64, or AVX2 +
// FMA (kernels/optim/update_avx2.cpp, Note [ISA translation units]). A new optimizer
// is one functor and one entry in PAG_OPTIM_UPDATES, plus its Python class.
//
// Note [Optimizer rounding]: each update reproduces the rounding of torch's
// `_single_tensor_*` code on CPU, op by op, so trajectories agree bit for bit
// where the hardware does: scalars are cast to the tensor dtype as torch's
// wrapped numbers are, and the places where ATen's vectorized kernels use a
// fused multiply-add (add with alpha, lerp, addcmul) use `madd`, which is an FMA
// in the AVX2+FMA build (torch's AVX2/AVX-512 kernels) and a*b+c without FMA
// hardware (torch's DEFAULT kernels). Everything else (addcdiv, div, sqrt) is
// plain arithmetic, and the update files are built with -ffp-contract=off, so the
// compiler never fuses an a*b+c that torch rounds twice (CMakeLists.txt). SGD
// matches torch bit for bit. Adam's and RMSprop's sqrt is the one exception:
// torch takes it from MKL's VML, which is off the correctly rounded sqrt used
// here by one ulp for about a sixth of float32 inputs, so those trajectories
// agree to a few ulps rather than exactly.
#pragma once
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/dtype.h"

namespace pag::kernels {

constexpr int kMaxOptimStates = 3;

// The hyper-parameters of one step by name, as the Python class passes them (bools as 0/1).
struct OptimOptions {
  std::vector<std::pair<std::string, double>> items;
  double get(const char* name) const;  // throws naming the missing hyper-parameter
  bool flag(const char* name) const { return get(name) != 0; }
};

// One state buffer an update keeps per parameter: its name and its list's name in messages.
struct OptimState {
  const char* name;
  const char* list_name;
};

struct OptimSpec {
  const char* name;  // the op in error messages ("sgd")
  bool has_step;     // a step counter tensor per parameter, incremented before the update
  int num_states;
  OptimState states[kMaxOptimStates];
};

// One parameter's operands: n elements each, the same memory order.
struct OptimTensor {
  void* param;
  const void* grad;
  void* state[kMaxOptimStates];  // null where the update does not use the state
  int64_t n;
  double step;     // the incremented step (has_step)
  unsigned fresh;  // bit k: state k was created for this step and holds no values yet
};

// A registered update (kernels/optim/update.cpp).
struct OptimUpdate {
  const OptimSpec* spec;
  unsigned (*states_used)(const OptimOptions&);
  void (*update)(Dtype, const OptimOptions&, const std::vector<OptimTensor>&);
};

// The update named `name`, or null.
const OptimUpdate* find_optim_update(const std::string& name);

// ---- the driver's loops, instantiated once per ISA file

namespace optim_impl {

template <bool kFma, typename T>
inline T madd(T a, T b, T c) {
  if constexpr (kFma) return std::fma(a, b, c);
  else return a * b + c;
}

// torch's lerp(start, end, w) with lw = w for |w| < 0.5 (start + w*(end-start)), else
// lw = w - 1 (end + (w-1)*(end-start)); small_w = lerp_small(w).
template <bool kFma, typename T>
inline T lerp(T start, T end, T lw, bool small_w) {
  return madd<kFma>(lw, end - start, small_w ? start : end);
}
template <typename T>
inline bool lerp_small(T w) {
  return (w < T(0) ? -w : w) < T(0.5);
}

// Runs fn(tensor_index, begin, end) over the concatenation of all tensors' elements
// (kernels/optim/update.cpp; Note [Multi-tensor split]).
void multi_tensor_apply(const std::vector<int64_t>& sizes,
                        const std::function<void(size_t, int64_t, int64_t)>& fn);

template <class U, bool kFma, bool... kF, typename T, typename H>
void span_loop(const H& h, int64_t n, T* __restrict p, const T* __restrict g, T* __restrict s0,
               T* __restrict s1, T* __restrict s2) {
  const H hl = h;  // a local copy: the stores below cannot alias the scalars
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) U::template element<kFma, kF...>(hl, i, p, g, s0, s1, s2);
}

// Elements [lo, hi) of one tensor, in the loop compiled for its flags (bit k: the k-th bool).
template <class U, bool kFma, typename T, int I = 0, bool... kF>
void span(const typename U::template Hyper<T>& h, unsigned flags, const OptimTensor& t, int64_t lo, int64_t hi) {
  if constexpr (I == U::kFlags) {
    auto at = [&](int k) { return t.state[k] ? static_cast<T*>(t.state[k]) + lo : nullptr; };
    span_loop<U, kFma, kF...>(h, hi - lo, static_cast<T*>(t.param) + lo, static_cast<const T*>(t.grad) + lo, at(0),
                              at(1), at(2));
  } else if (flags >> I & 1u) {
    span<U, kFma, T, I + 1, kF..., true>(h, flags, t, lo, hi);
  } else {
    span<U, kFma, T, I + 1, kF..., false>(h, flags, t, lo, hi);
  }
}

}  // namespace optim_impl

// The AVX2 + FMA build of optim_impl::span (kernels/optim/update_avx2.cpp).
template <class U, typename T>
void span_avx2(const typename U::template Hyper<T>& h, unsigned flags, const OptimTensor& t, int64_t lo, int64_t hi);

}  // namespace pag::kernels
