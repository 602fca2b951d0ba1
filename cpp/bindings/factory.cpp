// Bindings for ops/factory.cpp (the Python signatures live in pyautograd/_creation.py).
#include "bindings/common.h"

namespace pag::py_bind {

void init_factory(py::module_& m, TensorClass& cls) {
  (void)cls;
  m.def("_full", [](const DimVec& sizes, py::handle v, Dtype d) {
    Tensor t;
    if (!to_operand(v, t)) throw TypeError("full(): fill_value must be a number");
    if (d == Dtype::Int64 || d == Dtype::Bool) {
      if (t.dtype() == Dtype::Float64 && !is_floating(d)) return full(sizes, t.item_double(), d);
      Tensor out = empty(sizes, d);
      fill_(out, t);
      return out;
    }
    return full(sizes, t.item_double(), d);
  });
  m.def("_arange", &arange);
  m.def("_linspace", &linspace);
  m.def("_eye", &eye);
}

}  // namespace pag::py_bind
