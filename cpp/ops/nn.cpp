// nn ops: activations and losses. Each forward is one fused elementwise kernel
// (plus the reduction), each backward is an op of its own with a fused kernel and
// a rule written with differentiable ops, so create_graph=True gives second
// derivatives with torch's node names (MseLossBackwardBackward0, ...).
#include "ops/nn.h"

#include <atomic>
#include <cmath>
#include <limits>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "kernels/loops.h"
#include "kernels/nn.h"
#include "ops/iter.h"
#include "ops/ops.h"

namespace pag {

namespace {

void check_floating(Dtype d, const char* kernel) {
  if (!is_floating(d))
    throw NotImplementedError(str_cat("\"", kernel, "\" not implemented for '", scalar_type_name(d), "'"));
}

void check_reduction(int64_t r) {
  if (r < kReductionNone || r > kReductionSum) throw ValueError(str_cat(r, " is not a valid value for reduction"));
}

// A kernel operand in dtype d, converted without recording (the graph is recorded on the original).
Tensor operand_as(const Tensor& t, Dtype d) {
  if (t.dtype() == d) return t;
  AutoGradMode no(false);
  return to_dtype(t, d);
}

// Floating results only: `kernel` is the name torch's "not implemented for" error uses.
template <typename Op>
Tensor map1(const char* kernel, const Tensor& a_in, Dtype d, const Op& op) {
  check_floating(d, kernel);
  Tensor a = operand_as(a_in, d);
  Tensor out = empty_for(a.sizes(), d, {&a_in});
  if (out.numel() == 0) return out;
  auto g = make_geometry(out, {&a});
  auto p = operand_ptrs(out, {&a});
  PAG_DISPATCH_FLOATING(d, kernel, [&] { kernels::unary_loop<scalar_t, scalar_t>(g, p.p, op); });
  return out;
}

template <typename Op>
Tensor map2(const char* kernel, const Tensor& a_in, const Tensor& b_in, Dtype d, const Op& op) {
  check_floating(d, kernel);
  DimVec shape = a_in.sizes() == b_in.sizes() ? a_in.sizes() : broadcast_shapes(a_in.sizes(), b_in.sizes());
  Tensor a = operand_as(a_in, d), b = operand_as(b_in, d);
  Tensor out = empty_for(shape, d, {&a_in, &b_in});
  if (out.numel() == 0) return out;
  auto g = make_geometry(out, {&a, &b});
  auto p = operand_ptrs(out, {&a, &b});
  PAG_DISPATCH_FLOATING(d, kernel, [&] { kernels::binary_loop<scalar_t, scalar_t>(g, p.p, op); });
  return out;
}

// out = op(a, b, c) (kernels::map3_loop).
template <typename Op>
Tensor map3(const char* kernel, const Tensor& a_in, const Tensor& b_in, const Tensor& c_in, Dtype d, const Op& op) {
  check_floating(d, kernel);
  DimVec shape = broadcast_shapes(broadcast_shapes(a_in.sizes(), b_in.sizes()), c_in.sizes());
  Tensor a = operand_as(a_in, d), b = operand_as(b_in, d), c = operand_as(c_in, d);
  Tensor out = empty_for(shape, d, {&a_in, &b_in, &c_in});
  if (out.numel() == 0) return out;
  auto g = make_geometry(out, {&a, &b, &c});
  auto p = operand_ptrs(out, {&a, &b, &c});
  PAG_DISPATCH_FLOATING(d, kernel, [&] { kernels::map3_loop<scalar_t>(g, p.p, op); });
  return out;
}

// In-place self = op(self).
template <typename Op>
void apply_inplace(const char* kernel, Tensor& self, const Op& op) {
  check_floating(self.dtype(), kernel);
  assert_no_internal_overlap(self);  // Note [Memory overlap]
  if (self.numel() == 0) return;
  auto g = make_geometry(self, {&self});
  auto p = operand_ptrs(self, {&self});
  PAG_DISPATCH_FLOATING(self.dtype(), kernel, [&] { kernels::unary_loop<scalar_t, scalar_t>(g, p.p, op); });
}

// torch's apply_loss_reduction: mean() / sum() of the elementwise loss.
Tensor reduce_loss(const Tensor& unreduced, int64_t reduction) {
  AutoGradMode no(false);
  if (reduction != kReductionNone && unreduced.numel() == 0)  // the mean of nothing is nan, the sum 0
    return full({}, reduction == kReductionMean ? std::numeric_limits<double>::quiet_NaN() : 0.0, unreduced.dtype());
  if (reduction == kReductionMean) return mean(unreduced, std::nullopt, false);
  if (reduction == kReductionSum) return sum(unreduced, std::nullopt, false);
  return unreduced;
}

// The factor a reduced loss's gradient carries: 1/numel for 'mean'.
double mean_norm(int64_t reduction, const DimVec& shape) {
  return reduction == kReductionMean ? 1.0 / (double)numel_of(shape) : 1.0;
}

DimVec loss_shape(const Tensor& a, const Tensor& b) {
  return a.sizes() == b.sizes() ? a.sizes() : broadcast_shapes(a.sizes(), b.sizes());
}

Tensor mask_as(const Tensor& mask, const Tensor& like) { return to_dtype(mask, like.dtype()); }

void check_no_requires_grad(const Tensor& t, const char* arg, const char* fn) {
  if (t.defined() && t.requires_grad() && GradMode::is_enabled())
    throw Error(str_cat("The function '", fn, "' is not differentiable with respect to argument '", arg,
                        "'. This input cannot have requires_grad True."));
}

}  // namespace

// ================================================================ activations
namespace {
// `self` is the result for the in-place form (LeakyReluBackward1).
struct LeakyReluState {
  SavedVariable self;
  double negative_slope;
};
}  // namespace

Tensor leaky_relu(const Tensor& self, double negative_slope) {
  Tensor out = map1("leaky_relu_cpu", self, self.dtype(), [negative_slope](auto x) {
    using T = decltype(x);
    return x > T(0) ? x : x * T(negative_slope);
  });
  if (any_requires_grad({&self})) {
    auto n = record<LeakyReluState>("LeakyReluBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      return {leaky_relu_backward(g[0], n.unpack(n.s.self), n.s.negative_slope, false)};
    }, {self}, {out});
    n->s = {n->save(self), negative_slope};
  }
  return out;
}

Tensor& leaky_relu_(Tensor& self, double negative_slope) {
  bool track = GradMode::is_enabled() && self.requires_grad();
  check_floating(self.dtype(), "leaky_relu_cpu");
  if (track) check_inplace(self, "leaky_relu_");
  apply_inplace("leaky_relu_cpu", self, [negative_slope](auto x) {
    using T = decltype(x);
    return x > T(0) ? x : x * T(negative_slope);
  });
  self.bump_version();
  if (track) {
    // The rule reads the result (the input is gone): sign(result) == sign(input) for slopes >= 0.
    auto n = record<LeakyReluState>("LeakyReluBackward1", [](auto& n, const tensor_list& g) -> tensor_list {
      return {leaky_relu_backward(g[0], n.unpack(n.s.self), n.s.negative_slope, true)};
    }, {self}, {});
    rebase_history(self, n);
    n->s = {n->save_output(self), negative_slope};
  }
  return self;
}

