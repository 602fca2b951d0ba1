// The backward engine: dependency counting over the recorded graph, a ready queue
// ordered by creation (newest first), per-node input buffers, and capture of
// gradients for autograd.grad. It knows nothing about individual ops.
#pragma once
#include "autograd/node.h"

namespace pag {

// roots: tensors to differentiate; grad_roots: their incoming gradients (same count).
// inputs empty: accumulate into every leaf's .grad (Tensor.backward()).
// inputs given and accumulate: accumulate only into those (backward(inputs=...)).
// inputs given and !accumulate: return their gradients (autograd.grad).
tensor_list run_backward(const tensor_list& roots, const tensor_list& grad_roots, bool keep_graph,
                         bool create_graph, const tensor_list& inputs, bool allow_unused,
                         bool accumulate);

}  // namespace pag
