// Elementwise ops: type promotion, forward kernels and backward rules, side by side.
// Each op's backward is written with differentiable ops, so create_graph=True gives
// higher derivatives; broadcasting and dtype are undone in FunctionNode::apply.
#include <cmath>
#include <limits>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "kernels/loops.h"
#include "ops/iter.h"
#include "ops/ops.h"

namespace pag {

// ---------------------------------------------------------------- promotion
namespace {

// torch's combine_categories (c10/core/ScalarType / TensorIterator result_type).
Dtype combine_categories(std::optional<Dtype> higher, std::optional<Dtype> lower) {
  if (!higher) return *lower;
  if (!lower) return *higher;
  if (is_floating(*higher)) return *higher;
  if (*higher == Dtype::Bool || is_floating(*lower)) return promote_types(*higher, *lower);
  return *higher;
}

}  // namespace

Dtype result_type(std::initializer_list<const Tensor*> operands) {
  std::optional<Dtype> dim_r, zero_r, wrapped_r;
  auto upd = [](std::optional<Dtype>& r, Dtype d) { r = r ? promote_types(*r, d) : d; };
  for (const Tensor* t : operands) {
    if (!t || !t->defined()) continue;
    if (t->is_wrapped_number()) {
      Dtype d = t->dtype();
      if (is_floating(d)) d = default_dtype();  // a Python float is "default dtype"
      upd(wrapped_r, d);
    } else if (t->dim() == 0) {
      upd(zero_r, t->dtype());
    } else {
      upd(dim_r, t->dtype());
    }
  }
  if (!dim_r && !zero_r && !wrapped_r) return default_dtype();
  if (!zero_r && !wrapped_r) return *dim_r;
  return combine_categories(dim_r, combine_categories(zero_r, wrapped_r));
}

// ---------------------------------------------------------------- conversion / copy
namespace {

void convert_into(const Tensor& dst, const Tensor& src) {
  auto g = make_geometry(dst, {&src});
  auto p = operand_ptrs(dst, {&src});
  PAG_DISPATCH_ALL(dst.dtype(), "copy_", [&] {
    using out_t = scalar_t;
    PAG_DISPATCH_ALL(src.dtype(), "copy_", [&] {
      if constexpr (std::is_same_v<out_t, bool>)
        kernels::unary_loop<out_t, scalar_t>(g, p.p, [](scalar_t v) { return v != scalar_t(0); });
      else
        kernels::unary_loop<out_t, scalar_t>(g, p.p, [](scalar_t v) { return static_cast<out_t>(v); });
    });
  });
}

Tensor cast(const Tensor& t, Dtype d) {
  if (t.dtype() == d) return t;
  Tensor out = empty_for(t.sizes(), d, &t);
  convert_into(out, t);
  out.impl()->is_wrapped_number = t.is_wrapped_number();
  return out;
}

}  // namespace

Tensor to_dtype(const Tensor& t, Dtype d, bool copy) {
  if (t.dtype() == d && !copy) return t;
  Tensor out = empty_for(t.sizes(), d, &t);
  convert_into(out, t);
  if (is_floating(d) && is_floating(t.dtype()) && any_requires_grad({&t}))
    record("ToCopyBackward0", [](FunctionNode&, const tensor_list& g) -> tensor_list { return {g[0]}; },
           {t}, {out});
  return out;
}

Tensor& copy_(Tensor& dst, const Tensor& src) {
  broadcast_shapes(dst.sizes(), src.sizes());
  DimVec bs = broadcast_shapes(dst.sizes(), src.sizes());
  if (bs != dst.sizes())
    throw Error(str_cat("output with shape ", shape_str(dst.sizes()),
                        " doesn't match the broadcast shape ", shape_str(bs)));
  bool track = any_requires_grad({&dst, &src});
  if (track) check_inplace(dst, "copy_");
  if (dst.numel() > 0) {
    // Overlap of src and dst (e.g. x.copy_(x.t())): copy through a temporary.
    if (src.storage() == dst.storage() && !src.same(dst)) {
      Tensor tmp = empty(src.sizes(), src.dtype());
      convert_into(tmp, src);
      convert_into(dst, tmp);
    } else {
      convert_into(dst, src);
    }
  }
  dst.bump_version();
  if (track) {
    auto n = record("CopyBackward0", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      return {Tensor(), n.needs_input_grad(1) ? g[0] : Tensor()};
    }, {dst, src}, {});
    rebase_history(dst, n);
  }
  return dst;
}

