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

// scatter's reduce= with a Tensor src (torch warns once that it is deprecated).
void warn_scatter_reduce() {
  static bool warned = false;
  if (warned) return;
  warned = true;
  if (PyErr_WarnEx(PyExc_UserWarning,
                   "The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a "
                   "future PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
                   1) != 0)
    throw py::error_already_set();
}

// A Scalar value (masked_fill, scatter) as a wrapped number; a complex one converts to
// self's dtype only without an imaginary part, as torch's.
Tensor scalar_arg(const Args& a, int i, const Tensor& self) {
  PyObject* o = a.v[i];
  if (!PyComplex_Check(o)) return a.tensor(i);
  if (PyComplex_ImagAsDouble(o) != 0.0 && self.dtype() != Dtype::Bool)
    throw Error(str_cat("value cannot be converted to type ", cpp_type_name(self.dtype()), " without overflow"));
  Tensor t;
  to_operand(py::float_(PyComplex_RealAsDouble(o)), t);
  return t;
}

Tensor scatter_row(const Args& a, bool inplace, bool reduce) {
  Tensor self = a.tensor(0), index = a.tensor(2), src = scalar_arg(a, 3, self);
  std::string r = reduce ? a.str(4) : std::string();
  if (reduce && !src.is_wrapped_number()) warn_scatter_reduce();
  if (!inplace) return scatter(self, a.int64(1), index, src, r);
  scatter_(self, a.int64(1), index, src, r);
  return self;
}

// index_add's alpha (a Scalar): a complex one converts only without an imaginary part.
double alpha_arg(const Args& a, int i, const Tensor& self) {
  PyObject* o = a.v[i];
  if (o && PyComplex_Check(o)) {
    if (PyComplex_ImagAsDouble(o) != 0.0)
      throw Error(str_cat("value cannot be converted to type ", cpp_type_name(self.dtype()), " without overflow"));
    return PyComplex_RealAsDouble(o);
  }
  return a.float64(i);
}

// The out= dtype checks of the ops whose messages are their own, not the structured kernels'.
void same_dtype_as_out(const Args& a, const Tensor& self, const char* op) {
  if (a.out < 0 || !a.given(a.out)) return;
  Dtype o = a.tensor(a.out).dtype();
  if (o == self.dtype()) return;
  if (std::string_view(op) == "take")
    throw Error(str_cat("take(): self and out expected to have the same dtype, but got self.dtype = ",
                        scalar_type_name(self.dtype()), " and out.dtype = ", scalar_type_name(o)));
  throw Error(str_cat(op, "(): self and result must have the same scalar type"));
}

// nonzero's as_tuple: one 1-D index tensor per dim (a 0-dim tensor reads as 1-D).
py::object nonzero_row(const Args& a, bool as_tuple) {
  Tensor x = a.tensor(0);
  if (a.out >= 0 && a.given(a.out)) {
    if (as_tuple) throw Error("nonzero does not support the out kwarg when as_tuple is True");
    Dtype o = a.tensor(a.out).dtype();
    if (o != Dtype::Int64)
      throw Error(str_cat("nonzero: Expected out tensor to have scalar type Long but got scalar type",
                          scalar_type_name(o)));
  }
  Tensor nz = nonzero(x);
  if (!as_tuple) return py::cast(nz);
  if (x.dim() == 0) return py::make_tuple(select(nonzero(reshape(x, {1})), 1, 0));
  py::tuple r(x.dim());
  for (int64_t j = 0; j < x.dim(); ++j) r[j] = py::cast(select(nz, 1, j));
  return std::move(r);
}

