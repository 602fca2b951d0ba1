// Elementwise ops: type promotion, forward kernels and backward rules, side by side.
// Each op's backward is written with differentiable ops, so create_graph=True gives
// higher derivatives; broadcasting and dtype are undone in OpNode::apply.
#include <cmath>
#include <cstring>
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
      using in_t = scalar_t;
      kernels::unary_loop<out_t, in_t>(g, p.p, [](auto v) { return convert<out_t>(v); });
    });
  });
}

Tensor cast(const Tensor& t, Dtype d) {
  if (t.dtype() == d) return t;
  Tensor out = empty_like(t, d);
  convert_into(out, t);
  out.impl()->is_wrapped_number = t.is_wrapped_number();
  return out;
}

}  // namespace

Tensor to_dtype(const Tensor& t, Dtype d, bool copy, MemoryFormat f) {
  // torch's to_will_alias: the tensor itself when nothing would change.
  if (t.dtype() == d && !copy && (f == MemoryFormat::Preserve || suggest_memory_format(t) == f)) return t;
  Tensor out = empty_like(t, d, f);
  convert_into(out, t);
  if (is_floating(d) && is_floating(t.dtype()) && any_requires_grad({&t}))
    record("ToCopyBackward0", [](auto&, const tensor_list& g) -> tensor_list { return {g[0]}; }, {t}, {out});
  return out;
}

Tensor& copy_(Tensor& dst, const Tensor& src) {
  DimVec bs = broadcast_shapes(dst.sizes(), src.sizes());
  if (bs != dst.sizes())
    throw Error(str_cat("output with shape ", shape_str(dst.sizes()),
                        " doesn't match the broadcast shape ", shape_str(bs)));
  bool track = any_requires_grad({&dst, &src});
  if (track) check_inplace(dst, "copy_");
  if (!src.same(dst)) {  // Note [Memory overlap]
    assert_no_internal_overlap(dst);
    assert_no_partial_overlap(dst, src);
  }
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
    auto n = record("torch::autograd::CopyBackwards", [](auto& n, const tensor_list& g) -> tensor_list {
      return {n.needs_input_grad(0) ? zeros_like(g[0]) : Tensor(), n.needs_input_grad(1) ? g[0] : Tensor()};
    }, {dst, src}, {});
    rebase_history(dst, n);
  }
  return dst;
}

// ---------------------------------------------------------------- binary kernels
namespace {

enum class Cmp { Eq, Ne, Lt, Le, Gt, Ge };

// The value of a one-element tensor of any dtype and layout, converted as cast() converts.
template <typename T>
T scalar_as(const Tensor& t) {
  T v{};
  PAG_DISPATCH_ALL(t.dtype(), "scalar", [&] { v = convert<T>(*t.data<scalar_t>()); });
  return v;
}

// Which operands lay out a binary op's output (Note [Layout propagation]): both (torch's
// binary TensorIterator, a Python number as a 0-dim operand), the first alone (ops torch
// runs as a unary iterator with the number as a kernel argument: pow(Tensor, Scalar)),
// or none (contiguous: pow(Scalar, Tensor)).
enum class OutLayout { Both, First, Contiguous };

// A one-element operand's value in the compute type: float16/bfloat16 kernels read a scalar
// operand's original value into float without rounding it to the storage type first (torch's
// original_scalar_value); the others convert it to the compute dtype as cast() would.
// Of the binary kernels only mul, div and div_floor do so (asked of torch 2.13: add, sub,
// maximum, comparisons, remainder... see the scalar rounded to float16 first).
bool reads_original_scalar(const char* name) {
  return !std::strcmp(name, "mul") || !std::strcmp(name, "div") || !std::strcmp(name, "div_floor");
}
template <typename T>
opmath_t<T> scalar_op(const Tensor& t, const char* name) {
  if constexpr (is_reduced_float_v<T>) {
    if (reads_original_scalar(name)) return scalar_as<float>(t);
    return static_cast<float>(scalar_as<T>(t));
  } else {
    return scalar_as<T>(t);
  }
}

// Runs `op` over broadcast(a, b) computed in `compute`, producing `out_dtype`.
template <typename Op>
Tensor binary_kernel(const char* name, const Tensor& a_in, const Tensor& b_in, Dtype compute, Dtype out_dtype,
                     const Op& op, OutLayout layout = OutLayout::Both) {
  // Fast path (Note [Per-op cost]): two contiguous operands of one shape in the compute
  // dtype, or one and a one-element tensor of any dtype (a Python number: `x * 2.0`),
  // whose value is converted once: one flat loop, no geometry, no temporaries.
  if (out_dtype == compute || out_dtype == Dtype::Bool) {
    const bool a_flat = a_in.dtype() == compute && a_in.is_contiguous();
    const bool b_flat = b_in.dtype() == compute && b_in.is_contiguous();
    const bool same = a_flat && b_flat && a_in.sizes() == b_in.sizes();
    // Note [Layout propagation]: a scalar's partner lays out the output alone.
    const bool b_scalar = !same && a_flat && b_in.numel() == 1 && b_in.dim() <= a_in.dim() && has_contiguous_strides(a_in);
    const bool a_scalar = !same && !b_scalar && b_flat && a_in.numel() == 1 && a_in.dim() <= b_in.dim() &&
                          has_contiguous_strides(b_in);
    if (same || a_scalar || b_scalar) {
      const Tensor& big = a_scalar ? b_in : a_in;
      Tensor out = empty(big.sizes(), out_dtype);
      const int64_t n = out.numel();
      if (n == 0) return out;
      PAG_DISPATCH_ALL(compute, name, [&] {
        auto run = [&](auto* po) {
          if (same) kernels::flat_binary(po, a_in.data<scalar_t>(), b_in.data<scalar_t>(), n, op);
          else if (b_scalar)
            kernels::flat_binary_scalar<false>(po, a_in.data<scalar_t>(), scalar_op<scalar_t>(b_in, name), n, op);
          else kernels::flat_binary_scalar<true>(po, b_in.data<scalar_t>(), scalar_op<scalar_t>(a_in, name), n, op);
        };
        if (out_dtype == Dtype::Bool && compute != Dtype::Bool) run(out.data<bool>());
        else run(out.data<scalar_t>());
      });
      return out;
    }
  }
  DimVec shape = a_in.sizes() == b_in.sizes() ? a_in.sizes() : broadcast_shapes(a_in.sizes(), b_in.sizes());
  const Tensor &a = a_in, &b = b_in;
  Tensor out = layout == OutLayout::Contiguous ? empty(shape, out_dtype)
               : layout == OutLayout::First    ? empty_for(shape, out_dtype, {&a_in})
                                               : empty_for(shape, out_dtype, {&a_in, &b_in});
  if (out.numel() == 0) return out;
  auto g = make_geometry(out, {&a, &b});
  auto p = operand_ptrs(out, {&a, &b});
  const bool mixed = a.dtype() != compute || b.dtype() != compute;
  const bool direct = is_reduced_float(compute) && reads_original_scalar(name);
  PAG_DISPATCH_ALL(compute, name, [&] {
    using opm = opmath_t<scalar_t>;
    auto run = [&](auto out_tag, const auto& f) {
      using o_t = decltype(out_tag);
      if (mixed)
        kernels::binary_loop_mixed<o_t, scalar_t>(g, p.p, a.dtype(), b.dtype(), direct && a.numel() == 1,
                                                   direct && b.numel() == 1, f);
      else kernels::binary_loop<o_t, scalar_t>(g, p.p, f);
    };
    if (out_dtype == Dtype::Bool && compute != Dtype::Bool)
      run(bool{}, [&](opm x, opm y) { return (bool)op(x, y); });
    else
      run(scalar_t{}, [&](opm x, opm y) { return (opm)op(x, y); });
  });
  return out;
}

// Checks that an out-of-place result can be written into `self` (torch's in-place rules).
void check_inplace_result(const Tensor& self, const DimVec& result_shape, Dtype result_dtype,
                          bool cpp_type_names = false) {
  if (result_shape != self.sizes())
    throw Error(str_cat("output with shape ", shape_str(self.sizes()), " doesn't match the broadcast shape ",
                        shape_str(result_shape)));
  if (!can_cast(result_dtype, self.dtype()))
    throw Error(str_cat("result type ", scalar_type_name(result_dtype), " can't be cast to the desired output type ",
                        cpp_type_names ? cpp_type_name(self.dtype()) : scalar_type_name(self.dtype())));
}

// Integer a / b and a % b without the trap of (min / -1): torch wraps (min / -1 == min,
// x % -1 == 0). The caller has already refused b == 0.
template <typename T>
T int_div(T a, T b) {
  if constexpr (std::is_signed_v<T>)
    if (b == T(-1)) return T(T(0) - static_cast<std::make_unsigned_t<T>>(a));
  return T(a / b);
}
template <typename T>
T int_rem(T a, T b) {
  if constexpr (std::is_signed_v<T>)
    if (b == T(-1)) return T(0);
  return T(a % b);
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
    T q = int_div(a, b);
    if ((int_rem(a, b) != 0) && ((a < 0) != (b < 0))) --q;
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
    T m = int_rem(a, b);
    if (m != 0 && ((b < 0) != (m < 0))) m += b;
    return m;
  }
}

