// Bindings for the random generators (core/generator.h).
#include "bindings/common.h"

namespace pag::py_bind {

void init_random(py::module_& m, TensorClass& cls) { (void)m; (void)cls; }

}  // namespace pag::py_bind