Tensor leaky_relu_backward(const Tensor& grad, const Tensor& self, double negative_slope, bool self_is_result) {
  if (self_is_result && negative_slope < 0)
    throw Error(
        "In-place leakyReLu backward calculation is triggered with a negative slope which is not supported. "
        "This is caused by calling in-place forward function with a negative slope, please call out-of-place "
        "version instead. File an issue at https://github.com/pytorch/pytorch if you do require supporting "
        "in-place leakRelu backward calculation with negative slope");
  Dtype d = result_type({&grad, &self});
  Tensor out = map2("leaky_relu_backward_cpu", self, grad, d, [negative_slope](auto x, auto g) {
    using T = decltype(x);
    return x > T(0) ? g : g * T(negative_slope);
  });
  if (any_requires_grad({&grad, &self})) {
    auto n = record<LeakyReluState>("LeakyReluBackwardBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      return {n.needs_input_grad(0) ? leaky_relu_backward(g[0], n.unpack(n.s.self), n.s.negative_slope, false)
                                    : Tensor(),
              n.needs_input_grad(1) ? zeros_like(g[0]) : Tensor()};
    }, {grad, self}, {out});
    n->s = {n->save(self), negative_slope};
  }
  return out;
}

namespace {

// torch's elu kernel: negcoef = alpha * scale, poscoef = scale, negiptcoef = input_scale.
template <typename T>
inline T elu_value(T x, T negcoef, T poscoef, T negiptcoef) {
  return x <= T(0) ? std::expm1(x * negiptcoef) * negcoef : x * poscoef;
}

// self_or_result: the input, or the result for the in-place form (EluBackward1).
struct EluState {
  SavedVariable self_or_result;
  double alpha, scale, input_scale;
};
struct EluBackwardState {
  SavedVariable self_or_result, grad;
  double alpha, scale, input_scale;
  bool is_result;
};

}  // namespace

Tensor elu(const Tensor& self, double alpha, double scale, double input_scale) {
  double negcoef = alpha * scale;
  Tensor out = map1("elu_cpu", self, self.dtype(), [=](auto x) {
    using T = decltype(x);
    return elu_value<T>(x, T(negcoef), T(scale), T(input_scale));
  });
  if (any_requires_grad({&self})) {
    auto n = record<EluState>("EluBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      return {elu_backward(g[0], n.s.alpha, n.s.scale, n.s.input_scale, false, n.unpack(n.s.self_or_result))};
    }, {self}, {out});
    n->s = {n->save(self), alpha, scale, input_scale};
  }
  return out;
}

Tensor& elu_(Tensor& self, double alpha, double scale, double input_scale) {
  bool track = GradMode::is_enabled() && self.requires_grad();
  check_floating(self.dtype(), "elu_cpu");
  if (track) check_inplace(self, "elu_");
  double negcoef = alpha * scale;
  apply_inplace("elu_cpu", self, [=](auto x) {
    using T = decltype(x);
    return elu_value<T>(x, T(negcoef), T(scale), T(input_scale));
  });
  self.bump_version();
  if (track) {
    auto n = record<EluState>("EluBackward1", [](auto& n, const tensor_list& g) -> tensor_list {
      return {elu_backward(g[0], n.s.alpha, n.s.scale, n.s.input_scale, true, n.unpack(n.s.self_or_result))};
    }, {self}, {});
    rebase_history(self, n);
    n->s = {n->save_output(self), alpha, scale, input_scale};
  }
  return self;
}

Tensor elu_backward(const Tensor& grad, double alpha, double scale, double input_scale, bool is_result,
                    const Tensor& self_or_result) {
  if (is_result && alpha < 0)
    throw Error(
        "In-place elu backward calculation is triggered with a negative slope which is not supported. This is "
        "caused by calling in-place forward function with a negative slope, please call out-of-place version "
        "instead.");
  Dtype d = result_type({&grad, &self_or_result});
  double negcoef = alpha * scale;
  Tensor out = is_result
      ? map2("elu_backward_cpu", grad, self_or_result, d, [=](auto g, auto r) {
          using T = decltype(g);
          return r <= T(0) ? g * T(input_scale) * (r + T(negcoef)) : g * T(scale);
        })
      : map2("elu_backward_cpu", grad, self_or_result, d, [=](auto g, auto x) {
          using T = decltype(g);
          return x <= T(0) ? g * T(input_scale) * T(negcoef) * std::exp(x * T(input_scale)) : g * T(scale);
        });
  if (any_requires_grad({&grad, &self_or_result})) {
    auto n = record<EluBackwardState>("EluBackwardBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      const double alpha = n.s.alpha, scale = n.s.scale, input_scale = n.s.input_scale;
      const bool is_result = n.s.is_result;
      Tensor sor = n.unpack(n.s.self_or_result);
      tensor_list r(2);
      if (n.needs_input_grad(0)) r[0] = elu_backward(g[0], alpha, scale, input_scale, is_result, sor);
      if (n.needs_input_grad(1)) {
        // d/dx of the slope on the negative side (torch's elu_double_backward).
        Tensor neg_side = mask_as(lt(sor, num(0.0)), g[0]);
        Tensor gg = mul(mul(g[0], n.unpack(n.s.grad)), num(input_scale));
        r[1] = is_result ? mul(gg, neg_side)
                         : mul(elu_backward(gg, alpha, scale, input_scale, false, sor), neg_side);
      }
      return r;
    }, {grad, self_or_result}, {out});
    n->s = {n->save(self_or_result), n->save(grad), alpha, scale, input_scale, is_result};
  }
  return out;
}

namespace {

constexpr double kSqrt1_2 = 0.70710678118654752440;    // M_SQRT1_2
constexpr double k2_SqrtPi = 1.12837916709551257390;   // M_2_SQRTPI
constexpr double kSqrt2 = 1.41421356237309504880;      // M_SQRT2
constexpr double kGeluKappa = 0.044715;

struct GeluState {
  SavedVariable self;
  bool use_tanh;
};
struct GeluBackwardState {
  SavedVariable self, grad;
  bool use_tanh;
};

bool gelu_is_tanh(const std::string& approximate) {
  if (approximate == "tanh") return true;
  if (approximate == "none") return false;
  throw Error("approximate argument must be either none or tanh.");
}

}  // namespace