// ---------------------------------------------------------------- binary kernels
namespace {

enum class Cmp { Eq, Ne, Lt, Le, Gt, Ge };

// Runs `op` over broadcast(a, b) computed in `compute`, producing `out_dtype`.
template <typename Op>
Tensor binary_kernel(const char* name, const Tensor& a_in, const Tensor& b_in, Dtype compute, Dtype out_dtype,
                     const Op& op) {
  DimVec shape = a_in.sizes() == b_in.sizes() ? a_in.sizes() : broadcast_shapes(a_in.sizes(), b_in.sizes());
  Tensor a = cast(a_in, compute), b = cast(b_in, compute);
  Tensor out = empty_for(shape, out_dtype, a.sizes() == shape ? &a : &b);
  if (out.numel() == 0) return out;
  auto g = make_geometry(out, {&a, &b});
  auto p = operand_ptrs(out, {&a, &b});
  PAG_DISPATCH_ALL(compute, name, [&] {
    if (out_dtype == Dtype::Bool && compute != Dtype::Bool)
      kernels::binary_loop<bool, scalar_t>(g, p.p, [&](scalar_t x, scalar_t y) { return (bool)op(x, y); });
    else
      kernels::binary_loop<scalar_t, scalar_t>(g, p.p, [&](scalar_t x, scalar_t y) { return (scalar_t)op(x, y); });
  });
  return out;
}

// Writes the result of `fresh` (an out-of-place result) into `self`, checking torch's in-place rules.
void check_inplace_result(const Tensor& self, const DimVec& result_shape, Dtype result_dtype) {
  if (result_shape != self.sizes())
    throw Error(str_cat("output with shape ", shape_str(self.sizes()), " doesn't match the broadcast shape ",
                        shape_str(result_shape)));
  // torch's canCast: no float -> integral, no non-bool -> bool.
  bool ok = !(is_floating(result_dtype) && !is_floating(self.dtype())) &&
            !(result_dtype != Dtype::Bool && self.dtype() == Dtype::Bool);
  if (!ok)
    throw Error(str_cat("result type ", scalar_type_name(result_dtype), " can't be cast to the desired output type ",
                        scalar_type_name(self.dtype())));
}

template <typename T>
T floor_div(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (b == 0) return a / b;
    T mod = std::fmod(a, b);
    T div = (a - mod) / b;
    if (mod != 0 && (b < 0) != (mod < 0)) div -= T(1);
    T floordiv;
    if (div != 0) {
      floordiv = std::floor(div);
      if (div - floordiv > T(0.5)) floordiv += T(1);
    } else {
      floordiv = std::copysign(T(0), a / b);
    }
    return floordiv;
  } else if constexpr (std::is_same_v<T, bool>) {
    return a;
  } else {
    T q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  }
}

template <typename T>
T py_mod(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    T m = std::fmod(a, b);
    if (m != 0 && ((b < 0) != (m < 0))) m += b;
    return m;
  } else if constexpr (std::is_same_v<T, bool>) {
    return false;
  } else {
    T m = a % b;
    if (m != 0 && ((b < 0) != (m < 0))) m += b;
    return m;
  }
}

template <typename T>
T int_pow(T base, T exp) {
  T r = 1;
  while (exp) {
    if (exp & 1) r *= base;
    exp >>= 1;
    base *= base;
  }
  return r;
}

void check_int_division(const Tensor& b, Dtype compute) {
  if (compute != Dtype::Int64) return;
  Tensor bb = cast(b, Dtype::Int64);
  bool zero = false;
  auto g = make_geometry(bb, {});
  auto p = operand_ptrs(bb, {});
  kernels::run_range(g, p.p, 0, bb.numel(), [&](char** ptr, const int64_t* s, int64_t n) {
    for (int64_t i = 0; i < n; ++i) zero = zero || *reinterpret_cast<int64_t*>(ptr[0] + i * s[0]) == 0;
  });
  if (zero) throw Error("ZeroDivisionError");
}

}  // namespace

