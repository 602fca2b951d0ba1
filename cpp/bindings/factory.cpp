// Bindings for ops/factory.cpp (the Python signatures live in pyautograd/_creation.py).
#include "bindings/common.h"

namespace pag::py_bind {

void init_factory(py::module_& m, TensorClass& cls) {
  (void)cls;
  m.def("_full", [](const DimVec& sizes, py::handle v, Dtype d) {
    Tensor t;
    if (!to_operand(v, t)) throw TypeError("full(): fill_value must be a number");
    if (!is_floating(d)) {
      if (t.dtype() == Dtype::Float64 && !is_floating(d)) return full(sizes, t.item_double(), d);
      Tensor out = empty(sizes, d);
      fill_(out, t);
      return out;
    }
    return full(sizes, t.item_double(), d);
  });
  m.def("_arange", &arange);
  m.def("_arange_int64", &arange_int64);
  m.def("_linspace", &linspace);
  m.def("_eye", &eye);

  // tensor()'s leaf store for the common case (see Note [tensor() from Python data] in
  // pyautograd/_creation.py): a flat sequence of Python bool/int/float into a new tensor of
  // `sizes`. Returns None as soon as a leaf needs torch's slower conversion rules (a numpy
  // scalar, a tensor, a float into int64, an int64 overflow...), which live in Python only.
  m.def("_tensor_from_flat", [](py::handle seq, const DimVec& sizes, Dtype d) -> py::object {
    py::object fast = py::reinterpret_steal<py::object>(PySequence_Fast(seq.ptr(), "not a sequence"));
    if (!fast) throw py::error_already_set();
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast.ptr());
    PyObject** items = PySequence_Fast_ITEMS(fast.ptr());
    Tensor t = empty(sizes, d);
    if (t.numel() != n) throw ValueError("tensor(): leaf count does not match the shape");
    bool ok = PAG_DISPATCH_ALL(d, "tensor", [&] {
      scalar_t* p = t.data<scalar_t>();
      for (Py_ssize_t i = 0; i < n; ++i) {
        PyObject* o = items[i];
        if constexpr (is_float_v<scalar_t>) {
          double v;
          if (PyFloat_CheckExact(o)) v = PyFloat_AS_DOUBLE(o);
          else if (PyLong_CheckExact(o) || PyBool_Check(o)) {
            v = PyLong_AsDouble(o);  // torch's PyFloat_AsDouble: Python's OverflowError past double
            if (v == -1.0 && PyErr_Occurred()) throw py::error_already_set();
          } else return false;
          p[i] = convert<scalar_t>(v);
        } else if constexpr (std::is_same_v<scalar_t, bool>) {
          if (PyBool_Check(o)) p[i] = o == Py_True;
          else if (PyFloat_CheckExact(o)) p[i] = PyFloat_AS_DOUBLE(o) != 0.0;
          else if (PyLong_CheckExact(o)) p[i] = PyObject_IsTrue(o) == 1;
          else return false;
        } else {
          if (!PyLong_CheckExact(o) && !PyBool_Check(o)) return false;
          int overflow = 0;
          long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
          if (overflow) return false;
          if constexpr (!std::is_same_v<scalar_t, int64_t>) {  // torch's checked_convert: Python's slow path raises
            if (std::is_signed_v<scalar_t> ? (v < std::numeric_limits<scalar_t>::lowest() ||
                                              v > std::numeric_limits<scalar_t>::max())
                                           : (v > (long long)std::numeric_limits<scalar_t>::max() ||
                                              -v > (long long)std::numeric_limits<scalar_t>::max()))
              return false;
          }
          p[i] = static_cast<scalar_t>(v);
        }
      }
      return true;
    });
    return ok ? py::cast(t) : py::object(py::none());
  });
}

}  // namespace pag::py_bind
