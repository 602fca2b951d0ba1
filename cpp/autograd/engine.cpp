#include "autograd/engine.h"

#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "autograd/grad_mode.h"
#include "ops/ops.h"

namespace pag {
namespace {

struct ReadyCmp {
  bool operator()(Node* a, Node* b) const {
    // AccumulateGrad sinks first, then newest nodes (torch's ordering).
    if (a->is_accumulate_grad() != b->is_accumulate_grad()) return b->is_accumulate_grad();
    return a->sequence_nr < b->sequence_nr;
  }
};

void accumulate_into(tensor_list& buf, uint32_t slot, Tensor g) {
  if (buf.size() <= slot) buf.resize(slot + 1);
  if (!buf[slot].defined()) buf[slot] = std::move(g);
  else buf[slot] = add(buf[slot], g);
}

// Runs the pre-hooks registered for each output slot (register_hook on non-leaves, retain_grad).
// Each list is copied first (torch iterates a snapshot too): a hook may add or remove
// hooks while running; hooks added now wait for the next pass, removed ones still run.
void run_pre_hooks(Node* fn, tensor_list& buf) {
  if (!fn->pre_hooks.empty()) {
    auto hooks = fn->pre_hooks;
    for (auto& [handle, slot, hook] : hooks) {
      (void)handle;
      if (slot < buf.size() && buf[slot].defined()) {
        Tensor r = hook(buf[slot]);
        if (r.defined()) buf[slot] = r;
      }
    }
  }
  if (!fn->retain_grad_hooks.empty()) {
    auto hooks = fn->retain_grad_hooks;
    for (auto& [slot, hook] : hooks)
      if (slot < buf.size() && buf[slot].defined()) hook(buf[slot]);
  }
  if (fn->is_accumulate_grad() && !buf.empty() && buf[0].defined()) {
    auto* acc = static_cast<AccumulateGrad*>(fn);
    if (acc->variable->autograd) {
      auto hooks = acc->variable->autograd->leaf_hooks;
      for (auto& [handle, hook] : hooks) {
        (void)handle;
        Tensor r = hook(buf[0]);
        if (r.defined()) buf[0] = r;
      }
    }
  }
}

// Note [Engine bookkeeping]: each reachable node gets one task (its dependency count
// and its input buffer) in a flat array, found through an open-addressing table keyed
// by the node's address: a backward pass allocates a handful of arrays, not a hash
// node per graph node (the per-step cost of training loops on tiny tensors).
struct Task {
  Node* fn;
  int deps = 0;
  bool needed = false;  // with inputs=...: on a path to a capture target
  uint8_t visit = 0;    // state of the `needed` pass
  tensor_list buffer;
};

class TaskTable {
 public:
  TaskTable() : slots_(64, -1) { tasks_.reserve(32); }
  // The task index of `fn`, adding it if new (`added` tells which).
  int32_t insert(Node* fn, bool& added) {
    if (2 * (tasks_.size() + 1) > slots_.size()) grow();
    size_t i = probe(fn);
    added = slots_[i] < 0;
    if (added) {
      slots_[i] = (int32_t)tasks_.size();
      tasks_.push_back(Task{fn});
    }
    return slots_[i];
  }
  Task* find(Node* fn) {
    int32_t i = slots_[probe(fn)];
    return i < 0 ? nullptr : &tasks_[i];
  }
  Task& operator[](int32_t i) { return tasks_[i]; }
  size_t size() const { return tasks_.size(); }

 private:
  size_t probe(Node* fn) const {
    const size_t mask = slots_.size() - 1;
    size_t i = (reinterpret_cast<uintptr_t>(fn) >> 4) * 0x9E3779B97F4A7C15ull >> 20 & mask;
    while (slots_[i] >= 0 && tasks_[slots_[i]].fn != fn) i = (i + 1) & mask;
    return i;
  }
  void grow() {
    slots_.assign(slots_.size() * 2, -1);
    for (size_t k = 0; k < tasks_.size(); ++k) slots_[probe(tasks_[k].fn)] = (int32_t)k;
  }
  std::vector<int32_t> slots_;  // power-of-two size, at most half full
  std::vector<Task> tasks_;
};

}  // namespace

tensor_list run_backward(const tensor_list& roots, const tensor_list& grad_roots, bool keep_graph,
                         bool create_graph, const tensor_list& inputs, bool allow_unused,
                         bool accumulate) {
  // Root edges.
  std::vector<Edge> root_edges;
  root_edges.reserve(roots.size());
  for (size_t i = 0; i < roots.size(); ++i) {
    if (grad_roots[i].defined() && grad_roots[i].sizes() != roots[i].sizes())
      throw Error(str_cat("Mismatch in shape: grad_output[", i, "] has a shape of torch.Size(",
                          shape_str(grad_roots[i].sizes()), ") and output[", i,
                          "] has a shape of torch.Size(", shape_str(roots[i].sizes()), ")."));
    Edge e = gradient_edge(roots[i]);
    if (!e.valid())
      throw Error(str_cat("element ", i, " of tensors does not require grad and does not have a grad_fn"));
    root_edges.push_back(e);
  }

  // Capture targets (inputs=...).
  std::vector<Edge> capture_edges;
  for (const Tensor& t : inputs) {
    Edge e = gradient_edge(t);
    if (!e.valid() && !t.requires_grad())
      throw Error("One of the differentiated Tensors does not require grad");
    capture_edges.push_back(e);
  }

  // Dependencies of every reachable node; tasks are numbered in DFS discovery order.
  TaskTable tasks;
  std::vector<Node*> stack;
  stack.reserve(32);
  bool added;
  for (auto& e : root_edges) {
    tasks.insert(e.fn.get(), added);
    if (added) stack.push_back(e.fn.get());
  }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (auto& e : n->next_edges) {
      if (!e.valid()) continue;
      int32_t k = tasks.insert(e.fn.get(), added);
      tasks[k].deps++;
      if (added) stack.push_back(e.fn.get());
    }
  }