// torch's powi: integer powers, with negative exponents giving 0 (or +-1 for bases +-1).
template <typename T>
T int_pow(T base, T exp) {
  if (exp < 0) {
    if (base == 1) return 1;
    if (base == -1) return (-exp) % 2 ? -1 : 1;
    return 0;
  }
  T r = 1;
  while (exp) {
    if (exp & 1) r *= base;
    exp >>= 1;
    base *= base;
  }
  return r;
}

void check_int_division(const Tensor& b, Dtype compute) {
  if (!is_integral(compute, false)) return;
  bool zero = false;
  auto g = make_geometry(b, {});
  auto p = operand_ptrs(b, {});
  PAG_DISPATCH_ALL(compute, "ZeroDivisionError", [&] { zero = kernels::any_zero<scalar_t>(g, p.p, b.dtype()); });
  if (zero) throw Error("ZeroDivisionError");
}

// torch's message for an integer kernel asked to run on bool ("div_floor_cpu" not implemented for 'Bool').
void check_not_bool(Dtype d, const char* kernel) {
  if (d == Dtype::Bool) throw NotImplementedError(str_cat("\"", kernel, "\" not implemented for 'Bool'"));
}

// Note [Not differentiable ops]: torch records a NotImplemented node for ops
// without a derivative formula (floor_divide, remainder(Scalar, Tensor)); it
// fails only when backward reaches it.
struct NotImplementedState {
  const char* aten_name;
};
void record_not_implemented(const char* aten_name, const tensor_list& operands, const Tensor& out) {
  if (!any_requires_grad(operands)) return;
  tensor_list inputs;  // Python numbers are no inputs of torch's node
  for (const Tensor& t : operands)
    if (!t.is_wrapped_number()) inputs.push_back(t);
  auto n = record<NotImplementedState>("torch::autograd::NotImplemented", [](auto& n, const tensor_list&) -> tensor_list {
    throw Error(str_cat("derivative for ", n.s.aten_name, " is not implemented"));
  }, inputs, {out});
  n->s = {aten_name};
}


// Zero gradient for input i of node n (rounding ops, fill_, copy_'s self).
Tensor zero_grad(const OpNode& n, size_t i) { return zeros(n.shapes[i], n.input_dtypes[i]); }

}  // namespace

// ---------------------------------------------------------------- arithmetic
namespace {
struct AlphaState {  // add, sub, rsub: other's gradient is scaled by alpha
  double alpha;
};
}  // namespace

Tensor add(const Tensor& a, const Tensor& b, double alpha) {
  Dtype rt = result_type({&a, &b});
  if (!is_floating(rt) && alpha != std::trunc(alpha))
    throw Error("For integral input tensors, argument alpha must not be a floating point number.");
  Tensor out;
  if (alpha == 1.0) {
    out = binary_kernel("add", a, b, rt, rt, [](auto x, auto y) { return x + y; });
  } else {
    out = binary_kernel("add", a, b, rt, rt, [alpha](auto x, auto y) {
      using T = decltype(x);
      return x + static_cast<T>(alpha) * y;
    });
  }
  if (any_requires_grad({&a, &b})) {
    auto n = record<AlphaState>("AddBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      double alpha = n.s.alpha;
      return {n.needs_input_grad(0) ? g[0] : Tensor(),
              n.needs_input_grad(1) ? (alpha == 1.0 ? g[0] : mul(g[0], num(alpha))) : Tensor()};
    }, {a, b}, {out});
    n->s = {alpha};
  }
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, double alpha) {
  if (a.dtype() == Dtype::Bool && b.dtype() == Dtype::Bool)
    throw Error("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                "`logical_xor()` operator instead.");
  if (a.dtype() == Dtype::Bool || b.dtype() == Dtype::Bool)
    throw Error("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                "invert a mask, use the `~` or `logical_not()` operator instead.");
  Dtype rt = result_type({&a, &b});
  if (!is_floating(rt) && alpha != std::trunc(alpha))
    throw Error("For integral input tensors, argument alpha must not be a floating point number.");
  Tensor out = binary_kernel("sub", a, b, rt, rt, [alpha](auto x, auto y) {
    using T = decltype(x);
    return x - static_cast<T>(alpha) * y;
  });
  if (any_requires_grad({&a, &b})) {
    // `2 - x` is torch's rsub: a scalar minuend records RsubBackward1.
    std::shared_ptr<Rule<AlphaState>> n;
    if (a.is_wrapped_number()) {
      n = record<AlphaState>("RsubBackward1", [](auto& n, const tensor_list& g) -> tensor_list {
        double alpha = n.s.alpha;
        return {alpha == 1.0 ? neg(g[0]) : mul(g[0], num(-alpha))};
      }, {b}, {out});
    } else {
      n = record<AlphaState>("SubBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
        double alpha = n.s.alpha;
        return {n.needs_input_grad(0) ? g[0] : Tensor(),
                n.needs_input_grad(1) ? (alpha == 1.0 ? neg(g[0]) : mul(g[0], num(-alpha))) : Tensor()};
      }, {a, b}, {out});
    }
    n->s = {alpha};
  }
  return out;
}

namespace {
struct BinaryState {  // mul, div, remainder, fmod, maximum, minimum
  SavedVariable self, other;
};
}  // namespace

Tensor mul(const Tensor& a, const Tensor& b) {
  Dtype rt = result_type({&a, &b});
  Tensor out = rt == Dtype::Bool ? binary_kernel("mul", a, b, rt, rt, [](auto x, auto y) { return x && y; })
                                 : binary_kernel("mul", a, b, rt, rt, [](auto x, auto y) { return x * y; });
  if (any_requires_grad({&a, &b})) {
    auto n = record<BinaryState>("MulBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      return {n.needs_input_grad(0) ? mul(g[0], n.unpack(n.s.other)) : Tensor(),
              n.needs_input_grad(1) ? mul(g[0], n.unpack(n.s.self)) : Tensor()};
    }, {a, b}, {out});
    n->s = {n->save(n->needs_input_grad(1) ? a : Tensor()), n->save(n->needs_input_grad(0) ? b : Tensor())};
  }
  return out;
}

