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

// Runs a product without the GIL when one of its matrices is large.
template <typename F>
Tensor product_nogil(const Tensor& a, const Tensor& b, F f) {
  return release_gil_if(gil_worth_releasing(a) || gil_worth_releasing(b), f);
}

// torch's CPU build has no kernel for the out_dtype overloads (mm.dtype, bmm.dtype,
// addmm.dtype): a call that takes one fails as there, with the start of its message.
Tensor no_cpu_kernel(const Args& a) {
  throw NotImplementedError(str_cat("Could not run 'aten::", a.op, a.out >= 0 && a.given(a.out) ? ".dtype_out" : ".dtype",
                                    "' with arguments from the 'CPU' backend. This could be because the operator "
                                    "doesn't exist for this backend, or was omitted during the selective/custom build "
                                    "process (if using custom build)."));
}

Tensor addmm_row(const Args& a, int self, int mat1, int mat2, int beta, int alpha) {
  Tensor bias = a.tensor(self), x = a.tensor(mat1), y = a.tensor(mat2);
  double b = beta >= 0 ? a.float64(beta) : 1.0, s = alpha >= 0 ? a.float64(alpha) : 1.0;
  return product_nogil(x, y, [&] { return addmm(bias, x, y, b, s); });
}

// Note [Op table]: the linear-algebra rows (without the GIL on large operands), with
// torch's out_dtype overloads and addmm's hidden deprecated signatures (deprecated.yaml).
const OpRow kLinalgRows[] = {
    {"matmul(Tensor self, Tensor other) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return nogil([](const Tensor& x, const Tensor& y) { return matmul(x, y); }, a.tensor(0), a.tensor(1)); }},
    {"mm(Tensor self, Tensor mat2) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) {
       Tensor x = a.tensor(0), y = a.tensor(1);
       return product_nogil(x, y, [&] { return mm(x, y); });
     }},
    {"mm.dtype(Tensor self, Tensor mat2, ScalarType out_dtype) -> Tensor", kFunction | kOut, no_cpu_kernel},
    {"bmm(Tensor self, Tensor mat2) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) {
       Tensor x = a.tensor(0), y = a.tensor(1);
       return product_nogil(x, y, [&] { return bmm(x, y); });
     }},
    {"bmm.dtype(Tensor self, Tensor mat2, ScalarType out_dtype) -> Tensor", kFunction | kOut, no_cpu_kernel},
    {"addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1) -> Tensor",
     kFunction | kMethod | kOut, [](const Args& a) { return addmm_row(a, 0, 1, 2, 3, 4); }},
    {"addmm.dtype(Tensor self, Tensor mat1, Tensor mat2, ScalarType out_dtype, *, Scalar beta=1, Scalar alpha=1) -> "
     "Tensor", kFunction | kOut, no_cpu_kernel},
    {"addmm(Scalar beta, Tensor self, Scalar alpha, Tensor mat1, Tensor mat2) -> Tensor",
     kFunction | kMethod | kOut | kHidden, [](const Args& a) { return addmm_row(a, 1, 3, 4, 0, 2); }},
    {"addmm(Scalar beta, Tensor self, Tensor mat1, Tensor mat2) -> Tensor", kFunction | kMethod | kOut | kHidden,
     [](const Args& a) { return addmm_row(a, 1, 2, 3, 0, -1); }},
    {"mv(Tensor self, Tensor vec) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return nogil([](const Tensor& x, const Tensor& y) { return mv(x, y); }, a.tensor(0), a.tensor(1)); }},
    {"dot(Tensor self, Tensor tensor) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return nogil([](const Tensor& x, const Tensor& y) { return dot(x, y); }, a.tensor(0), a.tensor(1)); }},
};

}  // namespace

void init_linalg(py::module_& m, TensorClass& cls) {
  def_rows(m, cls, kLinalgRows);

  // `@`: anything but a Tensor is NotImplemented, so Python raises torch's TypeError.
  cls.def("__matmul__", [](const Tensor& a, py::handle b) -> py::object {
    if (!is_tensor(b)) return not_implemented();
    return py::cast(matmul(a, b.cast<Tensor>()));
  }, py::is_operator());
  cls.def("__rmatmul__", [](const Tensor& a, py::handle b) -> py::object {
    if (!is_tensor(b)) return not_implemented();
    return py::cast(matmul(b.cast<Tensor>(), a));
  }, py::is_operator());

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
