// Bindings for ops/index.cpp.
#include "bindings/common.h"

namespace pag::py_bind {

void init_index(py::module_& m, TensorClass& cls) { (void)m; (void)cls; }

}  // namespace pag::py_bind
