// Bindings for ops/linalg.cpp.
#include "bindings/common.h"

namespace pag::py_bind {

void init_linalg(py::module_& m, TensorClass& cls) { (void)m; (void)cls; }

}  // namespace pag::py_bind
