// Bindings for ops/linalg.cpp, and the GEMM kernel's introspection hooks.
#include "bindings/arg_parser.h"
#include "bindings/common.h"
#include "kernels/gemm/gemm.h"

namespace pag::py_bind {

namespace {

py::object not_implemented() { return py::reinterpret_borrow<py::object>(Py_NotImplemented); }

kernels::Isa isa_from_name(const std::string& s) {
  if (s == "avx512") return kernels::Isa::Avx512;
  if (s == "avx2") return kernels::Isa::Avx2;
  if (s == "generic") return kernels::Isa::Generic;
  throw ValueError("unknown ISA '" + s + "' (expected 'avx512', 'avx2' or 'generic')");
}

// Note [Op table]: the linear-algebra rows (without the GIL on large operands). mm, bmm
// and addmm wait for their out_dtype overloads and addmm's hidden deprecated signatures,
// which torch's messages depend on.
const OpRow kLinalgRows[] = {
    {"matmul(Tensor self, Tensor other) -> Tensor", kFunction | kMethod,
     [](const Args& a) { return nogil([](const Tensor& x, const Tensor& y) { return matmul(x, y); }, a.tensor(0), a.tensor(1)); }},
    {"mv(Tensor self, Tensor vec) -> Tensor", kFunction | kMethod,
     [](const Args& a) { return nogil([](const Tensor& x, const Tensor& y) { return mv(x, y); }, a.tensor(0), a.tensor(1)); }},
    {"dot(Tensor self, Tensor tensor) -> Tensor", kFunction | kMethod,
     [](const Args& a) { return nogil([](const Tensor& x, const Tensor& y) { return dot(x, y); }, a.tensor(0), a.tensor(1)); }},
};

}  // namespace

void init_linalg(py::module_& m, TensorClass& cls) {
  def_rows(m, cls, kLinalgRows);
  def_both(m, cls, "mm", [](const Tensor& a, const Tensor& b) { return mm(a, b); }, py::arg("mat2"));
  def_both(m, cls, "bmm", [](const Tensor& a, const Tensor& b) { return bmm(a, b); }, py::arg("mat2"));
  def_both(m, cls, "addmm", [](const Tensor& bias, const Tensor& a, const Tensor& b, double beta, double alpha) {
    return addmm(bias, a, b, beta, alpha);
  }, py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = 1.0, py::arg("alpha") = 1.0);

  // `@`: anything but a Tensor is NotImplemented, so Python raises torch's TypeError.
  cls.def("__matmul__", [](const Tensor& a, py::handle b) -> py::object {
    if (!is_tensor(b)) return not_implemented();
    return py::cast(matmul(a, b.cast<Tensor>()));
  }, py::is_operator());
  cls.def("__rmatmul__", [](const Tensor& a, py::handle b) -> py::object {
    if (!is_tensor(b)) return not_implemented();
    return py::cast(matmul(b.cast<Tensor>(), a));
  }, py::is_operator());

  // nn.functional.linear calls this.
  m.def("_linear", [](const Tensor& x, const Tensor& w, std::optional<Tensor> bias) {
    return linear(x, w, bias ? &*bias : nullptr);
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none());

  m.def("_gemm_info", [] { return kernels::gemm::info(); });
  m.def("_fma_peak_gflops", [](int threads, double seconds) {
    py::gil_scoped_release nogil;
    return kernels::gemm::fma_peak_gflops(threads, seconds);
  }, py::arg("threads"), py::arg("seconds") = 0.3);
  m.def("_gemm_isa", [] { return std::string(kernels::isa_name(kernels::gemm::active_isa())); });
  m.def("_gemm_set_isa", [](const std::string& name) {
    return std::string(kernels::isa_name(kernels::gemm::set_isa(isa_from_name(name))));
  }, py::arg("isa"));
  m.def("_cpu_isa", [] { return std::string(kernels::isa_name(kernels::cpu_isa())); });
  m.def("_detected_isa", [] { return std::string(kernels::isa_name(kernels::detected_isa())); });
  m.def("_isa_override_error", []() -> py::object {
    const char* e = kernels::isa_override_error();
    return e ? py::object(py::str(e)) : py::object(py::none());
  });
  m.def("_mm_reference", [](const Tensor& a, const Tensor& b) { return mm_reference(a, b); });
}

}  // namespace pag::py_bind