// ---------------------------------------------------------------- arithmetic
Tensor add(const Tensor& a, const Tensor& b, double alpha) {
  Dtype rt = result_type({&a, &b});
  Tensor out;
  if (alpha == 1.0) {
    out = binary_kernel("add", a, b, rt, rt, [](auto x, auto y) { return x + y; });
  } else {
    if (rt == Dtype::Bool) throw Error("Boolean alpha only supported for Boolean results.");
    out = binary_kernel("add", a, b, rt, rt, [alpha](auto x, auto y) {
      using T = decltype(x);
      return x + static_cast<T>(alpha) * y;
    });
  }
  if (any_requires_grad({&a, &b})) {
    auto n = record("AddBackward0", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      double alpha = n.scalars[0];
      return {n.needs_input_grad(0) ? g[0] : Tensor(),
              n.needs_input_grad(1) ? (alpha == 1.0 ? g[0] : mul(g[0], scalar_tensor(alpha, Dtype::Float64, true)))
                                    : Tensor()};
    }, {a, b}, {out});
    n->scalars = {alpha};
  }
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, double alpha) {
  Dtype rt = result_type({&a, &b});
  if (a.dtype() == Dtype::Bool && b.dtype() == Dtype::Bool)
    throw Error("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                "`logical_xor()` operator instead.");
  if (a.dtype() == Dtype::Bool || b.dtype() == Dtype::Bool)
    throw Error("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                "invert a mask, use the `~` or `logical_not()` operator instead.");
  Tensor out = binary_kernel("sub", a, b, rt, rt, [alpha](auto x, auto y) {
    using T = decltype(x);
    return x - static_cast<T>(alpha) * y;
  });
  if (any_requires_grad({&a, &b})) {
    // `2 - x` is torch's rsub: a scalar minuend records RsubBackward1.
    const char* name = a.is_wrapped_number() ? "RsubBackward1" : "SubBackward0";
    auto n = record(name, [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      double alpha = n.scalars[0];
      return {n.needs_input_grad(0) ? g[0] : Tensor(),
              n.needs_input_grad(1) ? (alpha == 1.0 ? neg(g[0]) : mul(g[0], scalar_tensor(-alpha, Dtype::Float64, true)))
                                    : Tensor()};
    }, {a, b}, {out});
    n->scalars = {alpha};
  }
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Dtype rt = result_type({&a, &b});
  Tensor out = rt == Dtype::Bool ? binary_kernel("mul", a, b, rt, rt, [](auto x, auto y) { return x && y; })
                                 : binary_kernel("mul", a, b, rt, rt, [](auto x, auto y) { return x * y; });
  if (any_requires_grad({&a, &b})) {
    auto n = record("MulBackward0", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      return {n.needs_input_grad(0) ? mul(g[0], n.saved_tensor(1)) : Tensor(),
              n.needs_input_grad(1) ? mul(g[0], n.saved_tensor(0)) : Tensor()};
    }, {a, b}, {out});
    n->saved = {SavedVariable(n->needs_input_grad(1) ? a : Tensor(), false),
                SavedVariable(n->needs_input_grad(0) ? b : Tensor(), false)};
  }
  return out;
}

Tensor div(const Tensor& a, const Tensor& b, const std::string& mode) {
  Dtype rt = result_type({&a, &b});
  Tensor out;
  if (mode.empty()) {
    Dtype ct = is_floating(rt) ? rt : default_dtype();
    out = binary_kernel("div", a, b, ct, ct, [](auto x, auto y) { return x / y; });
  } else if (mode == "trunc") {
    check_int_division(b, rt);
    out = binary_kernel("div_trunc", a, b, rt, rt, [](auto x, auto y) {
      using T = decltype(x);
      if constexpr (std::is_floating_point_v<T>) return std::trunc(x / y);
      else if constexpr (std::is_same_v<T, bool>) return x;
      else return x / y;
    });
  } else if (mode == "floor") {
    check_int_division(b, rt);
    out = binary_kernel("div_floor", a, b, rt, rt, [](auto x, auto y) { return floor_div(x, y); });
  } else {
    throw Error(str_cat("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '", mode, "'"));
  }
  if (any_requires_grad({&a, &b})) {
    if (!mode.empty()) {
      // torch: the gradient of a rounding division is zero almost everywhere.
      auto n = record("DivBackward1", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
        return {n.needs_input_grad(0) ? zeros(n.shapes[0], n.input_dtypes[0]) : Tensor(),
                n.needs_input_grad(1) ? zeros(n.shapes[1], n.input_dtypes[1]) : Tensor()};
      }, {a, b}, {out});
      (void)n;
      return out;
    }
    auto n = record("DivBackward0", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      Tensor b = n.saved_tensor(1);
      Tensor ga = n.needs_input_grad(0) || n.needs_input_grad(1) ? div(g[0], b) : Tensor();
      return {n.needs_input_grad(0) ? ga : Tensor(),
              n.needs_input_grad(1) ? neg(mul(ga, div(n.saved_tensor(0), b))) : Tensor()};
    }, {a, b}, {out});
    n->saved = {SavedVariable(n->needs_input_grad(1) ? a : Tensor(), false), SavedVariable(b, false)};
  }
  return out;
}

Tensor remainder(const Tensor& a, const Tensor& b) {
  Dtype rt = result_type({&a, &b});
  check_int_division(b, rt);
  Tensor out = binary_kernel("remainder", a, b, rt, rt, [](auto x, auto y) { return py_mod(x, y); });
  if (any_requires_grad({&a, &b})) {
    record("RemainderBackward0", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      // d/da = 1; d/db = -floor(a / b)
      return {n.needs_input_grad(0) ? g[0] : Tensor(),
              n.needs_input_grad(1) ? mul(neg(g[0]), div(n.saved_tensor(0), n.saved_tensor(1), "floor")) : Tensor()};
    }, {a, b}, {out})->saved = {SavedVariable(a, false), SavedVariable(b, false)};
  }
  return out;
}

