// Bindings for ops/reduce.cpp, with torch's overloads (pybind11 tries them in order).
#include <string_view>

#include "bindings/common.h"

namespace pag::py_bind {
namespace {

// One dim (see load_dim).
struct DimArg {
  int64_t v = 0;
};
// Dims: an int or a sequence of ints (None is spelled std::optional<DimsArg>).
struct DimsArg {
  DimVec v;
};
// A flag (keepdim, unbiased): True or False only, as torch's parser (pybind's bool takes any truthy object).
struct Flag {
  bool v = false;
  operator bool() const { return v; }
};

}  // namespace
}  // namespace pag::py_bind

namespace pybind11::detail {

// An int for a dim: a Python int or anything with __index__ (numpy integers), never a bool
// or a tensor (the dim overloads would otherwise swallow max(other)).
inline bool load_dim(handle src, int64_t& out) {
  PyObject* o = src.ptr();
  if (PyBool_Check(o) || PyFloat_Check(o) || pag::py_bind::is_tensor(src) || !PyIndex_Check(o)) return false;
  Py_ssize_t v = PyNumber_AsSsize_t(o, PyExc_OverflowError);
  if (v == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    return false;
  }
  out = (int64_t)v;
  return true;
}

template <>
struct type_caster<pag::py_bind::DimArg> {
  PYBIND11_TYPE_CASTER(pag::py_bind::DimArg, const_name("int"));
  bool load(handle src, bool) { return load_dim(src, value.v); }
  static handle cast(const pag::py_bind::DimArg& d, return_value_policy, handle) { return int_(d.v).release(); }
};

template <>
struct type_caster<pag::py_bind::DimsArg> {
  PYBIND11_TYPE_CASTER(pag::py_bind::DimsArg, const_name("int | Sequence[int]"));
  bool load(handle src, bool) {
    value.v.clear();
    int64_t d;
    if (load_dim(src, d)) {
      value.v.push_back(d);
      return true;
    }
    if (!PyTuple_Check(src.ptr()) && !PyList_Check(src.ptr())) return false;  // Size is a tuple
    for (handle x : reinterpret_borrow<sequence>(src)) {
      if (!load_dim(x, d)) return false;
      value.v.push_back(d);
    }
    return true;
  }
  static handle cast(const pag::py_bind::DimsArg& d, return_value_policy, handle) {
    return make_caster<pag::DimVec>::cast(d.v, return_value_policy::move, handle());
  }
};

template <>
struct type_caster<pag::py_bind::Flag> {
  PYBIND11_TYPE_CASTER(pag::py_bind::Flag, const_name("bool"));
  bool load(handle src, bool) {
    if (src.ptr() == Py_True) value.v = true;
    else if (src.ptr() == Py_False) value.v = false;
    else return false;
    return true;
  }
  static handle cast(const pag::py_bind::Flag& f, return_value_policy, handle) { return bool_(f.v).release(); }
};

}  // namespace pybind11::detail

