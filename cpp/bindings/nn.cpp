// Bindings for the nn kernels.
#include "bindings/common.h"

namespace pag::py_bind {

void init_nn(py::module_& m) { (void)m; }

}  // namespace pag::py_bind
