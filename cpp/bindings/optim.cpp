// Bindings for ops/optim.cpp: the one fused step behind pyautograd.optim (a private name).
#include <optional>

#include "bindings/common.h"
#include "kernels/optim.h"

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
  // _optimizer_step(name, params, grads, states, state_steps, **hyper): `states` one list
  // per state buffer of the update (Note [Optimizer driver]); returns the state lists
  // when it created any entry (None entries), else None. Hyper-parameters are numbers
  // or bools, by the names the update reads.
  m.def("_optimizer_step", [](const std::string& name, const std::vector<Tensor>& params,
                              const std::vector<Tensor>& grads,
                              const std::vector<std::vector<std::optional<Tensor>>>& states,
                              const std::vector<Tensor>& state_steps, const py::kwargs& hyper) -> py::object {
    kernels::OptimOptions options;
    options.items.reserve(hyper.size());
    for (auto [k, v] : hyper) options.items.emplace_back(py::cast<std::string>(k), py::cast<double>(v));
    std::vector<std::vector<Tensor>> lists;
    lists.reserve(states.size());
    for (const auto& s : states) lists.push_back(optional_list(s));
    std::vector<std::vector<Tensor>> created;
    {
      py::gil_scoped_release release;  // Note [GIL release]: pure C++ between the conversions
      created = optimizer_step_(name, params, grads, std::move(lists), state_steps, options);
    }
    if (created.empty()) return py::none();
    return py::cast(created);
  }, py::arg("name"), py::arg("params"), py::arg("grads"), py::arg("states"), py::arg("state_steps"));
}

}  // namespace pag::py_bind