Tensor gelu(const Tensor& self, const std::string& approximate) {
  bool use_tanh = gelu_is_tanh(approximate);
  Tensor out = use_tanh ? map1("GeluKernelImpl", self, self.dtype(), [](auto x) {
    using T = decltype(x);
    const T beta = T(kSqrt2 * k2_SqrtPi * 0.5), kappa = T(kGeluKappa);
    T inner = beta * (x + kappa * (x * x * x));
    return T(0.5) * x * (T(1) + std::tanh(inner));
  }) : map1("GeluKernelImpl", self, self.dtype(), [](auto x) {
    using T = decltype(x);
    return x * T(0.5) * (T(1) + std::erf(x * T(kSqrt1_2)));
  });
  if (any_requires_grad({&self})) {
    auto n = record<GeluState>("GeluBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      return {gelu_backward(g[0], n.unpack(n.s.self), n.s.use_tanh ? "tanh" : "none")};
    }, {self}, {out});
    n->s = {n->save(self), use_tanh};
  }
  return out;
}

Tensor gelu_backward(const Tensor& grad, const Tensor& self, const std::string& approximate) {
  bool use_tanh = gelu_is_tanh(approximate);
  Dtype d = result_type({&grad, &self});
  Tensor out = use_tanh ? map2("GeluBackwardKernelImpl", self, grad, d, [](auto x, auto dy) {
    using T = decltype(x);
    const T beta = T(kSqrt2 * k2_SqrtPi * 0.5), kappa = T(kGeluKappa);
    T x_sq = x * x;
    T inner = beta * (x + kappa * (x_sq * x));
    T t = std::tanh(inner);
    T left_derivative = T(0.5) * (T(1) + t);
    T right_derivative = T(0.5) * x * (T(1) - t * t) * (beta * (T(1) + T(3) * kappa * x_sq));
    return dy * (left_derivative + right_derivative);
  }) : map2("GeluBackwardKernelImpl", self, grad, d, [](auto x, auto dy) {
    using T = decltype(x);
    const T beta = T(k2_SqrtPi * kSqrt1_2 * 0.5);
    T cdf = T(0.5) * (T(1) + std::erf(x * T(kSqrt1_2)));
    T pdf = beta * std::exp(x * x * T(-0.5));
    return dy * (cdf + x * pdf);
  });
  if (any_requires_grad({&grad, &self})) {
    auto n = record<GeluBackwardState>("GeluBackwardBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      const bool use_tanh = n.s.use_tanh;
      Tensor x = n.unpack(n.s.self);
      tensor_list r(2);
      if (n.needs_input_grad(0)) r[0] = gelu_backward(g[0], x, use_tanh ? "tanh" : "none");
      if (n.needs_input_grad(1)) {
        // The second derivative of gelu, from differentiable ops (so it can be differentiated again).
        Tensor ggo = mul(g[0], n.unpack(n.s.grad));
        Tensor x_sq = mul(x, x);
        Tensor d2;
        if (use_tanh) {
          const double beta = kSqrt2 * k2_SqrtPi * 0.5;
          // f = x (1 + t) / 2, t = tanh(u), u = beta (x + k x^3):
          // f'' = (1 - t^2) (u' + x (u'' - 2 t u'^2) / 2)
          Tensor u = mul(add(x, mul(mul(x_sq, x), num(kGeluKappa))), num(beta));
          Tensor t = tanh(u);
          Tensor du = mul(add(mul(x_sq, num(3 * kGeluKappa)), num(1.0)), num(beta));
          Tensor ddu = mul(x, num(6 * kGeluKappa * beta));
          Tensor inner = sub(ddu, mul(mul(t, mul(du, du)), num(2.0)));
          d2 = mul(sub(num(1.0), mul(t, t)), add(du, mul(mul(x, inner), num(0.5))));
        } else {
          // f'' = pdf(x) (2 - x^2)
          Tensor pdf = mul(exp(mul(x_sq, num(-0.5))), num(k2_SqrtPi * kSqrt1_2 * 0.5));
          d2 = mul(pdf, sub(num(2.0), x_sq));
        }
        r[1] = mul(ggo, d2);
      }
      return r;
    }, {grad, self}, {out});
    n->s = {n->save(self), n->save(grad), use_tanh};
  }
  return out;
}

// ================================================================ regression losses
namespace {

// The pointwise losses (mse, smooth_l1, huber) share their rules. Each Loss supplies
//   static Tensor backward(g, x, t, reduction, param)   its backward op, and
//   static Tensor d2(x, t, reduction, param)            the second derivative, as a factor.
struct PointwiseLossState {
  SavedVariable self, target;
  int64_t reduction;
  double param;
};
struct PointwiseLossBackwardState {
  SavedVariable grad, self, target;
  int64_t reduction;
  double param;
};

// self gets backward(g, self, target), target gets backward(g, target, self) (each loss
// is symmetric up to the sign of self - target).
template <class Loss>
void record_pointwise_loss(const char* name, const Tensor& self, const Tensor& target, const Tensor& out,
                           int64_t reduction, double param) {
  if (!any_requires_grad({&self, &target})) return;
  auto n = record<PointwiseLossState>(name, [](auto& n, const tensor_list& g) -> tensor_list {
    Tensor x = n.unpack(n.s.self), t = n.unpack(n.s.target);
    const int64_t red = n.s.reduction;
    const double p = n.s.param;
    return {n.needs_input_grad(0) ? Loss::backward(g[0], x, t, red, p) : Tensor(),
            n.needs_input_grad(1) ? Loss::backward(g[0], t, x, red, p) : Tensor()};
  }, {self, target}, {out});
  n->s = {n->save(self), n->save(target), reduction, param};
}

// The rule of the backward op backward(go, x, t): go gets backward(gg, x, t) (linear in go),
// x gets gg * go * d2(x, t), t gets its negation.
template <class Loss>
void record_pointwise_loss_backward(const char* name, const Tensor& grad, const Tensor& self, const Tensor& target,
                                    const Tensor& out, int64_t reduction, double param) {
  if (!any_requires_grad({&grad, &self, &target})) return;
  auto n = record<PointwiseLossBackwardState>(name, [](auto& n, const tensor_list& g) -> tensor_list {
    Tensor go = n.unpack(n.s.grad), x = n.unpack(n.s.self), t = n.unpack(n.s.target);
    const int64_t red = n.s.reduction;
    const double p = n.s.param;
    tensor_list r(3);
    if (n.needs_input_grad(0)) r[0] = Loss::backward(g[0], x, t, red, p);
    if (n.needs_input_grad(1) || n.needs_input_grad(2)) {
      Tensor gx = mul(mul(g[0], go), Loss::d2(x, t, red, p));
      if (n.needs_input_grad(1)) r[1] = gx;
      if (n.needs_input_grad(2)) r[2] = neg(gx);
    }
    return r;
  }, {grad, self, target}, {out});
  n->s = {n->save(grad), n->save(self), n->save(target), reduction, param};
}

struct MseLoss {
  static Tensor backward(const Tensor& g, const Tensor& x, const Tensor& t, int64_t red, double) {
    return mse_loss_backward(g, x, t, red);
  }
  static Tensor d2(const Tensor& x, const Tensor& t, int64_t red, double) {
    return num(2.0 * mean_norm(red, loss_shape(x, t)));
  }
};

struct SmoothL1Loss {
  static Tensor backward(const Tensor& g, const Tensor& x, const Tensor& t, int64_t red, double beta) {
    return smooth_l1_loss_backward(g, x, t, red, beta);
  }
  static Tensor d2(const Tensor& x, const Tensor& t, int64_t red, double beta) {
    Tensor inside = lt(abs(sub(x, t)), num(beta));
    return mul(to_dtype(inside, result_type({&x, &t})), num(mean_norm(red, loss_shape(x, t)) / beta));
  }
};

struct HuberLoss {
  static Tensor backward(const Tensor& g, const Tensor& x, const Tensor& t, int64_t red, double delta) {
    return huber_loss_backward(g, x, t, red, delta);
  }
  static Tensor d2(const Tensor& x, const Tensor& t, int64_t red, double delta) {
    Tensor inside = lt(abs(sub(x, t)), num(delta));
    return mul(to_dtype(inside, result_type({&x, &t})), num(mean_norm(red, loss_shape(x, t))));
  }
};

}  // namespace

