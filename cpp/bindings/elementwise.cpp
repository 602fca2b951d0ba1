// Bindings for ops/elementwise.cpp: functions, Tensor methods and operators.
// Each is one pybind11 call straight into the op (Note [Per-op cost]).
#include "autograd/grad_mode.h"
#include "bindings/arg_parser.h"
#include "bindings/common.h"

namespace pag::py_bind {

namespace {

py::object not_implemented() { return py::reinterpret_borrow<py::object>(Py_NotImplemented); }

// Binary operator: other may be a Tensor or a Python number; anything else -> NotImplemented.
template <typename F>
void def_binop(TensorClass& cls, const char* name, F f) {
  cls.def(name, [f](const Tensor& self, py::handle other) -> py::object {
    Tensor o;
    if (!to_operand(other, o)) return not_implemented();
    return py::cast(release_gil_if(gil_worth_releasing(self) || gil_worth_releasing(o), [&] { return f(self, o); }));
  }, py::is_operator());
}

template <typename F>
void def_inplace_binop(TensorClass& cls, const char* name, F f) {
  cls.def(name, [f](py::object self_obj, py::handle other) -> py::object {
    Tensor self = self_obj.cast<Tensor>();
    Tensor o;
    if (!to_operand(other, o)) return not_implemented();
    release_gil_if(gil_worth_releasing(self), [&] { f(self, o); });
    return self_obj;
  }, py::is_operator());
}

// torch's alpha_check, which depends on the Python type of alpha (2 and 2.0 differ).
double alpha_arg(py::handle alpha, const Tensor& a, const Tensor& b) {
  if (PyBool_Check(alpha.ptr())) {
    if (result_type({&a, &b}) != Dtype::Bool) throw Error("Boolean alpha only supported for Boolean results.");
    return alpha.ptr() == Py_True ? 1.0 : 0.0;
  }
  if (!PyLong_Check(alpha.ptr()) && !is_floating(result_type({&a, &b})))
    throw Error("For integral input tensors, argument alpha must not be a floating point number.");
  return alpha.cast<double>();
}

// clamp's bounds: all Python numbers (the Scalar overload) or all tensors / None.
void clamp_bounds(py::handle lo, py::handle hi, Tensor& l, Tensor& h) {
  if (!lo.is_none() && !hi.is_none() && is_tensor(lo) != is_tensor(hi))
    throw TypeError(str_cat("clamp() received an invalid combination of arguments - got (",
                            type_name(lo), ", ",
                            type_name(hi), ")"));
  if (!lo.is_none()) l = operand(lo, "clamp");
  if (!hi.is_none()) h = operand(hi, "clamp");
}

// Note [Op table]: the named binary ops, with torch's overloads in torch's order. A
// Scalar overload is reached by numbers (the Tensor one takes them only for the ops of
// Note [Numbers as tensors]) and runs as the Tensor one on the wrapped number. add's and
// sub's hidden rows are torch's deprecated (self, alpha, other).
Tensor add_row(const Args& a, int other, int alpha) {
  Tensor x = a.tensor(0), y = a.tensor(other);
  return a.v[alpha] ? add(x, y, alpha_arg(a.obj(alpha), x, y)) : add(x, y);
}
Tensor sub_row(const Args& a, int other, int alpha) {
  Tensor x = a.tensor(0), y = a.tensor(other);
  // torch rejects bool operands before it looks at alpha
  if (!a.v[alpha] || x.dtype() == Dtype::Bool || y.dtype() == Dtype::Bool) return sub(x, y);
  return sub(x, y, alpha_arg(a.obj(alpha), x, y));
}
#define PAG_BIN(fn) [](const Args& a) { return fn(a.tensor(0), a.tensor(1)); }
#define PAG_BIN_ROWS(name, fn, scalar_out)                                                            \
  {#name ".Tensor(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOut, PAG_BIN(fn)}, \
  {#name ".Scalar(Tensor self, Scalar other) -> Tensor", kFunction | kMethod | scalar_out, PAG_BIN(fn)}
#define PAG_BITWISE_ROWS(name, fn, scalar)                                                              \
  {#name ".Tensor(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOut, PAG_BIN(fn)},     \
  {#name ".Scalar_Tensor(Scalar self, Tensor other) -> Tensor", kFunction, PAG_BIN(fn)},               \
  {#name "." scalar "(Tensor self, Scalar other) -> Tensor", kFunction | kMethod | kOut, PAG_BIN(fn)}
const OpRow kNamedBinaryRows[] = {
    {"add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return add_row(a, 1, 2); }},
    {"add(Tensor self, Scalar alpha, Tensor other) -> Tensor", kFunction | kMethod | kOut | kHidden,
     [](const Args& a) { return add_row(a, 2, 1); }},
    {"sub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return sub_row(a, 1, 2); }},
    {"sub(Tensor self, Scalar alpha, Tensor other) -> Tensor", kFunction | kMethod | kOut | kHidden,
     [](const Args& a) { return sub_row(a, 2, 1); }},
    {"subtract.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return sub_row(a, 1, 2); }},
    {"subtract.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor", kFunction | kMethod,
     [](const Args& a) { return sub_row(a, 1, 2); }},
    {"mul.Tensor(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOut, PAG_BIN(mul)},
    PAG_BIN_ROWS(multiply, mul, 0),
    {"div.Tensor(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOut, PAG_BIN(div)},
    {"div.Tensor_mode(Tensor self, Tensor other, *, str? rounding_mode) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return div(a.tensor(0), a.tensor(1), a.str(2)); }},
    {"div.Scalar_mode(Tensor self, Scalar other, *, str? rounding_mode) -> Tensor", kFunction | kMethod,
     [](const Args& a) { return div(a.tensor(0), a.tensor(1), a.str(2)); }},
    {"divide.Tensor(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOut, PAG_BIN(div)},
    {"divide.Tensor_mode(Tensor self, Tensor other, *, str? rounding_mode) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return div(a.tensor(0), a.tensor(1), a.str(2)); }},
    {"divide.Scalar(Tensor self, Scalar other) -> Tensor", kFunction | kMethod, PAG_BIN(div)},
    {"divide.Scalar_mode(Tensor self, Scalar other, *, str? rounding_mode) -> Tensor", kFunction | kMethod,
     [](const Args& a) { return div(a.tensor(0), a.tensor(1), a.str(2)); }},
    PAG_BIN_ROWS(true_divide, div, 0),
    {"floor_divide(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOut, PAG_BIN(floor_divide)},
    {"floor_divide.Scalar(Tensor self, Scalar other) -> Tensor", kFunction | kMethod, PAG_BIN(floor_divide)},
    {"remainder.Tensor(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOut, PAG_BIN(remainder)},
    {"remainder.Scalar_Tensor(Scalar self, Tensor other) -> Tensor", kFunction, PAG_BIN(remainder)},
    {"remainder.Scalar(Tensor self, Scalar other) -> Tensor", kFunction | kMethod | kOut, PAG_BIN(remainder)},
    PAG_BIN_ROWS(fmod, fmod, kOut),
    {"pow.Tensor_Tensor(Tensor self, Tensor exponent) -> Tensor", kFunction | kMethod | kOut, PAG_BIN(pow)},
    {"pow.Scalar(Scalar self, Tensor exponent) -> Tensor", kFunction | kOut, PAG_BIN(pow)},
    {"pow.Tensor_Scalar(Tensor self, Scalar exponent) -> Tensor", kFunction | kMethod | kOut, PAG_BIN(pow)},
    PAG_BIN_ROWS(eq, eq, kOut), PAG_BIN_ROWS(ne, ne, kOut), PAG_BIN_ROWS(lt, lt, kOut), PAG_BIN_ROWS(le, le, kOut),
    PAG_BIN_ROWS(gt, gt, kOut), PAG_BIN_ROWS(ge, ge, kOut), PAG_BIN_ROWS(greater, gt, kOut),
    PAG_BIN_ROWS(less, lt, kOut), PAG_BIN_ROWS(greater_equal, ge, kOut), PAG_BIN_ROWS(less_equal, le, kOut),
    PAG_BIN_ROWS(not_equal, ne, kOut),
    {"logical_and(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOut, PAG_BIN(logical_and)},
    {"logical_or(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOut, PAG_BIN(logical_or)},
    PAG_BITWISE_ROWS(bitwise_and, bitwise_and, "Scalar"), PAG_BITWISE_ROWS(bitwise_or, bitwise_or, "Scalar"),
    PAG_BITWISE_ROWS(bitwise_xor, bitwise_xor, "Scalar"),
    PAG_BITWISE_ROWS(bitwise_left_shift, bitwise_left_shift, "Tensor_Scalar"),
    PAG_BITWISE_ROWS(bitwise_right_shift, bitwise_right_shift, "Tensor_Scalar"),
};
#undef PAG_BITWISE_ROWS
#undef PAG_BIN_ROWS
#undef PAG_BIN

// Note [Op table]: the unary rows (Tensor -> Tensor, without the GIL on large tensors).
#define PAG_UNARY_ROW(name, fn) \
  {#name "(Tensor self) -> Tensor", kFunction | kMethod, [](const Args& a) { return nogil(fn, a.tensor(0)); }}
const OpRow kBinaryRows[] = {
    {"maximum(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return maximum(a.tensor(0), a.tensor(1)); }},
    {"minimum(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return minimum(a.tensor(0), a.tensor(1)); }},
};

const OpRow kUnaryRows[] = {
    PAG_UNARY_ROW(neg, neg),        PAG_UNARY_ROW(negative, neg),     PAG_UNARY_ROW(abs, abs),
    PAG_UNARY_ROW(absolute, abs),   PAG_UNARY_ROW(sign, sign),        PAG_UNARY_ROW(sgn, sgn),
    PAG_UNARY_ROW(sqrt, sqrt),      PAG_UNARY_ROW(rsqrt, rsqrt),      PAG_UNARY_ROW(exp, exp),
    PAG_UNARY_ROW(log, log),        PAG_UNARY_ROW(log1p, log1p),      PAG_UNARY_ROW(erf, erf),
    PAG_UNARY_ROW(sin, sin),        PAG_UNARY_ROW(cos, cos),          PAG_UNARY_ROW(tanh, tanh),
    PAG_UNARY_ROW(sigmoid, sigmoid), PAG_UNARY_ROW(relu, relu),       PAG_UNARY_ROW(reciprocal, reciprocal),
    PAG_UNARY_ROW(square, square),  PAG_UNARY_ROW(floor, floor),      PAG_UNARY_ROW(ceil, ceil),
    PAG_UNARY_ROW(isnan, isnan),    PAG_UNARY_ROW(isinf, isinf),      PAG_UNARY_ROW(isfinite, isfinite),
};
#undef PAG_UNARY_ROW

}  // namespace

void init_elementwise(py::module_& m, TensorClass& cls) {
  // ---- operators
  def_binop(cls, "__add__", [](const Tensor& a, const Tensor& b) { return add(a, b); });
  def_binop(cls, "__radd__", [](const Tensor& a, const Tensor& b) { return add(a, b); });  // Note [Reflected commutative ops]
  def_binop(cls, "__sub__", [](const Tensor& a, const Tensor& b) { return sub(a, b); });
  def_binop(cls, "__rsub__", [](const Tensor& a, const Tensor& b) { return sub(b, a); });
  def_binop(cls, "__mul__", [](const Tensor& a, const Tensor& b) { return mul(a, b); });
  def_binop(cls, "__rmul__", [](const Tensor& a, const Tensor& b) { return mul(a, b); });
  def_binop(cls, "__truediv__", [](const Tensor& a, const Tensor& b) { return div(a, b); });
  def_binop(cls, "__rtruediv__", [](const Tensor& a, const Tensor& b) {
    // torch computes `c / x` as reciprocal(x) * c (MulBackward0)
    if (b.is_wrapped_number()) return mul(reciprocal(a), b);
    return div(b, a);
  });
  def_binop(cls, "__floordiv__", [](const Tensor& a, const Tensor& b) { return floor_divide(a, b); });
  def_binop(cls, "__rfloordiv__", [](const Tensor& a, const Tensor& b) { return floor_divide(b, a); });
  def_binop(cls, "__mod__", [](const Tensor& a, const Tensor& b) { return remainder(a, b); });
  def_binop(cls, "__rmod__", [](const Tensor& a, const Tensor& b) { return remainder(b, a); });
  def_binop(cls, "__pow__", [](const Tensor& a, const Tensor& b) { return pow(a, b); });
  def_binop(cls, "__rpow__", [](const Tensor& a, const Tensor& b) { return pow(b, a); });
  def_binop(cls, "__eq__", [](const Tensor& a, const Tensor& b) { return eq(a, b); });
  def_binop(cls, "__ne__", [](const Tensor& a, const Tensor& b) { return ne(a, b); });
  def_binop(cls, "__lt__", [](const Tensor& a, const Tensor& b) { return lt(a, b); });
  def_binop(cls, "__le__", [](const Tensor& a, const Tensor& b) { return le(a, b); });
  def_binop(cls, "__gt__", [](const Tensor& a, const Tensor& b) { return gt(a, b); });
  def_binop(cls, "__ge__", [](const Tensor& a, const Tensor& b) { return ge(a, b); });
  def_binop(cls, "__and__", [](const Tensor& a, const Tensor& b) { return bitwise_and(a, b); });
  def_binop(cls, "__or__", [](const Tensor& a, const Tensor& b) { return bitwise_or(a, b); });
  def_binop(cls, "__xor__", [](const Tensor& a, const Tensor& b) { return bitwise_xor(a, b); });
  def_binop(cls, "__lshift__", [](const Tensor& a, const Tensor& b) { return bitwise_left_shift(a, b); });
  def_binop(cls, "__rshift__", [](const Tensor& a, const Tensor& b) { return bitwise_right_shift(a, b); });
  cls.def("__invert__", [](const Tensor& a) {
    if (!is_integral(a.dtype(), true))
      throw TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors");
    return bitwise_not(a);
  });
  cls.def("__neg__", [](const Tensor& a) { return neg(a); });
  cls.def("__pos__", [](const Tensor& a) { return a; });
  cls.def("__abs__", [](const Tensor& a) { return abs(a); });
  def_inplace_binop(cls, "__iadd__", [](Tensor& a, const Tensor& b) { add_(a, b); });
  def_inplace_binop(cls, "__isub__", [](Tensor& a, const Tensor& b) { sub_(a, b); });
  def_inplace_binop(cls, "__imul__", [](Tensor& a, const Tensor& b) { mul_(a, b); });
  def_inplace_binop(cls, "__itruediv__", [](Tensor& a, const Tensor& b) { div_(a, b); });
  def_inplace_binop(cls, "__ipow__", [](Tensor& a, const Tensor& b) { pow_(a, b); });

  // ---- named binary ops
  def_rows(m, cls, kNamedBinaryRows);
  def_both(m, cls, "logical_not", [](const Tensor& a) { return logical_not(a); });
  def_both(m, cls, "bitwise_not", [](const Tensor& a) { return bitwise_not(a); });
  // torch.where(condition, input, other); Tensor.where(condition, other) with self as input
  m.def("where", [](const Tensor& cond, py::handle a, py::handle b) {
    return where(cond, operand(a, "where"), operand(b, "where"));
  }, py::arg("condition"), py::arg("input"), py::arg("other"));
  cls.def("where", [](const Tensor& self, const Tensor& cond, py::handle other) {
    return where(cond, self, operand(other, "where"));
  }, py::arg("condition"), py::arg("other"));

  // ---- unary
  def_rows(m, cls, kUnaryRows);
  def_rows(m, cls, kBinaryRows);
  // round keeps its own binding until its decimals overload (round.decimals) is a row
  def_both(m, cls, "round", [](const Tensor& a) { return release_gil_if(gil_worth_releasing(a), [&] { return round(a); }); });
  auto clamp_fn = [](const Tensor& a, py::object lo, py::object hi) {
    Tensor l, h;
    clamp_bounds(lo, hi, l, h);
    return clamp_t(a, l.defined() ? &l : nullptr, h.defined() ? &h : nullptr);
  };
  def_both(m, cls, "clamp", clamp_fn, py::arg("min") = py::none(), py::arg("max") = py::none());
  def_both(m, cls, "clip", clamp_fn, py::arg("min") = py::none(), py::arg("max") = py::none());
  def_both(m, cls, "clamp_min", [](const Tensor& a, py::handle lo) { return clamp_min(a, operand(lo, "clamp_min")); },
           py::arg("min"));
  def_both(m, cls, "clamp_max", [](const Tensor& a, py::handle hi) { return clamp_max(a, operand(hi, "clamp_max")); },
           py::arg("max"));

  // ---- in-place methods (return self)
  auto ret_self = [](py::object self) { return self; };
  (void)ret_self;
#define PAG_INPLACE_BIN(pyname, call)                                                      \
  cls.def(pyname, [](py::object self_obj, py::handle other, py::handle alpha) -> py::object { \
    Tensor self = self_obj.cast<Tensor>();                                                 \
    Tensor o = operand(other, pyname);                                                     \
    call;                                                                                  \
    return self_obj;                                                                       \
  }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  PAG_INPLACE_BIN("add_", add_(self, o, alpha_arg(alpha, self, o)))
  PAG_INPLACE_BIN("sub_", sub_(self, o, self.dtype() == Dtype::Bool || o.dtype() == Dtype::Bool
                                             ? 1.0 : alpha_arg(alpha, self, o)))
#undef PAG_INPLACE_BIN
  cls.def("mul_", [](py::object s, py::handle other) {
    Tensor t = s.cast<Tensor>();
    mul_(t, operand(other, "mul_"));
    return s;
  }, py::arg("other"));
  cls.def("div_", [](py::object s, py::handle other, py::object mode) {
    Tensor t = s.cast<Tensor>();
    div_(t, operand(other, "div_"), mode.is_none() ? "" : mode.cast<std::string>());
    return s;
  }, py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
  cls.def("pow_", [](py::object s, py::handle other) {
    Tensor t = s.cast<Tensor>();
    pow_(t, operand(other, "pow_"));
    return s;
  }, py::arg("exponent"));
  auto clamp_inplace = [](py::object s, py::object lo, py::object hi) {
    Tensor t = s.cast<Tensor>(), l, h;
    clamp_bounds(lo, hi, l, h);
    clamp_t_(t, l.defined() ? &l : nullptr, h.defined() ? &h : nullptr);
    return s;
  };
  cls.def("clamp_", clamp_inplace, py::arg("min") = py::none(), py::arg("max") = py::none());
  cls.def("clip_", clamp_inplace, py::arg("min") = py::none(), py::arg("max") = py::none());
  cls.def("relu_", [](py::object s) { Tensor t = s.cast<Tensor>(); relu_(t); return s; });
  cls.def("neg_", [](py::object s) { Tensor t = s.cast<Tensor>(); neg_(t); return s; });
  cls.def("zero_", [](py::object s) { Tensor t = s.cast<Tensor>(); zero_(t); return s; });
  cls.def("fill_", [](py::object s, py::handle v) {
    Tensor t = s.cast<Tensor>();
    fill_(t, operand(v, "fill_"));
    return s;
  }, py::arg("value"));
  cls.def("copy_", [](py::object s, const Tensor& src, bool) { Tensor t = s.cast<Tensor>(); copy_(t, src); return s; },
          py::arg("src"), py::arg("non_blocking") = false);
  m.def("relu_", [](py::object s) { Tensor t = s.cast<Tensor>(); relu_(t); return s; });

  // ---- dtype conversion
  cls.def("float", [](const Tensor& a) { return to_dtype(a, Dtype::Float32); });
  cls.def("double", [](const Tensor& a) { return to_dtype(a, Dtype::Float64); });
  cls.def("long", [](const Tensor& a) { return to_dtype(a, Dtype::Int64); });
  cls.def("bool", [](const Tensor& a) { return to_dtype(a, Dtype::Bool); });
  cls.def("half", [](const Tensor& a) { return to_dtype(a, Dtype::Float16); });
  cls.def("bfloat16", [](const Tensor& a) { return to_dtype(a, Dtype::BFloat16); });
  cls.def("int", [](const Tensor& a) { return to_dtype(a, Dtype::Int32); });
  cls.def("short", [](const Tensor& a) { return to_dtype(a, Dtype::Int16); });
  cls.def("char", [](const Tensor& a) { return to_dtype(a, Dtype::Int8); });
  cls.def("byte", [](const Tensor& a) { return to_dtype(a, Dtype::UInt8); });
  cls.def("_to_dtype", [](const Tensor& a, Dtype d, bool copy, py::handle f) {
    return to_dtype(a, d, copy, memory_format_arg(f, "to"));
  }, py::arg("dtype"), py::arg("copy"), py::arg("memory_format") = py::none());
  m.def("result_type", [](py::handle a, py::handle b) {
    Tensor x = operand(a, "result_type"), y = operand(b, "result_type");
    return result_type({&x, &y});
  }, py::arg("tensor1"), py::arg("tensor2"));
  m.def("promote_types", [](Dtype a, Dtype b) { return promote_types(a, b); });
  install_number_slots(cls);
}

}  // namespace pag::py_bind
