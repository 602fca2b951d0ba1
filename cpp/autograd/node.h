// The recorded graph: Node (a backward function), Edge (where its gradients go),
// SavedVariable (a tensor kept for backward, checked against in-place changes)
// and AccumulateGrad (the sink through which leaves receive .grad).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace pag {

struct Edge {
  std::shared_ptr<Node> fn;
  uint32_t input_nr = 0;
  bool valid() const { return fn != nullptr; }
};

using tensor_list = std::vector<Tensor>;

// Tensors passed without building a vector: a braced list at the call site ({a, b},
// which lives until the end of the call's full expression) or a tensor_list.
class TensorRange {
 public:
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"  // used within the call, as above
#endif
  TensorRange(std::initializer_list<Tensor> l) : begin_(l.begin()), size_(l.size()) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
  TensorRange(const tensor_list& v) : begin_(v.data()), size_(v.size()) {}
  const Tensor* begin() const { return begin_; }
  const Tensor* end() const { return begin_ + size_; }
  size_t size() const { return size_; }
  const Tensor& operator[](size_t i) const { return begin_[i]; }

 private:
  const Tensor* begin_;
  size_t size_;
};

// Note [Saved outputs]: a node that saves its own output must not own it (the
// output owns the node). It keeps the data without grad_fn and re-attaches
// itself as grad_fn when unpacked, so double backward still sees the graph.
class SavedVariable {
 public:
  SavedVariable() = default;
  SavedVariable(const Tensor& t, bool is_output);
  Tensor unpack(const std::shared_ptr<Node>& self) const;
  void reset() { data_ = Tensor(); released_ = true; }
  bool defined() const { return data_.defined() || released_; }

 private:
  Tensor data_;
  int64_t saved_version_ = 0;
  bool is_output_ = false;
  bool released_ = false;
  bool requires_grad_ = false;
  uint32_t output_nr_ = 0;
  std::shared_ptr<Node> grad_fn_;  // for non-outputs: the tensor's grad_fn at save time
  std::weak_ptr<Node> grad_accumulator_;
  std::shared_ptr<TensorImpl> leaf_;  // for leaves that require grad: the leaf itself
};

struct Node : std::enable_shared_from_this<Node> {
  std::vector<Edge> next_edges;   // one per differentiable input
  uint64_t sequence_nr;           // creation order; the engine runs newer nodes first
  // Hooks on a gradient arriving for output k (registered through Tensor.register_hook
  // on a non-leaf, and retain_grad).
  std::vector<std::tuple<int, uint32_t, GradHook>> pre_hooks;  // (handle, output_nr, hook)
  // retain_grad's hooks run after all others (as in torch), so .grad sees the final gradient.
  std::vector<std::pair<uint32_t, GradHook>> retain_grad_hooks;  // (output_nr, hook)
  std::vector<DimVec> output_sizes;  // shape of each output's gradient
  std::vector<Dtype> output_dtypes;

  Node();
  virtual ~Node();  // Note [Iterative node release]
  virtual std::string name() const = 0;
  // grads has one entry per output (undefined = zero); returns one entry per next_edge.
  virtual tensor_list apply(tensor_list&& grads) = 0;
  virtual void release_saved() {}
  virtual bool is_accumulate_grad() const { return false; }

  bool needs_input_grad(size_t i) const { return i < next_edges.size() && next_edges[i].valid(); }
  bool released = false;
  LiveCounter<kLiveNode> live_;  // Note [Live counts]
};

// Sink for a leaf tensor: accumulates the incoming gradient into leaf.grad.
struct AccumulateGrad : Node {
  std::shared_ptr<TensorImpl> variable;
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> v) : variable(std::move(v)) {}
  std::string name() const override { return "torch::autograd::AccumulateGrad"; }
  tensor_list apply(tensor_list&& grads) override;
  bool is_accumulate_grad() const override { return true; }
};

