// Builds a kernels::Geometry from tensors: broadcasts inputs to the output shape
// (stride 0), orders dims by the output's strides, and coalesces dims that are
// contiguous in every operand, so most calls become one flat loop.
#pragma once
#include <initializer_list>

#include "core/layout.h"
#include "core/tensor.h"
#include "kernels/loops.h"

namespace pag {

kernels::Geometry make_geometry(const Tensor& out, std::initializer_list<const Tensor*> inputs);
// Operand base pointers in the same order (out first).
struct OperandPtrs {
  char* p[kernels::kMaxOperands];
};
OperandPtrs operand_ptrs(const Tensor& out, std::initializer_list<const Tensor*> inputs);

}  // namespace pag
