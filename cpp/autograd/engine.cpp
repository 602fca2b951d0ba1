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
void run_pre_hooks(Node* fn, tensor_list& buf) {
  for (auto& [handle, slot, hook] : fn->pre_hooks) {
    (void)handle;
    if (slot < buf.size() && buf[slot].defined()) {
      Tensor r = hook(buf[slot]);
      if (r.defined()) buf[slot] = r;
    }
  }
  for (auto& [slot, hook] : fn->retain_grad_hooks)
    if (slot < buf.size() && buf[slot].defined()) hook(buf[slot]);
  if (fn->is_accumulate_grad() && !buf.empty() && buf[0].defined()) {
    auto* acc = static_cast<AccumulateGrad*>(fn);
    if (acc->variable->autograd) {
      // copy: a hook may remove itself while running
      auto hooks = acc->variable->autograd->leaf_hooks;
      for (auto& [handle, hook] : hooks) {
        (void)handle;
        Tensor r = hook(buf[0]);
        if (r.defined()) buf[0] = r;
      }
    }
  }
}

}  // namespace

tensor_list run_backward(const tensor_list& roots, const tensor_list& grad_roots, bool keep_graph,
                         bool create_graph, const tensor_list& inputs, bool allow_unused,
                         bool accumulate) {
  // Root edges.
  std::vector<Edge> root_edges;
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

  // Dependencies of every reachable node.
  std::unordered_map<Node*, int> deps;
  std::unordered_set<Node*> seen;
  std::vector<Node*> stack;
  for (auto& e : root_edges)
    if (seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
  std::vector<Node*> order;  // DFS discovery order, for the `needed` pass
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    order.push_back(n);
    for (auto& e : n->next_edges) {
      if (!e.valid()) continue;
      deps[e.fn.get()]++;
      if (seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
    }
  }

  // With inputs=..., only nodes on a path to a capture target run.
  bool filter = !inputs.empty();
  std::unordered_set<Node*> needed;
  std::unordered_map<Node*, std::vector<std::pair<uint32_t, size_t>>> captures;  // node -> (slot, i)
  if (filter) {
    for (size_t i = 0; i < capture_edges.size(); ++i) {
      if (!capture_edges[i].valid()) continue;
      captures[capture_edges[i].fn.get()].push_back({capture_edges[i].input_nr, i});
    }
    // Fixed point over the reachable set: needed if a capture target or a parent of a needed node.
    bool changed = true;
    for (auto& kv : captures) needed.insert(kv.first);
    while (changed) {
      changed = false;
      for (Node* n : order) {
        if (needed.count(n)) continue;
        for (auto& e : n->next_edges)
          if (e.valid() && needed.count(e.fn.get())) { needed.insert(n); changed = true; break; }
      }
    }
  }

  tensor_list captured(inputs.size());
  std::unordered_map<Node*, tensor_list> buffers;
  std::priority_queue<Node*, std::vector<Node*>, ReadyCmp> ready;

  AutoGradMode mode(create_graph);

  for (size_t i = 0; i < root_edges.size(); ++i) {
    Node* fn = root_edges[i].fn.get();
    accumulate_into(buffers[fn], root_edges[i].input_nr, grad_roots[i]);
  }
  for (auto& e : root_edges)
    if (deps[e.fn.get()] == 0) { ready.push(e.fn.get()); deps[e.fn.get()] = -1; }

  while (!ready.empty()) {
    Node* fn = ready.top();
    ready.pop();
    tensor_list buf = std::move(buffers[fn]);
    buffers.erase(fn);

    run_pre_hooks(fn, buf);

    auto cap = captures.find(fn);
    if (cap != captures.end()) {
      for (auto& [slot, i] : cap->second)
        if (slot < buf.size() && buf[slot].defined()) captured[i] = buf[slot];
    }

    // Note [Which nodes run]: without inputs=..., every reachable node runs. With
    // them, a node runs when it lies on a path to a capture target; a leaf's sink
    // runs only for backward(inputs=...) (it accumulates), never for autograd.grad.
    bool runs = true;
    if (filter) {
      runs = false;
      if (needed.count(fn)) {
        if (fn->is_accumulate_grad()) runs = accumulate;
        else
          for (auto& e : fn->next_edges)
            if (e.valid() && needed.count(e.fn.get())) { runs = true; break; }
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
      Node* child = e.fn.get();
      if (i < outs.size() && outs[i].defined()) accumulate_into(buffers[child], e.input_nr, std::move(outs[i]));
      if (--deps[child] == 0) ready.push(child);
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