Tensor pow(const Tensor& a, const Tensor& b) {
  Dtype rt = result_type({&a, &b});
  if (rt == Dtype::Int64) {
    // torch: "Integers to negative integer powers are not allowed."
    Tensor bb = cast(b, Dtype::Int64);
    Tensor neg_mask = lt(bb, scalar_tensor_int(0, Dtype::Int64, true));
    if (max_all(neg_mask).item_int()) throw Error("Integers to negative integer powers are not allowed.");
  }
  // torch computes x ** 0.5 as sqrt only for a Python-number exponent (pow.Tensor_Scalar);
  // a tensor exponent goes through pow(), which differs at -inf (inf, not nan).
  const bool scalar_exponent = b.is_wrapped_number();
  Tensor out = binary_kernel("pow", a, b, rt, rt, [scalar_exponent](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_floating_point_v<T>) {
      if (y == T(2)) return x * x;
      if (scalar_exponent && y == T(0.5)) return std::sqrt(x);
      return std::pow(x, y);
    } else if constexpr (std::is_same_v<T, bool>) {
      return y ? x : true;
    } else {
      return int_pow(x, y);
    }
  });
  if (!any_requires_grad({&a, &b})) return out;
  if (b.is_wrapped_number()) {
    // PowBackward0: d/da a^e = e * a^(e-1)  (zero where e == 0)
    auto n = record("PowBackward0", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      double e = n.scalars[0];
      if (e == 0.0) return {zeros_like(g[0])};
      Tensor a = n.saved_tensor(0);
      Tensor d = e == 2.0 ? mul(a, scalar_tensor(2.0, Dtype::Float64, true))
                          : mul(pow(a, scalar_tensor(e - 1.0, Dtype::Float64, true)),
                                scalar_tensor(e, Dtype::Float64, true));
      return {mul(g[0], d), Tensor()};
    }, {a, b}, {out});
    n->scalars = {b.item_double()};
    n->saved = {SavedVariable(a, false)};
  } else if (a.is_wrapped_number()) {
    // PowBackward2: d/db c^b = c^b * log(c)
    auto n = record("PowBackward2", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      Tensor r = n.saved_tensor(0);
      double c = n.scalars[0];
      Tensor d = c == 0.0 ? zeros_like(r) : mul(r, scalar_tensor(std::log(c), Dtype::Float64, true));
      return {Tensor(), mul(g[0], d)};
    }, {a, b}, {out});
    n->scalars = {a.item_double()};
    n->saved = {SavedVariable(out, true)};
  } else {
    // PowBackward1
    auto n = record("PowBackward1", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      Tensor a = n.saved_tensor(0), b = n.saved_tensor(1);
      Tensor ga, gb;
      if (n.needs_input_grad(0)) {
        // b * a^(b-1), zero where b == 0
        Tensor d = mul(b, pow(a, sub(b, scalar_tensor(1.0, Dtype::Float64, true))));
        ga = where(eq(b, scalar_tensor(0.0, Dtype::Float64, true)), zeros({}, d.dtype()), mul(g[0], d));
      }
      if (n.needs_input_grad(1)) {
        // a^b * log(a), zero where a == 0 and b >= 0
        Tensor r = n.saved_tensor(2);
        Tensor d = mul(r, log(a));
        Tensor mask = logical_and(eq(a, scalar_tensor(0.0, Dtype::Float64, true)),
                                  ge(b, scalar_tensor(0.0, Dtype::Float64, true)));
        gb = where(mask, zeros({}, d.dtype()), mul(g[0], d));
      }
      return {ga, gb};
    }, {a, b}, {out});
    n->saved = {SavedVariable(a, false), SavedVariable(b, false), SavedVariable(out, true)};
  }
  return out;
}

namespace {
template <bool IsMax>
Tensor max_min_binary(const Tensor& a, const Tensor& b, const char* name, const char* bw) {
  Dtype rt = result_type({&a, &b});
  Tensor out = binary_kernel(name, a, b, rt, rt, [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<T>::quiet_NaN();
    }
    if constexpr (IsMax) return x > y ? x : y;
    else return x < y ? x : y;
  });
  if (any_requires_grad({&a, &b})) {
    auto n = record(bw, [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      // torch: where(a == b, g / 2, g), zeroed on the side that loses; with a NaN
      // nobody loses and both sides get the gradient.
      Tensor a = n.saved_tensor(0), b = n.saved_tensor(1);
      Tensor half = mul(g[0], scalar_tensor(0.5, Dtype::Float64, true));
      Tensor z = zeros({}, g[0].dtype());
      Tensor shared = where(eq(a, b), half, g[0]);
      Tensor a_loses = IsMax ? lt(a, b) : gt(a, b);
      Tensor b_loses = IsMax ? gt(a, b) : lt(a, b);
      return {n.needs_input_grad(0) ? where(a_loses, z, shared) : Tensor(),
              n.needs_input_grad(1) ? where(b_loses, z, shared) : Tensor()};
    }, {a, b}, {out});
    n->saved = {SavedVariable(a, false), SavedVariable(b, false)};
  }
  return out;
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return max_min_binary<true>(a, b, "maximum", "MaximumBackward0"); }
Tensor minimum(const Tensor& a, const Tensor& b) { return max_min_binary<false>(a, b, "minimum", "MinimumBackward0"); }