Tensor mse_loss(const Tensor& self, const Tensor& target, int64_t reduction) {
  check_reduction(reduction);
  Dtype d = result_type({&self, &target});
  Tensor loss = map2("mse_cpu", self, target, d, [](auto a, auto b) {
    auto z = a - b;
    return z * z;
  });
  Tensor out = reduce_loss(loss, reduction);
  record_pointwise_loss<MseLoss>("MseLossBackward0", self, target, out, reduction, 0.0);
  return out;
}

Tensor mse_loss_backward(const Tensor& grad, const Tensor& self, const Tensor& target, int64_t reduction) {
  check_reduction(reduction);
  Dtype d = result_type({&grad, &self, &target});
  double norm = 2.0 * mean_norm(reduction, loss_shape(self, target));
  Tensor out = map3("mse_backward_cpu", self, target, grad, d, [norm](auto x, auto t, auto g) {
    using T = decltype(x);
    return T(norm) * (x - t) * g;
  });
  record_pointwise_loss_backward<MseLoss>("MseLossBackwardBackward0", grad, self, target, out, reduction, 0.0);
  return out;
}

Tensor l1_loss(const Tensor& self, const Tensor& target, int64_t reduction) {
  check_reduction(reduction);
  // torch's l1_loss is composite: its graph is sub -> abs -> mean/sum.
  Tensor diff = abs(sub(self, target));
  if (reduction == kReductionMean) return mean(diff, std::nullopt, false);
  if (reduction == kReductionSum) return sum(diff, std::nullopt, false);
  return diff;
}

Tensor smooth_l1_loss(const Tensor& self, const Tensor& target, int64_t reduction, double beta) {
  check_reduction(reduction);
  if (beta < 0) throw Error("smooth_l1_loss does not support negative values for beta.");
  if (beta == 0) return l1_loss(self, target, reduction);
  Dtype d = result_type({&self, &target});
  Tensor loss = map2("smooth_l1_cpu", self, target, d, [beta](auto a, auto b) {
    using T = decltype(a);
    T z = std::abs(a - b);
    return z < T(beta) ? T(0.5) * z * z / T(beta) : z - T(0.5) * T(beta);
  });
  Tensor out = reduce_loss(loss, reduction);
  record_pointwise_loss<SmoothL1Loss>("SmoothL1LossBackward0", self, target, out, reduction, beta);
  return out;
}

Tensor smooth_l1_loss_backward(const Tensor& grad, const Tensor& self, const Tensor& target, int64_t reduction,
                               double beta) {
  check_reduction(reduction);
  Dtype d = result_type({&grad, &self, &target});
  double norm = mean_norm(reduction, loss_shape(self, target));
  Tensor out = map3("smooth_l1_backward_cpu", self, target, grad, d, [norm, beta](auto x, auto t, auto g) {
    using T = decltype(x);
    T z = x - t;
    if (z <= -T(beta)) return -T(norm) * g;
    if (z >= T(beta)) return T(norm) * g;
    return T(norm) * z * g / T(beta);
  });
  record_pointwise_loss_backward<SmoothL1Loss>("SmoothL1LossBackwardBackward0", grad, self, target, out, reduction,
                                               beta);
  return out;
}

Tensor huber_loss(const Tensor& self, const Tensor& target, int64_t reduction, double delta) {
  check_reduction(reduction);
  if (!(delta > 0)) throw Error("huber_loss does not support non-positive values for delta.");
  // torch writes the loss into a tensor like `self`: computed in the promoted type, stored in self's.
  Dtype d = result_type({&self, &target});
  if (!is_floating(self.dtype()) && is_floating(d))
    throw Error(str_cat("result type ", scalar_type_name(d), " can't be cast to the desired output type ",
                        scalar_type_name(self.dtype())));
  Tensor loss = map2("huber_cpu", self, target, d, [delta](auto a, auto b) {
    using T = decltype(a);
    T z = std::abs(a - b);
    return z < T(delta) ? T(0.5) * z * z : T(delta) * (z - T(0.5) * T(delta));
  });
  if (loss.dtype() != self.dtype()) loss = operand_as(loss, self.dtype());
  Tensor out = reduce_loss(loss, reduction);
  record_pointwise_loss<HuberLoss>("HuberLossBackward0", self, target, out, reduction, delta);
  return out;
}

Tensor huber_loss_backward(const Tensor& grad, const Tensor& self, const Tensor& target, int64_t reduction,
                           double delta) {
  check_reduction(reduction);
  Dtype d = result_type({&grad, &self, &target});
  double norm = mean_norm(reduction, loss_shape(self, target));
  Tensor out = map3("huber_backward_cpu", self, target, grad, d, [norm, delta](auto x, auto t, auto g) {
    using T = decltype(x);
    T z = x - t;
    if (z <= -T(delta)) return -T(norm) * g * T(delta);
    if (z >= T(delta)) return T(norm) * g * T(delta);
    return T(norm) * z * g;
  });
  record_pointwise_loss_backward<HuberLoss>("HuberLossBackwardBackward0", grad, self, target, out, reduction, delta);
  return out;
}

// ================================================================ binary cross entropy
namespace {

constexpr double kBceEps = 1e-12;

struct BceState {
  SavedVariable self, target, weight;  // weight may be undefined
  int64_t reduction;
};
struct BceBackwardState {
  SavedVariable grad, self, target, weight;
  int64_t reduction;
};
struct BceLogitsState {
  SavedVariable self, target, weight, pos_weight;  // weight, pos_weight may be undefined
  int64_t reduction;
};

// Multiplies by `weight` the way torch's in-place mul_ does: the loss keeps its dtype.
Tensor weighted(const Tensor& t, const Tensor& weight) {
  if (!weight.defined()) return t;
  AutoGradMode no(false);
  return operand_as(mul(t, weight), t.dtype());
}

// d loss / d target of binary_cross_entropy: log(1 - x) - log(x), from differentiable ops.
Tensor bce_target_backward(const Tensor& g, const Tensor& x, const Tensor& weight, int64_t red) {
  Tensor r = mul(g, sub(log1p(neg(x)), log(x)));
  if (weight.defined()) r = mul(r, weight);
  return red == kReductionMean ? div_scalar(r, (double)x.numel()) : r;
}

}  // namespace

