// Bindings for ops/optim.cpp: the fused steps behind pyautograd.optim (private names).
#include <optional>

#include "bindings/common.h"

namespace pag::py_bind {

namespace {

// A list whose entries may be None (state not created yet) -> undefined Tensors.
std::vector<Tensor> optional_list(const std::vector<std::optional<Tensor>>& v) {
  std::vector<Tensor> out;
  out.reserve(v.size());
  for (const auto& t : v) out.push_back(t ? *t : Tensor());
  return out;
}

}  // namespace

void init_optim(py::module_& m) {
  m.def("_sgd_step", [](const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                        const std::vector<std::optional<Tensor>>& momentum_buffers, double lr, double momentum,
                        double dampening, double weight_decay, bool nesterov, bool maximize) {
    return sgd_step_(params, grads, optional_list(momentum_buffers), lr, momentum, dampening, weight_decay, nesterov,
                     maximize);
  }, py::arg("params"), py::arg("grads"), py::arg("momentum_buffers"), py::kw_only(), py::arg("lr"),
        py::arg("momentum"), py::arg("dampening"), py::arg("weight_decay"), py::arg("nesterov"), py::arg("maximize"),
        py::call_guard<py::gil_scoped_release>());  // Note [GIL release]: pure C++ between the conversions
  m.def("_adam_step", &adam_step_, py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"),
        py::arg("max_exp_avg_sqs"), py::arg("state_steps"), py::kw_only(), py::arg("lr"), py::arg("beta1"),
        py::arg("beta2"), py::arg("weight_decay"), py::arg("eps"), py::arg("amsgrad"), py::arg("maximize"),
        py::arg("decoupled_weight_decay"), py::call_guard<py::gil_scoped_release>());
}

}  // namespace pag::py_bind
