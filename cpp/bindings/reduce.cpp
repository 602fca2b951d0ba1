// Bindings for ops/reduce.cpp: the reductions' rows of the op table.
#include <string_view>

#include "bindings/arg_parser.h"
#include "bindings/common.h"

namespace pag::py_bind {
namespace {

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

// An `int[1]? dim` or `int[]? dim` argument: None (or absent) reduces every dim.
OptDims dims_arg(const Args& a, int i) { return a.given(i) ? OptDims(a.int_list(i)) : std::nullopt; }
// var / std's correction: the `Scalar? correction` argument, or `bool unbiased`.
double correction_arg(const Args& a, int i) { return a.given(i) ? a.float64(i) : 1.0; }

// Note [Op table]: the reductions, in torch's overload order (which is also the order
// torch's messages list them). A schema without dims (sum(Tensor self)) is the full
// reduction (SumBackward0); dim=None or [] in the dim-list overload reduces every dim
// too, under the dim-list node (SumBackward1), as in torch.
const OpRow kReduceRows[] = {
    {"sum(Tensor self, *, ScalarType? dtype=None) -> Tensor", kFunction | kMethod,
     [](const Args& a) { return sum(a.tensor(0), std::nullopt, false, a.dtype(1)); }},
    {"sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
     kFunction | kMethod | kOut,
     [](const Args& a) { return sum(a.tensor(0), a.given(1) ? a.int_list(1) : DimVec{}, a.boolean(2), a.dtype_or_out(3)); }},
    {"mean(Tensor self, *, ScalarType? dtype=None) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return mean(a.tensor(0), std::nullopt, false, a.dtype_or_out(1)); }},
    {"mean.dim(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
     kFunction | kMethod | kOut,
     [](const Args& a) { return mean(a.tensor(0), a.given(1) ? a.int_list(1) : DimVec{}, a.boolean(2), a.dtype_or_out(3)); }},
    {"prod(Tensor self, *, ScalarType? dtype=None) -> Tensor", kFunction | kMethod,
     [](const Args& a) { return prod(a.tensor(0), std::nullopt, false, a.dtype(1)); }},
    {"prod.dim_int(Tensor self, int dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
     kFunction | kMethod | kOut,
     [](const Args& a) { return prod(a.tensor(0), a.int64(1), a.boolean(2), a.dtype_or_out(3)); }},

    {"amax(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return amax(a.tensor(0), dims_arg(a, 1), a.boolean(2)); }},
    {"amin(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return amin(a.tensor(0), dims_arg(a, 1), a.boolean(2)); }},
    {"max(Tensor self) -> Tensor", kFunction | kMethod | kOut, [](const Args& a) { return max_all(a.tensor(0)); }},
    {"max.other(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return maximum(a.tensor(0), a.tensor(1)); }},
    {"max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)", kFunction | kMethod | kOut,
     [](const Args& a) { return values_indices("max", max_dim(a.tensor(0), a.int64(1), a.boolean(2))); }},
    {"min(Tensor self) -> Tensor", kFunction | kMethod | kOut, [](const Args& a) { return min_all(a.tensor(0)); }},
    {"min.other(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return minimum(a.tensor(0), a.tensor(1)); }},
    {"min.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)", kFunction | kMethod | kOut,
     [](const Args& a) { return values_indices("min", min_dim(a.tensor(0), a.int64(1), a.boolean(2))); }},
    {"argmax(Tensor self, int? dim=None, bool keepdim=False) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return argmax(a.tensor(0), a.opt_int64(1), a.boolean(2)); }},
    {"argmin(Tensor self, int? dim=None, bool keepdim=False) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return argmin(a.tensor(0), a.opt_int64(1), a.boolean(2)); }},

    {"var.dim(Tensor self, int[1]? dim, bool unbiased=True, bool keepdim=False) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return var(a.tensor(0), dims_arg(a, 1), a.boolean(2) ? 1.0 : 0.0, a.boolean(3)); }},
    {"var.correction(Tensor self, int[1]? dim=None, *, Scalar? correction=None, bool keepdim=False) -> Tensor",
     kFunction | kMethod | kOut,
     [](const Args& a) { return var(a.tensor(0), dims_arg(a, 1), correction_arg(a, 2), a.boolean(3)); }},
    {"var(Tensor self, bool unbiased=True) -> Tensor", kFunction | kMethod,
     [](const Args& a) { return var(a.tensor(0), std::nullopt, a.boolean(1) ? 1.0 : 0.0, false); }},
    {"std.dim(Tensor self, int[1]? dim, bool unbiased=True, bool keepdim=False) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return std_(a.tensor(0), dims_arg(a, 1), a.boolean(2) ? 1.0 : 0.0, a.boolean(3)); }},
    {"std.correction(Tensor self, int[1]? dim=None, *, Scalar? correction=None, bool keepdim=False) -> Tensor",
     kFunction | kMethod | kOut,
     [](const Args& a) { return std_(a.tensor(0), dims_arg(a, 1), correction_arg(a, 2), a.boolean(3)); }},
    {"std(Tensor self, bool unbiased=True) -> Tensor", kFunction | kMethod,
     [](const Args& a) { return std_(a.tensor(0), std::nullopt, a.boolean(1) ? 1.0 : 0.0, false); }},

    // any / all: dim=None reduces every dim; an empty tuple reduces none (torch).
    {"any(Tensor self) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return any(a.tensor(0), std::nullopt, false); }},
    {"any.dims(Tensor self, int[]? dim=None, bool keepdim=False) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return any(a.tensor(0), dims_arg(a, 1), a.boolean(2)); }},
    {"any.dim(Tensor self, int dim, bool keepdim=False) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return any(a.tensor(0), DimVec{a.int64(1)}, a.boolean(2)); }},
    {"all(Tensor self) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return all(a.tensor(0), std::nullopt, false); }},
    {"all.dims(Tensor self, int[]? dim=None, bool keepdim=False) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return all(a.tensor(0), dims_arg(a, 1), a.boolean(2)); }},
    {"all.dim(Tensor self, int dim, bool keepdim=False) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return all(a.tensor(0), DimVec{a.int64(1)}, a.boolean(2)); }},

    {"logsumexp(Tensor self, int[1] dim, bool keepdim=False) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return logsumexp(a.tensor(0), a.int_list(1), a.boolean(2)); }},
    {"softmax.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return softmax(a.tensor(0), a.int64(1), a.dtype(2)); }},
    {"log_softmax.int(Tensor self, int dim, ScalarType? dtype=None) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return log_softmax(a.tensor(0), a.int64(1), a.dtype(2)); }},
    {"cumsum(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return cumsum(a.tensor(0), a.int64(1), a.dtype_or_out(2)); }},
};

}  // namespace

void init_reduce(py::module_& m, TensorClass& cls) { def_rows(m, cls, kReduceRows); }

}  // namespace pag::py_bind
