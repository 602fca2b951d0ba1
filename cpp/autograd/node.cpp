#include "autograd/node.h"

#include <atomic>
#include <mutex>

#include "autograd/grad_mode.h"
#include "ops/iter.h"
#include "ops/ops.h"

namespace pag {

static std::atomic<uint64_t> g_next_sequence_nr{0};
Node::Node() : sequence_nr(g_next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}

// Note [Iterative node release]: dropping the last reference to a deep graph would
// free it recursively (node -> next edge -> node ...) and overflow the stack. A node
// whose edge holds the last reference to a child hands the child to a thread-local
// list instead; the outermost release frees the list in a loop (torch's deleteNode).
namespace {
thread_local std::vector<std::shared_ptr<Node>> tl_release_pending;
thread_local bool tl_releasing = false;
}  // namespace

Node::~Node() {
  for (auto& e : next_edges)
    if (e.fn && e.fn.use_count() == 1) tl_release_pending.push_back(std::move(e.fn));
  if (tl_releasing) return;
  tl_releasing = true;
  while (!tl_release_pending.empty()) {
    std::shared_ptr<Node> n = std::move(tl_release_pending.back());
    tl_release_pending.pop_back();
    n.reset();
  }
  tl_releasing = false;
}

// ---------------------------------------------------------------- grad mode
static thread_local bool tl_grad_enabled = true;
static thread_local bool tl_inference = false;
bool GradMode::is_enabled() { return tl_grad_enabled; }
void GradMode::set_enabled(bool e) { tl_grad_enabled = e; }
bool InferenceMode::is_enabled() { return tl_inference; }
void InferenceMode::set_enabled(bool e) { tl_inference = e; }

// ---------------------------------------------------------------- saved variables
SavedVariable::SavedVariable(const Tensor& t, bool is_output) : is_output_(is_output) {
  if (!t.defined()) return;
  if (t.impl()->is_inference)  // Note [Inference tensors]
    throw Error("Inference tensors cannot be saved for backward. Please do not use Tensors created in inference mode "
                "in computation tracked by autograd. To work around this, you can make a clone to get a normal tensor "
                "and use it in autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`.");
  saved_version_ = t.version();
  requires_grad_ = t.requires_grad();
  output_nr_ = t.output_nr();
  if (is_output) {
    data_ = detach(t);  // Note [Saved outputs]
  } else {
    data_ = t;
  }
}

Tensor SavedVariable::unpack(const std::shared_ptr<Node>& self) const {
  if (released_) {
    throw Error(
        "Trying to backward through the graph a second time (or directly access saved tensors after "
        "they have already been freed). Saved intermediate values of the graph are freed when you call "
        ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
        "graph a second time or if you need to access saved tensors after calling backward.");
  }
  if (!data_.defined()) return Tensor();
  if (data_.version() != saved_version_) {
    std::string msg = str_cat(
        "one of the variables needed for gradient computation has been modified by an inplace "
        "operation: [",
        legacy_type_name(data_.dtype()), " ", shape_str(data_.sizes()), "]");
    const auto& fn = is_output_ ? self : data_.grad_fn();
    if (fn) {
      std::string name = fn->name();  // torch names the op: "Exp" for ExpBackward0
      auto pos = name.rfind("Backward");
      if (pos != std::string::npos && name.find("::") == std::string::npos) name = name.substr(0, pos);
      msg += str_cat(", which is output ", is_output_ ? output_nr_ : data_.output_nr(), " of ", name, ",");
    }
    msg += str_cat(" is at version ", data_.version(), "; expected version ", saved_version_,
                   " instead. Hint: enable anomaly detection to find the operation that failed to "
                   "compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).");
    throw Error(msg);
  }
  if (is_output_ && requires_grad_ && GradMode::is_enabled()) {
    Tensor t = detach(data_);
    set_history(t, self, output_nr_);
    return t;
  }
  return data_;
}

// ---------------------------------------------------------------- edges
// Note [Shared leaves]: threads may use one leaf at the same time (large ops and
// backward run without the GIL), so its sink is made, and its .grad accumulated,
// under a lock chosen by the leaf's address. Recursive: accumulating with
// create_graph records an add, which may look up another leaf's sink.
static std::recursive_mutex& leaf_mutex(const TensorImpl* leaf) {
  static std::recursive_mutex stripes[64];
  return stripes[(reinterpret_cast<uintptr_t>(leaf) / alignof(std::max_align_t)) % 64];
}

std::shared_ptr<Node> grad_accumulator(const Tensor& leaf) {
  std::lock_guard<std::recursive_mutex> lock(leaf_mutex(leaf.impl()));
  auto& m = leaf.impl()->meta();
  if (auto acc = m.grad_accumulator.lock()) return acc;
  auto acc = std::make_shared<AccumulateGrad>(leaf.impl_ptr());
  acc->output_sizes = {leaf.sizes()};
  acc->output_dtypes = {leaf.dtype()};
  m.grad_accumulator = acc;
  return acc;
}

Edge gradient_edge(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return Edge{};
  if (const auto& fn = t.grad_fn()) return Edge{fn, t.output_nr()};
  return Edge{grad_accumulator(t), 0};
}

bool any_requires_grad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : inputs)
    if (t && t->defined() && t->requires_grad()) return true;
  return false;
}
bool any_requires_grad(const tensor_list& inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

void set_history(const Tensor& out, const std::shared_ptr<Node>& fn, uint32_t output_nr) {
  auto& m = out.impl()->meta();
  m.grad_fn = fn;
  m.output_nr = output_nr;
  m.requires_grad = false;
  if (fn->output_sizes.size() <= output_nr) {
    fn->output_sizes.resize(output_nr + 1);
    fn->output_dtypes.resize(output_nr + 1, out.dtype());
  }
  fn->output_sizes[output_nr] = out.sizes();
  fn->output_dtypes[output_nr] = out.dtype();
  if (out.is_view()) m.attr_version = out.version();
}

void attach(const std::shared_ptr<OpNode>& node, TensorRange inputs, TensorRange outputs) {
  node->next_edges.reserve(inputs.size());
  node->shapes.reserve(inputs.size());
  node->input_dtypes.reserve(inputs.size());
  for (const Tensor& t : inputs) {
    node->next_edges.push_back(gradient_edge(t));
    node->shapes.push_back(t.defined() ? t.sizes() : DimVec());
    node->input_dtypes.push_back(t.defined() ? t.dtype() : Dtype::Float32);
  }
  for (uint32_t i = 0; i < outputs.size(); ++i)
    if (outputs[i].defined() && is_floating(outputs[i].dtype())) set_history(outputs[i], node, i);
}

// Note [In-place on views]: when an in-place op writes through a view, the base's
// history changes too. The base gets a CopySlices node (torch's design): its
// gradient passes through unchanged outside the view's elements, and through the
// in-place op's rule `fn` inside them. The view itself then replays as a view of
// the base's new history (AsStridedBackward0), like every view whose base changed
// in place (Note [View autograd]). CopySlices is built from differentiable ops, so
// create_graph=True sees through it.
struct CopySlices : Node {
  DimVec base_sizes, base_strides, view_sizes, view_strides;
  int64_t view_offset;  // relative to the base's storage offset
  Dtype dtype;
  std::shared_ptr<Node> fn;

  std::string name() const override { return "torch::autograd::CopySlices"; }
  tensor_list apply(tensor_list&& grads) override {
    Tensor g = grads[0].defined() ? grads[0] : zeros(base_sizes, dtype);
    Tensor result = empty_strided(base_sizes, base_strides, g.dtype());
    copy_(result, g);
    Tensor slice = as_strided(result, view_sizes, view_strides, view_offset);
    tensor_list r = fn->apply({clone(slice)});
    if (!r.empty() && r[0].defined()) copy_(slice, r[0]);
    else zero_(slice);
    tensor_list out(next_edges.size());
    out[0] = result;
    for (size_t i = 1; i < r.size() && i < out.size(); ++i) out[i] = r[i];
    return out;
  }
  void release_saved() override { fn->release_saved(); }
};

void rebase_history(const Tensor& self, const std::shared_ptr<Node>& fn) {
  if (!self.is_view()) {
    set_history(self, fn, 0);
    return;
  }
  Tensor base(self.impl()->view_base);
  auto cs = std::make_shared<CopySlices>();
  cs->base_sizes = base.sizes();
  cs->base_strides = base.strides();
  cs->view_sizes = self.sizes();
  cs->view_strides = self.strides();
  cs->view_offset = self.offset() - base.offset();
  cs->dtype = base.dtype();
  cs->fn = fn;
  cs->next_edges.push_back(gradient_edge(base));
  for (size_t i = 1; i < fn->next_edges.size(); ++i) cs->next_edges.push_back(fn->next_edges[i]);
  set_history(base, cs, 0);
  refresh_view_grad_fn(self);
}

// Note [View autograd]: a view records how it was made. One made in no-grad mode
// from a base that requires grad is, as in torch, a leaf that requires grad; one of
// several views returned by one op (split, unbind), or one made in no-grad mode,
// may not be modified in place with grad (check_inplace). A view whose base was
// modified in place since its grad_fn was set gets a new grad_fn on access: an
// AsStridedBackward0 on top of the base's current history.
void mark_view(const Tensor& view, const Tensor& base, bool multi_output) {
  if (!is_floating(view.dtype())) return;
  const bool grad_mode = GradMode::is_enabled();
  if (grad_mode && !multi_output && !base.requires_grad()) return;  // the default: nothing to record
  auto& m = view.impl()->meta();
  CreationMeta cm = !grad_mode ? CreationMeta::NoGradMode
                               : (multi_output ? CreationMeta::MultiOutput : CreationMeta::Default);
  if (base.impl()->autograd && base.is_view() && base.impl()->autograd->creation_meta != CreationMeta::Default)
    cm = base.impl()->autograd->creation_meta;
  m.creation_meta = cm;
  m.attr_version = view.version();
  if (!grad_mode && base.requires_grad()) m.requires_grad = true;
}

void refresh_view_grad_fn(const Tensor& view) {
  auto& m = view.impl()->meta();
  m.attr_version = view.version();
  Tensor base(view.impl()->view_base);
  if (!base.requires_grad() || (!m.grad_fn && m.creation_meta != CreationMeta::Default)) return;
  Tensor replay;
  {
    AutoGradMode on(true);
    replay = as_strided(base, view.sizes(), view.strides(), view.offset());
  }
  set_history(view, replay.grad_fn(), 0);
}

void check_inplace(const Tensor& self, const char* opname) {
  (void)opname;
  if (!GradMode::is_enabled()) return;
  if (self.is_view() && self.impl()->autograd) {
    const auto& m = *self.impl()->autograd;
    if (m.creation_meta != CreationMeta::Default) {
      std::string msg;
      if (m.grad_fn) {
        std::string name = m.grad_fn->name();
        name = name.substr(0, name.rfind("Backward"));
        msg = str_cat("Output ", m.output_nr, " of ", name, " is a view and is being modified inplace.");
      } else {
        msg = "A view was created in no_grad mode and is being modified inplace with grad mode enabled.";
      }
      if (m.creation_meta == CreationMeta::MultiOutput)
        msg += " This view is the output of a function that returns multiple views. Such functions do not allow "
               "the output views to be modified inplace. You should replace the inplace operation by an "
               "out-of-place one.";
      else
        msg += " Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code "
               "by moving both the view and the inplace either both inside the no_grad block (if you don't want "
               "the inplace to be tracked) or both outside (if you want the inplace to be tracked).";
      throw Error(msg);
    }
    if (self.requires_grad() && Tensor(self.impl()->view_base).is_leaf())
      throw Error("a view of a leaf Variable that requires grad is being used in an in-place operation.");
  }
  if (self.requires_grad() && self.is_leaf())
    throw Error("a leaf Variable that requires grad is being used in an in-place operation.");
}

// ---------------------------------------------------------------- nodes
tensor_list OpNode::apply(tensor_list&& grads) {
  if (released && has_saved_) {
    SavedVariable dead;
    dead.reset();
    dead.unpack(nullptr);  // throws torch's "backward through the graph a second time"
  }
  // Outputs that received no gradient count as zero (multi-output ops).
  if (grads.size() < output_sizes.size()) grads.resize(output_sizes.size());
  for (size_t i = 0; i < grads.size(); ++i)
    if (!grads[i].defined() && i < output_sizes.size())
      grads[i] = zeros(output_sizes[i], output_dtypes[i]);
  tensor_list out = backward(grads);
  if (out.size() < next_edges.size()) out.resize(next_edges.size());
  // Note [Broadcast in backward]: every rule returns the gradient at the broadcast
  // shape and dtype; here, in one place, it is summed back to each input's shape
  // and cast to the input's dtype.
  for (size_t i = 0; i < next_edges.size(); ++i) {
    if (!next_edges[i].valid()) { out[i] = Tensor(); continue; }
    if (!out[i].defined()) continue;
    if (out[i].sizes() != shapes[i]) out[i] = sum_to(out[i], shapes[i]);
    if (out[i].dtype() != input_dtypes[i]) out[i] = to_dtype(out[i], input_dtypes[i]);
  }
  return out;
}

void OpNode::release_saved() {
  // Only a rule that saved tensors loses its state: one holding only numbers (add's
  // alpha) may run again, as in torch, where only SavedVariables are released.
  if (has_saved_) clear_state();
  released = true;
}

namespace {
// torch's layout contract for .grad: the strides of a dense variable, else contiguous.
bool obeys_layout_contract(const Tensor& g, const Tensor& var) {
  if (!non_overlapping_and_dense(var)) return g.is_contiguous();
  for (int64_t i = 0; i < g.dim(); ++i)
    if (g.sizes()[i] != 1 && g.strides()[i] != var.strides()[i]) return false;
  return true;
}
Tensor clone_obey_contract(const Tensor& g, const Tensor& var) {
  Tensor r = non_overlapping_and_dense(var) ? empty_strided(var.sizes(), var.strides(), g.dtype())
                                            : empty(var.sizes(), g.dtype());
  copy_(r, g);  // differentiable under create_graph
  return r;
}
}  // namespace

tensor_list AccumulateGrad::apply(tensor_list&& grads) {
  Tensor g = std::move(grads[0]);
  if (!g.defined()) return {};
  // The replaced .grad is released after the lock: releasing a numpy-owned buffer takes the GIL.
  std::shared_ptr<TensorImpl> previous;
  std::lock_guard<std::recursive_mutex> lock(leaf_mutex(variable.get()));  // Note [Shared leaves]
  auto& m = variable->meta();
  Tensor var(variable);
  previous = m.grad;
  if (!m.grad) {
    // Nobody else holds it (its storage is referenced by itself and its version counter only): steal.
    if (!GradMode::is_enabled() && g.impl_ptr().use_count() == 1 && g.storage().use_count() <= 2 && !g.is_view() &&
        g.is_leaf() && obeys_layout_contract(g, var)) {
      m.grad = g.impl_ptr();
    } else {
      m.grad = clone_obey_contract(GradMode::is_enabled() ? g : detach(g), var).impl_ptr();
    }
  } else if (GradMode::is_enabled()) {
    m.grad = add(Tensor(m.grad), g).impl_ptr();
  } else {
    Tensor acc(m.grad);
    add_(acc, g);
  }
  return {};
}

}  // namespace pag
