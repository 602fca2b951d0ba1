// The Tensor class: metadata, conversions to Python and numpy, and the shared
// argument helpers of bindings/common.h.
#include <pybind11/numpy.h>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "bindings/common.h"

namespace pag::py_bind {

// ---------------------------------------------------------------- Note [Tensor objects]
PyTypeObject* g_tensor_type = nullptr;

namespace {

// Builds the holder of a fresh instance in place, unregistered (common.h).
void set_holder(py::detail::value_and_holder& vh, std::shared_ptr<TensorImpl> impl) {
  impl->pyobj = vh.inst;
  vh.value_ptr() = impl.get();
  new (&vh.holder<std::shared_ptr<TensorImpl>>()) std::shared_ptr<TensorImpl>(std::move(impl));
  vh.set_holder_constructed();
}

void tensor_dealloc(PyObject* self) {
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  auto vh = inst->get_value_and_holder(nullptr, false);
  if (vh && vh.holder_constructed()) {
    TensorImpl* impl = vh.holder<std::shared_ptr<TensorImpl>>().get();
    if (impl && impl->pyobj == self) impl->pyobj = nullptr;
  }
  py::detail::pybind11_object_dealloc(self);
}

}  // namespace

PyObject* wrap_tensor(std::shared_ptr<TensorImpl> impl) {
  if (!impl) Py_RETURN_NONE;
  if (impl->pyobj) {
    PyObject* o = static_cast<PyObject*>(impl->pyobj);
    Py_INCREF(o);
    return o;
  }
  // pybind11's make_new_instance, less its type lookup: a plain Tensor has the simple layout.
  PyObject* o = g_tensor_type->tp_alloc(g_tensor_type, 0);
  if (!o) throw py::error_already_set();
  auto* inst = reinterpret_cast<py::detail::instance*>(o);
  inst->simple_layout = true;
  inst->owned = true;
  py::detail::value_and_holder vh(inst, nullptr, 0, 0);
  set_holder(vh, std::move(impl));
  return o;
}

namespace {

// Tensor(...) (the legacy constructor, and Parameter's base): the new object aliases
// what pyautograd._tensor._legacy_new builds. A second __init__ is ignored, as torch's.
int tensor_init(PyObject* self, PyObject* args, PyObject* kwargs) {
  auto vh = reinterpret_cast<py::detail::instance*>(self)->get_value_and_holder(nullptr, false);
  if (vh.holder_constructed()) return 0;
  try {
    py::object legacy_new = py::module_::import("pyautograd._tensor").attr("_legacy_new");
    py::object src = py::reinterpret_steal<py::object>(PyObject_Call(legacy_new.ptr(), args, kwargs));
    if (!src) throw py::error_already_set();
    auto impl = std::make_shared<TensorImpl>();
    share_data(*impl, src.cast<Tensor>());
    set_holder(vh, std::move(impl));
    return 0;
  } catch (...) {
    py::detail::try_translate_exceptions();
    return -1;
  }
}

}  // namespace

void tensor_object_setup(PyTypeObject* type) {
  type->tp_dealloc = tensor_dealloc;
  type->tp_init = tensor_init;
}

// ---------------------------------------------------------------- argument helpers
bool is_tensor(py::handle h) {
  PyTypeObject* t = Py_TYPE(h.ptr());
  return t == g_tensor_type || PyType_IsSubtype(t, g_tensor_type);
}

Tensor as_tensor_arg(py::handle h) {
  if (!is_tensor(h))
    throw TypeError(str_cat("expected Tensor as argument, but got ", type_name(h)));
  return h.cast<Tensor>();
}

bool to_operand(py::handle h, Tensor& out) {
  PyObject* o = h.ptr();
  if (load_tensor(o, out)) return true;
  if (PyBool_Check(o)) {
    out = scalar_tensor(o == Py_True ? 1.0 : 0.0, Dtype::Bool, true);
    return true;
  }
  if (PyLong_Check(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) throw Error("Overflow when unpacking long");
    out = scalar_tensor_int(v, Dtype::Int64, true);
    return true;
  }
  if (PyFloat_Check(o)) {
    out = scalar_tensor(PyFloat_AS_DOUBLE(o), Dtype::Float64, true);
    return true;
  }
  // numpy scalars and other numbers
  if (PyObject_HasAttrString(o, "dtype") && PyObject_HasAttrString(o, "item") && !PyObject_HasAttrString(o, "shape") ) {
    return to_operand(h.attr("item")(), out);
  }
  return false;
}

Tensor operand(py::handle h, const char* opname) {
  Tensor t;
  if (!to_operand(h, t))
    throw ArgTypeError(str_cat(opname, "(): argument 'other'"), 1,
                       str_cat(" must be Tensor, not ", type_name(h)));
  return t;
}

// Note [Int-list arguments]: torch takes for a `tuple of ints` a tuple, list or Size of
// ints (Python ints, numpy integers, 0-dim integer tensors; never bools or floats), or
// one int, and words its TypeErrors by where the bad value sits: the argument itself,
// the list's first element, or a later one (found when the list is unpacked).
namespace {

std::string tp_name(py::handle x) { return is_tensor(x) ? "Tensor" : Py_TYPE(x.ptr())->tp_name; }

[[noreturn]] void unpack_error(const char* op, const char* arg, size_t i, py::handle x) {
  throw TypeError(str_cat(op, "(): argument '", arg, "' failed to unpack the object at pos ", i + 1,
                          " with error \"type must be tuple of ints,but got ", tp_name(x), "\""));
}

}  // namespace

bool int_like(py::handle x, int64_t& out) {
  PyObject* o = x.ptr();
  if (PyBool_Check(o) || PyFloat_Check(o)) return false;
  if (PyLong_Check(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) out = x.cast<int64_t>();  // raises torch's overflow error
    else out = (int64_t)v;
    return true;
  }
  if (is_tensor(x)) {
    Tensor t = x.cast<Tensor>();
    if (t.dim() != 0 || is_floating(t.dtype()) || t.dtype() == Dtype::Bool) return false;
    out = t.item_int();
    return true;
  }
  if (!PyIndex_Check(o)) return false;  // numpy integers
  Py_ssize_t v = PyNumber_AsSsize_t(o, PyExc_OverflowError);
  if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
  out = static_cast<int64_t>(v);
  return true;
}

[[noreturn]] static void arg_error(const char* op, const char* arg, int position, const std::string& tail) {
  std::string head = str_cat(op, "(): argument '", arg, "'");
  if (position > 0) throw ArgTypeError(head, position, tail);
  throw TypeError(head + tail);
}

int64_t int_arg(py::handle h, const char* op, const char* arg, int position) {
  int64_t v;
  if (!int_like(h, v)) arg_error(op, arg, position, " must be int, not " + tp_name(h));
  return v;
}

DimVec int_list_arg(py::handle h, const char* op, const char* arg, int position) {
  int64_t v;
  if (int_like(h, v)) return DimVec{v};
  PyObject* o = h.ptr();
  // tuples, lists and Size as torch; other sequences of ints (range, numpy arrays) as well
  bool seq = PyTuple_Check(o) || PyList_Check(o) ||
             (PySequence_Check(o) && !PyUnicode_Check(o) && !PyBytes_Check(o) && !is_tensor(h));
  if (!seq) arg_error(op, arg, position, " must be tuple of ints, not " + tp_name(h));
  DimVec r;
  size_t i = 0;
  for (py::handle x : h) {
    if (!int_like(x, v)) {
      if (i == 0) arg_error(op, arg, position, " must be tuple of ints, but found element of type " + tp_name(x) + " at pos 0");
      unpack_error(op, arg, i, x);
    }
    r.push_back(v);
    ++i;
  }
  return r;
}

DimVec seq_to_dims(py::handle h) { return int_list_arg(h, "size", "size", 0); }

OptDims parse_dims(py::handle h, const char* op, const char* arg, int position) {
  if (h.is_none()) return std::nullopt;
  return int_list_arg(h, op, arg, position);
}

DimVec parse_sizes(const py::args& args, const char* opname, const char* argname) {
  if (args.size() == 1) return int_list_arg(args[0], opname, argname, 1);
  DimVec r;
  int64_t v;
  if (args.size() == 0 || !int_like(args[0], v))  // not the var-args form expand(2, 3)
    throw TypeError(str_cat(opname, "() takes 1 positional argument but ", args.size(), " were given"));
  for (size_t i = 0; i < args.size(); ++i) {
    if (!int_like(args[i], v)) unpack_error(opname, argname, i, args[i]);
    r.push_back(v);
  }
  return r;
}

std::optional<Dtype> opt_dtype(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return h.cast<Dtype>();
}

// ---------------------------------------------------------------- numpy interop
namespace {

py::dtype np_dtype(Dtype d) {
  switch (d) {
    case Dtype::UInt8: return py::dtype("uint8");
    case Dtype::Int8: return py::dtype("int8");
    case Dtype::Int16: return py::dtype("int16");
    case Dtype::Int32: return py::dtype("int32");
    case Dtype::Int64: return py::dtype("int64");
    case Dtype::Float16: return py::dtype("float16");
    case Dtype::Float32: return py::dtype("float32");
    case Dtype::Float64: return py::dtype("float64");
    case Dtype::Bool: return py::dtype("bool");
    case Dtype::BFloat16: break;  // numpy has no bfloat16
  }
  throw TypeError(str_cat("Got unsupported ScalarType ", scalar_type_name(d)));
}

py::array to_numpy(const Tensor& t) {
  std::vector<py::ssize_t> shape(t.sizes().begin(), t.sizes().end());
  std::vector<py::ssize_t> strides;
  for (int64_t s : t.strides()) strides.push_back(s * (int64_t)t.itemsize());
  // The capsule keeps the storage alive as long as numpy needs it.
  auto* keep = new std::shared_ptr<Storage>(t.storage());
  py::capsule base(keep, [](void* p) { delete static_cast<std::shared_ptr<Storage>*>(p); });
  return py::array(np_dtype(t.dtype()), shape, strides, t.raw_data(), base);
}

}  // namespace

Tensor tensor_from_numpy(py::array arr) {
  Dtype d;
  char kind = arr.dtype().kind();
  int64_t isz = arr.itemsize();
  if (kind == 'f' && isz == 2) d = Dtype::Float16;
  else if (kind == 'f' && isz == 4) d = Dtype::Float32;
  else if (kind == 'f' && isz == 8) d = Dtype::Float64;
  else if (kind == 'i' && isz == 1) d = Dtype::Int8;
  else if (kind == 'i' && isz == 2) d = Dtype::Int16;
  else if (kind == 'i' && isz == 4) d = Dtype::Int32;
  else if (kind == 'i' && isz == 8) d = Dtype::Int64;
  else if (kind == 'u' && isz == 1) d = Dtype::UInt8;
  else if (kind == 'b') d = Dtype::Bool;
  else
    throw TypeError(str_cat("can't convert np.ndarray of type numpy.", std::string(py::str(arr.dtype())),
                            ". The only supported types are: float64, float32, float16, int64, int32, int16, int8, "
                            "uint8, and bool."));
  DimVec sizes, strides;
  for (py::ssize_t i = 0; i < arr.ndim(); ++i) {
    sizes.push_back(arr.shape(i));
    if (arr.strides(i) % isz != 0) throw ValueError("given numpy array strides not a multiple of the element byte size. Copy the numpy array to reallocate the memory.");
    if (arr.strides(i) < 0)
      throw ValueError("At least one stride in the given numpy array is negative, and tensors with negative strides "
                       "are not currently supported. (You can probably work around this by making a copy of your "
                       "array  with array.copy().) ");
    strides.push_back(arr.strides(i) / isz);
  }
  PyObject* obj = arr.ptr();
  Py_INCREF(obj);
  std::shared_ptr<void> owner(obj, [](void* o) {
    py::gil_scoped_acquire g;
    Py_DECREF(static_cast<PyObject*>(o));
  });
  return from_blob(arr.mutable_data(), sizes, strides, d, std::move(owner));
}

static py::object py_scalar(const Tensor& t) {
  if (is_floating(t.dtype())) return py::float_(t.item_double());
  if (t.dtype() == Dtype::Bool) return py::bool_(t.item_int() != 0);
  return py::int_(t.item_int());
}

static py::object tolist(const Tensor& t) {
  if (t.dim() == 0) return py_scalar(t);
  py::list l;
  for (int64_t i = 0; i < t.sizes()[0]; ++i) {
    Tensor s = make_view(t, DimVec(t.sizes().begin() + 1, t.sizes().end()),
                         DimVec(t.strides().begin() + 1, t.strides().end()), t.offset() + i * t.strides()[0]);
    l.append(tolist(s));
  }
  return l;
}

// ---------------------------------------------------------------- the class
void init_tensor(py::module_& m, TensorClass& cls) {
  cls.attr("__module__") = "pyautograd";
  // Python's own messages ("unsupported operand type(s) for +: 'Tensor' and 'str'") use tp_name.
  reinterpret_cast<PyTypeObject*>(cls.ptr())->tp_name = "Tensor";
  m.def("_from_numpy", &tensor_from_numpy);
  m.def("_empty", [](const DimVec& sizes, Dtype d) { return empty(sizes, d); });
  m.def("_scalar_tensor", [](py::handle v, Dtype d) {
    Tensor t;
    if (!to_operand(v, t)) throw TypeError("expected a number");
    return to_dtype(t, d, true);
  });

  cls.def_property_readonly("shape", [](const Tensor& t) { return make_size(t.sizes()); })
      .def_property_readonly("dtype", [](const Tensor& t) { return t.dtype(); })
      .def_property_readonly("ndim", [](const Tensor& t) { return t.dim(); })
      .def_property_readonly("is_cuda", [](const Tensor&) { return false; })
      .def_property_readonly("is_sparse", [](const Tensor&) { return false; })
      .def_property_readonly("is_quantized", [](const Tensor&) { return false; })
      .def_property_readonly("is_meta", [](const Tensor&) { return false; })
      .def_property_readonly("layout", [](const Tensor&) { return py::module_::import("pyautograd").attr("strided"); })
      .def_property_readonly("_version", [](const Tensor& t) { return t.version(); })
      .def_property_readonly("_base", [](const Tensor& t) {
        return t.is_view() ? py::cast(Tensor(t.impl()->view_base)) : py::none();
      })
      .def("_is_view", [](const Tensor& t) { return t.is_view(); })
      .def("dim", [](const Tensor& t) { return t.dim(); })
      .def("ndimension", [](const Tensor& t) { return t.dim(); })
      .def("numel", [](const Tensor& t) { return t.numel(); })
      .def("nelement", [](const Tensor& t) { return t.numel(); })
      .def("element_size", [](const Tensor& t) { return t.itemsize(); })
      .def("is_contiguous", [](const Tensor& t, py::handle f) {
        return is_contiguous_as(t, memory_format_arg(f, "is_contiguous", MemoryFormat::Contiguous));
      }, py::kw_only(), py::arg("memory_format") = py::none())
      .def("is_floating_point", [](const Tensor& t) { return is_floating(t.dtype()); })
      .def("is_complex", [](const Tensor&) { return false; })
      .def("stride", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) {
          py::tuple r(t.dim());
          for (int64_t i = 0; i < t.dim(); ++i) r[i] = py::int_(t.strides()[i]);
          return std::move(r);
        }
        return py::int_(t.stride(int_arg(dim, "stride", "dim", 1)));
      }, py::arg("dim") = py::none())
      .def("storage_offset", [](const Tensor& t) { return t.offset(); })
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.raw_data()); })
      .def("untyped_storage_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.storage()->data); })
      .def("_storage_nbytes", [](const Tensor& t) { return t.storage()->nbytes; })
      .def("size", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) return make_size(t.sizes());
        return py::int_(t.size(int_arg(dim, "size", "dim", 1)));
      }, py::arg("dim") = py::none())
      .def("item", [](const Tensor& t) { return py_scalar(t); })
      .def("tolist", [](const Tensor& t) { return tolist(t); })
      .def("numpy", [](const Tensor& t, bool force) {
        if (!force && t.requires_grad())
          throw Error("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.");
        return to_numpy(t);
      }, py::arg("force") = false)
      .def("__len__", [](const Tensor& t) {
        if (t.dim() == 0) throw TypeError("len() of a 0-d tensor");
        return t.sizes()[0];
      })
      .def("__float__", [](const Tensor& t) {
        if (t.numel() != 1) throw ValueError("only one element tensors can be converted to Python scalars");
        return t.item_double();
      })
      .def("__int__", [](const Tensor& t) -> py::object {
        if (t.numel() != 1) throw ValueError("only one element tensors can be converted to Python scalars");
        if (!is_floating(t.dtype())) return py::int_(t.item_int());
        // through Python's float -> int, as torch: truncation, and its errors for nan / inf
        PyObject* r = PyNumber_Long(py::float_(t.item_double()).ptr());
        if (!r) throw py::error_already_set();
        return py::reinterpret_steal<py::object>(r);
      })
      .def("__index__", [](const Tensor& t) {
        if (t.numel() != 1 || is_floating(t.dtype()))
          throw TypeError("only integer tensors of a single element can be converted to an index");
        return t.item_int();
      })
      .def("__bool__", [](const Tensor& t) {
        if (t.numel() != 1) {
          if (t.numel() == 0) throw Error("Boolean value of Tensor with no values is ambiguous");
          throw Error("Boolean value of Tensor with more than one value is ambiguous");
        }
        return t.item_double() != 0.0;
      })
      .def("__hash__", [](py::handle self) { return (py::ssize_t)(uintptr_t)self.ptr(); })
      .def("__array__", [](const Tensor& t, py::object dtype, py::kwargs) -> py::object {
        py::array a = to_numpy(t);
        if (!dtype.is_none()) return a.attr("astype")(dtype);
        return std::move(a);
      }, py::arg("dtype") = py::none());
}

}  // namespace pag::py_bind