// Note [Op table]: the index rows, with torch's overloads in torch's order (sparse_grad
// is accepted; gradients are always dense). An in-place row returns self itself.
const OpRow kIndexRows[] = {
    {"gather(Tensor self, int dim, Tensor index, *, bool sparse_grad=False) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return gather(a.tensor(0), a.int64(1), a.tensor(2)); }},
    {"index_select(Tensor self, int dim, Tensor index) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) {
       same_dtype_as_out(a, a.tensor(0), "index_select");
       return index_select(a.tensor(0), a.int64(1), a.tensor(2));
     }},
    {"scatter.src(Tensor self, int dim, Tensor index, Tensor src) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return scatter_row(a, false, false); }},
    {"scatter.reduce(Tensor self, int dim, Tensor index, Tensor src, *, str reduce) -> Tensor",
     kFunction | kMethod | kOut, [](const Args& a) { return scatter_row(a, false, true); }},
    {"scatter.value(Tensor self, int dim, Tensor index, Scalar value) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return scatter_row(a, false, false); }},
    {"scatter.value_reduce(Tensor self, int dim, Tensor index, Scalar value, *, str reduce) -> Tensor",
     kFunction | kMethod | kOut, [](const Args& a) { return scatter_row(a, false, true); }},
    {"scatter_.src(Tensor(a!) self, int dim, Tensor index, Tensor src) -> Tensor(a!)", kMethod,
     [](const Args& a) { return scatter_row(a, true, false); }},
    {"scatter_.reduce(Tensor(a!) self, int dim, Tensor index, Tensor src, *, str reduce) -> Tensor(a!)", kMethod,
     [](const Args& a) { return scatter_row(a, true, true); }},
    {"scatter_.value(Tensor(a!) self, int dim, Tensor index, Scalar value) -> Tensor(a!)", kMethod,
     [](const Args& a) { return scatter_row(a, true, false); }},
    {"scatter_.value_reduce(Tensor(a!) self, int dim, Tensor index, Scalar value, *, str reduce) -> Tensor(a!)",
     kMethod, [](const Args& a) { return scatter_row(a, true, true); }},
    {"scatter_add(Tensor self, int dim, Tensor index, Tensor src) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return scatter_add(a.tensor(0), a.int64(1), a.tensor(2), a.tensor(3)); }},
    {"scatter_add_(Tensor(a!) self, int dim, Tensor index, Tensor src) -> Tensor(a!)", kMethod,
     [](const Args& a) {
       Tensor self = a.tensor(0);
       scatter_add_(self, a.int64(1), a.tensor(2), a.tensor(3));
       return self;
     }},
    {"index_add(Tensor self, int dim, Tensor index, Tensor source, *, Scalar alpha=1) -> Tensor",
     kFunction | kMethod | kOut,
     [](const Args& a) {
       Tensor self = a.tensor(0);
       return index_add(self, a.int64(1), a.tensor(2), a.tensor(3), alpha_arg(a, 4, self));
     }},
    {"index_add_(Tensor(a!) self, int dim, Tensor index, Tensor source, *, Scalar alpha=1) -> Tensor(a!)", kMethod,
     [](const Args& a) {
       Tensor self = a.tensor(0);
       index_add_(self, a.int64(1), a.tensor(2), a.tensor(3), alpha_arg(a, 4, self));
       return self;
     }},
    {"masked_fill.Tensor(Tensor self, Tensor mask, Tensor value) -> Tensor", kFunction | kMethod,
     [](const Args& a) { return masked_fill(a.tensor(0), a.tensor(1), a.tensor(2)); }},
    {"masked_fill.Scalar(Tensor self, Tensor mask, Scalar value) -> Tensor", kFunction | kMethod,
     [](const Args& a) {
       Tensor self = a.tensor(0);
       return masked_fill(self, a.tensor(1), scalar_arg(a, 2, self));
     }},
    {"masked_fill_.Tensor(Tensor(a!) self, Tensor mask, Tensor value) -> Tensor(a!)", kMethod,
     [](const Args& a) {
       Tensor self = a.tensor(0);
       masked_fill_(self, a.tensor(1), a.tensor(2));
       return self;
     }},
    {"masked_fill_.Scalar(Tensor(a!) self, Tensor mask, Scalar value) -> Tensor(a!)", kMethod,
     [](const Args& a) {
       Tensor self = a.tensor(0);
       masked_fill_(self, a.tensor(1), scalar_arg(a, 2, self));
       return self;
     }},
    {"masked_select(Tensor self, Tensor mask) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) {
       same_dtype_as_out(a, a.tensor(0), "masked_select");
       return masked_select(a.tensor(0), a.tensor(1));
     }},
    // torch's nonzero is written by hand: one function signature with as_tuple and out=,
    // and two method ones (nonzero() and nonzero(*, bool as_tuple)).
    {"nonzero(Tensor self, *, bool as_tuple=False) -> Tensor", kFunction | kOut | kNoGrad,
     [](const Args& a) { return nonzero_row(a, a.boolean(1)); }},
    {"nonzero(Tensor self) -> Tensor", kMethod, [](const Args& a) { return nonzero(a.tensor(0)); }},
    {"nonzero(Tensor self, *, bool as_tuple) -> Tensor", kMethod,
     [](const Args& a) { return nonzero_row(a, a.boolean(1)); }},
    {"argwhere(Tensor self) -> Tensor", kFunction | kMethod, [](const Args& a) { return nonzero(a.tensor(0)); }},
    {"take(Tensor self, Tensor index) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) {
       same_dtype_as_out(a, a.tensor(0), "take");
       return take(a.tensor(0), a.tensor(1));
     }},
    {"take_along_dim(Tensor self, Tensor indices, int? dim=None) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return take_along_dim(a.tensor(0), a.tensor(1), a.opt_int64(2)); }},
    {"index_put(Tensor self, Tensor?[] indices, Tensor values, bool accumulate=False) -> Tensor",
     kFunction | kMethod,
     [](const Args& a) { return index_put(a.tensor(0), a.tensor_list(1), a.tensor(2), a.boolean(3)); }},
    {"index_put_(Tensor(a!) self, Tensor?[] indices, Tensor values, bool accumulate=False) -> Tensor(a!)",
     kFunction | kMethod,
     [](const Args& a) {
       Tensor self = a.tensor(0);
       index_put_(self, a.tensor_list(1), a.tensor(2), a.boolean(3));
       return self;
     }},
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

  def_rows(m, cls, kIndexRows);
}

}  // namespace pag::py_bind