// Note [Typed backward state]: every built-in op records one Rule<State>: its
// backward is a plain function next to the op's forward, and everything it needs
// besides the gradients lives in `State`, a struct of named fields (SavedVariables
// from save()/save_output(), dims, flags, scalars), declared beside the rule:
//
//   struct ProdDimState { SavedVariable self, result; int64_t dim; bool keepdim; };
//   auto n = record<ProdDimState>("ProdBackward1", [](auto& n, const tensor_list& g) -> tensor_list {
//     Tensor x = n.unpack(n.s.self); ...
//   }, {a}, {out});
//   n->s = {n->save(a), n->save_output(out), d, keepdim};
//
// OpNode does what every rule shares, once: it records the inputs' shapes and
// dtypes, materializes missing output gradients as zeros, sums each returned
// gradient back to its input's shape and dtype (Note [Broadcast in backward]),
// and, after a backward without retain_graph, frees the state of a rule that saved
// tensors (one that holds only numbers keeps them and may run again, as in torch).
struct OpNode : Node {
  const char* op_name;
  std::vector<DimVec> shapes;  // each input's shape (gradients are summed back to it)
  std::vector<Dtype> input_dtypes;

  explicit OpNode(const char* name) : op_name(name) {}
  std::string name() const override { return op_name; }
  tensor_list apply(tensor_list&& grads) override;
  void release_saved() override;

  // A tensor the rule keeps: an input (or other tensor) / one of this node's outputs (Note [Saved outputs]).
  // Saving an undefined tensor keeps nothing: as in torch, such a node may run again.
  SavedVariable save(const Tensor& t) {
    has_saved_ = has_saved_ || t.defined();
    return SavedVariable(t, false);
  }
  SavedVariable save_output(const Tensor& t) {
    has_saved_ = has_saved_ || t.defined();
    return SavedVariable(t, true);
  }
  Tensor unpack(const SavedVariable& v) { return v.unpack(shared_from_this()); }

 protected:
  virtual tensor_list backward(const tensor_list& grads) = 0;
  virtual void clear_state() = 0;
  bool has_saved_ = false;
};

struct NoState {};

template <class State>
struct Rule final : OpNode {
  using Fn = tensor_list (*)(Rule& n, const tensor_list& grads);
  Fn fn;
  State s{};
  Rule(const char* name, Fn f) : OpNode(name), fn(f) {}

 protected:
  tensor_list backward(const tensor_list& grads) override { return fn(*this, grads); }
  void clear_state() override { s = State{}; }
};

// Wires `node` into the graph: next_edges and input shapes from `inputs`, and
// `node` as grad_fn of each floating output.
void attach(const std::shared_ptr<OpNode>& node, TensorRange inputs, TensorRange outputs);

// Records a Rule<State> for an op whose outputs need a gradient; the caller fills `s`.
template <class State = NoState>
std::shared_ptr<Rule<State>> record(const char* name, typename Rule<State>::Fn fn, TensorRange inputs,
                                    TensorRange outputs) {
  auto node = std::make_shared<Rule<State>>(name, fn);
  attach(node, inputs, outputs);
  return node;
}

// Edge for feeding a gradient into `t` (its grad_fn, or its leaf sink); invalid when t needs no grad.
Edge gradient_edge(const Tensor& t);
std::shared_ptr<Node> grad_accumulator(const Tensor& leaf);

// True when grad mode is on and any input requires grad.
bool any_requires_grad(std::initializer_list<const Tensor*> inputs);
bool any_requires_grad(const tensor_list& inputs);

void set_history(const Tensor& out, const std::shared_ptr<Node>& fn, uint32_t output_nr);

// In-place ops on a tensor with history: make `self`'s grad_fn the new node.
void rebase_history(const Tensor& self, const std::shared_ptr<Node>& fn);

// Called by view ops on each output after recording: sets how the view was made
// (Note [View autograd]). multi_output: split/unbind-style ops returning several views.
void mark_view(const Tensor& view, const Tensor& base, bool multi_output);
// Gives a view a grad_fn on top of its base's current history (Tensor::grad_fn calls it).
void refresh_view_grad_fn(const Tensor& view);

// The checks torch makes before an in-place op (leaf requiring grad, etc.).
void check_inplace(const Tensor& self, const char* opname);

}  // namespace pag
