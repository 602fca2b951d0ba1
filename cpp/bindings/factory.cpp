// The factories (ops/factory.cpp) as op-table rows (Note [Op table], Note [Factory
// options]); tensor() / as_tensor() / from_numpy() live in pyautograd/_creation.py.
#include <cmath>

#include "bindings/arg_parser.h"
#include "bindings/common.h"

namespace pag::py_bind {

namespace {

// A tensor of `sizes` filled with the Python number v (a bool, int or float).
Tensor full_from(const DimVec& sizes, py::handle v, Dtype d) {
  Tensor t;
  if (!to_operand(v, t)) throw TypeError("full(): fill_value must be a number");
  if (!is_floating(d) && t.dtype() != Dtype::Float64) {
    Tensor out = empty(sizes, d);
    fill_(out, t);
    return out;
  }
  return full(sizes, t.item_double(), d);
}

[[noreturn]] void overflow_error(const char* msg) {
  PyErr_SetString(PyExc_OverflowError, msg);
  throw py::error_already_set();
}

// A Number argument as a Python bool, int or float (0-dim tensors and numpy scalars unwrap).
// An int is torch's Scalar: an int64, else a uint64 (OverflowError past both).
py::object number(py::handle o) {
  if (PyFloat_Check(o.ptr())) return py::reinterpret_borrow<py::object>(o);
  if (PyComplex_Check(o.ptr()))  // a complex Scalar matches the schema; its result would need a complex dtype
    throw TypeError("a complex number needs a complex dtype, and pyautograd's dtypes are real (bool, integers, floats)");
  if (!PyLong_Check(o.ptr())) return o.attr("item")();
  int overflow = 0;
  PyLong_AsLongLongAndOverflow(o.ptr(), &overflow);
  if (overflow < 0) overflow_error("can't convert negative int to unsigned");
  if (overflow > 0 && PyLong_AsUnsignedLongLong(o.ptr()) == (unsigned long long)-1 && PyErr_Occurred()) {
    PyErr_Clear();
    overflow_error("int too big to convert");
  }
  return py::reinterpret_borrow<py::object>(o);
}

[[noreturn]] void int64_overflow() { throw Error("value cannot be converted to type int64_t without overflow"); }

// A Number converted as torch's Scalar -> dtype, with its overflow checks.
py::object fill_value(const py::object& v, Dtype d) {
  PyObject* o = v.ptr();
  if (d == Dtype::Int64) {
    if (PyFloat_Check(o)) {
      double f = PyFloat_AS_DOUBLE(o);
      if (!(f == f && -9.223372036854775808e18 <= f && f < 9.223372036854775808e18)) int64_overflow();
      return py::reinterpret_steal<py::object>(PyLong_FromDouble(f));
    }
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) int64_overflow();
    if (x == -1 && PyErr_Occurred()) throw py::error_already_set();
    return py::int_(x);
  }
  if (d == Dtype::Bool) return py::bool_(PyObject_IsTrue(o) == 1);
  if (is_floating(d)) {
    double f = PyFloat_AsDouble(o);
    if (f == -1.0 && PyErr_Occurred()) throw py::error_already_set();
    // c10's checked_convert: float16 goes through float; bfloat16 is not checked
    if ((d == Dtype::Float32 || d == Dtype::Float16) && std::isfinite(f) && std::abs(f) > 3.4028234663852886e38)
      throw Error(str_cat("value cannot be converted to type ", d == Dtype::Float32 ? "float" : "c10::Half",
                          " without overflow"));
    return py::float_(f);
  }
  // the narrow integer types; an unsigned one takes a negative int down to -max (it wraps)
  struct Range {
    Dtype d;
    double min, max;
    const char* name;
  };
  static const Range ranges[] = {{Dtype::Int32, -2147483648.0, 2147483647.0, "int"},
                                 {Dtype::Int16, -32768, 32767, "int16_t"},
                                 {Dtype::Int8, -128, 127, "int8_t"},
                                 {Dtype::UInt8, 0, 255, "uint8_t"}};
  const Range* r = nullptr;
  for (const Range& x : ranges)
    if (x.d == d) r = &x;
  if (!r) throw Error("fill value: unexpected dtype");
  const std::string overflow = str_cat("value cannot be converted to type ", r->name, " without overflow");
  if (PyFloat_Check(o)) {
    double f = PyFloat_AS_DOUBLE(o);
    if (!(f >= r->min && f <= r->max)) throw Error(overflow);
    return py::reinterpret_steal<py::object>(PyLong_FromDouble(f));
  }
  int big = 0;
  long long x = PyLong_AsLongLongAndOverflow(o, &big);
  const double lo = r->min == 0 ? -r->max : r->min;
  if (big || (double)x < lo || (double)x > r->max) throw Error(overflow);
  return py::int_(x);
}

// The dtype full() and scalar_tensor() infer from a Python number.
Dtype scalar_default_dtype(const py::object& v) {
  if (PyBool_Check(v.ptr())) return Dtype::Bool;
  if (PyLong_Check(v.ptr())) return Dtype::Int64;
  return default_dtype();
}

void check_sizes(const DimVec& s, const char* op) {
  for (int64_t x : s)
    if (x < 0) {
      if (std::string_view(op) == "zeros") throw Error("zeros: Dimension size must be non-negative.");
      std::string list;
      for (size_t i = 0; i < s.size(); ++i) list += (i ? ", " : "") + std::to_string(s[i]);
      throw Error(str_cat("Trying to create tensor with negative dimension ", x, ": [", list, "]"));
    }
}

// zeros / ones / empty
template <int kFill>  // 0, 1, or -1 for uninitialized
Tensor sized(const Args& a) {
  DimVec s = a.int_list(0);
  Dtype d = a.options_dtype(default_dtype());
  a.check_device();
  check_sizes(s, kFill == 0 ? "zeros" : "");
  if (kFill >= 0) return a.finish(full(s, kFill, d));
  if (!a.given(1)) return a.finish(empty(s, d));
  MemoryFormat f = a.memory_format(1, MemoryFormat::Contiguous);  // empty's memory_format=
  if (f == MemoryFormat::Preserve) throw Error("unsupported memory format Preserve");
  return a.finish(empty_like(empty(s, d), d, f));
}

// zeros_like / ones_like / empty_like
template <int kFill>
Tensor like(const Args& a) {
  Tensor x = a.tensor(0);
  Dtype d = a.options_dtype(x.dtype());
  a.check_device();
  Tensor t = empty_like(x, d, a.memory_format(1, MemoryFormat::Preserve));
  if (kFill >= 0) fill_(t, operand(py::int_(kFill), "fill_"));
  return a.finish(t);
}

// new_zeros / new_ones / new_empty: self's dtype unless dtype= is given
template <int kFill>
Tensor new_sized(const Args& a) {
  Tensor x = a.tensor(0);
  DimVec s = a.int_list(1);
  Dtype d = a.options_dtype(x.dtype());
  a.check_device();
  check_sizes(s, "");
  return a.finish(kFill >= 0 ? full(s, kFill, d) : empty(s, d));
}

Tensor arange_from(const Args& a, py::handle start, py::handle end, py::handle step) {
  py::object vals[3] = {number(start), number(end), number(step)};
  bool any_float = false, all_int = true;
  for (const auto& v : vals) {
    any_float = any_float || PyFloat_Check(v.ptr());
    all_int = all_int && PyLong_Check(v.ptr());
  }
  Dtype d = a.options_dtype(any_float ? default_dtype() : Dtype::Int64);
  a.check_device();
  if (d == Dtype::Int64 && all_int) {  // integer bounds stay exact (beyond 2**53) on this path
    int64_t x[3];
    for (int i = 0; i < 3; ++i) {
      int overflow = 0;
      x[i] = PyLong_AsLongLongAndOverflow(vals[i].ptr(), &overflow);
      if (overflow) int64_overflow();
    }
    return a.finish(arange_int64(x[0], x[1], x[2]));
  }
  double x[3];
  for (int i = 0; i < 3; ++i) x[i] = vals[i].cast<double>();
  return a.finish(arange(x[0], x[1], x[2], d));
}

Tensor linspace_row(const Args& a) {
  for (int i = 0; i < 2; ++i) {
    Tensor t;
    if (load_tensor(a.v[i], t) && t.dim() != 0)
      throw Error(str_cat("linspace only supports 0-dimensional start and end tensors, but got ",
                          i == 0 ? "start" : "end", " with ", t.dim(), " dimension(s)."));
  }
  int64_t steps = a.int64(2);
  Dtype d = a.options_dtype(default_dtype());
  a.check_device();
  return a.finish(linspace(number(a.obj(0)).cast<double>(), number(a.obj(1)).cast<double>(), steps, d));
}

Tensor eye_row(const Args& a, int64_t n, int64_t m) {
  Dtype d = a.options_dtype(default_dtype());
  a.check_device();
  return a.finish(eye(n, m, d));
}

#define PAG_OPTIONS "ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None"

const OpRow kFactoryRows[] = {
    {"zeros(SymInt[] size, *, " PAG_OPTIONS ") -> Tensor", kFunction | kOut, &sized<0>},
    {"ones(SymInt[] size, *, " PAG_OPTIONS ") -> Tensor", kFunction | kOut, &sized<1>},
    {"empty.memory_format(SymInt[] size, *, " PAG_OPTIONS ", MemoryFormat? memory_format=None) -> Tensor",
     kFunction | kOut, &sized<-1>},
    {"full(SymInt[] size, Scalar fill_value, *, " PAG_OPTIONS ") -> Tensor", kFunction | kOut,
     [](const Args& a) {
       DimVec s = a.int_list(0);
       py::object v = number(a.obj(1));
       Dtype d = a.options_dtype(scalar_default_dtype(v));
       a.check_device();
       check_sizes(s, "full");
       return a.finish(full_from(s, fill_value(v, d), d));
     }},
    {"zeros_like(Tensor self, *, " PAG_OPTIONS ", MemoryFormat? memory_format=None) -> Tensor", kFunction, &like<0>},
    {"ones_like(Tensor self, *, " PAG_OPTIONS ", MemoryFormat? memory_format=None) -> Tensor", kFunction, &like<1>},
    {"empty_like(Tensor self, *, " PAG_OPTIONS ", MemoryFormat? memory_format=None) -> Tensor", kFunction, &like<-1>},
    {"full_like(Tensor self, Scalar fill_value, *, " PAG_OPTIONS ", MemoryFormat? memory_format=None) -> Tensor",
     kFunction,
     [](const Args& a) {
       Tensor x = a.tensor(0);
       Dtype d = a.options_dtype(x.dtype());
       a.check_device();
       Tensor t = empty_like(x, d, a.memory_format(2, MemoryFormat::Preserve));
       fill_(t, operand(fill_value(number(a.obj(1)), d), "fill_"));
       return a.finish(t);
     }},
    {"new_zeros(Tensor self, SymInt[] size, *, " PAG_OPTIONS ") -> Tensor", kMethod, &new_sized<0>},
    {"new_ones(Tensor self, SymInt[] size, *, " PAG_OPTIONS ") -> Tensor", kMethod, &new_sized<1>},
    {"new_empty(Tensor self, SymInt[] size, *, " PAG_OPTIONS ") -> Tensor", kMethod, &new_sized<-1>},
    {"new_full(Tensor self, SymInt[] size, Scalar fill_value, *, " PAG_OPTIONS ") -> Tensor", kMethod,
     [](const Args& a) {
       Tensor x = a.tensor(0);
       DimVec s = a.int_list(1);
       Dtype d = a.options_dtype(x.dtype());
       a.check_device();
       check_sizes(s, "");
       return a.finish(full_from(s, fill_value(number(a.obj(2)), d), d));
     }},
    {"arange(Scalar end, *, " PAG_OPTIONS ") -> Tensor", kFunction | kOut,
     [](const Args& a) { return arange_from(a, py::int_(0), a.obj(0), py::int_(1)); }},
    {"arange.start(Scalar start, Scalar end, *, " PAG_OPTIONS ") -> Tensor", kFunction,
     [](const Args& a) { return arange_from(a, a.obj(0), a.obj(1), py::int_(1)); }},
    {"arange.start_step(Scalar start, Scalar end, Scalar step=1, *, " PAG_OPTIONS ") -> Tensor", kFunction | kOut,
     [](const Args& a) { return arange_from(a, a.obj(0), a.obj(1), a.v[2] ? a.obj(2) : py::handle(py::int_(1))); }},
    {"linspace.Tensor_Tensor(Tensor start, Tensor end, int steps, *, " PAG_OPTIONS ") -> Tensor", kFunction | kOut,
     &linspace_row},
    {"linspace.Scalar_Tensor(Scalar start, Tensor end, int steps, *, " PAG_OPTIONS ") -> Tensor", kFunction | kOut,
     &linspace_row},
    {"linspace.Tensor_Scalar(Tensor start, Scalar end, int steps, *, " PAG_OPTIONS ") -> Tensor", kFunction | kOut,
     &linspace_row},
    {"linspace(Scalar start, Scalar end, int steps, *, " PAG_OPTIONS ") -> Tensor", kFunction | kOut, &linspace_row},
    {"eye(SymInt n, *, " PAG_OPTIONS ") -> Tensor", kFunction | kOut,
     [](const Args& a) { return eye_row(a, a.int64(0), a.int64(0)); }},
    {"eye.m(SymInt n, SymInt m, *, " PAG_OPTIONS ") -> Tensor", kFunction | kOut,
     [](const Args& a) { return eye_row(a, a.int64(0), a.int64(1)); }},
    {"scalar_tensor(Scalar s, *, " PAG_OPTIONS ") -> Tensor", kFunction,
     [](const Args& a) {
       py::object v = number(a.obj(0));
       Dtype d = a.options_dtype(default_dtype());
       a.check_device();
       return a.finish(full_from({}, fill_value(v, d), d));
     }},
};

}  // namespace

void init_factory(py::module_& m, TensorClass& cls) {
  def_rows(m, cls, kFactoryRows);
  m.def("_full", &full_from);
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