namespace {

// The forward of div with a rounding mode (shared by div and floor_divide).
Tensor div_rounding(const Tensor& a, const Tensor& b, const std::string& mode) {
  Dtype rt = result_type({&a, &b});
  if (mode == "trunc") {
    check_not_bool(rt, "div_trunc_cpu");
    check_int_division(b, rt);
    return binary_kernel("div_trunc", a, b, rt, rt, [](auto x, auto y) {
      using T = decltype(x);
      if constexpr (std::is_floating_point_v<T>) return std::trunc(x / y);
      else if constexpr (std::is_same_v<T, bool>) return x;
      else return int_div(x, y);
    });
  }
  if (mode == "floor") {
    check_not_bool(rt, "div_floor_cpu");
    check_int_division(b, rt);
    return binary_kernel("div_floor", a, b, rt, rt, [](auto x, auto y) { return floor_div(x, y); });
  }
  throw Error(str_cat("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '", mode, "'"));
}

}  // namespace

// Multiplication by a C++ scalar (torch's mul.Scalar), recorded as MulBackward1: torch's
// derivative formulas multiply by C++ numbers, so their create_graph graphs have these nodes
// (as div_scalar's DivBackward1, Note [DivBackward1]).
namespace {
struct ScalarOtherState {  // mul_scalar, div_scalar
  double other;
};
}  // namespace

Tensor mul_scalar(const Tensor& t, double s) {
  Tensor out;
  {
    AutoGradMode no(false);
    out = mul(t, num(s));
  }
  if (any_requires_grad({&t})) {
    auto n = record<ScalarOtherState>("MulBackward1", [](auto& n, const tensor_list& g) -> tensor_list {
      return {mul_scalar(g[0], n.s.other)};
    }, {t}, {out});
    n->s = {s};
  }
  return out;
}

// Note [DivBackward1]: torch's composite loss formulas divide by a C++ scalar (div.Scalar),
// whose node is DivBackward1; dividing through this op keeps those graphs' names.
Tensor div_scalar(const Tensor& t, double s) {
  Tensor out;
  {
    AutoGradMode no(false);
    out = div(t, num(s));
  }
  if (any_requires_grad({&t})) {
    auto n = record<ScalarOtherState>("DivBackward1", [](auto& n, const tensor_list& g) -> tensor_list {
      return {div_scalar(g[0], n.s.other)};
    }, {t}, {out});
    n->s = {s};
  }
  return out;
}

Tensor div(const Tensor& a, const Tensor& b, const std::string& mode) {
  Tensor out;
  if (mode.empty()) {
    Dtype rt = result_type({&a, &b});
    Dtype ct = is_floating(rt) ? rt : default_dtype();
    out = binary_kernel("div", a, b, ct, ct, [](auto x, auto y) { return x / y; });
  } else {
    out = div_rounding(a, b, mode);
  }
  if (!any_requires_grad({&a, &b})) return out;
  if (!mode.empty()) {
    // torch: a rounding division has zero gradient for both inputs.
    record("DivBackward2", [](auto& n, const tensor_list&) -> tensor_list {
      return {n.needs_input_grad(0) ? zero_grad(n, 0) : Tensor(), n.needs_input_grad(1) ? zero_grad(n, 1) : Tensor()};
    }, {a, b}, {out});
    return out;
  }
  auto n = record<BinaryState>("DivBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
    Tensor b = n.unpack(n.s.other);
    Tensor ga = div(g[0], b);
    return {n.needs_input_grad(0) ? ga : Tensor(),
            n.needs_input_grad(1) ? mul(neg(g[0]), div(div(n.unpack(n.s.self), b), b)) : Tensor()};  // torch's order
  }, {a, b}, {out});
  n->s = {n->save(n->needs_input_grad(1) ? a : Tensor()), n->save(b)};
  return out;
}

Tensor floor_divide(const Tensor& a, const Tensor& b) {
  Tensor out = div_rounding(a, b, "floor");
  record_not_implemented("aten::floor_divide", {a, b}, out);
  return out;
}

Tensor remainder(const Tensor& a, const Tensor& b) {
  Dtype rt = result_type({&a, &b});
  check_not_bool(rt, "remainder_cpu");
  check_int_division(b, rt);
  Tensor out = binary_kernel("remainder", a, b, rt, rt, [](auto x, auto y) { return py_mod(x, y); });
  if (!any_requires_grad({&a, &b})) return out;
  // torch's overloads: remainder(Tensor, Scalar) -> RemainderBackward0, (Tensor, Tensor) ->
  // RemainderBackward1, (Scalar, Tensor) has no derivative.
  if (a.is_wrapped_number()) {
    record_not_implemented("aten::remainder", {a, b}, out);
  } else if (b.is_wrapped_number()) {
    record("RemainderBackward0", [](auto&, const tensor_list& g) -> tensor_list { return {g[0]}; }, {a}, {out});
  } else {
    auto n = record<BinaryState>("RemainderBackward1", [](auto& n, const tensor_list& g) -> tensor_list {
      // d/da = 1; d/db = -floor(a / b)
      return {n.needs_input_grad(0) ? g[0] : Tensor(),
              n.needs_input_grad(1) ? mul(neg(g[0]), div(n.unpack(n.s.self), n.unpack(n.s.other), "floor")) : Tensor()};
    }, {a, b}, {out});
    n->s = {n->save(a), n->save(b)};
  }
  return out;
}

Tensor fmod(const Tensor& a, const Tensor& b) {
  Dtype rt = result_type({&a, &b});
  check_not_bool(rt, "fmod_cpu");
  check_int_division(b, rt);
  Tensor out = binary_kernel("fmod", a, b, rt, rt, [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_floating_point_v<T>) return std::fmod(x, y);
    else if constexpr (std::is_same_v<T, bool>) return x;
    else return int_rem(x, y);
  });
  if (!any_requires_grad({&a, &b})) return out;
  if (b.is_wrapped_number()) {
    record("FmodBackward0", [](auto&, const tensor_list& g) -> tensor_list { return {g[0]}; }, {a}, {out});
  } else {
    auto n = record<BinaryState>("FmodBackward1", [](auto& n, const tensor_list& g) -> tensor_list {
      // d/da = 1; d/db = -trunc(a / b)
      return {n.needs_input_grad(0) ? g[0] : Tensor(),
              n.needs_input_grad(1) ? mul(neg(g[0]), div(n.unpack(n.s.self), n.unpack(n.s.other), "trunc")) : Tensor()};
    }, {a, b}, {out});
    n->s = {n->save(a), n->save(b)};
  }
  return out;
}

namespace {
struct PowScalarState {  // pow(Tensor, Scalar)
  SavedVariable self;
  double exponent;
};
struct PowScalarBaseState {  // pow(Scalar, Tensor)
  SavedVariable result, exponent;
  double self;
};
struct PowState {  // pow(Tensor, Tensor)
  SavedVariable self, exponent, result;
};
}  // namespace