// ---------------------------------------------------------------- comparisons and logic
#define PAG_COMPARISON(fn, expr)                                                   \
  Tensor fn(const Tensor& a, const Tensor& b) {                                    \
    Dtype rt = result_type({&a, &b});                                              \
    return binary_kernel(#fn, a, b, rt, Dtype::Bool, [](auto x, auto y) { return expr; }); \
  }
PAG_COMPARISON(eq, x == y)
PAG_COMPARISON(ne, x != y)
PAG_COMPARISON(lt, x < y)
PAG_COMPARISON(le, x <= y)
PAG_COMPARISON(gt, x > y)
PAG_COMPARISON(ge, x >= y)
#undef PAG_COMPARISON

Tensor logical_and(const Tensor& a, const Tensor& b) {
  return binary_kernel("logical_and", cast(a, Dtype::Bool), cast(b, Dtype::Bool), Dtype::Bool, Dtype::Bool,
                       [](auto x, auto y) { return x && y; });
}
Tensor logical_or(const Tensor& a, const Tensor& b) {
  return binary_kernel("logical_or", cast(a, Dtype::Bool), cast(b, Dtype::Bool), Dtype::Bool, Dtype::Bool,
                       [](auto x, auto y) { return x || y; });
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  if (cond.dtype() != Dtype::Bool)
    throw Error(str_cat("where expected condition to be a boolean tensor, but got a tensor with dtype ",
                        scalar_type_name(cond.dtype())));
  Dtype rt = result_type({&a, &b});
  DimVec shape = broadcast_shapes(cond.sizes(), broadcast_shapes(a.sizes(), b.sizes()));
  Tensor x = cast(a, rt), y = cast(b, rt);
  Tensor out = empty(shape, rt);
  if (out.numel() > 0) {
    auto g = make_geometry(out, {&cond, &x, &y});
    auto p = operand_ptrs(out, {&cond, &x, &y});
    PAG_DISPATCH_ALL(rt, "where", [&] {
      kernels::ternary_loop<scalar_t, bool, scalar_t, scalar_t>(
          g, p.p, [](bool c, scalar_t u, scalar_t v) { return c ? u : v; });
    });
  }
  if (any_requires_grad({&a, &b})) {
    auto n = record("WhereBackward0", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      Tensor c = n.saved_tensor(0);
      Tensor z = zeros({}, g[0].dtype());
      return {Tensor(), n.needs_input_grad(1) ? where(c, g[0], z) : Tensor(),
              n.needs_input_grad(2) ? where(c, z, g[0]) : Tensor()};
    }, {Tensor(), a, b}, {out});
    n->saved = {SavedVariable(cond, false)};
    n->shapes[0] = cond.sizes();
  }
  return out;
}

// ---------------------------------------------------------------- unary
namespace {

// Float-valued unary math: integer inputs compute in the default float dtype.
template <typename Op>
Tensor unary_float(const char* name, const Tensor& a, const Op& op) {
  Dtype d = is_floating(a.dtype()) ? a.dtype() : default_dtype();
  Tensor x = cast(a, d);
  Tensor out = empty_for(x.sizes(), d, &x);
  if (out.numel() == 0) return out;
  auto g = make_geometry(out, {&x});
  auto p = operand_ptrs(out, {&x});
  PAG_DISPATCH_FLOATING(d, name, [&] { kernels::unary_loop<scalar_t, scalar_t>(g, p.p, op); });
  return out;
}

// Same-dtype unary (neg, abs, relu, ...).
template <typename Op>
Tensor unary_same(const char* name, const Tensor& a, const Op& op) {
  Tensor out = empty_for(a.sizes(), a.dtype(), &a);
  if (out.numel() == 0) return out;
  auto g = make_geometry(out, {&a});
  auto p = operand_ptrs(out, {&a});
  PAG_DISPATCH_ALL(a.dtype(), name, [&] { kernels::unary_loop<scalar_t, scalar_t>(g, p.p, op); });
  return out;
}

Tensor num(double v) { return scalar_tensor(v, Dtype::Float64, true); }

// Records a one-input rule: fn(node, grad) -> input grad. `save_in`/`save_out` choose what is kept.
template <typename F>
void record_unary(const char* name, const Tensor& in, const Tensor& out, bool save_in, bool save_out, F fn) {
  if (!any_requires_grad({&in})) return;
  auto n = record(name, [fn](FunctionNode& n, const tensor_list& g) -> tensor_list { return {fn(n, g[0])}; },
                  {in}, {out});
  n->saved = {SavedVariable(save_in ? in : Tensor(), false), SavedVariable(save_out ? out : Tensor(), true)};
}

}  // namespace

Tensor neg(const Tensor& a) {
  if (a.dtype() == Dtype::Bool)
    throw Error("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
                "mask, use the `~` or `logical_not()` operator instead.");
  Tensor out = unary_same("neg", a, [](auto x) { return -x; });
  record_unary("NegBackward0", a, out, false, false, [](FunctionNode&, const Tensor& g) { return neg(g); });
  return out;
}

