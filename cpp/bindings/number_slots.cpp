// Note [Per-op cost]: Python operators on tensors (a + b, x * 2, a < b, w -= g)
// go straight from the interpreter's number/compare slots into the C++ op. The
// pybind11 `__add__` definitions stay for introspection and `a.__add__(b)`, but
// the slots skip the attribute lookup and the generic overload dispatcher.
#include "bindings/common.h"

namespace pag::py_bind {

namespace {

inline PyObject* wrap(Tensor&& t) { return wrap_tensor(std::move(t).release_impl()); }

using BinaryFn = Tensor (*)(const Tensor&, const Tensor&);

// a OP b where either side may be the tensor. Note [Reflected commutative ops]: torch's
// `2 + t` and `2 * t` are t.__radd__(2) = add(t, 2) and mul(t, 2), so the tensor stays the
// node's first input (next_functions order); the values are the same either way.
template <BinaryFn Op, bool Commutative = false>
PyObject* binary_slot(PyObject* a, PyObject* b) {
  try {
    Tensor x, y;
    bool swap = false;
    if (load_tensor(a, x)) {
      if (!to_operand(b, y)) Py_RETURN_NOTIMPLEMENTED;
    } else {
      if (!load_tensor(b, y) || !to_operand(a, x)) Py_RETURN_NOTIMPLEMENTED;
      swap = Commutative;
    }
    return wrap(release_gil_if(gil_worth_releasing(x) || gil_worth_releasing(y),
                               [&] { return swap ? Op(y, x) : Op(x, y); }));
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
}

template <void (*Op)(Tensor&, const Tensor&)>
PyObject* inplace_slot(PyObject* a, PyObject* b) {
  try {
    Tensor x, y;
    if (!load_tensor(a, x) || !to_operand(b, y)) Py_RETURN_NOTIMPLEMENTED;
    release_gil_if(gil_worth_releasing(x), [&] { Op(x, y); });
    Py_INCREF(a);
    return a;
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
}

Tensor op_add(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor op_sub(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor op_mul(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor op_div(const Tensor& a, const Tensor& b) {
  // torch computes `c / x` as reciprocal(x) * c (MulBackward0)
  if (a.is_wrapped_number() && !b.is_wrapped_number()) return mul(reciprocal(b), a);
  return div(a, b);
}
Tensor op_pow(const Tensor& a, const Tensor& b) { return pow(a, b); }
void op_iadd(Tensor& a, const Tensor& b) { add_(a, b); }
void op_isub(Tensor& a, const Tensor& b) { sub_(a, b); }
void op_imul(Tensor& a, const Tensor& b) { mul_(a, b); }
void op_idiv(Tensor& a, const Tensor& b) { div_(a, b); }

// a ** b (three-argument pow(a, b, m) is not defined for tensors).
PyObject* power_slot(PyObject* a, PyObject* b, PyObject* m) {
  if (m != Py_None) Py_RETURN_NOTIMPLEMENTED;
  return binary_slot<op_pow>(a, b);
}

PyObject* richcompare(PyObject* a, PyObject* b, int op) {
  try {
    Tensor x, y;  // x and y keep their left/right roles whichever side is the tensor
    if (load_tensor(a, x)) {
      if (!to_operand(b, y)) Py_RETURN_NOTIMPLEMENTED;
    } else {
      if (!load_tensor(b, y) || !to_operand(a, x)) Py_RETURN_NOTIMPLEMENTED;
    }
    switch (op) {
      case Py_EQ: return wrap(eq(x, y));
      case Py_NE: return wrap(ne(x, y));
      case Py_LT: return wrap(lt(x, y));
      case Py_LE: return wrap(le(x, y));
      case Py_GT: return wrap(gt(x, y));
      case Py_GE: return wrap(ge(x, y));
    }
    Py_RETURN_NOTIMPLEMENTED;
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
}

}  // namespace

void install_number_slots(TensorClass& cls) {
  PyNumberMethods* nb = g_tensor_type->tp_as_number;
  nb->nb_add = binary_slot<op_add, true>;
  nb->nb_subtract = binary_slot<op_sub>;
  nb->nb_multiply = binary_slot<op_mul, true>;
  nb->nb_true_divide = binary_slot<op_div>;
  nb->nb_power = power_slot;
  nb->nb_inplace_add = inplace_slot<op_iadd>;
  nb->nb_inplace_subtract = inplace_slot<op_isub>;
  nb->nb_inplace_multiply = inplace_slot<op_imul>;
  nb->nb_inplace_true_divide = inplace_slot<op_idiv>;
  g_tensor_type->tp_richcompare = richcompare;
  PyType_Modified(g_tensor_type);
}

}  // namespace pag::py_bind