Tensor pow(const Tensor& a, const Tensor& b) {
  Dtype rt = result_type({&a, &b});
  // torch's pow(Tensor, Scalar) rejects negative integer exponents of integral bases;
  // pow(Tensor, Tensor) computes them (powi).
  if (b.is_wrapped_number() && !is_floating(a.dtype()) && !is_floating(b.dtype()) && b.item_int() < 0)
    throw Error("Integers to negative integer powers are not allowed.");
  if (rt == Dtype::Bool && !b.is_wrapped_number()) throw NotImplementedError("\"pow\" not implemented for 'Bool'");
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
  }, a.is_wrapped_number() ? OutLayout::Contiguous : b.is_wrapped_number() ? OutLayout::First : OutLayout::Both);
  if (!any_requires_grad({&a, &b})) return out;
  if (b.is_wrapped_number()) {
    // PowBackward0: d/da a^e = e * a^(e-1)  (zero where e == 0)
    auto n = record<PowScalarState>("PowBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      double e = n.s.exponent;
      if (e == 0.0) return {zeros_like(g[0])};
      Tensor a = n.unpack(n.s.self);
      // torch's e * a.pow(e - 1); a first-order backward skips the pow for e == 2 (same values)
      if (e == 2.0 && !GradMode::is_enabled()) return {mul(g[0], mul(a, num(2.0)))};
      return {mul(g[0], mul_scalar(pow(a, num(e - 1.0)), e))};
    }, {a}, {out});
    n->s = {n->save(a), b.item_double()};
  } else if (a.is_wrapped_number()) {
    // PowBackward2: d/db c^b = c^b * log(c); for c == 0 torch takes 0 where b >= 0.
    auto n = record<PowScalarBaseState>("PowBackward2", [](auto& n, const tensor_list& g) -> tensor_list {
      Tensor r = n.unpack(n.s.result);
      double c = n.s.self;
      Tensor d = mul(g[0], mul(r, num(std::log(c))));
      if (c == 0.0) d = where(ge(n.unpack(n.s.exponent), num(0.0)), zeros({}, d.dtype()), d);
      return {d};
    }, {b}, {out});
    n->s = {n->save_output(out), n->save(b), a.item_double()};
  } else {
    auto n = record<PowState>("PowBackward1", [](auto& n, const tensor_list& g) -> tensor_list {
      Tensor a = n.unpack(n.s.self), b = n.unpack(n.s.exponent);
      Tensor ga, gb;
      if (n.needs_input_grad(0)) {
        // b * a^(b-1), zero where b == 0
        Tensor d = mul(b, pow(a, sub(b, num(1.0))));
        ga = where(eq(b, num(0.0)), zeros({}, d.dtype()), mul(g[0], d));
      }
      if (n.needs_input_grad(1)) {
        // a^b * log(a), zero where a == 0 and b >= 0
        Tensor r = n.unpack(n.s.result);
        Tensor d = mul(r, log(a));
        Tensor mask = logical_and(eq(a, num(0.0)), ge(b, num(0.0)));
        gb = where(mask, zeros({}, d.dtype()), mul(g[0], d));
      }
      return {ga, gb};
    }, {a, b}, {out});
    n->s = {n->save(a), n->save(b), n->save_output(out)};
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
    auto n = record<BinaryState>(bw, [](auto& n, const tensor_list& g) -> tensor_list {
      // torch: ties split the gradient in half; the losing side gets zero (NaNs lose nowhere).
      Tensor a = n.unpack(n.s.self), b = n.unpack(n.s.other);
      Tensor z = zeros({}, g[0].dtype());
      Tensor shared = where(eq(a, b), mul(g[0], num(0.5)), g[0]);
      return {n.needs_input_grad(0) ? where(IsMax ? lt(a, b) : gt(a, b), z, shared) : Tensor(),
              n.needs_input_grad(1) ? where(IsMax ? gt(a, b) : lt(a, b), z, shared) : Tensor()};
    }, {a, b}, {out});
    n->s = {n->save(a), n->save(b)};
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

namespace {
struct WhereState {
  SavedVariable condition;
};
}  // namespace

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  if (cond.dtype() != Dtype::Bool)
    throw Error(str_cat("where expected condition to be a boolean tensor, but got a tensor with dtype ",
                        scalar_type_name(cond.dtype())));
  Dtype rt = result_type({&a, &b});
  DimVec shape = broadcast_shapes(cond.sizes(), broadcast_shapes(a.sizes(), b.sizes()));
  Tensor x = cast(a, rt), y = cast(b, rt);
  Tensor out = empty_for(shape, rt, {&cond, &a, &b});
  if (out.numel() > 0) {
    auto g = make_geometry(out, {&cond, &x, &y});
    auto p = operand_ptrs(out, {&cond, &x, &y});
    PAG_DISPATCH_ALL(rt, "where", [&] {
      kernels::ternary_loop<scalar_t, bool, scalar_t, scalar_t>(
          g, p.p, [](bool c, scalar_t u, scalar_t v) { return c ? u : v; });
    });
  }
  if (any_requires_grad({&a, &b})) {
    auto n = record<WhereState>("WhereBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      Tensor c = n.unpack(n.s.condition);
      Tensor z = zeros({}, g[0].dtype());
      return {n.needs_input_grad(0) ? where(c, g[0], z) : Tensor(), n.needs_input_grad(1) ? where(c, z, g[0]) : Tensor()};
    }, {a, b}, {out});
    n->s = {n->save(cond)};
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
  Tensor out = empty_for(x.sizes(), d, {&a});
  if (out.numel() == 0) return out;
  auto g = make_geometry(out, {&x});
  auto p = operand_ptrs(out, {&x});
  PAG_DISPATCH_FLOATING(d, name, [&] { kernels::unary_loop<scalar_t, scalar_t>(g, p.p, op); });
  return out;
}

// Same-dtype unary (neg, abs, relu, ...).
template <typename Op>
Tensor unary_same(const char* name, const Tensor& a, const Op& op) {
  Tensor out = empty_for(a.sizes(), a.dtype(), {&a});
  if (out.numel() == 0) return out;
  auto g = make_geometry(out, {&a});
  auto p = operand_ptrs(out, {&a});
  PAG_DISPATCH_ALL(a.dtype(), name, [&] { kernels::unary_loop<scalar_t, scalar_t>(g, p.p, op); });
  return out;
}

// Bool-valued tests of each element (isnan, isinf, isfinite): any dtype in, no graph.
template <typename Op>
Tensor unary_predicate(const char* name, const Tensor& a, const Op& op) {
  Tensor out = empty_for(a.sizes(), Dtype::Bool, {&a});
  if (out.numel() == 0) return out;
  auto g = make_geometry(out, {&a});
  auto p = operand_ptrs(out, {&a});
  PAG_DISPATCH_ALL(a.dtype(), name, [&] { kernels::unary_loop<bool, scalar_t>(g, p.p, op); });
  return out;
}

// A one-input rule's state: its input and its output, each kept only when the rule reads it
// (an undefined one otherwise, so a second backward fails as torch's does).
struct UnaryState {
  SavedVariable self, result;
};

// Records a one-input rule: Grad, a captureless lambda (node, grad) -> input grad.
// `save_in`/`save_out` choose what is kept.
template <class Grad>
void record_unary(const char* name, const Tensor& in, const Tensor& out, bool save_in, bool save_out, Grad) {
  if (!any_requires_grad({&in})) return;
  auto n = record<UnaryState>(name, [](auto& n, const tensor_list& g) -> tensor_list { return {Grad{}(n, g[0])}; },
                              {in}, {out});
  n->s = {n->save(save_in ? in : Tensor()), n->save_output(save_out ? out : Tensor())};
}

}  // namespace

Tensor neg(const Tensor& a) {
  if (a.dtype() == Dtype::Bool)
    throw Error("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
                "mask, use the `~` or `logical_not()` operator instead.");
  Tensor out = unary_same("neg", a, [](auto x) { return -x; });
  record_unary("NegBackward0", a, out, false, false, [](auto&, const Tensor& g) { return neg(g); });
  return out;
}

Tensor abs(const Tensor& a) {
  check_not_bool(a.dtype(), "abs_cpu");
  Tensor out = unary_same("abs", a, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_same_v<T, bool>) return x;
    else if constexpr (std::is_floating_point_v<T>) return std::abs(x);  // clears the sign of -0.0
    else return x < 0 ? -x : x;
  });
  record_unary("AbsBackward0", a, out, true, false,
               [](auto& n, const Tensor& g) { return mul(g, sgn(n.unpack(n.s.self))); });
  return out;
}

