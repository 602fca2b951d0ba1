// Fused multi-tensor optimizer updates. Kernels see dense spans (param, grad and
// state laid out alike) and hyper-parameters, never Tensors.
//
// Note [Optimizer rounding]: each update reproduces the rounding of torch's
// `_single_tensor_*` code on CPU, op by op, so trajectories agree bit for bit
// where the hardware does: scalars are cast to the tensor dtype as torch's
// wrapped numbers are, and the places where ATen's vectorized kernels use a
// fused multiply-add (add with alpha, lerp, addcmul) use `madd`, which is an FMA
// in the AVX2+FMA build (torch's AVX2/AVX-512 kernels) and a*b+c without FMA
// hardware (torch's DEFAULT kernels). Everything else (addcdiv, div, sqrt) is
// plain arithmetic; no other a*b+c pattern appears, so compiler contraction
// cannot change the result. SGD matches torch bit for bit. Adam's sqrt is the
// one exception: torch takes it from MKL's VML, which is off the correctly
// rounded sqrt used here by one ulp for about a sixth of float32 inputs, so
// Adam/AdamW trajectories agree to a few ulps rather than exactly.
#pragma once
#include <cmath>
#include <cstdint>
#include <functional>
#include <type_traits>
#include <vector>

#include "core/dtype.h"

namespace pag::kernels {

// ---- the public entry points (kernels/optim/update.cpp dispatches on the CPU)

// One parameter's SGD operands: n elements each, the same memory order.
struct SgdTensor {
  void* param;
  const void* grad;
  void* momentum_buffer;  // null when momentum == 0
  int64_t n;
  bool init_buffer;       // first step: the buffer receives the (decayed) gradient
};
struct SgdArgs {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
};
void sgd_update(Dtype dtype, const SgdArgs& args, const std::vector<SgdTensor>& tensors);

// One parameter's Adam operands and its bias-corrected step scalars.
struct AdamTensor {
  void* param;
  const void* grad;
  void* exp_avg;
  void* exp_avg_sq;
  void* max_exp_avg_sq;  // null unless amsgrad
  int64_t n;
  double step_size;      // lr / (1 - beta1^step)
  double bias_correction2_sqrt;
};
struct AdamArgs {
  double lr, beta1, beta2, eps, weight_decay;
  bool amsgrad, maximize, decoupled_weight_decay;
};
void adam_update(Dtype dtype, const AdamArgs& args, const std::vector<AdamTensor>& tensors);

// ---- implementation, instantiated once per ISA file

namespace optim_impl {

template <bool kFma, typename T>
inline T madd(T a, T b, T c) {
  if constexpr (kFma) return std::fma(a, b, c);
  else return a * b + c;
}

// Runs fn(tensor_index, begin, end) over the concatenation of all tensors' elements
// (kernels/optim/update.cpp; Note [Multi-tensor split]).
void multi_tensor_apply(const std::vector<int64_t>& sizes,
                        const std::function<void(size_t, int64_t, int64_t)>& fn);

// torch: g = maximize ? -grad : grad; g = g.add(p, alpha=wd);
//        buf = g.clone() (first step) | buf.mul_(momentum).add_(g, alpha=1-dampening);
//        g = nesterov ? g.add(buf, alpha=momentum) : buf; p.add_(g, alpha=-lr)
template <bool kFma, bool kWd, int kMomentum /*0 none, 1 first step, 2 later*/, bool kNesterov, typename T>
void sgd_span(T* __restrict p, const T* __restrict g, T* __restrict buf, int64_t n, T sign, T wd, T mom,
              T damp1, T neg_lr) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    T d = sign * g[i];
    const T pv = p[i];
    if constexpr (kWd) d = madd<kFma>(wd, pv, d);
    if constexpr (kMomentum != 0) {
      T b;
      if constexpr (kMomentum == 1) b = d;
      else b = madd<kFma>(damp1, d, buf[i] * mom);
      buf[i] = b;
      if constexpr (kNesterov) d = madd<kFma>(mom, b, d);
      else d = b;
    }
    p[i] = madd<kFma>(neg_lr, d, pv);
  }
}

// Elements [lo, hi) of one parameter.
template <bool kFma, typename T>
void sgd_run(const SgdArgs& a, const SgdTensor& t, int64_t lo, int64_t hi) {
  const T sign = a.maximize ? T(-1) : T(1), wd = (T)a.weight_decay, mom = (T)a.momentum,
          damp1 = (T)(1 - a.dampening), neg_lr = (T)(-a.lr);
  T* p = static_cast<T*>(t.param) + lo;
  const T* g = static_cast<const T*>(t.grad) + lo;
  T* buf = a.momentum != 0 ? static_cast<T*>(t.momentum_buffer) + lo : nullptr;
  const int64_t n = hi - lo;
  auto go = [&](auto wd_c, auto mom_c, auto nest_c) {
    sgd_span<kFma, decltype(wd_c)::value, decltype(mom_c)::value, decltype(nest_c)::value>(p, g, buf, n, sign, wd,
                                                                                        mom, damp1, neg_lr);
  };
  auto with_mom = [&](auto wd_c) {
    using I0 = std::integral_constant<int, 0>;
    using I1 = std::integral_constant<int, 1>;
    using I2 = std::integral_constant<int, 2>;
    if (a.momentum == 0) return go(wd_c, I0{}, std::false_type{});
    if (t.init_buffer) return a.nesterov ? go(wd_c, I1{}, std::true_type{}) : go(wd_c, I1{}, std::false_type{});
    return a.nesterov ? go(wd_c, I2{}, std::true_type{}) : go(wd_c, I2{}, std::false_type{});
  };
  if (a.weight_decay != 0) with_mom(std::true_type{});
  else with_mom(std::false_type{});
}

