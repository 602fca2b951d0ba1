// The optimizer update functors run by the multi-tensor driver (Note [Optimizer driver]),
// each with torch's update op by op (Note [Optimizer rounding]). A new optimizer is a
// functor here and its entry in PAG_OPTIM_UPDATES at the end of this file.
#pragma once
#include <cmath>

#include "kernels/optim.h"

namespace pag::kernels {

// torch.optim.SGD (_single_tensor_sgd):
//   g = maximize ? -grad : grad; g = g.add(p, alpha=wd);
//   buf = g.clone() (first step) | buf.mul_(momentum).add_(g, alpha=1-dampening);
//   g = nesterov ? g.add(buf, alpha=momentum) : buf; p.add_(g, alpha=-lr)
struct SgdUpdate {
  static constexpr OptimSpec kSpec{"sgd", false, 1, {{"momentum_buffer", "momentum buffers"}}};

  struct Args {
    double lr, momentum, dampening, weight_decay;
    bool nesterov, maximize;
    explicit Args(const OptimOptions& o)
        : lr(o.get("lr")), momentum(o.get("momentum")), dampening(o.get("dampening")),
          weight_decay(o.get("weight_decay")), nesterov(o.flag("nesterov")), maximize(o.flag("maximize")) {}
  };
  static unsigned states_used(const Args& a) { return a.momentum != 0 ? 1u : 0u; }

  template <typename T>
  struct Hyper {
    T sign, wd, mom, damp1, neg_lr;
  };
  template <typename T>
  static Hyper<T> hyper(const Args& a, double) {
    return {a.maximize ? T(-1) : T(1), (T)a.weight_decay, (T)a.momentum, (T)(1 - a.dampening), (T)(-a.lr)};
  }

  static constexpr int kFlags = 4;
  static unsigned flags(const Args& a, unsigned fresh) {
    return (a.weight_decay != 0) | (a.momentum != 0) << 1 | (fresh & 1u) << 2 | a.nesterov << 3;
  }

  template <bool kFma, bool kWd, bool kMomentum, bool kFirst, bool kNesterov, typename T>
  static void element(const Hyper<T>& h, int64_t i, T* p, const T* g, T* buf, T*, T*) {
    using optim_impl::madd;
    T d = h.sign * g[i];
    const T pv = p[i];
    if constexpr (kWd) d = madd<kFma>(h.wd, pv, d);
    if constexpr (kMomentum) {
      T b;
      if constexpr (kFirst) b = d;
      else b = madd<kFma>(h.damp1, d, buf[i] * h.mom);
      buf[i] = b;
      if constexpr (kNesterov) d = madd<kFma>(h.mom, b, d);
      else d = b;
    }
    p[i] = madd<kFma>(h.neg_lr, d, pv);
  }
};

// torch.optim.Adam / AdamW (_single_tensor_adam):
//   step += 1; g = maximize ? -grad : grad; p.mul_(1 - lr*wd) (decoupled) | g = g.add(p, alpha=wd);
//   m.lerp_(g, 1-beta1); v.mul_(beta2).addcmul_(g, g, value=1-beta2);
//   vmax = maximum(vmax, v) (amsgrad); denom = (sqrt(v or vmax) / bc2_sqrt).add_(eps);
//   p.addcdiv_(m, denom, value=-step_size)
// with step_size = lr / (1 - beta1^step), bc2_sqrt = (1 - beta2^step)^0.5 in double, as
// torch's Python code computes them.
struct AdamUpdate {
  static constexpr OptimSpec kSpec{"adam", true, 3,
                                   {{"exp_avg", "exp_avgs"}, {"exp_avg_sq", "exp_avg_sqs"},
                                    {"max_exp_avg_sq", "max_exp_avg_sqs"}}};

  struct Args {
    double lr, beta1, beta2, eps, weight_decay;
    bool amsgrad, maximize, decoupled_weight_decay;
    explicit Args(const OptimOptions& o)
        : lr(o.get("lr")), beta1(o.get("beta1")), beta2(o.get("beta2")), eps(o.get("eps")),
          weight_decay(o.get("weight_decay")), amsgrad(o.flag("amsgrad")), maximize(o.flag("maximize")),
          decoupled_weight_decay(o.flag("decoupled_weight_decay")) {}
  };
  static unsigned states_used(const Args& a) { return a.amsgrad ? 7u : 3u; }

  template <typename T>
  struct Hyper {
    T sign, wd, decay, lw, b2, c2, bc2s, eps, neg_step;
    bool small_w;
  };
  template <typename T>
  static Hyper<T> hyper(const Args& a, double step) {
    const T w = (T)(1 - a.beta1);
    const bool small_w = optim_impl::lerp_small(w);
    const double step_size = a.lr / (1 - std::pow(a.beta1, step));
    const double bc2_sqrt = std::pow(1 - std::pow(a.beta2, step), 0.5);
    return {a.maximize ? T(-1) : T(1), (T)a.weight_decay, (T)(1 - a.lr * a.weight_decay), small_w ? w : w - T(1),
            (T)a.beta2, (T)(1 - a.beta2), (T)bc2_sqrt, (T)a.eps, (T)(-step_size), small_w};
  }