Tensor sign(const Tensor& a) {
  Tensor out = unary_same("sign", a, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_same_v<T, bool>) return x;
    else return static_cast<T>((T(0) < x) - (x < T(0)));
  });
  record_unary("SignBackward0", a, out, false, false, [](auto&, const Tensor& g) { return zeros_like(g); });
  return out;
}

// torch.sgn: sign for real tensors, under its own node (abs's derivative is g * x.sgn()).
Tensor sgn(const Tensor& a) {
  Tensor out;
  {
    AutoGradMode no(false);
    out = sign(a);
  }
  record_unary("SgnBackward0", a, out, false, false, [](auto&, const Tensor& g) { return zeros_like(g); });
  return out;
}

Tensor sqrt(const Tensor& a) {
  Tensor out = unary_float("sqrt", a, [](auto x) { return std::sqrt(x); });
  record_unary("SqrtBackward0", a, out, false, true, [](auto& n, const Tensor& g) {
    return div(g, mul_scalar(n.unpack(n.s.result), 2.0));
  });
  return out;
}

Tensor rsqrt(const Tensor& a) {
  Tensor out = unary_float("rsqrt", a, [](auto x) { return decltype(x)(1) / std::sqrt(x); });
  record_unary("RsqrtBackward0", a, out, false, true, [](auto& n, const Tensor& g) {
    Tensor r = n.unpack(n.s.result);
    return mul(g, mul(pow(r, num(3.0)), num(-0.5)));
  });
  return out;
}

Tensor exp(const Tensor& a) {
  Tensor out = unary_float("exp", a, [](auto x) { return std::exp(x); });
  record_unary("ExpBackward0", a, out, false, true,
               [](auto& n, const Tensor& g) { return mul(g, n.unpack(n.s.result)); });
  return out;
}

Tensor log(const Tensor& a) {
  Tensor out = unary_float("log", a, [](auto x) { return std::log(x); });
  record_unary("LogBackward0", a, out, true, false,
               [](auto& n, const Tensor& g) { return div(g, n.unpack(n.s.self)); });
  return out;
}

Tensor log1p(const Tensor& a) {
  Tensor out = unary_float("log1p", a, [](auto x) { return std::log1p(x); });
  record_unary("Log1PBackward0", a, out, true, false,
               [](auto& n, const Tensor& g) { return div(g, add(n.unpack(n.s.self), num(1.0))); });
  return out;
}

Tensor erf(const Tensor& a) {
  Tensor out = unary_float("erf", a, [](auto x) { return std::erf(x); });
  // d/dx erf(x) = 2/sqrt(pi) * exp(-x^2)
  record_unary("ErfBackward0", a, out, true, false, [](auto& n, const Tensor& g) {
    Tensor x = n.unpack(n.s.self);
    return mul(g, mul_scalar(exp(neg(mul(x, x))), 1.1283791670955126));
  });
  return out;
}

Tensor sin(const Tensor& a) {
  Tensor out = unary_float("sin", a, [](auto x) { return std::sin(x); });
  record_unary("SinBackward0", a, out, true, false,
               [](auto& n, const Tensor& g) { return mul(g, cos(n.unpack(n.s.self))); });
  return out;
}

Tensor cos(const Tensor& a) {
  Tensor out = unary_float("cos", a, [](auto x) { return std::cos(x); });
  record_unary("CosBackward0", a, out, true, false,
               [](auto& n, const Tensor& g) { return mul(g, neg(sin(n.unpack(n.s.self)))); });
  return out;
}

Tensor tanh(const Tensor& a) {
  Tensor out = unary_float("tanh", a, [](auto x) { return std::tanh(x); });
  record_unary("TanhBackward0", a, out, false, true,
               [](auto& n, const Tensor& g) { return tanh_backward(g, n.unpack(n.s.result)); });
  return out;
}

Tensor sigmoid(const Tensor& a) {
  Tensor out = unary_float("sigmoid", a, [](auto x) {
    using T = decltype(x);
    return T(1) / (T(1) + std::exp(-x));
  });
  record_unary("SigmoidBackward0", a, out, false, true,
               [](auto& n, const Tensor& g) { return sigmoid_backward(g, n.unpack(n.s.result)); });
  return out;
}

Tensor relu(const Tensor& a) {
  if (a.dtype() == Dtype::Bool) throw Error("Boolean inputs not supported for relu");
  Tensor out = unary_same("relu", a, [](auto x) {
    using T = decltype(x);
    // torch's clamp_min(x, 0): NaN and -0.0 pass through unchanged
    return x < T(0) ? T(0) : x;
  });
  record_unary("ReluBackward0", a, out, false, true,
               [](auto& n, const Tensor& g) { return threshold_backward(g, n.unpack(n.s.result), 0.0); });
  return out;
}

// Note [Activation backward as an op]: the gradients of sigmoid, tanh and relu are ops of
// their own, as torch's sigmoid_backward, tanh_backward and threshold_backward: one pass with
// torch's rounding order, and under create_graph torch's nodes, differentiable in both inputs.
namespace {
struct ActivationGradState {  // sigmoid_backward, tanh_backward
  SavedVariable grad_output, output;
};
}  // namespace

Tensor sigmoid_backward(const Tensor& g, const Tensor& y) {
  Dtype rt = result_type({&g, &y});
  Tensor out = binary_kernel("sigmoid_backward", g, y, rt, rt, [](auto a, auto b) {
    using T = decltype(a);
    if constexpr (std::is_same_v<T, bool>) return a;
    else return a * (T(1) - b) * b;
  });
  if (any_requires_grad({&g, &y})) {
    auto n = record<ActivationGradState>("SigmoidBackwardBackward0", [](auto& n, const tensor_list& h) -> tensor_list {
      Tensor g = n.unpack(n.s.grad_output), y = n.unpack(n.s.output);
      return {n.needs_input_grad(0) ? sigmoid_backward(h[0], y) : Tensor(),
              n.needs_input_grad(1) ? mul(mul(h[0], g), add(mul_scalar(y, -2.0), num(1.0))) : Tensor()};
    }, {g, y}, {out});
    n->s = {n->save(g), n->save(y)};
  }
  return out;
}

Tensor tanh_backward(const Tensor& g, const Tensor& y) {
  Dtype rt = result_type({&g, &y});
  Tensor out = binary_kernel("tanh_backward", g, y, rt, rt, [](auto a, auto b) {
    using T = decltype(a);
    if constexpr (std::is_same_v<T, bool>) return a;
    else return a * (T(1) - b * b);
  });
  if (any_requires_grad({&g, &y})) {
    auto n = record<ActivationGradState>("TanhBackwardBackward0", [](auto& n, const tensor_list& h) -> tensor_list {
      Tensor g = n.unpack(n.s.grad_output), y = n.unpack(n.s.output);
      return {n.needs_input_grad(0) ? tanh_backward(h[0], y) : Tensor(),
              n.needs_input_grad(1) ? mul(h[0], mul(mul_scalar(y, -2.0), g)) : Tensor()};
    }, {g, y}, {out});
    n->s = {n->save(g), n->save(y)};
  }
  return out;
}

namespace {
struct ThresholdState {
  SavedVariable self;
  double threshold;
};
}  // namespace