// torch: g = maximize ? -grad : grad; p.mul_(1 - lr*wd) (decoupled) | g = g.add(p, alpha=wd);
//        m.lerp_(g, 1-beta1); v.mul_(beta2).addcmul_(g, g, value=1-beta2);
//        vmax = maximum(vmax, v) (amsgrad); denom = (sqrt(v or vmax) / bc2_sqrt).add_(eps);
//        p.addcdiv_(m, denom, value=-step_size)
template <bool kFma, bool kWd, bool kDecoupled, bool kAmsgrad, typename T>
void adam_span(T* __restrict p, const T* __restrict g, T* __restrict m_, T* __restrict v_, T* __restrict vmax,
               int64_t n, T sign, T wd, T decay, bool small_w, T w, T b2, T c2, T bc2s, T eps, T neg_step) {
  // torch's lerp: start + w*(end-start) for |w| < 0.5, else end + (w-1)*(end-start)
  const T lw = small_w ? w : w - T(1);
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    T d = sign * g[i];
    T pv = p[i];
    if constexpr (kWd) {
      if constexpr (kDecoupled) pv = pv * decay;
      else d = madd<kFma>(wd, pv, d);
    }
    const T m0 = m_[i];
    const T m = madd<kFma>(lw, d - m0, small_w ? m0 : d);
    m_[i] = m;
    const T v = madd<kFma>(c2 * d, d, v_[i] * b2);
    v_[i] = v;
    T s = v;
    if constexpr (kAmsgrad) {
      const T x = vmax[i];
      s = (x < v || v != v) ? v : x;  // torch.maximum: NaN propagates
      vmax[i] = s;
    }
    const T denom = std::sqrt(s) / bc2s + eps;
    p[i] = pv + (neg_step * m) / denom;
  }
}

// Elements [lo, hi) of one parameter.
template <bool kFma, typename T>
void adam_run(const AdamArgs& a, const AdamTensor& t, int64_t lo, int64_t hi) {
  const T sign = a.maximize ? T(-1) : T(1), wd = (T)a.weight_decay, decay = (T)(1 - a.lr * a.weight_decay),
          w = (T)(1 - a.beta1), b2 = (T)a.beta2, c2 = (T)(1 - a.beta2), eps = (T)a.eps;
  const bool small_w = (w < T(0) ? -w : w) < T(0.5);
  T* p = static_cast<T*>(t.param) + lo;
  const T* g = static_cast<const T*>(t.grad) + lo;
  T* m = static_cast<T*>(t.exp_avg) + lo;
  T* v = static_cast<T*>(t.exp_avg_sq) + lo;
  T* vmax = a.amsgrad ? static_cast<T*>(t.max_exp_avg_sq) + lo : nullptr;
  const T bc2s = (T)t.bias_correction2_sqrt, neg_step = (T)(-t.step_size);
  auto go = [&](auto wd_c, auto dec_c, auto ams_c) {
    adam_span<kFma, decltype(wd_c)::value, decltype(dec_c)::value, decltype(ams_c)::value>(
        p, g, m, v, vmax, hi - lo, sign, wd, decay, small_w, w, b2, c2, bc2s, eps, neg_step);
  };
  auto with_ams = [&](auto wd_c, auto dec_c) {
    if (a.amsgrad) go(wd_c, dec_c, std::true_type{});
    else go(wd_c, dec_c, std::false_type{});
  };
  if (a.weight_decay == 0) with_ams(std::false_type{}, std::false_type{});
  else if (a.decoupled_weight_decay) with_ams(std::true_type{}, std::true_type{});
  else with_ams(std::true_type{}, std::false_type{});
}

// Dispatch on dtype for one span; each ISA file instantiates these once.
template <bool kFma>
void sgd_span_any(Dtype d, const SgdArgs& a, const SgdTensor& t, int64_t lo, int64_t hi) {
  if (d == Dtype::Float64) sgd_run<kFma, double>(a, t, lo, hi);
  else sgd_run<kFma, float>(a, t, lo, hi);
}
template <bool kFma>
void adam_span_any(Dtype d, const AdamArgs& a, const AdamTensor& t, int64_t lo, int64_t hi) {
  if (d == Dtype::Float64) adam_run<kFma, double>(a, t, lo, hi);
  else adam_run<kFma, float>(a, t, lo, hi);
}

}  // namespace optim_impl
}  // namespace pag::kernels