Tensor binary_cross_entropy(const Tensor& self, const Tensor& target, const Tensor& weight, int64_t reduction) {
  check_reduction(reduction);
  check_floating(self.dtype(), "binary_cross_entropy");
  if (target.dtype() != self.dtype())
    throw Error(str_cat("Found dtype ", scalar_type_name(target.dtype()), " but expected ",
                        scalar_type_name(self.dtype())));
  if (target.sizes() != self.sizes())
    throw ValueError(str_cat("Using a target size (", shape_str(target.sizes()),
                             ") that is different to the input size (", shape_str(self.sizes()),
                             ") is deprecated. Please ensure they have the same size."));
  check_no_requires_grad(weight, "weight", "binary_cross_entropy");
  // Inputs outside [0, 1] are an error; the kernel flags them (no throwing inside threads).
  std::atomic<bool> out_of_range{false};
  Tensor loss = map2("binary_cross_entropy", self, target, self.dtype(), [&out_of_range](auto x, auto t) {
    using T = decltype(x);
    if (!(x >= T(0) && x <= T(1))) out_of_range.store(true, std::memory_order_relaxed);
    // L = -(t log(x) + (1 - t) log(1 - x)), each log clamped at -100.
    return (t - T(1)) * std::max(T(std::log1p(-x)), T(-100)) - t * std::max(T(std::log(x)), T(-100));
  });
  if (out_of_range) throw Error("all elements of input should be between 0 and 1");
  loss = weighted(loss, weight);
  Tensor out = reduce_loss(loss, reduction);
  if (any_requires_grad({&self, &target})) {
    auto n = record<BceState>("BinaryCrossEntropyBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      Tensor x = n.unpack(n.s.self), t = n.unpack(n.s.target), w = n.unpack(n.s.weight);
      const int64_t red = n.s.reduction;
      return {n.needs_input_grad(0) ? binary_cross_entropy_backward(g[0], x, t, w, red) : Tensor(),
              n.needs_input_grad(1) ? bce_target_backward(g[0], x, w, red) : Tensor()};
    }, {self, target}, {out});
    n->s = {n->save(self), n->save(target), n->save(weight), reduction};
  }
  return out;
}

Tensor binary_cross_entropy_backward(const Tensor& grad, const Tensor& self, const Tensor& target,
                                     const Tensor& weight, int64_t reduction) {
  check_reduction(reduction);
  Dtype d = result_type({&grad, &self, &target});
  double norm = mean_norm(reduction, self.sizes());
  Tensor out = map3("binary_cross_entropy_backward", self, target, grad, d, [](auto x, auto t, auto g) {
    using T = decltype(x);
    // dL/dx = (x - t) / (x (1 - x)), the denominator kept away from 0.
    return g * (x - t) / std::max((T(1) - x) * x, T(kBceEps));
  });
  out = weighted(out, weight);
  if (norm != 1.0) {
    AutoGradMode no(false);
    out = div(out, num((double)self.numel()));
  }
  if (any_requires_grad({&grad, &self, &target})) {
    auto n = record<BceBackwardState>("BinaryCrossEntropyBackwardBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      Tensor go = n.unpack(n.s.grad), x = n.unpack(n.s.self), t = n.unpack(n.s.target), w = n.unpack(n.s.weight);
      const int64_t red = n.s.reduction;
      auto finish = [&](Tensor r) {
        if (w.defined()) r = mul(r, w);
        return red == kReductionMean ? div_scalar(r, (double)x.numel()) : r;
      };
      tensor_list r(3);
      if (n.needs_input_grad(0)) r[0] = binary_cross_entropy_backward(g[0], x, t, w, red);
      Tensor ggo = (n.needs_input_grad(1) || n.needs_input_grad(2)) ? mul(g[0], go) : Tensor();
      if (n.needs_input_grad(1)) {
        // d/dx (x - t) / (x (1 - x)) = (x^2 - 2 x t + t) / (x (1 - x))^2
        Tensor num_ = add(sub(mul(x, x), mul(mul(x, t), num(2.0))), t);
        Tensor den = mul(pow(add(x, num(kBceEps)), num(2.0)), pow(add(sub(num(1.0), x), num(kBceEps)), num(2.0)));
        r[1] = finish(mul(ggo, div(num_, den)));
      }
      if (n.needs_input_grad(2)) {
        // d/dt (x - t) / (x (1 - x)) = -1 / (x (1 - x))
        Tensor den = mul(add(x, num(kBceEps)), add(sub(num(1.0), x), num(kBceEps)));
        r[2] = finish(neg(div(ggo, den)));
      }
      return r;
    }, {grad, self, target}, {out});
    n->s = {n->save(grad), n->save(self), n->save(target), n->save(weight), reduction};
  }
  return out;
}

namespace {

// log(sigmoid(x)) from differentiable ops: min(x, 0) - log1p(exp(-|x|)).
Tensor log_sigmoid_diff(const Tensor& x) {
  return sub(minimum(x, zeros({}, x.dtype())), log1p(exp(neg(abs(x)))));
}

Tensor bce_logits_backward(const Tensor& g, const Tensor& x, const Tensor& t, const Tensor& w, const Tensor& pw,
                           int64_t red) {
  Tensor r;
  if (!GradMode::is_enabled() && !pw.defined()) {
    // The hot path (no create_graph): one fused kernel (sigmoid(x) - t) * g.
    Dtype d = result_type({&g, &x, &t});
    r = map3("binary_cross_entropy_with_logits_backward", x, t, g, d, [](auto x, auto t, auto g) {
      using T = decltype(x);
      return (T(1) / (T(1) + std::exp(-x)) - t) * g;
    });
  } else if (pw.defined()) {
    // ((pw t + 1 - t) sigmoid(x) - pw t) g
    Tensor pt = mul(pw, t);
    r = mul(sub(mul(sub(add(pt, num(1.0)), t), sigmoid(x)), pt), g);
  } else {
    r = mul(sub(sigmoid(x), t), g);
  }
  if (w.defined()) r = mul(r, w);
  return red == kReductionMean ? div_scalar(r, (double)x.numel()) : r;
}

Tensor bce_logits_target_backward(const Tensor& g, const Tensor& x, const Tensor& w, const Tensor& pw, int64_t red) {
  // d/dt [(1 - t) x - ((pw - 1) t + 1) log_sigmoid(x)] = -x - (pw - 1) log_sigmoid(x)
  Tensor r = pw.defined() ? sub(neg(x), mul(sub(pw, num(1.0)), log_sigmoid_diff(x))) : neg(x);
  r = mul(r, g);
  if (w.defined()) r = mul(r, w);
  return red == kReductionMean ? div_scalar(r, (double)x.numel()) : r;
}

}  // namespace