Tensor abs(const Tensor& a) {
  Tensor out = unary_same("abs", a, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_same_v<T, bool>) return x;
    else if constexpr (std::is_floating_point_v<T>) return std::abs(x);  // clears the sign of -0.0
    else return x < 0 ? -x : x;
  });
  record_unary("AbsBackward0", a, out, true, false,
               [](FunctionNode& n, const Tensor& g) { return mul(g, sign(n.saved_tensor(0))); });
  return out;
}

Tensor sign(const Tensor& a) {
  Tensor out = unary_same("sign", a, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_same_v<T, bool>) return x;
    else return static_cast<T>((T(0) < x) - (x < T(0)));
  });
  record_unary("SignBackward0", a, out, false, false, [](FunctionNode&, const Tensor& g) { return zeros_like(g); });
  return out;
}

Tensor sqrt(const Tensor& a) {
  Tensor out = unary_float("sqrt", a, [](auto x) { return std::sqrt(x); });
  record_unary("SqrtBackward0", a, out, false, true, [](FunctionNode& n, const Tensor& g) {
    return div(g, mul(n.saved_tensor(1), num(2.0)));
  });
  return out;
}

Tensor rsqrt(const Tensor& a) {
  Tensor out = unary_float("rsqrt", a, [](auto x) { return decltype(x)(1) / std::sqrt(x); });
  record_unary("RsqrtBackward0", a, out, false, true, [](FunctionNode& n, const Tensor& g) {
    Tensor r = n.saved_tensor(1);
    return mul(g, mul(pow(r, num(3.0)), num(-0.5)));
  });
  return out;
}

Tensor exp(const Tensor& a) {
  Tensor out = unary_float("exp", a, [](auto x) { return std::exp(x); });
  record_unary("ExpBackward0", a, out, false, true,
               [](FunctionNode& n, const Tensor& g) { return mul(g, n.saved_tensor(1)); });
  return out;
}

Tensor log(const Tensor& a) {
  Tensor out = unary_float("log", a, [](auto x) { return std::log(x); });
  record_unary("LogBackward0", a, out, true, false,
               [](FunctionNode& n, const Tensor& g) { return div(g, n.saved_tensor(0)); });
  return out;
}

Tensor log1p(const Tensor& a) {
  Tensor out = unary_float("log1p", a, [](auto x) { return std::log1p(x); });
  record_unary("Log1PBackward0", a, out, true, false,
               [](FunctionNode& n, const Tensor& g) { return div(g, add(n.saved_tensor(0), num(1.0))); });
  return out;
}

Tensor sin(const Tensor& a) {
  Tensor out = unary_float("sin", a, [](auto x) { return std::sin(x); });
  record_unary("SinBackward0", a, out, true, false,
               [](FunctionNode& n, const Tensor& g) { return mul(g, cos(n.saved_tensor(0))); });
  return out;
}

Tensor cos(const Tensor& a) {
  Tensor out = unary_float("cos", a, [](auto x) { return std::cos(x); });
  record_unary("CosBackward0", a, out, true, false,
               [](FunctionNode& n, const Tensor& g) { return mul(g, neg(sin(n.saved_tensor(0)))); });
  return out;
}

Tensor tanh(const Tensor& a) {
  Tensor out = unary_float("tanh", a, [](auto x) { return std::tanh(x); });
  record_unary("TanhBackward0", a, out, false, true, [](FunctionNode& n, const Tensor& g) {
    Tensor r = n.saved_tensor(1);
    return mul(g, sub(num(1.0), mul(r, r)));
  });
  return out;
}

Tensor sigmoid(const Tensor& a) {
  Tensor out = unary_float("sigmoid", a, [](auto x) {
    using T = decltype(x);
    return T(1) / (T(1) + std::exp(-x));
  });
  record_unary("SigmoidBackward0", a, out, false, true, [](FunctionNode& n, const Tensor& g) {
    Tensor r = n.saved_tensor(1);
    return mul(g, mul(r, sub(num(1.0), r)));
  });
  return out;
}

Tensor relu(const Tensor& a) {
  if (a.dtype() == Dtype::Bool) throw NotImplementedError("\"clamp_min_scalar_cpu\" not implemented for 'Bool'");
  Tensor out = unary_same("relu", a, [](auto x) {
    using T = decltype(x);
    // torch's clamp_min(x, 0): NaN and -0.0 pass through unchanged
    return x < T(0) ? T(0) : x;
  });
  record_unary("ReluBackward0", a, out, false, true, [](FunctionNode& n, const Tensor& g) {
    // threshold_backward: zero where the output is <= 0 (a NaN output passes the gradient).
    return where(le(n.saved_tensor(1), num(0.0)), zeros({}, g.dtype()), g);
  });
  return out;
}