// Zero where x <= threshold, g elsewhere (a NaN x passes the gradient).
Tensor threshold_backward(const Tensor& g, const Tensor& x, double threshold) {
  Dtype rt = result_type({&g, &x});
  Tensor out = binary_kernel("threshold_backward", g, x, rt, rt, [threshold](auto a, auto b) {
    using T = decltype(a);
    return b <= T(threshold) ? T(0) : a;
  });
  if (any_requires_grad({&g, &x})) {
    auto n = record<ThresholdState>("ThresholdBackwardBackward0", [](auto& n, const tensor_list& h) -> tensor_list {
      return {n.needs_input_grad(0) ? threshold_backward(h[0], n.unpack(n.s.self), n.s.threshold) : Tensor(),
              n.needs_input_grad(1) ? zeros_like(h[0]) : Tensor()};
    }, {g, x}, {out});
    n->s = {n->save(x), threshold};
  }
  return out;
}

Tensor reciprocal(const Tensor& a) {
  Tensor out = unary_float("reciprocal", a, [](auto x) { return decltype(x)(1) / x; });
  record_unary("ReciprocalBackward0", a, out, false, true, [](auto& n, const Tensor& g) {
    Tensor r = n.unpack(n.s.result);
    return mul(g, neg(mul(r, r)));
  });
  return out;
}

Tensor square(const Tensor& a) { return pow(a, scalar_tensor_int(2, Dtype::Int64, true)); }

#define PAG_ROUNDING(fn, bwname, expr)                                                          \
  Tensor fn(const Tensor& a) {                                                                  \
    check_not_bool(a.dtype(), #fn "_vml_cpu");                                                  \
    Tensor out = unary_same(#fn, a, [](auto x) {                                               \
      using T = decltype(x);                                                                    \
      if constexpr (std::is_floating_point_v<T>) return expr;                                  \
      else return x;                                                                            \
    });                                                                                         \
    record_unary(bwname, a, out, false, false, [](auto&, const Tensor& g) { return zeros_like(g); }); \
    return out;                                                                                 \
  }
PAG_ROUNDING(floor, "FloorBackward0", std::floor(x))
PAG_ROUNDING(ceil, "CeilBackward0", std::ceil(x))
PAG_ROUNDING(round, "RoundBackward0", std::nearbyint(x))
#undef PAG_ROUNDING

// torch's round_decimals_kernel: 10^|decimals| is computed in double and rounded once to
// the math type; x * 10^d is rounded half to even and divided back (d < 0: divide first).
// decimals = 0 runs round's own kernel, which torch defines for floating types only.
Tensor round(const Tensor& a, int64_t decimals) {
  if (!is_floating(a.dtype()))
    throw NotImplementedError(str_cat("\"", decimals == 0 ? "round_vml_cpu" : "round_cpu", "\" not implemented for '",
                                      scalar_type_name(a.dtype()), "'"));
  const bool neg = decimals < 0;
  const double p = std::pow(10.0, neg ? -static_cast<double>(decimals) : static_cast<double>(decimals));
  Tensor out = unary_same("round", a, [p, neg](auto x) {
    using T = decltype(x);
    if constexpr (std::is_floating_point_v<T>) {
      const T q = static_cast<T>(p);
      return neg ? T(std::nearbyint(x / q) * q) : T(std::nearbyint(x * q) / q);
    } else {
      return x;
    }
  });
  record_unary("RoundBackward1", a, out, false, false, [](auto&, const Tensor& g) { return zeros_like(g); });
  return out;
}

Tensor isnan(const Tensor& a) {
  return unary_predicate("isnan", a, [](auto x) {
    if constexpr (std::is_floating_point_v<decltype(x)>) return std::isnan(x);
    else return false;
  });
}

Tensor isinf(const Tensor& a) {
  return unary_predicate("isinf", a, [](auto x) {
    if constexpr (std::is_floating_point_v<decltype(x)>) return std::isinf(x);
    else return false;
  });
}

Tensor isfinite(const Tensor& a) {
  return unary_predicate("isfinite", a, [](auto x) {
    if constexpr (std::is_floating_point_v<decltype(x)>) return std::isfinite(x);
    else return true;
  });
}

Tensor logical_not(const Tensor& a) {
  return unary_same("logical_not", cast(a, Dtype::Bool), [](auto x) { return !x; });
}

// ---------------------------------------------------------------- clamp
namespace {

enum class ClampKind { Clamp, Min, Max };

struct ClampState {
  SavedVariable self, min, max;  // a bound not given is an undefined tensor
  DimVec slots;                  // what each node input is: 0 self, 1 min, 2 max
};

// Note [Clamp overloads]: torch records ClampBackward1 / ClampMinBackward0 /
// ClampMaxBackward0 when every bound is a Python number and ClampBackward0 /
// ClampMinBackward1 / ClampMaxBackward1 when a bound is a tensor; bounds take
// part in type promotion either way (an int tensor clamped by 0.5 is float).
Tensor clamp_impl(const Tensor& a, const Tensor* lo, const Tensor* hi, ClampKind kind) {
  if (!lo && !hi) throw Error("torch.clamp: At least one of 'min' or 'max' must not be None");
  const bool scalar = (!lo || lo->is_wrapped_number()) && (!hi || hi->is_wrapped_number());
  Dtype rt = result_type({&a, lo, hi});
  if (rt == Dtype::Bool) {
    if (scalar) check_not_bool(rt, lo && hi ? "clamp_scalar_cpu" : lo ? "clamp_min_scalar_cpu" : "clamp_max_scalar_cpu");
    else if (lo && hi) check_not_bool(rt, "clamp_cpu");
  }
  Tensor out;
  if (lo && hi) {
    Tensor x = cast(a, rt), l = cast(*lo, rt), h = cast(*hi, rt);
    DimVec shape = broadcast_shapes(broadcast_shapes(a.sizes(), lo->sizes()), hi->sizes());
    out = scalar ? empty_for(shape, rt, {&a}) : empty_for(shape, rt, {&a, lo, hi});  // numbers are no operands
    if (out.numel() > 0) {
      auto g = make_geometry(out, {&x, &l, &h});
      auto p = operand_ptrs(out, {&x, &l, &h});
      PAG_DISPATCH_NUMERIC(rt, "clamp", [&] {
        // Signed zeros follow torch: number bounds keep an element equal to a bound,
        // tensor bounds give the bound (its vectorized maximum/minimum).
        kernels::ternary_loop<scalar_t, scalar_t, scalar_t, scalar_t>(g, p.p, [scalar](scalar_t v, scalar_t l, scalar_t h) {
          if constexpr (is_float_v<scalar_t>) {
            if (std::isnan(v) || std::isnan(l) || std::isnan(h)) return std::numeric_limits<scalar_t>::quiet_NaN();
          }
          if (scalar) return std::min(std::max(v, l), h);
          scalar_t r = v > l ? v : l;
          return r < h ? r : h;
        });
      });
    }
  } else if (scalar) {
    // torch's clamp_min/clamp_max with a number: ties keep the element (clamp(-0., min=0.) is -0.),
    // NaN elements pass through and a NaN bound makes every element NaN.
    const bool is_min = lo != nullptr;
    out = binary_kernel(is_min ? "clamp_min" : "clamp_max", a, is_min ? *lo : *hi, rt, rt, [is_min](auto v, auto b) {
      using T = decltype(v);
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(b)) return b;
      }
      return is_min ? (v < b ? b : v) : (b < v ? b : v);
    });
  } else {
    AutoGradMode no(false);  // a tensor bound: torch's clamp_min/clamp_max are maximum/minimum
    out = lo ? maximum(a, *lo) : minimum(a, *hi);
  }
  if (!any_requires_grad({&a, lo, hi})) return out;
  static const char* names[3][2] = {{"ClampBackward0", "ClampBackward1"},
                                    {"ClampMinBackward1", "ClampMinBackward0"},
                                    {"ClampMaxBackward1", "ClampMaxBackward0"}};
  // The node's inputs are torch's: self, then the tensor bounds of this overload.
  Tensor lo_t = lo ? *lo : Tensor(), hi_t = hi ? *hi : Tensor();
  tensor_list inputs{a};
  DimVec slots{0};  // 0 self, 1 min, 2 max
  if (!scalar && kind != ClampKind::Max) { inputs.push_back(lo_t); slots.push_back(1); }
  if (!scalar && kind != ClampKind::Min) { inputs.push_back(hi_t); slots.push_back(2); }
  auto n = record<ClampState>(names[(int)kind][scalar], [](auto& n, const tensor_list& g) -> tensor_list {
    // torch's clamp_backward and clamp_backward_min_max: a bound gets the gradient
    // where it clamps (the lower one only while it lies below the upper one).
    Tensor x = n.unpack(n.s.self), lo = n.unpack(n.s.min), hi = n.unpack(n.s.max);
    Tensor z = zeros({}, g[0].dtype());
    tensor_list r(n.s.slots.size());
    for (size_t k = 0; k < r.size(); ++k) {
      if (!n.needs_input_grad(k)) continue;
      if (n.s.slots[k] == 0) {
        Tensor mask = lo.defined() && hi.defined() ? logical_and(ge(x, lo), le(x, hi)) : lo.defined() ? ge(x, lo) : le(x, hi);
        r[k] = where(mask, g[0], z);
      } else if (n.s.slots[k] == 1) {
        r[k] = where(hi.defined() ? logical_and(lt(x, lo), lt(lo, hi)) : lt(x, lo), g[0], z);
      } else {
        r[k] = where(lo.defined() ? logical_or(gt(x, hi), lt(hi, lo)) : gt(x, hi), g[0], z);
      }
    }
    return r;
  }, inputs, {out});
  n->s = {n->save(a), n->save(lo_t), n->save(hi_t), slots};
  return out;
}