Tensor binary_cross_entropy_with_logits(const Tensor& self, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, int64_t reduction) {
  check_reduction(reduction);
  check_floating(self.dtype(), "log_sigmoid_cpu");
  // torch computes (1 - target).mul_(input): the loss has target's dtype.
  if (target.dtype() == Dtype::Bool)
    throw Error("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                "`logical_xor()` operator instead.");
  Dtype d = pos_weight.defined() ? result_type({&self, &target, &pos_weight}) : result_type({&self, &target});
  if (!is_floating(target.dtype()))
    throw Error(str_cat("result type ", scalar_type_name(d), " can't be cast to the desired output type ",
                        scalar_type_name(target.dtype())));
  check_no_requires_grad(weight, "weight", "binary_cross_entropy_with_logits");
  check_no_requires_grad(pos_weight, "pos_weight", "binary_cross_entropy_with_logits");
  // loss = (1 - t) x - lw log_sigmoid(x), lw = (pw - 1) t + 1 (1 without pos_weight).
  auto log_sigmoid = [](auto x) {
    using T = decltype(x);
    return std::min(x, T(0)) - std::log1p(std::exp(-std::abs(x)));
  };
  Tensor loss;
  bool one_dtype = self.dtype() == d && target.dtype() == d;
  if (!one_dtype) {
    // Mixed dtypes: torch's chain of in-place ops rounds log_sigmoid(x) (and its product
    // with the log weight) to x's dtype and every later step to target's dtype.
    AutoGradMode no(false);
    Tensor ls = map1("log_sigmoid_cpu", self, self.dtype(), log_sigmoid);
    if (pos_weight.defined())
      ls = operand_as(mul(ls, add(mul(sub(pos_weight, num(1.0)), target), num(1.0))), self.dtype());
    Tensor a = operand_as(mul(sub(num(1.0), target), self), target.dtype());
    loss = operand_as(sub(a, ls), target.dtype());
  } else if (pos_weight.defined()) {
    broadcast_shapes(pos_weight.sizes(), target.sizes());
    loss = map3("binary_cross_entropy_with_logits", self, target, pos_weight, d, [=](auto x, auto t, auto pw) {
      using T = decltype(x);
      return (T(1) - t) * x - ((pw - T(1)) * t + T(1)) * log_sigmoid(x);
    });
  } else {
    loss = map2("binary_cross_entropy_with_logits", self, target, d, [=](auto x, auto t) {
      using T = decltype(x);
      return (T(1) - t) * x - log_sigmoid(x);
    });
  }
  if (loss.dtype() != target.dtype()) loss = operand_as(loss, target.dtype());
  loss = weighted(loss, weight);
  Tensor out = reduce_loss(loss, reduction);
  if (any_requires_grad({&self, &target})) {
    auto n = record<BceLogitsState>("BinaryCrossEntropyWithLogitsBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      Tensor x = n.unpack(n.s.self), t = n.unpack(n.s.target), w = n.unpack(n.s.weight), pw = n.unpack(n.s.pos_weight);
      const int64_t red = n.s.reduction;
      return {n.needs_input_grad(0) ? bce_logits_backward(g[0], x, t, w, pw, red) : Tensor(),
              n.needs_input_grad(1) ? bce_logits_target_backward(g[0], x, w, pw, red) : Tensor()};
    }, {self, target}, {out});
    n->s = {n->save(self), n->save(target), n->save(weight), n->save(pos_weight), reduction};
  }
  return out;
}

