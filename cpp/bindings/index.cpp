// Bindings for ops/index.cpp, and Python's t[i] / t[i] = v with torch's
// dispatch (python_variable_indexing.cpp): ints, slices, None and Ellipsis make
// views; tensors, masks and sequences gather through index / index_put_.
#include <pybind11/numpy.h>

#include "autograd/grad_mode.h"
#include "bindings/arg_parser.h"
#include "bindings/common.h"

namespace pag::py_bind {

Tensor tensor_from_numpy(py::array arr);  // bindings/tensor.cpp

namespace {

py::handle numpy_attr(const char* name) {
  static py::handle np = py::module_::import("numpy").release();
  return py::object(np.attr(name)).release();
}
bool is_numpy_int(PyObject* o) {
  static py::handle cls = numpy_attr("integer");
  return PyObject_IsInstance(o, cls.ptr()) == 1;
}
bool is_numpy_array(PyObject* o) {
  static py::handle cls = numpy_attr("ndarray");
  return PyObject_IsInstance(o, cls.ptr()) == 1;
}

// torch's THPUtils_checkLong: a Python or numpy integer, not a bool.
bool is_long(PyObject* o) { return !PyBool_Check(o) && (PyLong_Check(o) || is_numpy_int(o)); }

int64_t unpack_long(PyObject* o) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
  if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
  if (overflow) throw ValueError("Overflow when unpacking long long");
  return v;
}

// torch's indexing_tensor_from_data: a Python sequence or numpy array as a bool
// tensor when its data is boolean, else as int64 (floats truncate).
Tensor sequence_to_index(py::handle seq) {
  PyObject* o = seq.ptr();
  if (PyList_CheckExact(o) || PyTuple_CheckExact(o)) {
    // The common case, a flat list of ints, needs no inference.
    Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    PyObject** items = PySequence_Fast_ITEMS(o);
    bool ints = n > 0;
    for (Py_ssize_t i = 0; i < n && ints; ++i) ints = PyLong_Check(items[i]) && !PyBool_Check(items[i]);
    if (ints) {
      Tensor t = empty({(int64_t)n}, Dtype::Int64);
      int64_t* p = t.data<int64_t>();
      for (Py_ssize_t i = 0; i < n; ++i) p[i] = unpack_long(items[i]);
      return t;
    }
  }
  if (is_numpy_array(o)) {
    py::object arr = py::reinterpret_borrow<py::object>(seq);
    std::string kind = py::str(arr.attr("dtype").attr("kind"));
    if (kind != "b" && kind != "i" && kind != "u" && kind != "f")
      throw TypeError(str_cat("can't convert np.ndarray of type numpy.",
                              std::string(py::str(arr.attr("dtype").attr("type").attr("__name__"))),
                              ". The only supported types are: float64, float32, float16, complex64, complex128, int64, "
                              "int32, int16, int8, uint64, uint32, uint16, uint8, and bool."));
    return tensor_from_numpy(arr.attr("astype")(kind == "b" ? "bool" : "int64", py::arg("order") = "C"));
  }
  static py::handle make = py::object(py::module_::import("pyautograd._creation").attr("tensor")).release();
  Tensor t = make(seq).cast<Tensor>();
  return t.dtype() == Dtype::Bool ? t : to_dtype(t, Dtype::Int64);
}

// One entry of an index tuple (torch's TensorIndex).
struct Item {
  enum Kind { Int, Slice, Ellipsis, None, Bool, Tensor_ } kind;
  int64_t i = 0;
  Py_ssize_t start = 0, stop = 0, step = 1;
  Tensor t;
};

Item slice_item(PyObject* o) {
  Item it{Item::Slice};
  if (PySlice_Unpack(o, &it.start, &it.stop, &it.step) != 0) throw py::error_already_set();
  return it;
}

Item parse_item(PyObject* o) {
  if (is_long(o)) return Item{Item::Int, unpack_long(o)};
  if (PySlice_Check(o)) return slice_item(o);
  if (o == Py_Ellipsis) return Item{Item::Ellipsis};
  if (o == Py_None) return Item{Item::None};
  if (PyBool_Check(o)) return Item{Item::Bool, o == Py_True ? 1 : 0};
  if (is_tensor(o)) {
    Item it{Item::Tensor_};
    it.t = py::handle(o).cast<Tensor>();
    return it;
  }
  if (PySequence_Check(o)) {
    Item it{Item::Tensor_};
    it.t = sequence_to_index(o);
    return it;
  }
  PyObject* idx = PyNumber_Index(o);
  if (!idx) {
    PyErr_Clear();
    throw IndexError(str_cat("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                             "valid indices (got ", Py_TYPE(o)->tp_name, ")"));
  }
  py::object holder = py::reinterpret_steal<py::object>(idx);
  return Item{Item::Int, unpack_long(idx)};
}

// torch's treatSequenceAsTuple (NumPy's heuristic for lists used as index tuples).
bool treat_sequence_as_tuple(PyObject* o) {
  if (PyTuple_Check(o)) return true;
  if (is_tensor(o) || is_numpy_array(o) || !PySequence_Check(o)) return false;
  Py_ssize_t n = PySequence_Size(o);
  if (n < 0) {
    PyErr_Clear();
    return false;
  }
  if (n >= 32) return false;
  for (Py_ssize_t i = 0; i < n; ++i) {
    py::object item = py::reinterpret_steal<py::object>(PySequence_GetItem(o, i));
    if (!item) {
      PyErr_Clear();
      return false;
    }
    PyObject* p = item.ptr();
    if (is_tensor(p) || PySequence_Check(p) || PySlice_Check(p) || p == Py_Ellipsis || p == Py_None) return true;
  }
  return false;
}

py::tuple wrap_tuple(py::handle index) {
  PyObject* o = index.ptr();
  if (PyTuple_Check(o)) return py::reinterpret_borrow<py::tuple>(index);
  if (treat_sequence_as_tuple(o)) {
    if (PyErr_WarnEx(PyExc_UserWarning,
                     "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed in "
                     "pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted as "
                     "tensor index, x[torch.tensor(seq)], which will result either in an error or a different result",
                     1) != 0)
      throw py::error_already_set();
    return py::reinterpret_steal<py::tuple>(PySequence_Tuple(o));
  }
  return py::make_tuple(index);
}

// Index dims a tuple names (all but None, Ellipsis and bools; masks count their dims).
int64_t count_specified_dims(const py::tuple& tup) {
  int64_t count = 0;
  for (py::handle h : tup) {
    PyObject* o = h.ptr();
    if (is_tensor(o)) {
      Tensor t = h.cast<Tensor>();
      count += t.dtype() == Dtype::Bool ? t.dim() : 1;
    } else if (o != Py_None && o != Py_Ellipsis && o != Py_True && o != Py_False) {
      ++count;
    }
  }
  return count;
}

Tensor apply_select(const Tensor& self, int64_t dim, int64_t index, int64_t real_dim) {
  if (index == 0 && dim == 0 && self.dim() == 0)
    throw IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ "
                     "to convert a 0-dim tensor to a number");
  int64_t size = dim < self.dim() ? self.sizes()[dim] : 0;  // a 0-dim tensor reads as size 0 (torch)
  if (index < -size || index >= size)
    throw IndexError(str_cat("index ", index, " is out of bounds for dimension ", real_dim, " with size ", size));
  return select(self, dim, index);
}

// `keep_whole`: a full slice inside a tuple returns self itself (torch's slice optimization).
Tensor apply_slice(const Tensor& self, int64_t dim, const Item& s, bool keep_whole) {
  if (s.step <= 0) throw ValueError("step must be greater than zero");
  if (keep_whole && self.dim() > 0 && s.start == 0 && s.step == 1 && s.stop >= self.sizes()[dim]) return self;
  return slice(self, dim, (int64_t)s.start, (int64_t)s.stop, (int64_t)s.step);
}

// true -> [0] and false -> [] as int64 indices over a new size-1 dim.
Tensor bool_index(bool b) { return b ? zeros({1}, Dtype::Int64) : empty({0}, Dtype::Int64); }

void record_index(const Tensor& t, std::vector<Tensor>& out, int64_t& dim) {
  if (out.empty()) {
    out.resize(dim + 1);
    out[dim] = t;
  } else {
    out.push_back(t);
  }
  dim += t.dtype() == Dtype::Bool ? t.dim() : 1;
}

// torch's applySlicing: the views of basic indexing, collecting tensor indices in `out`.
Tensor apply_slicing(const Tensor& self, const py::tuple& tup, std::vector<Tensor>& out) {
  int64_t specified = count_specified_dims(tup);
  if (specified > self.dim()) throw IndexError(str_cat("too many indices for tensor of dimension ", self.dim()));
  Tensor result = self;
  int64_t dim = 0;
  int64_t n = (int64_t)tup.size();
  for (int64_t i = 0; i < n; ++i) {
    Item it = parse_item(tup[i].ptr());
    switch (it.kind) {
      case Item::Int:
        result = apply_select(result, dim, it.i, i);
        break;
      case Item::Slice:
        result = apply_slice(result, dim, it, true);
        ++dim;
        if (!out.empty()) out.emplace_back();
        break;
      case Item::Ellipsis: {
        int64_t skip = self.dim() - specified;
        dim += skip;
        if (!out.empty()) out.resize(out.size() + skip);
        break;
      }
      case Item::None:
        result = unsqueeze(result, dim);
        ++dim;
        if (!out.empty()) out.emplace_back();
        break;
      case Item::Bool:
        result = unsqueeze(result, dim);
        record_index(bool_index(it.i != 0), out, dim);
        break;
      case Item::Tensor_: {
        const Tensor& t = it.t;
        if (t.dim() == 0 && t.dtype() == Dtype::Int64) {
          result = apply_select(result, dim, t.item_int(), i);
        } else if (t.dim() == 0 && t.dtype() == Dtype::Bool) {
          result = unsqueeze(result, dim);
          record_index(bool_index(t.item_int() != 0), out, dim);
        } else {
          record_index(t, out, dim);
        }
        break;
      }
    }
  }
  return result;
}

void strip_trailing_undefined(std::vector<Tensor>& idx) {
  while (!idx.empty() && !idx.back().defined()) idx.pop_back();
}

Tensor getitem(const Tensor& self, py::handle index) {
  PyObject* o = index.ptr();
  if (o == Py_None) return unsqueeze(self, 0);
  if (o == Py_Ellipsis) return alias(self);
  if (PyLong_Check(o) && !PyBool_Check(o)) return apply_select(self, 0, unpack_long(o), 0);
  if (PySlice_Check(o)) return apply_slice(self, 0, slice_item(o), false);
  if (o == Py_True || o == Py_False) return pag::index(unsqueeze(self, 0), {bool_index(o == Py_True)});
  py::tuple tup = wrap_tuple(index);
  std::vector<Tensor> idx;
  Tensor sliced = apply_slicing(self, tup, idx);
  if (idx.empty()) return sliced.same(self) ? alias(sliced) : sliced;
  strip_trailing_undefined(idx);
  return pag::index(sliced, idx);
}

// torch's valueToTensor: a Python number becomes a 0-dim tensor of self's dtype.
Tensor value_to_tensor(const Tensor& self, py::handle value) {
  PyObject* o = value.ptr();
  if (is_tensor(o)) return value.cast<Tensor>();
  if (is_long(o) || PyBool_Check(o)) {
    if (PyBool_Check(o)) return scalar_tensor_int(o == Py_True ? 1 : 0, self.dtype());
    py::object i = py::reinterpret_steal<py::object>(PyNumber_Index(o));
    return scalar_tensor_int(unpack_long(i.ptr()), self.dtype());
  }
  if (PyFloat_Check(o)) return scalar_tensor(PyFloat_AS_DOUBLE(o), self.dtype());
  if (PyComplex_Check(o)) {
    // No complex dtypes: a complex value converts when its imaginary part is zero.
    if (PyComplex_ImagAsDouble(o) != 0.0 && self.dtype() != Dtype::Bool) {
      const char* ctype = self.dtype() == Dtype::Float32 ? "float" : self.dtype() == Dtype::Float64 ? "double" : "int64_t";
      throw Error(str_cat("value cannot be converted to type ", ctype, " without overflow"));
    }
    double re = PyComplex_RealAsDouble(o);
    return scalar_tensor(self.dtype() == Dtype::Bool ? (re != 0.0 || PyComplex_ImagAsDouble(o) != 0.0) : re, self.dtype());
  }
  throw TypeError(str_cat("can't assign a ", Py_TYPE(o)->tp_name, " to a ", legacy_type_name(self.dtype())));
}

// Leading size-1 dims of a value are dropped before it broadcasts (NumPy's rule).
DimVec strip_leading_ones(const DimVec& s) {
  size_t k = 0;
  while (k < s.size() && s[k] == 1) ++k;
  return DimVec(s.begin() + k, s.end());
}

// torch's copy_to: dst[...] = src for basic indexing.
void copy_to(Tensor dst, const Tensor& src) {
  if (dst.sizes() == src.sizes()) {
    copy_(dst, src);
  } else if (src.dim() == 0) {
    fill_(dst, src);  // FillBackward3 passes the gradient to a 0-dim value that needs one
  } else {
    Tensor v = src.dim() == 0 ? src : view(src, strip_leading_ones(src.sizes()));
    Tensor e = expand(v, dst.sizes());
    copy_(dst, e);
  }
}

void setitem(const Tensor& self_in, py::handle index, py::handle value_obj) {
  Tensor self = self_in;
  Tensor value = value_to_tensor(self, value_obj);
  PyObject* o = index.ptr();
  if (o == Py_False) return;
  if (o == Py_Ellipsis) return copy_to(self, value);
  if (o == Py_None || o == Py_True) return copy_to(unsqueeze(self, 0), value);
  if (PyLong_Check(o) && !PyBool_Check(o)) return copy_to(apply_select(self, 0, unpack_long(o), 0), value);
  if (PySlice_Check(o)) return copy_to(apply_slice(self, 0, slice_item(o), true), value);
  py::tuple tup = wrap_tuple(index);
  std::vector<Tensor> idx;
  Tensor sliced = apply_slicing(self, tup, idx);
  if (idx.empty()) return copy_to(sliced, value);
  DimVec vs = strip_leading_ones(value.sizes());
  Tensor values = vs == value.sizes() ? value : view(value, vs);
  strip_trailing_undefined(idx);
  index_put_(sliced, idx, values, false);
}

// A Python number as a wrapped 0-dim tensor, or a Tensor.
Tensor value_arg(py::handle h, const char* op) {
  Tensor t;
  if (!to_operand(h, t))
    throw TypeError(str_cat(op, "(): argument 'value' must be Number or Tensor, not ", Py_TYPE(h.ptr())->tp_name));
  return t;
}

std::vector<Tensor> tensor_list_arg(py::handle seq, const char* op) {
  std::vector<Tensor> r;
  if (!PySequence_Check(seq.ptr()) || is_tensor(seq))
    throw TypeError(str_cat(op, "(): argument 'indices' must be tuple of Tensors, not ", Py_TYPE(seq.ptr())->tp_name));
  int64_t i = 0;
  for (py::handle h : seq) {
    if (!is_tensor(h))
      throw TypeError(str_cat("expected Tensor as element ", i, " in argument 1, but got ", Py_TYPE(h.ptr())->tp_name));
    r.push_back(h.cast<Tensor>());
    ++i;
  }
  return r;
}

// scatter's reduce= (torch warns once that it is deprecated for a Tensor src).
std::string reduce_arg(py::handle h, const Tensor& src) {
  if (h.is_none()) return std::string();
  static bool warned = false;
  if (!src.is_wrapped_number() && !warned) {
    warned = true;
    if (PyErr_WarnEx(PyExc_UserWarning,
                     "The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a "
                     "future PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
                     1) != 0)
      throw py::error_already_set();
  }
  return h.cast<std::string>();
}

// scatter's third argument: `src` (a Tensor) or `value` (a number).
Tensor scatter_source(py::handle src, py::handle value, const char* op) {
  if (!src.is_none() && !value.is_none()) throw TypeError(str_cat(op, "() got both 'src' and 'value'"));
  py::handle h = src.is_none() ? value : src;
  if (h.is_none()) throw TypeError(str_cat(op, "() missing required argument 'src' or 'value'"));
  Tensor t;
  if (!to_operand(h, t))
    throw TypeError(str_cat(op, "(): argument 'src' must be Tensor or Number, not ", Py_TYPE(h.ptr())->tp_name));
  return t;
}


// Note [Op table]: the index rows (sparse_grad is accepted; gradients are always dense).
const OpRow kIndexRows[] = {
    {"gather(Tensor self, int dim, Tensor index, *, bool sparse_grad=False) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return gather(a.tensor(0), a.int64(1), a.tensor(2)); }},
    {"index_select(Tensor self, int dim, Tensor index) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return index_select(a.tensor(0), a.int64(1), a.tensor(2)); }},
};

}  // namespace

void init_index(py::module_& m, TensorClass& cls) {
  cls.def("__getitem__", [](const Tensor& self, py::handle index) { return getitem(self, index); });
  // Note [Per-op cost]: `t[i]` comes straight from the interpreter's subscript slot;
  // __getitem__ above stays for introspection and explicit calls.
  auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  type->tp_as_mapping->mp_subscript = [](PyObject* self, PyObject* index) -> PyObject* {
    try {
      Tensor t;
      if (!load_tensor(self, t)) throw TypeError("__getitem__ needs an initialized Tensor");
      return wrap_tensor(getitem(t, index).release_impl());
    } catch (...) {
      py::detail::try_translate_exceptions();
      return nullptr;
    }
  };
  PyType_Modified(type);
  cls.def("__setitem__", [](const Tensor& self, py::handle index, py::handle value) { setitem(self, index, value); });
  cls.def("__delitem__", [](const Tensor&, py::handle) { throw TypeError("Tensor does not support deleting items"); });

  def_both(m, cls, "scatter", [](const Tensor& a, int64_t dim, const Tensor& index, py::handle src, py::handle value,
                                 py::handle reduce) {
    Tensor source = scatter_source(src, value, "scatter");
    return scatter(a, dim, index, source, reduce_arg(reduce, source));
  }, py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::arg("value") = py::none(), py::kw_only(),
     py::arg("reduce") = py::none());
  cls.def("scatter_", [](py::object self, int64_t dim, const Tensor& index, py::handle src, py::handle value,
                         py::handle reduce) {
    Tensor a = self.cast<Tensor>();
    Tensor source = scatter_source(src, value, "scatter_");
    scatter_(a, dim, index, source, reduce_arg(reduce, source));
    return self;
  }, py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::arg("value") = py::none(), py::kw_only(),
     py::arg("reduce") = py::none());
  def_both(m, cls, "scatter_add", [](const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src) {
    return scatter_add(a, dim, index, src);
  }, py::arg("dim"), py::arg("index"), py::arg("src"));
  cls.def("scatter_add_", [](py::object self, int64_t dim, const Tensor& index, const Tensor& src) {
    Tensor a = self.cast<Tensor>();
    scatter_add_(a, dim, index, src);
    return self;
  }, py::arg("dim"), py::arg("index"), py::arg("src"));
  def_rows(m, cls, kIndexRows);
  def_both(m, cls, "index_add", [](const Tensor& a, int64_t dim, const Tensor& index, const Tensor& source,
                                   double alpha) { return index_add(a, dim, index, source, alpha); },
           py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(), py::arg("alpha") = 1.0);
  cls.def("index_add_", [](py::object self, int64_t dim, const Tensor& index, const Tensor& source, double alpha) {
    Tensor a = self.cast<Tensor>();
    index_add_(a, dim, index, source, alpha);
    return self;
  }, py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(), py::arg("alpha") = 1.0);
  def_both(m, cls, "masked_fill", [](const Tensor& a, const Tensor& mask, py::handle value) {
    return masked_fill(a, mask, value_arg(value, "masked_fill"));
  }, py::arg("mask"), py::arg("value"));
  cls.def("masked_fill_", [](py::object self, const Tensor& mask, py::handle value) {
    Tensor a = self.cast<Tensor>();
    masked_fill_(a, mask, value_arg(value, "masked_fill_"));
    return self;
  }, py::arg("mask"), py::arg("value"));
  def_both(m, cls, "masked_select", [](const Tensor& a, const Tensor& mask) { return masked_select(a, mask); },
           py::arg("mask"));
  def_both(m, cls, "nonzero", [](const Tensor& a, bool as_tuple) -> py::object {
    Tensor nz = nonzero(a);
    if (!as_tuple) return py::cast(nz);
    if (a.dim() == 0) return py::make_tuple(select(nonzero(reshape(a, {1})), 1, 0));  // 0-dim reads as 1-D
    py::tuple r(a.dim());
    for (int64_t j = 0; j < a.dim(); ++j) r[j] = py::cast(select(nz, 1, j));
    return std::move(r);
  }, py::kw_only(), py::arg("as_tuple") = false);
  def_both(m, cls, "argwhere", [](const Tensor& a) { return nonzero(a); });
  def_both(m, cls, "take", [](const Tensor& a, const Tensor& index) { return take(a, index); }, py::arg("index"));
  def_both(m, cls, "take_along_dim", [](const Tensor& a, const Tensor& indices, std::optional<int64_t> dim) {
    return take_along_dim(a, indices, dim);
  }, py::arg("indices"), py::arg("dim") = py::none());
  def_both(m, cls, "index_put", [](const Tensor& a, py::handle indices, const Tensor& values, bool accumulate) {
    return index_put(a, tensor_list_arg(indices, "index_put"), values, accumulate);
  }, py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);
  cls.def("index_put_", [](py::object self, py::handle indices, const Tensor& values, bool accumulate) {
    Tensor a = self.cast<Tensor>();
    index_put_(a, tensor_list_arg(indices, "index_put_"), values, accumulate);
    return self;
  }, py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);
}

}  // namespace pag::py_bind