// A C++ double bound as a Python number would arrive: integral values stay integral for integral tensors.
Tensor bound_of(const Tensor& a, double v) {
  if (!is_floating(a.dtype()) && v == std::trunc(v) && std::abs(v) < 9.0e15)
    return scalar_tensor_int((int64_t)v, Dtype::Int64, true);
  return scalar_tensor(v, Dtype::Float64, true);
}

}  // namespace

Tensor clamp(const Tensor& a, std::optional<double> lo, std::optional<double> hi) {
  Tensor l = lo ? bound_of(a, *lo) : Tensor(), h = hi ? bound_of(a, *hi) : Tensor();
  return clamp_impl(a, lo ? &l : nullptr, hi ? &h : nullptr, ClampKind::Clamp);
}
Tensor clamp_t(const Tensor& a, const Tensor* lo, const Tensor* hi) {
  return clamp_impl(a, lo, hi, ClampKind::Clamp);
}
Tensor clamp_min(const Tensor& a, const Tensor& lo) { return clamp_impl(a, &lo, nullptr, ClampKind::Min); }
Tensor clamp_max(const Tensor& a, const Tensor& hi) { return clamp_impl(a, nullptr, &hi, ClampKind::Max); }

// ---------------------------------------------------------------- in-place
// Note [In-place autograd]: an in-place op without grad just writes into self.
// With grad, the out-of-place op runs (and records its usual rule) on a stand-in
// for self's old value that carries self's history; the result is written into
// self, whose grad_fn becomes the recorded node. One forward, one rule per op.
namespace {

// Stand-in for self's value before the op: an alias carrying self's history, or,
// when the rule saves the old values (about to be overwritten), a copy carrying it.
Tensor old_self(const Tensor& self, bool needs_values) {
  Tensor s;
  if (needs_values) {
    AutoGradMode no(false);
    s = clone(self);
  } else {
    s = detach(self);
  }
  if (self.grad_fn()) set_history(s, self.grad_fn(), self.output_nr());
  return s;
}

void write_into(Tensor& self, const Tensor& r, bool cpp_type_names) {
  check_inplace_result(self, r.sizes(), r.dtype(), cpp_type_names);
  if (self.numel() == 0) return;
  if (r.dtype() == self.dtype() && r.strides() == self.strides() && self.is_contiguous())
    std::memcpy(self.raw_data(), r.raw_data(), self.numel() * self.itemsize());
  else
    convert_into(self, r);
}

template <typename F>
Tensor& inplace(Tensor& self, const char* name, std::initializer_list<const Tensor*> others, bool needs_values,
                const F& op, bool cpp_type_names = false) {
  bool track = GradMode::is_enabled() && self.requires_grad();
  for (const Tensor* o : others) track = track || any_requires_grad({o});
  if (track) check_inplace(self, name);  // autograd's checks come first, as in torch
  assert_no_internal_overlap(self);      // Note [Memory overlap]
  for (const Tensor* o : others)
    if (o && o->defined()) assert_no_partial_overlap(self, *o);
  if (!track) {
    write_into(self, op(self), cpp_type_names);
    self.bump_version();
    return self;
  }
  Tensor r = op(old_self(self, needs_values));
  write_into(self, r, cpp_type_names);
  self.bump_version();
  if (r.grad_fn()) rebase_history(self, r.grad_fn());
  return self;
}

// Note [Per-op cost]: without autograd, a floating self that is contiguous and already
// of the result dtype, with an operand of its shape (not partly overlapping it) or of
// one element, is updated by one flat loop: no temporary, no copy back (gradient
// accumulation, `w -= lr * g`). Anything else takes `inplace` above.
template <typename Op>
bool flat_inplace(Tensor& self, const Tensor& other, const Op& op) {
  if (!is_floating(self.dtype()) || !self.is_contiguous() || any_requires_grad({&self, &other})) return false;
  if (result_type({&self, &other}) != self.dtype()) return false;
  const bool same = other.dtype() == self.dtype() && other.is_contiguous() && other.sizes() == self.sizes() &&
                    (other.storage() != self.storage() || other.raw_data() == self.raw_data());
  const bool scalar = !same && other.numel() == 1 && other.dim() <= self.dim();
  if (!same && !scalar) return false;
  if (self.impl()->inference_version) check_inference_inplace();  // before the write (Note [Inference tensors])
  const int64_t n = self.numel();
  PAG_DISPATCH_FLOATING(self.dtype(), "inplace", [&] {
    if (same) kernels::flat_binary_inplace(self.data<scalar_t>(), other.data<scalar_t>(), n, op);
    else kernels::flat_binary_scalar_inplace(self.data<scalar_t>(), scalar_as<scalar_t>(other), n, op);
  });
  self.bump_version();
  return true;
}

}  // namespace

