// Bindings for ops/nn.cpp, as the private module pyautograd._C._nn (torch._C._nn's
// counterpart): nn.functional parses strings and defaults, these run the ops.
#include "bindings/common.h"
#include "ops/nn.h"

namespace pag::py_bind {

namespace {

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

}  // namespace

void init_nn(py::module_& m) {
  py::module_ nn = m.def_submodule("_nn", "nn kernels (fused losses and activations)");
  using OptT = std::optional<Tensor>;

  nn.def("leaky_relu", [](const Tensor& x, double s) { return leaky_relu(x, s); }, py::arg("input"),
         py::arg("negative_slope") = 0.01);
  nn.def("leaky_relu_", [](py::object self, double s) {
    Tensor t = self.cast<Tensor>();
    leaky_relu_(t, s);
    return self;
  }, py::arg("input"), py::arg("negative_slope") = 0.01);
  nn.def("elu", [](const Tensor& x, double alpha, double scale, double input_scale) {
    return elu(x, alpha, scale, input_scale);
  }, py::arg("input"), py::arg("alpha") = 1.0, py::arg("scale") = 1.0, py::arg("input_scale") = 1.0);
  nn.def("elu_", [](py::object self, double alpha, double scale, double input_scale) {
    Tensor t = self.cast<Tensor>();
    elu_(t, alpha, scale, input_scale);
    return self;
  }, py::arg("input"), py::arg("alpha") = 1.0, py::arg("scale") = 1.0, py::arg("input_scale") = 1.0);
  nn.def("gelu", [](const Tensor& x, const std::string& approximate) { return gelu(x, approximate); },
         py::arg("input"), py::kw_only(), py::arg("approximate") = "none");

  nn.def("mse_loss", [](const Tensor& x, const Tensor& t, int64_t r) { return mse_loss(x, t, r); });
  nn.def("l1_loss", [](const Tensor& x, const Tensor& t, int64_t r) { return l1_loss(x, t, r); });
  nn.def("smooth_l1_loss",
         [](const Tensor& x, const Tensor& t, int64_t r, double beta) { return smooth_l1_loss(x, t, r, beta); });
  nn.def("huber_loss",
         [](const Tensor& x, const Tensor& t, int64_t r, double delta) { return huber_loss(x, t, r, delta); });
  nn.def("binary_cross_entropy", [](const Tensor& x, const Tensor& t, const OptT& w, int64_t r) {
    return binary_cross_entropy(x, t, opt(w), r);
  });
  nn.def("binary_cross_entropy_with_logits", [](const Tensor& x, const Tensor& t, const OptT& w, const OptT& pw,
                                                int64_t r) {
    return binary_cross_entropy_with_logits(x, t, opt(w), opt(pw), r);
  });
  nn.def("nll_loss", [](const Tensor& x, const Tensor& t, const OptT& w, int64_t r, int64_t ignore_index) {
    return nll_loss(x, t, opt(w), r, ignore_index);
  });
  nn.def("nll_loss2d", [](const Tensor& x, const Tensor& t, const OptT& w, int64_t r, int64_t ignore_index) {
    return nll_loss2d(x, t, opt(w), r, ignore_index);
  });
  nn.def("nll_loss_nd", [](const Tensor& x, const Tensor& t, const OptT& w, int64_t r, int64_t ignore_index) {
    return nll_loss_nd(x, t, opt(w), r, ignore_index);
  });
  nn.def("_div_scalar", [](const Tensor& x, double s) { return div_scalar(x, s); });
  nn.def("_mul_scalar", [](const Tensor& x, double s) { return mul_scalar(x, s); });
  nn.def("one_hot", [](const Tensor& x, int64_t num_classes) { return one_hot(x, num_classes); }, py::arg("input"),
         py::arg("num_classes") = -1);
  nn.def("constant_pad_nd", [](const Tensor& x, const DimVec& pad, double value) {
    return constant_pad_nd(x, pad, value);
  }, py::arg("input"), py::arg("pad"), py::arg("value") = 0.0);
}

}  // namespace pag::py_bind