Tensor reciprocal(const Tensor& a) {
  Tensor out = unary_float("reciprocal", a, [](auto x) { return decltype(x)(1) / x; });
  record_unary("ReciprocalBackward0", a, out, false, true, [](FunctionNode& n, const Tensor& g) {
    Tensor r = n.saved_tensor(1);
    return mul(g, neg(mul(r, r)));
  });
  return out;
}

Tensor square(const Tensor& a) { return pow(a, scalar_tensor_int(2, Dtype::Int64, true)); }

#define PAG_ROUNDING(fn, bwname, expr)                                                          \
  Tensor fn(const Tensor& a) {                                                                  \
    Tensor out = unary_same(#fn, a, [](auto x) {                                               \
      using T = decltype(x);                                                                    \
      if constexpr (std::is_floating_point_v<T>) return expr;                                  \
      else return x;                                                                            \
    });                                                                                         \
    record_unary(bwname, a, out, false, false, [](FunctionNode&, const Tensor& g) { return zeros_like(g); }); \
    return out;                                                                                 \
  }
PAG_ROUNDING(floor, "FloorBackward0", std::floor(x))
PAG_ROUNDING(ceil, "CeilBackward0", std::ceil(x))
PAG_ROUNDING(round, "RoundBackward0", std::nearbyint(x))
#undef PAG_ROUNDING

Tensor logical_not(const Tensor& a) {
  return unary_same("logical_not", cast(a, Dtype::Bool), [](auto x) { return !x; });
}

Tensor clamp(const Tensor& a, std::optional<double> lo, std::optional<double> hi) {
  if (!lo && !hi) throw Error("torch.clamp: At least one of 'min' or 'max' must not be None");
  if (a.dtype() == Dtype::Bool) throw NotImplementedError("\"clamp_scalar_cpu\" not implemented for 'Bool'");
  // An integer tensor clamped by a float bound promotes, as torch does.
  Dtype rt = a.dtype();
  auto is_frac = [](std::optional<double> v) { return v && std::floor(*v) != *v; };
  if (!is_floating(rt) && (is_frac(lo) || is_frac(hi))) rt = default_dtype();
  Tensor x = cast(a, rt);
  double l = lo ? *lo : -std::numeric_limits<double>::infinity();
  double h = hi ? *hi : std::numeric_limits<double>::infinity();
  const bool nan_bound = (lo && std::isnan(*lo)) || (hi && std::isnan(*hi));  // torch fills with NaN
  Tensor out = PAG_DISPATCH_ALL(rt, "clamp", [&] {
    return unary_same("clamp", x, [l, h, nan_bound](auto v) {
      using T = decltype(v);
      if constexpr (std::is_floating_point_v<T>) {
        if (nan_bound) return std::numeric_limits<T>::quiet_NaN();
        if (std::isnan(v)) return v;
        return std::min(std::max(v, static_cast<T>(l)), static_cast<T>(h));
      } else if constexpr (std::is_same_v<T, bool>) {
        return v;
      } else {
        T lo_v = std::isinf(l) ? std::numeric_limits<T>::min() : static_cast<T>(l);
        T hi_v = std::isinf(h) ? std::numeric_limits<T>::max() : static_cast<T>(h);
        return std::min(std::max(v, lo_v), hi_v);
      }
    });
  });
  if (any_requires_grad({&a})) {
    auto n = record("ClampBackward1", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      Tensor x = n.saved_tensor(0);
      Tensor mask = logical_and(ge(x, num(n.scalars[0])), le(x, num(n.scalars[1])));
      return {where(mask, g[0], zeros({}, g[0].dtype()))};
    }, {a}, {out});
    n->saved = {SavedVariable(a, false)};
    n->scalars = {l, h};
  }
  return out;
}

Tensor clamp_t(const Tensor& a, const Tensor* lo, const Tensor* hi) {
  if (!lo && !hi) throw Error("torch.clamp: At least one of 'min' or 'max' must not be None");
  Tensor out = a;
  {
    AutoGradMode no(false);
    if (lo) out = maximum(out, *lo);
    if (hi) out = minimum(out, *hi);
    if (!lo && !hi) out = clone(a);
  }
  Tensor lo_t = lo ? *lo : Tensor(), hi_t = hi ? *hi : Tensor();
  if (any_requires_grad({&a, lo, hi})) {
    auto n = record("ClampBackward0", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      Tensor x = n.saved_tensor(0), lo = n.saved_tensor(1), hi = n.saved_tensor(2);
      Tensor z = zeros({}, g[0].dtype());
      Tensor in_lo = lo.defined() ? ge(x, lo) : Tensor();
      Tensor in_hi = hi.defined() ? le(x, hi) : Tensor();
      Tensor mask = in_lo.defined() && in_hi.defined() ? logical_and(in_lo, in_hi) : (in_lo.defined() ? in_lo : in_hi);
      tensor_list r(3);
      if (n.needs_input_grad(0)) r[0] = where(mask, g[0], z);
      // torch's clamp_backward_min_max: a bound gets the gradient where it clamped (min > max: max wins)
      if (n.needs_input_grad(1) && lo.defined())
        r[1] = where(hi.defined() ? logical_and(lt(x, lo), lt(lo, hi)) : lt(x, lo), g[0], z);
      if (n.needs_input_grad(2) && hi.defined())
        r[2] = where(lo.defined() ? logical_or(gt(x, hi), lt(hi, lo)) : gt(x, hi), g[0], z);
      return r;
    }, {a, lo_t, hi_t}, {out});
    n->saved = {SavedVariable(a, false), SavedVariable(lo_t, false), SavedVariable(hi_t, false)};
  }
  return out;
}