  static constexpr int kFlags = 3;
  static unsigned flags(const Args& a, unsigned) {
    const bool wd = a.weight_decay != 0;
    return wd | (wd && a.decoupled_weight_decay) << 1 | a.amsgrad << 2;
  }

  template <bool kFma, bool kWd, bool kDecoupled, bool kAmsgrad, typename T>
  static void element(const Hyper<T>& h, int64_t i, T* p, const T* g, T* m_, T* v_, T* vmax) {
    using optim_impl::madd;
    T d = h.sign * g[i];
    T pv = p[i];
    if constexpr (kWd) {
      if constexpr (kDecoupled) pv = pv * h.decay;
      else d = madd<kFma>(h.wd, pv, d);
    }
    const T m0 = m_[i];
    const T m = optim_impl::lerp<kFma>(m0, d, h.lw, h.small_w);
    m_[i] = m;
    const T v = madd<kFma>(h.c2 * d, d, v_[i] * h.b2);
    v_[i] = v;
    T s = v;
    if constexpr (kAmsgrad) {
      const T x = vmax[i];
      s = (x < v || v != v) ? v : x;  // torch.maximum: NaN propagates
      vmax[i] = s;
    }
    const T denom = std::sqrt(s) / h.bc2s + h.eps;
    p[i] = pv + (h.neg_step * m) / denom;
  }
};

// torch.optim.RMSprop (_single_tensor_rmsprop):
//   step += 1; g = maximize ? -grad : grad; g = g.add(p, alpha=wd);
//   sq.mul_(alpha).addcmul_(g, g, value=1-alpha);
//   centered: ga.lerp_(g, 1-alpha); avg = sq.addcmul(ga, ga, value=-1).sqrt_()  else avg = sq.sqrt();
//   avg.add_(eps);
//   momentum > 0: buf.mul_(momentum).addcdiv_(g, avg); p.add_(buf, alpha=-lr)
//   else:         p.addcdiv_(g, avg, value=-lr)
struct RmspropUpdate {
  static constexpr OptimSpec kSpec{"rmsprop", true, 3,
                                   {{"square_avg", "square_avgs"}, {"momentum_buffer", "momentum buffers"},
                                    {"grad_avg", "grad_avgs"}}};

  struct Args {
    double lr, alpha, eps, weight_decay, momentum;
    bool centered, maximize;
    explicit Args(const OptimOptions& o)
        : lr(o.get("lr")), alpha(o.get("alpha")), eps(o.get("eps")), weight_decay(o.get("weight_decay")),
          momentum(o.get("momentum")), centered(o.flag("centered")), maximize(o.flag("maximize")) {}
  };
  static unsigned states_used(const Args& a) { return 1u | (a.momentum > 0) << 1 | a.centered << 2; }

  template <typename T>
  struct Hyper {
    T sign, wd, alpha, c, lw, eps, mom, neg_lr;
    bool small_w;
  };
  template <typename T>
  static Hyper<T> hyper(const Args& a, double) {
    const T w = (T)(1 - a.alpha);
    const bool small_w = optim_impl::lerp_small(w);
    return {a.maximize ? T(-1) : T(1), (T)a.weight_decay, (T)a.alpha, w, small_w ? w : w - T(1),
            (T)a.eps, (T)a.momentum, (T)(-a.lr), small_w};
  }

  static constexpr int kFlags = 3;
  static unsigned flags(const Args& a, unsigned) {
    return (a.weight_decay != 0) | (a.momentum > 0) << 1 | a.centered << 2;
  }

  template <bool kFma, bool kWd, bool kMomentum, bool kCentered, typename T>
  static void element(const Hyper<T>& h, int64_t i, T* p, const T* g, T* sq_, T* buf, T* ga_) {
    using optim_impl::madd;
    T d = h.sign * g[i];
    const T pv = p[i];
    if constexpr (kWd) d = madd<kFma>(h.wd, pv, d);
    const T sq = madd<kFma>(h.c * d, d, sq_[i] * h.alpha);
    sq_[i] = sq;
    T avg;
    if constexpr (kCentered) {
      const T ga = optim_impl::lerp<kFma>(ga_[i], d, h.lw, h.small_w);
      ga_[i] = ga;
      avg = std::sqrt(madd<kFma>(-ga, ga, sq));
    } else {
      avg = std::sqrt(sq);
    }
    avg = avg + h.eps;
    if constexpr (kMomentum) {
      const T b = buf[i] * h.mom + d / avg;
      buf[i] = b;
      p[i] = madd<kFma>(h.neg_lr, b, pv);
    } else {
      p[i] = pv + (h.neg_lr * d) / avg;
    }
  }
};

// Every update the driver runs, by kSpec.name (kernels/optim/update.cpp, update_avx2.cpp).
#define PAG_OPTIM_UPDATES(X) X(SgdUpdate) X(AdamUpdate) X(RmspropUpdate)

}  // namespace pag::kernels