// ================================================================ negative log likelihood
namespace {

using kernels::NllShape;  // Note [NLL layout]

void check_targets(const int64_t* tgt, int64_t n, int64_t C, int64_t ignore_index) {
  int64_t bad = kernels::first_bad_target(tgt, n, C, ignore_index);
  if (bad >= 0) throw IndexError(str_cat("Target ", tgt[bad], " is out of bounds."));
}

// Returns (output, total_weight); the reduced forms sum with kernels::nll_cascade_sum.
std::pair<Tensor, double> nll_forward_kernel(const char* kernel, const Tensor& input, const Tensor& target,
                                             const Tensor& weight, int64_t reduction, int64_t ignore_index,
                                             NllShape sh, const DimVec& none_shape, bool per_element) {
  AutoGradMode no_grad(false);
  Dtype d = input.dtype();
  Tensor in = contiguous(input), tg = contiguous(target);
  Tensor w = weight.defined() ? contiguous(weight) : Tensor();
  const int64_t numiter = sh.N * sh.S;
  const int64_t* t = tg.data<int64_t>();
  check_targets(t, numiter, sh.C, ignore_index);
  if (per_element) {
    Tensor out = empty(none_shape, d);
    PAG_DISPATCH_FLOATING(d, kernel, [&] {
      const scalar_t* wp = w.defined() ? w.data<scalar_t>() : nullptr;
      kernels::nll_per_element(out.data<scalar_t>(), in.data<scalar_t>(), t, wp, sh, ignore_index);
    });
    return {out, 0.0};
  }
  Tensor out = empty({}, d);
  double total = 0.0;
  PAG_DISPATCH_FLOATING(d, kernel, [&] {
    if (numiter == 0) {
      *out.data<scalar_t>() = reduction == kReductionMean ? std::numeric_limits<scalar_t>::quiet_NaN() : scalar_t(0);
      total = 0.0;
      return;
    }
    const scalar_t* wp = w.defined() ? w.data<scalar_t>() : nullptr;
    auto [r, tw] = kernels::nll_cascade_sum(in.data<scalar_t>(), t, wp, sh, ignore_index);
    if (reduction == kReductionMean) r /= tw;
    *out.data<scalar_t>() = r;
    total = (double)tw;
  });
  return {out, total};
}

// grad_input for any nll variant; `per_element` when the forward kept one loss per target.
Tensor nll_backward_kernel(const Tensor& grad, const DimVec& self_shape, Dtype d, const Tensor& target,
                           const Tensor& weight, int64_t reduction, int64_t ignore_index, double total_weight,
                           NllShape sh, bool per_element) {
  AutoGradMode no_grad(false);
  Tensor gi = zeros(self_shape, d);
  Tensor tg = contiguous(target);
  Tensor w = weight.defined() ? contiguous(weight) : Tensor();
  Tensor go = contiguous(operand_as(grad, d));
  const int64_t numiter = sh.N * sh.S;
  const int64_t* t = tg.data<int64_t>();
  check_targets(t, numiter, sh.C, ignore_index);
  PAG_DISPATCH_FLOATING(d, "nll_loss_backward_out_frame", [&] {
    const scalar_t* wp = w.defined() ? w.data<scalar_t>() : nullptr;
    const scalar_t* g = go.data<scalar_t>();
    scalar_t scalar_grad = 0;
    if (!per_element) {
      using opm = opmath_t<scalar_t>;
      scalar_grad = -(reduction == kReductionMean ? opm(g[0]) / opm(static_cast<scalar_t>(total_weight)) : opm(g[0]));
    }
    kernels::nll_backward_scatter(gi.data<scalar_t>(), t, wp, g, sh, ignore_index, per_element, scalar_grad);
  });
  return gi;
}

void check_nll_target_dtype(const Tensor& target) {
  if (target.dtype() != Dtype::Int64 && target.dtype() != Dtype::UInt8)
    throw Error(str_cat("expected target dtype to be Long or Byte, but got ", scalar_type_name(target.dtype())));
}

// nll_loss takes Byte targets as Long ones; nll_loss2d's kernel does not.
void check_nll_dtypes(const Tensor& self, const Tensor& target, const Tensor& weight, const char* kernel) {
  check_nll_target_dtype(target);
  if (target.dtype() != Dtype::Int64) throw Error("expected scalar type Long but found Byte");
  if (weight.defined() && weight.dtype() != self.dtype())
    throw Error(str_cat("expected scalar type ", scalar_type_name(self.dtype()), " but found ",
                        scalar_type_name(weight.dtype())));
  check_floating(self.dtype(), kernel);
}

Tensor nll_backward_op(const Tensor& grad, const Tensor& self, const Tensor& target, const Tensor& weight,
                       int64_t reduction, int64_t ignore_index, double total_weight, bool is2d);

struct NllState {
  SavedVariable self, target, weight;  // weight may be undefined
  int64_t reduction, ignore_index;
  double total_weight;
  bool is2d;
};
struct NllBackwardState {
  SavedVariable target, weight;
  int64_t reduction, ignore_index;
  bool is2d;
};

// Records NllLossBackward0 / NllLoss2DBackward0 on `out`.
void record_nll(const Tensor& self, const Tensor& target, const Tensor& weight, const Tensor& out,
                int64_t reduction, int64_t ignore_index, double total_weight, bool is2d) {
  if (!any_requires_grad({&self})) return;
  auto n = record<NllState>(is2d ? "NllLoss2DBackward0" : "NllLossBackward0",
                            [](auto& n, const tensor_list& g) -> tensor_list {
    return {nll_backward_op(g[0], n.unpack(n.s.self), n.unpack(n.s.target), n.unpack(n.s.weight), n.s.reduction,
                            n.s.ignore_index, n.s.total_weight, n.s.is2d)};
  }, {self}, {out});
  n->s = {n->save(self), n->save(target), n->save(weight), reduction, ignore_index, total_weight, is2d};
}

NllShape nll_shape(const Tensor& self) {
  if (self.dim() == 1) return {1, self.size(0), 1};
  if (self.dim() == 2) return {self.size(0), self.size(1), 1};
  return {self.size(0), self.size(1), self.size(2) * self.size(3)};
}

Tensor nll_backward_op(const Tensor& grad, const Tensor& self, const Tensor& target, const Tensor& weight,
                       int64_t reduction, int64_t ignore_index, double total_weight, bool is2d) {
  // torch's nll_loss_backward checks the batch sizes again: a 1-D input with a 1-element
  // 1-D target runs forward but cannot be differentiated.
  if (!is2d && !(self.dim() == 1 && target.dim() == 0) && (target.dim() == 0 || self.size(0) != target.size(0)))
    throw Error(str_cat("size mismatch (got input: ", shape_str(self.sizes()), ", target: ",
                        shape_str(target.sizes()), ")"));
  bool per_element = reduction == kReductionNone && self.dim() >= 2;
  Tensor gi = nll_backward_kernel(grad, self.sizes(), self.dtype(), target, weight, reduction, ignore_index,
                                  total_weight, nll_shape(self), per_element);
  if (any_requires_grad({&grad, &self})) {
    auto n = record<NllBackwardState>(is2d ? "NllLoss2DBackwardBackward0" : "NllLossBackwardBackward0",
                                      [](auto& n, const tensor_list& g) -> tensor_list {
      tensor_list r(2);
      // grad_input is linear in grad_output (and does not depend on self's values).
      if (n.needs_input_grad(0)) {
        Tensor t = n.unpack(n.s.target), w = n.unpack(n.s.weight);
        r[0] = n.s.is2d ? nll_loss2d(g[0], t, w, n.s.reduction, n.s.ignore_index)
                        : nll_loss(g[0], t, w, n.s.reduction, n.s.ignore_index);
      }
      if (n.needs_input_grad(1)) r[1] = zeros_like(g[0]);
      return r;
    }, {grad, self}, {gi});
    n->s = {n->save(target), n->save(weight), reduction, ignore_index, is2d};
  }
  return gi;
}

}  // namespace

Tensor nll_loss(const Tensor& self, const Tensor& target, const Tensor& weight, int64_t reduction,
                int64_t ignore_index) {
  check_reduction(reduction);
  if (self.dim() < 1 || self.dim() > 2) throw Error("input tensor should be 1D or 2D");
  if (target.dim() > 1) throw Error("0D or 1D target tensor expected, multi-target not supported");
  check_nll_target_dtype(target);  // before the sizes, as torch
  if (self.dim() == 1 && target.dim() == 1 && target.size(0) != 1)
    throw ValueError(str_cat("For 1D input, 1D target must have size 1, but got target size: ", target.size(0)));
  bool no_batch_dim = self.dim() == 1;
  if (!no_batch_dim && (target.dim() == 0 || self.size(0) != target.size(0)))
    throw Error(str_cat("size mismatch (got input: ", shape_str(self.sizes()), ", target: ",
                        shape_str(target.sizes()), ")"));
  int64_t n_classes = self.size(-1);
  if (weight.defined() && !(weight.dim() == 1 && weight.numel() == n_classes))
    throw Error(str_cat("weight tensor should be defined either for all ", n_classes,
                        " classes or no classes but got weight tensor of shape: ", shape_str(weight.sizes())));
  const Tensor tg = target.dtype() == Dtype::UInt8 ? to_dtype(target, Dtype::Int64) : target;
  check_nll_dtypes(self, tg, weight, "nll_loss_out_frame");
  check_no_requires_grad(weight, "weight", "nll_loss_forward");
  bool per_element = reduction == kReductionNone && self.dim() == 2;
  auto [out, total] = nll_forward_kernel("nll_loss_out_frame", self, tg, weight, reduction, ignore_index,
                                         nll_shape(self), {self.size(0)}, per_element);
  record_nll(self, tg, weight, out, reduction, ignore_index, total, false);
  return out;
}