  // With inputs=..., only nodes on a path to a capture target run.
  bool filter = !inputs.empty();
  std::unordered_map<Node*, std::vector<std::pair<uint32_t, size_t>>> captures;  // node -> (slot, i)
  if (filter) {
    for (size_t i = 0; i < capture_edges.size(); ++i) {
      if (!capture_edges[i].valid()) continue;
      captures[capture_edges[i].fn.get()].push_back({capture_edges[i].input_nr, i});
    }
    // Needed: a capture target, or a node with a needed child. One post-order DFS from
    // the roots settles every child before its parent (linear in the graph's size).
    for (auto& kv : captures)
      if (Task* t = tasks.find(kv.first)) t->needed = true;
    std::vector<std::pair<Task*, size_t>> dfs;  // (task, next edge to visit)
    for (auto& e : root_edges) {
      Task* t = tasks.find(e.fn.get());
      if (t->visit) continue;
      t->visit = 1;
      dfs.push_back({t, 0});
      while (!dfs.empty()) {
        auto& [cur, k] = dfs.back();
        auto& edges = cur->fn->next_edges;
        if (k < edges.size()) {
          const Edge& ce = edges[k++];
          if (!ce.valid()) continue;
          Task* c = tasks.find(ce.fn.get());
          if (c->visit == 0) {
            c->visit = 1;
            dfs.push_back({c, 0});
          }
          continue;
        }
        Task* done = cur;
        dfs.pop_back();
        for (auto& ce : done->fn->next_edges)
          if (ce.valid() && tasks.find(ce.fn.get())->needed) { done->needed = true; break; }
      }
    }
  }

  tensor_list captured(inputs.size());
  std::vector<Node*> ready_storage;
  ready_storage.reserve(tasks.size());
  std::priority_queue<Node*, std::vector<Node*>, ReadyCmp> ready(ReadyCmp(), std::move(ready_storage));

  AutoGradMode mode(create_graph);

  // As torch's validate_outputs on the root edges: a root gradient of another dtype is cast to the root's.
  for (size_t i = 0; i < root_edges.size(); ++i) {
    Tensor g = grad_roots[i];
    if (g.defined() && g.dtype() != roots[i].dtype()) g = to_dtype(g, roots[i].dtype());
    accumulate_into(tasks.find(root_edges[i].fn.get())->buffer, root_edges[i].input_nr, std::move(g));
  }
  for (auto& e : root_edges) {
    Task* t = tasks.find(e.fn.get());
    if (t->deps == 0) { ready.push(e.fn.get()); t->deps = -1; }
  }

  while (!ready.empty()) {
    Node* fn = ready.top();
    ready.pop();
    tensor_list buf = std::move(tasks.find(fn)->buffer);

    run_pre_hooks(fn, buf);

    if (filter) {
      auto cap = captures.find(fn);
      if (cap != captures.end()) {
        for (auto& [slot, i] : cap->second)
          if (slot < buf.size() && buf[slot].defined()) captured[i] = buf[slot];
      }
    }

    // Note [Which nodes run]: without inputs=..., every reachable node runs. With
    // them, a node runs when it lies on a path to a capture target; a leaf's sink
    // runs only for backward(inputs=...) (it accumulates), never for autograd.grad.
    bool runs = true;
    if (filter) {
      runs = false;
      if (tasks.find(fn)->needed) {
        if (fn->is_accumulate_grad()) runs = accumulate;
        else
          for (auto& e : fn->next_edges)
            if (e.valid() && tasks.find(e.fn.get())->needed) { runs = true; break; }
      }
    }
    bool any = false;
    for (auto& g : buf) any = any || g.defined();
    tensor_list outs;
    if (runs && any) {
      outs = fn->apply(std::move(buf));
      if (!keep_graph) fn->release_saved();
    }
    for (size_t i = 0; i < fn->next_edges.size(); ++i) {
      const Edge& e = fn->next_edges[i];
      if (!e.valid()) continue;
      Task* child = tasks.find(e.fn.get());
      if (i < outs.size() && outs[i].defined()) accumulate_into(child->buffer, e.input_nr, std::move(outs[i]));
      if (--child->deps == 0) ready.push(e.fn.get());
    }
  }

  for (size_t i = 0; i < inputs.size(); ++i) {
    if (accumulate) {
      // Non-leaf inputs of backward(inputs=...) receive their gradient in .grad.
      if (captured[i].defined() && !inputs[i].is_leaf()) {
        auto& m = inputs[i].impl()->meta();
        m.grad = m.grad ? add(Tensor(m.grad), captured[i]).impl_ptr() : detach(captured[i]).impl_ptr();
      }
    } else if (!captured[i].defined() && !allow_unused) {
      throw Error(str_cat("The differentiated Tensor at index ", i, " appears to not have been used in the graph. "
                          "Set allow_unused=True if this is the desired behavior."));
    }
  }
  return captured;
}

}  // namespace pag
