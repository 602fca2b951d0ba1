// Bindings for the optim kernels.
#include "bindings/common.h"

namespace pag::py_bind {

void init_optim(py::module_& m) { (void)m; }

}  // namespace pag::py_bind
