// Bindings for ops/reduce.cpp.
#include "bindings/common.h"

namespace pag::py_bind {

void init_reduce(py::module_& m, TensorClass& cls) {
  def_both(m, cls, "sum", [](const Tensor& a, py::object dim, bool keepdim, py::object dtype) {
    return sum(a, parse_dims(dim), keepdim, opt_dtype(dtype));
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  def_both(m, cls, "mean", [](const Tensor& a, py::object dim, bool keepdim, py::object dtype) {
    return mean(a, parse_dims(dim), keepdim, opt_dtype(dtype));
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
}

}  // namespace pag::py_bind
