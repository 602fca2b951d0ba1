// Optimizer steps: one call updates a whole param group in place through the fused
// multi-tensor kernels (kernels/optim.h). They write parameters and state directly,
// outside autograd (torch runs its step under no_grad), and bump the version
// counters of what they write.
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

std::vector<Tensor> sgd_step_(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                              const std::vector<Tensor>& momentum_buffers, double lr, double momentum,
                              double dampening, double weight_decay, bool nesterov, bool maximize) {
  const char* op = "sgd";
  const bool has_mom = momentum != 0;
  check_lists(op, "gradients", params.size(), grads.size());
  if (has_mom) check_lists(op, "momentum buffers", params.size(), momentum_buffers.size());
  for (size_t i = 0; i < params.size(); ++i) {
    check_param(op, i, params[i]);
    check_operand(op, "gradient", i, params[i], grads[i]);
    if (has_mom && momentum_buffers[i].defined()) check_operand(op, "momentum_buffer", i, params[i], momentum_buffers[i]);
  }
  AutoGradMode no_grad(false);
  std::vector<Tensor> bufs;
  if (has_mom) {
    bufs = momentum_buffers;
    for (size_t i = 0; i < params.size(); ++i)
      if (!bufs[i].defined())
        bufs[i] = non_overlapping_and_dense(params[i]) ? empty_strided_like_layout(params[i], params[i].dtype())
                                      : empty(params[i].sizes(), params[i].dtype());
  }
  const kernels::SgdArgs args{lr, momentum, dampening, weight_decay, nesterov, maximize};
  for (auto& [dtype, idx] : by_dtype(params)) {
    Staging st;
    std::vector<kernels::SgdTensor> ts;
    for (size_t i : idx) {
      const Tensor& p = params[i];
      if (p.numel() == 0) continue;
      const bool direct = non_overlapping_and_dense(p) && same_layout(p, grads[i]) && (!has_mom || same_layout(p, bufs[i]));
      kernels::SgdTensor t{};
      t.param = st.use(p, direct, true);
      t.grad = st.use(grads[i], direct, false);
      if (has_mom) {
        t.init_buffer = !momentum_buffers[i].defined();
        t.momentum_buffer = st.use(bufs[i], direct, true);
      }
      t.n = p.numel();
      ts.push_back(t);
    }
    kernels::sgd_update(dtype, args, ts);
    st.finish();
  }
  return bufs;
}

void adam_step_(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                const std::vector<Tensor>& max_exp_avg_sqs, const std::vector<Tensor>& state_steps, double lr,
                double beta1, double beta2, double weight_decay, double eps, bool amsgrad, bool maximize,
                bool decoupled_weight_decay) {
  const char* op = "adam";
  const size_t n = params.size();
  check_lists(op, "gradients", n, grads.size());
  check_lists(op, "exp_avgs", n, exp_avgs.size());
  check_lists(op, "exp_avg_sqs", n, exp_avg_sqs.size());
  check_lists(op, "state steps", n, state_steps.size());
  if (amsgrad) check_lists(op, "max_exp_avg_sqs", n, max_exp_avg_sqs.size());
  for (size_t i = 0; i < n; ++i) {
    check_param(op, i, params[i]);
    check_operand(op, "gradient", i, params[i], grads[i]);
    check_operand(op, "exp_avg", i, params[i], exp_avgs[i]);
    check_operand(op, "exp_avg_sq", i, params[i], exp_avg_sqs[i]);
    if (amsgrad) check_operand(op, "max_exp_avg_sq", i, params[i], max_exp_avg_sqs[i]);
    const Tensor& s = state_steps[i];
    if (!s.defined() || s.numel() != 1 || !is_floating(s.dtype()))
      throw Error(str_cat(op, ": the step of parameter ", i, " must be a 1-element floating point tensor"));
  }
  AutoGradMode no_grad(false);
  // The step counters and bias corrections, in double as torch's Python code computes them.
  std::vector<double> step_size(n), bc2_sqrt(n);
  for (size_t i = 0; i < n; ++i) {
    const Tensor& s = state_steps[i];
    double step = PAG_DISPATCH_FLOATING(s.dtype(), "adam", [&] {
      scalar_t* v = s.data<scalar_t>();
      *v += scalar_t(1);
      return (double)*v;
    });
    s.bump_version();
    step_size[i] = lr / (1 - std::pow(beta1, step));
    bc2_sqrt[i] = std::pow(1 - std::pow(beta2, step), 0.5);
  }
  const kernels::AdamArgs args{lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay};
  for (auto& [dtype, idx] : by_dtype(params)) {
    Staging st;
    std::vector<kernels::AdamTensor> ts;
    for (size_t i : idx) {
      const Tensor& p = params[i];
      if (p.numel() == 0) continue;
      const bool direct = non_overlapping_and_dense(p) && same_layout(p, grads[i]) && same_layout(p, exp_avgs[i]) &&
                          same_layout(p, exp_avg_sqs[i]) && (!amsgrad || same_layout(p, max_exp_avg_sqs[i]));
      kernels::AdamTensor t{};
      t.param = st.use(p, direct, true);
      t.grad = st.use(grads[i], direct, false);
      t.exp_avg = st.use(exp_avgs[i], direct, true);
      t.exp_avg_sq = st.use(exp_avg_sqs[i], direct, true);
      t.max_exp_avg_sq = amsgrad ? st.use(max_exp_avg_sqs[i], direct, true) : nullptr;
      t.n = p.numel();
      t.step_size = step_size[i];
      t.bias_correction2_sqrt = bc2_sqrt[i];
      ts.push_back(t);
    }
    kernels::adam_update(dtype, args, ts);
    st.finish();
  }
}

}  // namespace pag
