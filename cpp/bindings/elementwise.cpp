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
  {#name ".Tensor(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOutCast, PAG_BIN(fn)}, \
  {#name ".Scalar(Tensor self, Scalar other) -> Tensor", kFunction | kMethod | scalar_out, PAG_BIN(fn)}
#define PAG_BITWISE_ROWS(name, fn, scalar)                                                              \
  {#name ".Tensor(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOutCast, PAG_BIN(fn)},     \
  {#name ".Scalar_Tensor(Scalar self, Tensor other) -> Tensor", kFunction, PAG_BIN(fn)},               \
  {#name "." scalar "(Tensor self, Scalar other) -> Tensor", kFunction | kMethod | kOutCast, PAG_BIN(fn)}
const OpRow kNamedBinaryRows[] = {
    {"add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor", kFunction | kMethod | kOutCast,
     [](const Args& a) { return add_row(a, 1, 2); }},
    {"add(Tensor self, Scalar alpha, Tensor other) -> Tensor", kFunction | kMethod | kOutCast | kHidden,
     [](const Args& a) { return add_row(a, 2, 1); }},
    {"sub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor", kFunction | kMethod | kOutCast,
     [](const Args& a) { return sub_row(a, 1, 2); }},
    {"sub(Tensor self, Scalar alpha, Tensor other) -> Tensor", kFunction | kMethod | kOutCast | kHidden,
     [](const Args& a) { return sub_row(a, 2, 1); }},
    {"subtract.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor", kFunction | kMethod | kOutCast,
     [](const Args& a) { return sub_row(a, 1, 2); }},
    {"subtract.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor", kFunction | kMethod,
     [](const Args& a) { return sub_row(a, 1, 2); }},
    {"mul.Tensor(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOutCast, PAG_BIN(mul)},
    PAG_BIN_ROWS(multiply, mul, 0),
    {"div.Tensor(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOutCast, PAG_BIN(div)},
    {"div.Tensor_mode(Tensor self, Tensor other, *, str? rounding_mode) -> Tensor", kFunction | kMethod | kOutCast,
     [](const Args& a) { return div(a.tensor(0), a.tensor(1), a.str(2)); }},
    {"div.Scalar_mode(Tensor self, Scalar other, *, str? rounding_mode) -> Tensor", kFunction | kMethod,
     [](const Args& a) { return div(a.tensor(0), a.tensor(1), a.str(2)); }},
    {"divide.Tensor(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOutCast, PAG_BIN(div)},
    {"divide.Tensor_mode(Tensor self, Tensor other, *, str? rounding_mode) -> Tensor", kFunction | kMethod | kOutCast,
     [](const Args& a) { return div(a.tensor(0), a.tensor(1), a.str(2)); }},
    {"divide.Scalar(Tensor self, Scalar other) -> Tensor", kFunction | kMethod, PAG_BIN(div)},
    {"divide.Scalar_mode(Tensor self, Scalar other, *, str? rounding_mode) -> Tensor", kFunction | kMethod,
     [](const Args& a) { return div(a.tensor(0), a.tensor(1), a.str(2)); }},
    PAG_BIN_ROWS(true_divide, div, 0),
    {"floor_divide(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOutCast, PAG_BIN(floor_divide)},
    {"floor_divide.Scalar(Tensor self, Scalar other) -> Tensor", kFunction | kMethod, PAG_BIN(floor_divide)},
    {"remainder.Tensor(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOutCast, PAG_BIN(remainder)},
    {"remainder.Scalar_Tensor(Scalar self, Tensor other) -> Tensor", kFunction, PAG_BIN(remainder)},
    {"remainder.Scalar(Tensor self, Scalar other) -> Tensor", kFunction | kMethod | kOutCast, PAG_BIN(remainder)},
    PAG_BIN_ROWS(fmod, fmod, kOutCast),
    {"pow.Tensor_Tensor(Tensor self, Tensor exponent) -> Tensor", kFunction | kMethod | kOutCast, PAG_BIN(pow)},
    {"pow.Scalar(Scalar self, Tensor exponent) -> Tensor", kFunction | kOutCast, PAG_BIN(pow)},
    {"pow.Tensor_Scalar(Tensor self, Scalar exponent) -> Tensor", kFunction | kMethod | kOutCast, PAG_BIN(pow)},
    PAG_BIN_ROWS(eq, eq, kOutCast), PAG_BIN_ROWS(ne, ne, kOutCast), PAG_BIN_ROWS(lt, lt, kOutCast), PAG_BIN_ROWS(le, le, kOutCast),
    PAG_BIN_ROWS(gt, gt, kOutCast), PAG_BIN_ROWS(ge, ge, kOutCast), PAG_BIN_ROWS(greater, gt, kOutCast),
    PAG_BIN_ROWS(less, lt, kOutCast), PAG_BIN_ROWS(greater_equal, ge, kOutCast), PAG_BIN_ROWS(less_equal, le, kOutCast),
    PAG_BIN_ROWS(not_equal, ne, kOutCast),
    {"logical_and(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOutCast, PAG_BIN(logical_and)},
    {"logical_or(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOutCast, PAG_BIN(logical_or)},
    PAG_BITWISE_ROWS(bitwise_and, bitwise_and, "Scalar"), PAG_BITWISE_ROWS(bitwise_or, bitwise_or, "Scalar"),
    PAG_BITWISE_ROWS(bitwise_xor, bitwise_xor, "Scalar"),
    PAG_BITWISE_ROWS(bitwise_left_shift, bitwise_left_shift, "Tensor_Scalar"),
    PAG_BITWISE_ROWS(bitwise_right_shift, bitwise_right_shift, "Tensor_Scalar"),
};
#undef PAG_BITWISE_ROWS
#undef PAG_BIN_ROWS
#undef PAG_BIN

// Note [Op table]: the unary rows (Tensor -> Tensor, without the GIL on large tensors).
#define PAG_UNARY_ROW(name, fn, out) \
  {#name "(Tensor self) -> Tensor", kFunction | kMethod | out, [](const Args& a) { return nogil(fn, a.tensor(0)); }}
const OpRow kBinaryRows[] = {
    {"maximum(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOutCast,
     [](const Args& a) { return maximum(a.tensor(0), a.tensor(1)); }},
    {"minimum(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOutCast,
     [](const Args& a) { return minimum(a.tensor(0), a.tensor(1)); }},
};

const OpRow kUnaryRows[] = {
    PAG_UNARY_ROW(neg, neg, kOutSameDtype),        PAG_UNARY_ROW(negative, neg, kOutSameDtype),
    PAG_UNARY_ROW(abs, abs, kOutSameDtype),        PAG_UNARY_ROW(absolute, abs, kOutSameDtype),
    PAG_UNARY_ROW(sign, sign, kOutSameDtype),      PAG_UNARY_ROW(sgn, sgn, kOutSameDtype),
    PAG_UNARY_ROW(sqrt, sqrt, kOutCast),           PAG_UNARY_ROW(rsqrt, rsqrt, kOutCast),
    PAG_UNARY_ROW(exp, exp, kOutCast),             PAG_UNARY_ROW(log, log, kOutCast),
    PAG_UNARY_ROW(log1p, log1p, kOutCast),         PAG_UNARY_ROW(erf, erf, kOutCast),
    PAG_UNARY_ROW(sin, sin, kOutCast),             PAG_UNARY_ROW(cos, cos, kOutCast),
    PAG_UNARY_ROW(tanh, tanh, kOutCast),           PAG_UNARY_ROW(sigmoid, sigmoid, kOutCast),
    PAG_UNARY_ROW(relu, relu, 0),                  PAG_UNARY_ROW(reciprocal, reciprocal, kOutCast),
    PAG_UNARY_ROW(square, square, kOutCast),       PAG_UNARY_ROW(floor, floor, kOutSameDtype),
    PAG_UNARY_ROW(ceil, ceil, kOutSameDtype),      PAG_UNARY_ROW(isnan, isnan, 0),
    PAG_UNARY_ROW(isinf, isinf, 0),                PAG_UNARY_ROW(isfinite, isfinite, 0),
    {"round(Tensor self) -> Tensor", kFunction | kMethod | kOutSameDtype,
     [](const Args& a) { return nogil([](const Tensor& x) { return round(x); }, a.tensor(0)); }},
    {"round.decimals(Tensor self, *, int decimals) -> Tensor", kFunction | kMethod | kOutSameDtype,
     [](const Args& a) { return nogil([](const Tensor& x, int64_t d) { return round(x, d); }, a.tensor(0), a.int64(1)); }},
};
#undef PAG_UNARY_ROW

// Note [Op table]: clamp, where and the in-place methods. A Scalar overload's number
// arrives as a wrapped 0-dim tensor (Args::tensor), so both overloads share one call.
// An in-place row returns self, which gives back the same Python object.
Tensor bound(const Args& a, int i) { return a.given(i) ? a.tensor(i) : Tensor(); }
Tensor clamp_row(const Args& a) {
  Tensor lo = bound(a, 1), hi = bound(a, 2);
  return clamp_t(a.tensor(0), lo.defined() ? &lo : nullptr, hi.defined() ? &hi : nullptr);
}
Tensor clamp_inplace_row(const Args& a) {
  Tensor self = a.tensor(0), lo = bound(a, 1), hi = bound(a, 2);
  clamp_t_(self, lo.defined() ? &lo : nullptr, hi.defined() ? &hi : nullptr);
  return self;
}
// torch.where(condition): nonzero(condition, as_tuple=True)
py::object where_nonzero(const Args& a) {
  Tensor c = a.tensor(0);
  if (c.dim() == 0) return py::make_tuple(select(nonzero(reshape(c, {1})), 1, 0));  // 0-dim reads as 1-D
  Tensor nz = nonzero(c);
  py::tuple r(c.dim());
  for (int64_t j = 0; j < c.dim(); ++j) r[j] = py::cast(select(nz, 1, j));
  return std::move(r);
}
// an in-place call: op(self) without the GIL on a large self (op reads no Python
// objects); returns self
template <typename F>
Tensor inplace(const Args& a, F op) {
  Tensor self = a.tensor(0);
  release_gil_if(gil_worth_releasing(self), [&] { op(self); });
  return self;
}
Tensor add_inplace_row(const Args& a, int other, int alpha) {
  Tensor x = a.tensor(0), y = a.tensor(other);
  const double k = a.v[alpha] ? alpha_arg(a.obj(alpha), x, y) : 1.0;
  return inplace(a, [&](Tensor& self) { add_(self, y, k); });
}
Tensor sub_inplace_row(const Args& a, int other, int alpha) {
  Tensor x = a.tensor(0), y = a.tensor(other);
  // torch rejects bool operands before it looks at alpha
  const bool plain = !a.v[alpha] || x.dtype() == Dtype::Bool || y.dtype() == Dtype::Bool;
  const double k = plain ? 1.0 : alpha_arg(a.obj(alpha), x, y);
  return inplace(a, [&](Tensor& self) { sub_(self, y, k); });
}
#define PAG_CLAMP_ROWS(name)                                                                                 \
  {#name ".Tensor(Tensor self, Tensor? min=None, Tensor? max=None) -> Tensor", kFunction | kMethod | kOutCast, \
   clamp_row},                                                                                               \
  {#name "(Tensor self, Scalar? min=None, Scalar? max=None) -> Tensor", kFunction | kMethod | kOutSameDtype,     \
   clamp_row},                                                                                               \
  {#name "_.Tensor(Tensor(a!) self, Tensor? min=None, Tensor? max=None) -> Tensor(a!)", kFunction | kMethod,  \
   clamp_inplace_row},                                                                                       \
  {#name "_(Tensor(a!) self, Scalar? min=None, Scalar? max=None) -> Tensor(a!)", kFunction | kMethod,          \
   clamp_inplace_row}
#define PAG_WHERE(c, x, y) [](const Args& a) { return where(a.tensor(c), a.tensor(x), a.tensor(y)); }
const OpRow kClampWhereRows[] = {
    PAG_CLAMP_ROWS(clamp),
    PAG_CLAMP_ROWS(clip),
    {"clamp_min.Tensor(Tensor self, Tensor min) -> Tensor", kFunction | kMethod | kOutCast,
     [](const Args& a) { return clamp_min(a.tensor(0), a.tensor(1)); }},
    {"clamp_min(Tensor self, Scalar min) -> Tensor", kFunction | kMethod | kOutSameDtype,
     [](const Args& a) { return clamp_min(a.tensor(0), a.tensor(1)); }},
    {"clamp_max.Tensor(Tensor self, Tensor max) -> Tensor", kFunction | kMethod | kOutCast,
     [](const Args& a) { return clamp_max(a.tensor(0), a.tensor(1)); }},
    {"clamp_max(Tensor self, Scalar max) -> Tensor", kFunction | kMethod | kOutSameDtype,
     [](const Args& a) { return clamp_max(a.tensor(0), a.tensor(1)); }},
    {"where(Tensor condition) -> Tensor[]", kFunction, where_nonzero},
    {"where.self(Tensor condition, Tensor self, Tensor other) -> Tensor", kFunction | kOut,
     [](const Args& a) {
       Tensor r = where(a.tensor(0), a.tensor(1), a.tensor(2));
       if (a.out >= 0 && a.given(a.out) && a.tensor(a.out).dtype() != r.dtype())  // torch's where_self_out
         throw Error(str_cat("Expected out type to be ", scalar_type_name(r.dtype()), " but got ",
                             scalar_type_name(a.tensor(a.out).dtype())));
       return r;
     }},
    {"where.ScalarSelf(Tensor condition, Scalar self, Tensor other) -> Tensor", kFunction, PAG_WHERE(0, 1, 2)},
    {"where.ScalarOther(Tensor condition, Tensor self, Scalar other) -> Tensor", kFunction, PAG_WHERE(0, 1, 2)},
    {"where.Scalar(Tensor condition, Scalar self, Scalar other) -> Tensor", kFunction, PAG_WHERE(0, 1, 2)},
    // x.where(condition, other): the method's self is the schema's second argument
    {"where.self(Tensor self, Tensor condition, Tensor other) -> Tensor", kMethod, PAG_WHERE(1, 0, 2)},
    {"where.ScalarOther(Tensor self, Tensor condition, Scalar other) -> Tensor", kMethod, PAG_WHERE(1, 0, 2)},
    {"logical_not(Tensor self) -> Tensor", kFunction | kMethod | kOutCast,
     [](const Args& a) { return logical_not(a.tensor(0)); }},
    {"bitwise_not(Tensor self) -> Tensor", kFunction | kMethod | kOutSameDtype,
     [](const Args& a) { return bitwise_not(a.tensor(0)); }},
};
#undef PAG_WHERE
#undef PAG_CLAMP_ROWS

const OpRow kInplaceRows[] = {
    {"add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)", kMethod,
     [](const Args& a) { return add_inplace_row(a, 1, 2); }},
    {"add_(Tensor(a!) self, Scalar alpha, Tensor other) -> Tensor(a!)", kMethod | kHidden,
     [](const Args& a) { return add_inplace_row(a, 2, 1); }},
    {"sub_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)", kMethod,
     [](const Args& a) { return sub_inplace_row(a, 1, 2); }},
    {"sub_(Tensor(a!) self, Scalar alpha, Tensor other) -> Tensor(a!)", kMethod | kHidden,
     [](const Args& a) { return sub_inplace_row(a, 2, 1); }},
    {"mul_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", kMethod,
     [](const Args& a) { Tensor y = a.tensor(1); return inplace(a, [&](Tensor& x) { mul_(x, y); }); }},
    {"div_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", kMethod,
     [](const Args& a) { Tensor y = a.tensor(1); return inplace(a, [&](Tensor& x) { div_(x, y); }); }},
    {"div_.Tensor_mode(Tensor(a!) self, Tensor other, *, str? rounding_mode) -> Tensor(a!)", kMethod,
     [](const Args& a) {
       Tensor y = a.tensor(1);
       std::string mode = a.str(2);
       return inplace(a, [&](Tensor& x) { div_(x, y, mode); });
     }},
    {"div_.Scalar_mode(Tensor(a!) self, Scalar other, *, str? rounding_mode) -> Tensor(a!)", kMethod,
     [](const Args& a) {
       Tensor y = a.tensor(1);
       std::string mode = a.str(2);
       return inplace(a, [&](Tensor& x) { div_(x, y, mode); });
     }},
    {"floor_divide_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", kMethod,
     [](const Args& a) { Tensor y = a.tensor(1); return inplace(a, [&](Tensor& x) { floor_divide_(x, y); }); }},
    {"floor_divide_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", kMethod,
     [](const Args& a) { Tensor y = a.tensor(1); return inplace(a, [&](Tensor& x) { floor_divide_(x, y); }); }},
    {"remainder_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", kMethod,
     [](const Args& a) { Tensor y = a.tensor(1); return inplace(a, [&](Tensor& x) { remainder_(x, y); }); }},
    {"remainder_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", kMethod,
     [](const Args& a) { Tensor y = a.tensor(1); return inplace(a, [&](Tensor& x) { remainder_(x, y); }); }},
    {"fmod_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", kMethod,
     [](const Args& a) { Tensor y = a.tensor(1); return inplace(a, [&](Tensor& x) { fmod_(x, y); }); }},
    {"fmod_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", kMethod,
     [](const Args& a) { Tensor y = a.tensor(1); return inplace(a, [&](Tensor& x) { fmod_(x, y); }); }},
    {"pow_.Tensor(Tensor(a!) self, Tensor exponent) -> Tensor(a!)", kMethod,
     [](const Args& a) { Tensor y = a.tensor(1); return inplace(a, [&](Tensor& x) { pow_(x, y); }); }},
    {"pow_.Scalar(Tensor(a!) self, Scalar exponent) -> Tensor(a!)", kMethod,
     [](const Args& a) { Tensor y = a.tensor(1); return inplace(a, [&](Tensor& x) { pow_(x, y); }); }},
    {"relu_(Tensor(a!) self) -> Tensor(a!)", kFunction | kMethod,
     [](const Args& a) { return inplace(a, [](Tensor& x) { relu_(x); }); }},
    {"neg_(Tensor(a!) self) -> Tensor(a!)", kFunction | kMethod,
     [](const Args& a) { return inplace(a, [](Tensor& x) { neg_(x); }); }},
    {"round_(Tensor(a!) self) -> Tensor(a!)", kFunction | kMethod,
     [](const Args& a) { return inplace(a, [](Tensor& x) { round_(x); }); }},
    {"round_.decimals(Tensor(a!) self, *, int decimals) -> Tensor(a!)", kFunction | kMethod,
     [](const Args& a) { int64_t d = a.int64(1); return inplace(a, [&](Tensor& x) { round_(x, d); }); }},
    {"zero_(Tensor(a!) self) -> Tensor(a!)", kFunction | kMethod,
     [](const Args& a) { return inplace(a, [](Tensor& x) { zero_(x); }); }},
    {"fill_.Tensor(Tensor(a!) self, Tensor value) -> Tensor(a!)", kFunction | kMethod,
     [](const Args& a) { Tensor v = a.tensor(1); return inplace(a, [&](Tensor& x) { fill_(x, v); }); }},
    {"fill_.Scalar(Tensor(a!) self, Scalar value) -> Tensor(a!)", kFunction | kMethod,
     [](const Args& a) { Tensor v = a.tensor(1); return inplace(a, [&](Tensor& x) { fill_(x, v); }); }},
    {"copy_(Tensor(a!) self, Tensor other, bool non_blocking=False) -> Tensor(a!)", kMethod,  // torch's name: other
     [](const Args& a) { Tensor src = a.tensor(1); return inplace(a, [&](Tensor& x) { copy_(x, src); }); }},
};

// Note [Op table]: the conversion methods (python_variable_methods.cpp's THPVariable_float
// and kin: `float(*, MemoryFormat? memory_format=None)`); a tensor of that dtype already
// comes back as itself.
template <Dtype D>
Tensor convert_row(const Args& a) {
  return to_dtype(a.tensor(0), D, false, a.memory_format(1, MemoryFormat::Preserve));
}
#define PAG_CONVERSION_ROW(name, D) \
  {#name "(Tensor self, *, MemoryFormat? memory_format=None) -> Tensor", kMethod, &convert_row<Dtype::D>}
const OpRow kConversionRows[] = {
    PAG_CONVERSION_ROW(float, Float32), PAG_CONVERSION_ROW(double, Float64), PAG_CONVERSION_ROW(half, Float16),
    PAG_CONVERSION_ROW(bfloat16, BFloat16), PAG_CONVERSION_ROW(long, Int64), PAG_CONVERSION_ROW(int, Int32),
    PAG_CONVERSION_ROW(short, Int16), PAG_CONVERSION_ROW(char, Int8), PAG_CONVERSION_ROW(byte, UInt8),
    PAG_CONVERSION_ROW(bool, Bool),
};
#undef PAG_CONVERSION_ROW

// Tensor.to (python_variable_methods.cpp's THPVariable_to): a device (the CPU only), a
// dtype, or another tensor's dtype; non_blocking is accepted and has nothing to do here.
Tensor to_row(const Args& a, std::optional<Dtype> d, int copy) {
  Tensor self = a.tensor(0);
  return to_dtype(self, d.value_or(self.dtype()), a.boolean(copy), a.memory_format(copy + 1, MemoryFormat::Preserve));
}
#define PAG_TO_TAIL "bool non_blocking=False, bool copy=False, *, MemoryFormat? memory_format=None) -> Tensor"
const OpRow kToRows[] = {
    {"to.device(Tensor self, Device? device=None, ScalarType? dtype=None, " PAG_TO_TAIL, kMethod,
     [](const Args& a) {
       a.check_device(1);
       return to_row(a, a.dtype(2), 4);
     }},
    {"to.dtype(Tensor self, ScalarType dtype, " PAG_TO_TAIL, kMethod,
     [](const Args& a) { return to_row(a, a.dtype(1), 3); }},
    {"to.other(Tensor self, Tensor tensor, " PAG_TO_TAIL, kMethod,
     [](const Args& a) { return to_row(a, a.tensor(1).dtype(), 3); }},
};
#undef PAG_TO_TAIL

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
  def_inplace_binop(cls, "__ifloordiv__", [](Tensor& a, const Tensor& b) { floor_divide_(a, b); });
  def_inplace_binop(cls, "__imod__", [](Tensor& a, const Tensor& b) { remainder_(a, b); });

  // ---- named binary ops
  def_rows(m, cls, kNamedBinaryRows);
  def_rows(m, cls, kClampWhereRows);

  // ---- unary
  def_rows(m, cls, kUnaryRows);
  def_rows(m, cls, kBinaryRows);
  def_rows(m, cls, kInplaceRows);

  // ---- dtype conversion
  def_rows(m, cls, kConversionRows);
  def_rows(m, cls, kToRows);
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
