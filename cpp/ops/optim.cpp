// Optimizer steps: one call updates a whole param group in place through the
// generic multi-tensor driver and the named update functor (Note [Optimizer driver]).
// It writes parameters and state directly, outside autograd (torch runs its step
// under no_grad), and bumps the version counters of what it writes.
#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "kernels/optim.h"
#include "ops/iter.h"
#include "ops/ops.h"

namespace pag {

namespace {

bool same_layout(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes()) return false;
  for (int64_t i = 0; i < a.dim(); ++i)
    if (a.sizes()[i] != 1 && a.strides()[i] != b.strides()[i]) return false;
  return true;
}

// Note [Optimizer staging]: the kernels walk param, grad and state as flat spans in
// one memory order. A parameter whose operands do not share one dense layout (a
// transposed grad, a strided view as a parameter) is updated through contiguous
// copies, and the written ones are copied back.
struct Staging {
  std::vector<std::pair<Tensor, Tensor>> writeback;  // (original, the copy the kernel wrote)
  std::vector<Tensor> written;                       // originals written directly
  std::vector<Tensor> keep;                          // copies only read

  // `direct`: all operands of this parameter share its dense layout.
  void* use(const Tensor& t, bool direct, bool write) {
    if (direct) {
      if (write) written.push_back(t);
      return t.raw_data();
    }
    Tensor c = t;
    if (!t.is_contiguous()) {
      c = empty(t.sizes(), t.dtype());
      copy_(c, t);
    }
    if (!write) keep.push_back(c);
    else if (c.same(t)) written.push_back(t);
    else writeback.push_back({t, c});
    return c.raw_data();
  }
  // Keeps the copies alive until the kernel ran, then publishes the results.
  void finish() {
    for (auto& [orig, c] : writeback) {
      Tensor o = orig;
      copy_(o, c);
    }
    for (const Tensor& t : written) t.bump_version();
  }
};

void check_operand(const char* op, const char* what, size_t i, const Tensor& p, const Tensor& t) {
  if (!t.defined()) throw Error(str_cat(op, ": ", what, " of parameter ", i, " is undefined"));
  if (t.sizes() != p.sizes())
    throw Error(str_cat(op, ": ", what, " of parameter ", i, " has shape ", shape_str(t.sizes()),
                        " but the parameter has shape ", shape_str(p.sizes())));
  if (t.dtype() != p.dtype())
    throw Error(str_cat(op, ": ", what, " of parameter ", i, " has dtype ", scalar_type_name(t.dtype()),
                        " but the parameter has dtype ", scalar_type_name(p.dtype())));
}

void check_lists(const char* op, const char* what, size_t n, size_t m) {
  if (n != m)
    throw Error(str_cat(op, ": expected ", n, " ", what, " (one per parameter), got ", m));
}

void check_param(const char* op, size_t i, const Tensor& p) {
  if (!p.defined() || !is_floating(p.dtype()))
    throw Error(str_cat(op, ": parameter ", i, " has dtype ", p.defined() ? scalar_type_name(p.dtype()) : "None",
                        "; only Float and Double parameters can be optimized"));
}

// Parameters' indices grouped by dtype (a group may mix float32 and float64).
std::vector<std::pair<Dtype, std::vector<size_t>>> by_dtype(const std::vector<Tensor>& params) {
  std::vector<std::pair<Dtype, std::vector<size_t>>> out;
  for (size_t i = 0; i < params.size(); ++i) {
    auto it = std::find_if(out.begin(), out.end(), [&](auto& e) { return e.first == params[i].dtype(); });
    if (it == out.end()) out.push_back({params[i].dtype(), {i}});
    else it->second.push_back(i);
  }
  return out;
}

}  // namespace

