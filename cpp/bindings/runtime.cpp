// Bindings for the process-wide runtime settings (kernels/parallel.cpp) and the
// debug counters of live objects (core/live_count.h).
#include "bindings/common.h"
#include "core/live_count.h"
#include "kernels/loops.h"

namespace pag::py_bind {

void init_runtime(py::module_& m) {
  // torch's messages: set_num_threads takes a Python int (not a bool) that is positive.
  m.def("set_num_threads", [](py::handle n) {
    if (!PyLong_Check(n.ptr()) || PyBool_Check(n.ptr()))
      throw Error(str_cat("set_num_threads expects an int, but got ",
                          type_name(n)));
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(n.ptr(), &overflow);
    if (overflow) throw ValueError("Overflow when unpacking long long");
    if (v > INT32_MAX || v < INT32_MIN) throw ValueError("Overflow when unpacking long");
    kernels::set_num_threads((int)v);
  }, py::arg("int"));
  m.def("get_num_threads", [] { return kernels::num_threads(); });
  m.def("_live_counts", [] {
    py::dict d;
    d["TensorImpl"] = live_count(kLiveTensorImpl);
    d["Storage"] = live_count(kLiveStorage);
    d["Node"] = live_count(kLiveNode);
    return d;
  });
}

}  // namespace pag::py_bind