// ---------------------------------------------------------------- in-place
// Note [In-place autograd]: an in-place op without grad just writes into self.
// With grad, the out-of-place op runs (and records its usual rule) on a stand-in
// for self's old value that carries self's history; the result is written into
// self, whose grad_fn becomes the recorded node. One forward, one rule per op.
namespace {

// Stand-in for self's value before the op: an alias with self's history, or a
// clone when the rule saves the old values (they are about to be overwritten).
Tensor old_self(const Tensor& self, bool needs_values) {
  if (needs_values) return clone(self);
  Tensor s = make_view(self, self.sizes(), self.strides(), self.offset());
  if (self.grad_fn()) set_history(s, self.grad_fn(), self.output_nr());
  return s;
}

void write_into(Tensor& self, const Tensor& r) {
  check_inplace_result(self, r.sizes(), r.dtype());
  if (self.numel() == 0) return;
  if (r.dtype() == self.dtype() && r.strides() == self.strides() && self.is_contiguous())
    std::memcpy(self.raw_data(), r.raw_data(), self.numel() * self.itemsize());
  else
    convert_into(self, r);
}

template <typename F>
Tensor& inplace(Tensor& self, const char* name, std::initializer_list<const Tensor*> others, bool needs_values,
                const F& op) {
  bool track = GradMode::is_enabled() && self.requires_grad();
  for (const Tensor* o : others) track = track || any_requires_grad({o});
  if (!track) {
    write_into(self, op(self));
    self.bump_version();
    return self;
  }
  check_inplace(self, name);
  Tensor r = op(old_self(self, needs_values));
  write_into(self, r);
  self.bump_version();
  if (r.grad_fn()) rebase_history(self, r.grad_fn());
  return self;
}

}  // namespace

Tensor& add_(Tensor& a, const Tensor& b, double alpha) {
  return inplace(a, "add_", {&b}, false, [&](const Tensor& x) { return add(x, b, alpha); });
}
Tensor& sub_(Tensor& a, const Tensor& b, double alpha) {
  return inplace(a, "sub_", {&b}, false, [&](const Tensor& x) { return sub(x, b, alpha); });
}
Tensor& mul_(Tensor& a, const Tensor& b) {
  return inplace(a, "mul_", {&b}, b.requires_grad(), [&](const Tensor& x) { return mul(x, b); });
}
Tensor& div_(Tensor& a, const Tensor& b, const std::string& mode) {
  return inplace(a, "div_", {&b}, b.requires_grad(), [&](const Tensor& x) { return div(x, b, mode); });
}
Tensor& pow_(Tensor& a, const Tensor& b) {
  return inplace(a, "pow_", {&b}, true, [&](const Tensor& x) { return pow(x, b); });
}
Tensor& clamp_(Tensor& a, std::optional<double> lo, std::optional<double> hi) {
  return inplace(a, "clamp_", {}, true, [&](const Tensor& x) { return clamp(x, lo, hi); });
}
Tensor& relu_(Tensor& a) {
  return inplace(a, "relu_", {}, false, [&](const Tensor& x) { return relu(x); });
}
Tensor& neg_(Tensor& a) {
  return inplace(a, "neg_", {}, false, [&](const Tensor& x) { return neg(x); });
}

Tensor& fill_(Tensor& a, const Tensor& value) {
  if (value.dim() != 0)
    throw Error(str_cat("fill_ only supports 0-dimension value tensor but got tensor with ", value.dim(),
                        " dimensions."));
  bool track = any_requires_grad({&a, &value});
  if (track) check_inplace(a, "fill_");
  if (a.numel() > 0) {
    Tensor v = cast(value, a.dtype());
    auto g = make_geometry(a, {&v});
    auto p = operand_ptrs(a, {&v});
    PAG_DISPATCH_ALL(a.dtype(), "fill_", [&] {
      kernels::unary_loop<scalar_t, scalar_t>(g, p.p, [](scalar_t x) { return x; });
    });
  }
  a.bump_version();
  if (track) {
    auto n = record("FillBackward0", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      return {zeros_like(g[0])};
    }, {a}, {});
    rebase_history(a, n);
  }
  return a;
}

Tensor& zero_(Tensor& a) { return fill_(a, scalar_tensor(0.0, a.dtype())); }

}  // namespace pag