std::vector<std::vector<Tensor>> optimizer_step_(const std::string& name, const std::vector<Tensor>& params,
                                                 const std::vector<Tensor>& grads,
                                                 std::vector<std::vector<Tensor>> states,
                                                 const std::vector<Tensor>& state_steps,
                                                 const kernels::OptimOptions& options) {
  const kernels::OptimUpdate* u = kernels::find_optim_update(name);
  if (!u) throw Error(str_cat("optimizer step: no update named '", name, "'"));
  const kernels::OptimSpec& spec = *u->spec;
  const char* op = spec.name;
  const size_t n = params.size();
  if (states.size() > (size_t)spec.num_states)
    throw Error(str_cat(op, ": expected at most ", spec.num_states, " state lists, got ", states.size()));
  states.resize(spec.num_states);
  const unsigned used = u->states_used(options);
  auto uses = [&](int k) { return (used >> k & 1u) != 0; };
  check_lists(op, "gradients", n, grads.size());
  for (int k = 0; k < spec.num_states; ++k)
    if (uses(k)) check_lists(op, spec.states[k].list_name, n, states[k].size());
  if (spec.has_step) check_lists(op, "state steps", n, state_steps.size());
  for (size_t i = 0; i < n; ++i) {
    check_param(op, i, params[i]);
    check_operand(op, "gradient", i, params[i], grads[i]);
    for (int k = 0; k < spec.num_states; ++k)
      if (uses(k) && states[k][i].defined()) check_operand(op, spec.states[k].name, i, params[i], states[k][i]);
    if (spec.has_step) {
      const Tensor& s = state_steps[i];
      if (!s.defined() || s.numel() != 1 || !is_floating(s.dtype()))
        throw Error(str_cat(op, ": the step of parameter ", i, " must be a 1-element floating point tensor"));
    }
  }
  AutoGradMode no_grad(false);
  // The step counters, in double as torch's Python code reads them.
  std::vector<double> steps(n, 0.0);
  if (spec.has_step)
    for (size_t i = 0; i < n; ++i) {
      const Tensor& s = state_steps[i];
      steps[i] = PAG_DISPATCH_FLOATING(s.dtype(), "optimizer step", [&] {
        scalar_t* v = s.data<scalar_t>();
        *v += scalar_t(1);
        return (double)*v;
      });
      s.bump_version();
    }
  // Lazily created state (SGD's momentum buffer, torch's clone of the gradient): laid out as
  // the gradient's layout contract gives, the parameter's strides when it is dense.
  std::vector<unsigned> fresh(n, 0u);
  bool created = false;
  for (int k = 0; k < spec.num_states; ++k) {
    if (!uses(k)) continue;
    for (size_t i = 0; i < n; ++i) {
      Tensor& t = states[k][i];
      if (t.defined()) continue;
      const Tensor& p = params[i];
      t = non_overlapping_and_dense(p) ? empty_like(p, p.dtype()) : empty(p.sizes(), p.dtype());
      fresh[i] |= 1u << k;
      created = true;
    }
  }
  for (auto& [dtype, idx] : by_dtype(params)) {
    Staging st;
    std::vector<kernels::OptimTensor> ts;
    ts.reserve(idx.size());
    for (size_t i : idx) {
      const Tensor& p = params[i];
      if (p.numel() == 0) continue;
      bool direct = non_overlapping_and_dense(p) && same_layout(p, grads[i]);
      for (int k = 0; k < spec.num_states; ++k)
        if (uses(k)) direct = direct && same_layout(p, states[k][i]);
      kernels::OptimTensor t{};
      t.param = st.use(p, direct, true);
      t.grad = st.use(grads[i], direct, false);
      for (int k = 0; k < spec.num_states; ++k)
        if (uses(k)) t.state[k] = st.use(states[k][i], direct, true);
      t.n = p.numel();
      t.step = steps[i];
      t.fresh = fresh[i];
      ts.push_back(t);
    }
    u->update(dtype, options, ts);
    st.finish();
  }
  if (!created) return {};
  return states;
}

}  // namespace pag