Tensor nll_loss2d(const Tensor& self, const Tensor& target, const Tensor& weight, int64_t reduction,
                  int64_t ignore_index) {
  check_reduction(reduction);
  if (target.dim() != 3)
    throw Error(str_cat("only batches of spatial targets supported (3D tensors) but got targets of dimension: ",
                        target.dim()));
  if (self.dim() != 4)
    throw Error(str_cat("only batches of spatial inputs supported (4D tensors), but got input of dimension: ",
                        self.dim()));
  if (weight.defined() && weight.numel() != self.size(1))
    throw Error("weight tensor should be defined either for all or no classes");
  if (self.size(0) != target.size(0) || self.size(2) != target.size(1) || self.size(3) != target.size(2))
    throw Error(str_cat("size mismatch (got input: ", shape_str(self.sizes()), " , target: ",
                        shape_str(target.sizes())));
  check_nll_dtypes(self, target, weight, "nll_loss2d_forward_out_frame");
  check_no_requires_grad(weight, "weight", "nll_loss2d_forward");
  bool per_element = reduction == kReductionNone;
  auto [out, total] = nll_forward_kernel("nll_loss2d_forward_out_frame", self, target, weight, reduction,
                                         ignore_index, nll_shape(self), target.sizes(), per_element);
  record_nll(self, target, weight, out, reduction, ignore_index, total, true);
  return out;
}

Tensor nll_loss_nd(const Tensor& self, const Tensor& target, const Tensor& weight, int64_t reduction,
                   int64_t ignore_index) {
  if (self.dim() < 1) throw ValueError(str_cat("Expected 1 or more dimensions (got ", self.dim(), ")"));
  if (self.dim() != 1) {
    int64_t tb = target.dim() == 0 ? 0 : target.size(0);
    if (self.size(0) != tb)
      throw ValueError(str_cat("Expected input batch_size (", self.size(0), ") to match target batch_size (", tb,
                               ")."));
  }
  if (self.dim() <= 2) return nll_loss(self, target, weight, reduction, ignore_index);
  if (self.dim() == 4) return nll_loss2d(self, target, weight, reduction, ignore_index);
  // 3 or more than 4 dims: run as (N, C, 1, rest) through nll_loss2d.
  int64_t n = self.size(0), c = self.size(1);
  DimVec out_size{n};
  for (int64_t i = 2; i < self.dim(); ++i) out_size.push_back(self.size(i));
  DimVec tsize(target.sizes().begin() + 1, target.sizes().end());
  DimVec isize(self.sizes().begin() + 2, self.sizes().end());
  if (tsize != isize)
    throw Error(str_cat("Expected target size ", shape_str(out_size), ", got ", shape_str(target.sizes())));
  Tensor in = contiguous(self), tg = contiguous(target);
  in = self.numel() > 0 ? view(in, {n, c, 1, -1}) : view(in, {n, c, 0, 0});
  tg = target.numel() > 0 ? view(tg, {n, 1, -1}) : view(tg, {n, 0, 0});
  Tensor out = nll_loss2d(in, tg, weight, reduction, ignore_index);
  return reduction == kReductionNone ? view(out, out_size) : out;
}

// ================================================================ misc
Tensor one_hot(const Tensor& self, int64_t num_classes) {
  if (self.dtype() != Dtype::Int64) throw Error("one_hot is only applicable to index tensor of type LongTensor.");
  DimVec shape = self.sizes();
  if (self.numel() == 0) {
    if (num_classes <= 0) throw Error("Can not infer total number of classes from empty tensor.");
    shape.push_back(num_classes);
    return zeros(shape, Dtype::Int64);
  }
  Tensor idx = contiguous(self);
  const int64_t* v = idx.data<int64_t>();
  int64_t n = idx.numel();
  int64_t lo = *std::min_element(v, v + n), hi = *std::max_element(v, v + n);
  if (lo < 0) throw Error("Class values must be non-negative.");
  if (num_classes == -1) num_classes = hi + 1;
  else if (hi >= num_classes) throw Error("Class values must be smaller than num_classes.");
  shape.push_back(num_classes);
  Tensor out = zeros(shape, Dtype::Int64);
  kernels::one_hot_fill(out.data<int64_t>(), v, n, num_classes);
  return out;
}

namespace {
struct PadState {
  DimVec pad;
};
}  // namespace

Tensor constant_pad_nd(const Tensor& self, const DimVec& pad, double value) {
  if (pad.size() % 2 != 0)
    throw Error(str_cat("Length of pad must be even but instead it equals ", pad.size()));
  int64_t l_inp = self.dim(), l_pad = (int64_t)pad.size() / 2, l_diff = l_inp - l_pad;
  if (l_inp < l_pad)
    throw Error(str_cat("Length of pad should be no more than twice the number of dimensions of the input. Pad "
                        "length is ", pad.size(), "while the input has ", l_inp, "dimensions."));
  // Negative pads crop (narrow) the input; positive ones grow the output.
  Tensor src = detach(self);
  bool any_positive = false;
  for (int64_t i = l_diff; i < l_inp; ++i) {
    int64_t k = 2 * (l_inp - i - 1);
    auto crop = [&](int64_t start, int64_t length) {
      if (length < 0) throw Error("narrow(): length must be non-negative.");
      src = narrow(src, i, start, length);
    };
    if (pad[k] < 0) crop(-pad[k], src.size(i) + pad[k]);
    else if (pad[k] != 0) any_positive = true;
    if (pad[k + 1] < 0) crop(0, src.size(i) + pad[k + 1]);
    else if (pad[k + 1] != 0) any_positive = true;
  }
  Tensor out;
  if (!any_positive) {
    out = clone(src);
  } else {
    DimVec shape(self.sizes().begin(), self.sizes().begin() + l_diff);
    for (int64_t i = 0; i < l_pad; ++i) {
      int64_t k = (int64_t)pad.size() - (i + 1) * 2;
      int64_t new_dim = self.size(l_diff + i) + pad[k] + pad[k + 1];
      if (new_dim < 0)
        throw Error(str_cat("The input size ", self.size(l_diff + i), ", plus negative padding ", pad[k], " and ",
                            pad[k + 1], " resulted in a negative output size, which is invalid. Check dimension ",
                            l_diff + i, " of your input."));
      shape.push_back(new_dim);
    }
    out = full(shape, value, self.dtype());
    Tensor region = out;
    for (int64_t i = l_diff; i < l_inp; ++i) {
      int64_t k = 2 * (l_inp - i - 1);
      if (pad[k] > 0) region = narrow(region, i, pad[k], region.size(i) - pad[k]);
      if (pad[k + 1] > 0) region = narrow(region, i, 0, region.size(i) - pad[k + 1]);
    }
    AutoGradMode no(false);
    copy_(region, src);
  }
  if (any_requires_grad({&self})) {
    auto n = record<PadState>("ConstantPadNdBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      DimVec neg_pad;
      for (int64_t p : n.s.pad) neg_pad.push_back(-p);
      return {constant_pad_nd(g[0], neg_pad, 0.0)};
    }, {self}, {out});
    n->s = {pad};
  }
  return out;
}

}  // namespace pag