Tensor& add_(Tensor& a, const Tensor& b, double alpha) {
  if (flat_inplace(a, b, [alpha](auto x, auto y) { return alpha == 1.0 ? x + y : x + decltype(x)(alpha) * y; }))
    return a;
  return inplace(a, "add_", {&b}, false, [&](const Tensor& x) { return add(x, b, alpha); });
}
Tensor& sub_(Tensor& a, const Tensor& b, double alpha) {
  if (flat_inplace(a, b, [alpha](auto x, auto y) { return x - decltype(x)(alpha) * y; })) return a;
  return inplace(a, "sub_", {&b}, false, [&](const Tensor& x) { return sub(x, b, alpha); });
}
Tensor& mul_(Tensor& a, const Tensor& b) {
  if (flat_inplace(a, b, [](auto x, auto y) { return x * y; })) return a;
  return inplace(a, "mul_", {&b}, b.requires_grad(), [&](const Tensor& x) { return mul(x, b); });
}
Tensor& div_(Tensor& a, const Tensor& b, const std::string& mode) {
  if (mode.empty() && flat_inplace(a, b, [](auto x, auto y) { return x / y; })) return a;
  return inplace(a, "div_", {&b}, b.requires_grad(), [&](const Tensor& x) { return div(x, b, mode); });
}
Tensor& pow_(Tensor& a, const Tensor& b) {
  return inplace(a, "pow_", {&b}, true, [&](const Tensor& x) { return pow(x, b); });
}
Tensor& floor_divide_(Tensor& a, const Tensor& b) {
  return inplace(a, "floor_divide_", {&b}, false, [&](const Tensor& x) {
    Tensor out = div_rounding(x, b, "floor");
    record_not_implemented("aten::floor_divide_", {x, b}, out);  // torch names the in-place op
    return out;
  });
}
Tensor& remainder_(Tensor& a, const Tensor& b) {
  return inplace(a, "remainder_", {&b}, b.requires_grad(), [&](const Tensor& x) { return remainder(x, b); });
}
Tensor& fmod_(Tensor& a, const Tensor& b) {
  return inplace(a, "fmod_", {&b}, b.requires_grad(), [&](const Tensor& x) { return fmod(x, b); });
}
Tensor& clamp_(Tensor& a, std::optional<double> lo, std::optional<double> hi) {
  // torch names C++ types ("long int") in this op's cast error.
  return inplace(a, "clamp_", {}, true, [&](const Tensor& x) { return clamp(x, lo, hi); }, true);
}
Tensor& clamp_t_(Tensor& a, const Tensor* lo, const Tensor* hi) {
  bool scalar = (!lo || lo->is_wrapped_number()) && (!hi || hi->is_wrapped_number());
  return inplace(a, "clamp_", {lo, hi}, true, [&](const Tensor& x) { return clamp_t(x, lo, hi); }, scalar);
}
Tensor& relu_(Tensor& a) {
  return inplace(a, "relu_", {}, false, [&](const Tensor& x) { return relu(x); });
}
Tensor& neg_(Tensor& a) {
  return inplace(a, "neg_", {}, false, [&](const Tensor& x) { return neg(x); });
}
Tensor& round_(Tensor& a) {
  return inplace(a, "round_", {}, false, [&](const Tensor& x) { return round(x); });
}
Tensor& round_(Tensor& a, int64_t decimals) {
  return inplace(a, "round_", {}, false, [&](const Tensor& x) { return round(x, decimals); });
}

namespace {

// fill_ (FillBackward2 for a number, FillBackward3 for a tensor, whose gradient is
// the sum of self's) and zero_ (ZeroBackward0).
Tensor& fill_impl(Tensor& a, const Tensor& value, const char* name) {
  if (value.dim() != 0)
    throw Error(str_cat("fill_ only supports 0-dimension value tensor but got tensor with ", value.dim(),
                        " dimensions."));
  bool track = any_requires_grad({&a, &value});
  if (track) check_inplace(a, "fill_");
  if (a.impl()->inference_version) check_inference_inplace();  // before the write (Note [Inference tensors])
  if (a.numel() > 0 && a.is_contiguous()) {  // Note [Per-op cost]: zero_() on a gradient
    PAG_DISPATCH_ALL(a.dtype(), "fill_",
                     [&] { kernels::flat_fill(a.data<scalar_t>(), scalar_as<scalar_t>(value), a.numel()); });
  } else if (a.numel() > 0) {
    Tensor v = cast(value, a.dtype());
    auto g = make_geometry(a, {&v});
    auto p = operand_ptrs(a, {&v});
    PAG_DISPATCH_ALL(a.dtype(), "fill_", [&] {
      kernels::unary_loop<scalar_t, scalar_t>(g, p.p, [](scalar_t x) { return x; });
    });
  }
  a.bump_version();
  if (track) {
    bool with_value = std::string(name) == "FillBackward3";
    auto n = record(name, [](auto& n, const tensor_list& g) -> tensor_list {
      return {n.needs_input_grad(0) ? zeros_like(g[0]) : Tensor(),
              n.needs_input_grad(1) ? sum(g[0], std::nullopt, false) : Tensor()};
    }, with_value ? tensor_list{a, value} : tensor_list{a}, {});
    rebase_history(a, n);
  }
  return a;
}

}  // namespace

Tensor& fill_(Tensor& a, const Tensor& value) {
  // torch checks the written-to tensor for a tensor value, not for a number.
  if (!value.is_wrapped_number()) assert_no_internal_overlap(a);
  return fill_impl(a, value, value.is_wrapped_number() ? "FillBackward2" : "FillBackward3");
}

Tensor& zero_(Tensor& a) { return fill_impl(a, scalar_tensor(0.0, a.dtype(), true), "ZeroBackward0"); }

// ---------------------------------------------------------------- bitwise
// On the integer types and bool only, in the promoted dtype (uint8 & int8 -> int16), as torch;
// other dtypes raise torch's "bitwise_and_cpu" not implemented for 'Float'.
namespace {
template <typename Op>
Tensor bitwise_binary(const char* kernel, const Tensor& a, const Tensor& b, const Op& op) {
  Dtype rt = result_type({&a, &b});
  if (!is_integral(rt, true)) PAG_DISPATCH_NOT_IMPLEMENTED(rt, kernel);
  return binary_kernel(kernel, a, b, rt, rt, [op](auto x, auto y) {
    if constexpr (is_float_v<decltype(x)>) return x;  // never reached: rt is integral
    else return op(x, y);
  });
}
}  // namespace

Tensor bitwise_and(const Tensor& a, const Tensor& b) {
  return bitwise_binary("bitwise_and_cpu", a, b, [](auto x, auto y) { return x & y; });
}
Tensor bitwise_or(const Tensor& a, const Tensor& b) {
  return bitwise_binary("bitwise_or_cpu", a, b, [](auto x, auto y) { return x | y; });
}
Tensor bitwise_xor(const Tensor& a, const Tensor& b) {
  return bitwise_binary("bitwise_xor_cpu", a, b, [](auto x, auto y) { return x ^ y; });
}
// torch's shift kernels: a shift by a negative count or by the width or more gives 0 to the
// left, and the sign fill (0 for unsigned) to the right.
Tensor bitwise_left_shift(const Tensor& a, const Tensor& b) {
  if (result_type({&a, &b}) == Dtype::Bool) PAG_DISPATCH_NOT_IMPLEMENTED(Dtype::Bool, "lshift_cpu");
  return bitwise_binary("lshift_cpu", a, b, [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_same_v<T, bool>) {
      return (bool)((int)x << (int)y);
    } else {
      constexpr int64_t bits = sizeof(T) * 8;
      if ((int64_t)y < 0 || (int64_t)y >= bits) return T(0);
      return T(static_cast<std::make_unsigned_t<T>>(x) << y);
    }
  });
}
Tensor bitwise_right_shift(const Tensor& a, const Tensor& b) {
  if (result_type({&a, &b}) == Dtype::Bool) PAG_DISPATCH_NOT_IMPLEMENTED(Dtype::Bool, "rshift_cpu");
  return bitwise_binary("rshift_cpu", a, b, [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_same_v<T, bool>) {
      return (bool)((int)x >> (int)y);
    } else {
      constexpr int64_t bits = sizeof(T) * 8;
      if ((int64_t)y < 0 || (int64_t)y >= bits) return std::is_signed_v<T> ? T(x >> (bits - 1)) : T(0);
      return T(x >> y);
    }
  });
}
Tensor bitwise_not(const Tensor& a) {
  if (!is_integral(a.dtype(), true)) PAG_DISPATCH_NOT_IMPLEMENTED(a.dtype(), "bitwise_not_cpu");
  return unary_same("bitwise_not_cpu", a, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_same_v<T, bool>) return !x;
    else if constexpr (is_float_v<T>) return x;  // never reached
    else return T(~x);
  });
}

}  // namespace pag