namespace pag::py_bind {
namespace {

using OptDim = std::optional<DimArg>;
using OptDimsArg = std::optional<DimsArg>;
using OptDtype = std::optional<Dtype>;

// torch.return_types.<name>(values, indices): a tuple subclass from pyautograd/return_types.py,
// built by tuple's own constructor (its Python __new__ only validates user calls).
py::object values_indices(const char* name, const std::pair<Tensor, Tensor>& r) {
  static py::handle mod = py::module_::import("pyautograd.return_types").release();  // kept for the process
  static py::handle max_cls = py::object(mod.attr("max")).release(), min_cls = py::object(mod.attr("min")).release();
  py::handle cls = std::string_view(name) == "max" ? max_cls : min_cls;
  py::tuple args = py::make_tuple(py::make_tuple(r.first, r.second));
  PyObject* o = PyTuple_Type.tp_new(reinterpret_cast<PyTypeObject*>(cls.ptr()), args.ptr(), nullptr);
  if (!o) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(o);
}

OptDims dims_or_all(const OptDimsArg& d) { return d ? OptDims(d->v) : std::nullopt; }


template <typename F>
void def_var_like(py::module_& m, TensorClass& cls, const char* name, F f) {
  // (Flag unbiased)
  def_both(m, cls, name, [f](const Tensor& a, Flag unbiased) { return f(a, std::nullopt, unbiased ? 1.0 : 0.0, false); },
           py::arg("unbiased"));
  // (dims, Flag unbiased, Flag keepdim=False)
  def_both(m, cls, name, [f](const Tensor& a, OptDimsArg dim, Flag unbiased, Flag keepdim) {
    return f(a, dims_or_all(dim), unbiased ? 1.0 : 0.0, keepdim);
  }, py::arg("dim"), py::arg("unbiased"), py::arg("keepdim") = py::bool_(false));
  // (dims=None, *, correction=None, keepdim=False)
  def_both(m, cls, name, [f](const Tensor& a, OptDimsArg dim, std::optional<double> correction, Flag keepdim) {
    return f(a, dims_or_all(dim), correction.value_or(1.0), keepdim);
  }, py::arg("dim") = py::none(), py::kw_only(), py::arg("correction") = py::none(), py::arg("keepdim") = py::bool_(false));
}

template <typename Reduce, typename ReduceDim, typename Binary>
void def_max_like(py::module_& m, TensorClass& cls, const char* name, Reduce all, ReduceDim along, Binary binary) {
  def_both(m, cls, name, [all](const Tensor& a) { return all(a); });
  def_both(m, cls, name, [binary](const Tensor& a, const Tensor& other) { return binary(a, other); }, py::arg("other"));
  def_both(m, cls, name, [name, along](const Tensor& a, DimArg dim, Flag keepdim) {
    return values_indices(name, along(a, dim.v, keepdim));
  }, py::arg("dim"), py::arg("keepdim") = py::bool_(false));
}

// numpy's spellings torch also accepts (axis=, keepdims=): registered last, so it runs
// only when no overload matched; it renames them and calls again, and otherwise raises
// torch's TypeError for the call (Note [Argument errors]).
void def_numpy_aliases(py::module_& m, TensorClass& cls, const char* name) {
  auto renamed = [](const py::kwargs& kw) -> std::optional<py::dict> {
    py::dict out;
    bool any = false;
    for (auto [k, v] : kw) {
      std::string key = py::str(k);
      if (key == "axis") { key = "dim"; any = true; }
      else if (key == "keepdims") { key = "keepdim"; any = true; }
      if (out.contains(key.c_str())) any = false;  // both spellings given
      out[key.c_str()] = v;
    }
    if (!any) return std::nullopt;
    return out;
  };
  cls.def(name, [name, renamed](py::object self, py::args args, py::kwargs kw) {
    auto r = renamed(kw);
    if (!r) raise_arg_error(name, true, args, kw);
    return self.attr(name)(*args, **(*r));
  });
  py::object mod = m;
  m.def(name, [name, renamed, mod](py::args args, py::kwargs kw) {
    auto r = renamed(kw);
    if (!r) raise_arg_error(name, false, args, kw);
    return mod.attr(name)(*args, **(*r));
  });
}

}  // namespace

void init_reduce(py::module_& m, TensorClass& cls) {
  // sum / mean: no dim is the full reduction (SumBackward0); dim=None or [] is the dim-list
  // overload reducing everything (SumBackward1), as in torch.
  def_both(m, cls, "sum", [](const Tensor& a, OptDtype dtype) { return sum(a, std::nullopt, false, dtype); },
           py::kw_only(), py::arg("dtype") = py::none());
  def_both(m, cls, "sum", [](const Tensor& a, OptDimsArg dim, Flag keepdim, OptDtype dtype) {
    return sum(a, dim ? dim->v : DimVec{}, keepdim, dtype);
  }, py::arg("dim"), py::arg("keepdim") = py::bool_(false), py::kw_only(), py::arg("dtype") = py::none());
  def_both(m, cls, "mean", [](const Tensor& a, OptDtype dtype) { return mean(a, std::nullopt, false, dtype); },
           py::kw_only(), py::arg("dtype") = py::none());
  def_both(m, cls, "mean", [](const Tensor& a, OptDimsArg dim, Flag keepdim, OptDtype dtype) {
    return mean(a, dim ? dim->v : DimVec{}, keepdim, dtype);
  }, py::arg("dim"), py::arg("keepdim") = py::bool_(false), py::kw_only(), py::arg("dtype") = py::none());

  def_both(m, cls, "prod", [](const Tensor& a, OptDtype dtype) { return prod(a, std::nullopt, false, dtype); },
           py::kw_only(), py::arg("dtype") = py::none());
  def_both(m, cls, "prod", [](const Tensor& a, DimArg dim, Flag keepdim, OptDtype dtype) {
    return prod(a, dim.v, keepdim, dtype);
  }, py::arg("dim"), py::arg("keepdim") = py::bool_(false), py::kw_only(), py::arg("dtype") = py::none());

  // amax / amin: dim=() (or None) reduces every dim.
  def_both(m, cls, "amax", [](const Tensor& a, OptDimsArg dim, Flag keepdim) { return amax(a, dims_or_all(dim), keepdim); },
           py::arg("dim") = py::tuple(), py::arg("keepdim") = py::bool_(false));
  def_both(m, cls, "amin", [](const Tensor& a, OptDimsArg dim, Flag keepdim) { return amin(a, dims_or_all(dim), keepdim); },
           py::arg("dim") = py::tuple(), py::arg("keepdim") = py::bool_(false));

  // max / min: () -> 0-dim, (other) -> maximum, (dim, keepdim) -> return_types.max(values, indices)
  def_max_like(m, cls, "max", [](const Tensor& a) { return max_all(a); }, max_dim,
               [](const Tensor& a, const Tensor& b) { return maximum(a, b); });
  def_max_like(m, cls, "min", [](const Tensor& a) { return min_all(a); }, min_dim,
               [](const Tensor& a, const Tensor& b) { return minimum(a, b); });
  def_both(m, cls, "argmax", [](const Tensor& a, OptDim dim, Flag keepdim) {
    return argmax(a, dim ? std::optional<int64_t>(dim->v) : std::nullopt, keepdim);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = py::bool_(false));
  def_both(m, cls, "argmin", [](const Tensor& a, OptDim dim, Flag keepdim) {
    return argmin(a, dim ? std::optional<int64_t>(dim->v) : std::nullopt, keepdim);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = py::bool_(false));

  def_var_like(m, cls, "var", [](const Tensor& a, OptDims d, double c, bool k) { return var(a, d, c, k); });
  def_var_like(m, cls, "std", [](const Tensor& a, OptDims d, double c, bool k) { return std_(a, d, c, k); });

  // any / all: dim=None reduces every dim; an empty tuple reduces none (torch).
  def_both(m, cls, "any", [](const Tensor& a, OptDimsArg dim, Flag keepdim) { return any(a, dims_or_all(dim), keepdim); },
           py::arg("dim") = py::none(), py::arg("keepdim") = py::bool_(false));
  def_both(m, cls, "all", [](const Tensor& a, OptDimsArg dim, Flag keepdim) { return all(a, dims_or_all(dim), keepdim); },
           py::arg("dim") = py::none(), py::arg("keepdim") = py::bool_(false));

  def_both(m, cls, "logsumexp", [](const Tensor& a, DimsArg dim, Flag keepdim) { return logsumexp(a, dim.v, keepdim); },
           py::arg("dim"), py::arg("keepdim") = py::bool_(false));
  def_both(m, cls, "softmax", [](const Tensor& a, DimArg dim, OptDtype dtype) {
    return softmax(a, dim.v, dtype);
  }, py::arg("dim"), py::arg("dtype") = py::none());
  def_both(m, cls, "log_softmax", [](const Tensor& a, DimArg dim, OptDtype dtype) {
    return log_softmax(a, dim.v, dtype);
  }, py::arg("dim"), py::arg("dtype") = py::none());
  def_both(m, cls, "cumsum", [](const Tensor& a, DimArg dim, OptDtype dtype) {
    return cumsum(a, dim.v, dtype);
  }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());

  for (const char* name : {"sum", "mean", "prod", "amax", "amin", "max", "min", "argmax", "argmin", "var", "std", "any",
                           "all", "logsumexp", "softmax", "log_softmax", "cumsum"})
    def_numpy_aliases(m, cls, name);
}

}  // namespace pag::py_bind
