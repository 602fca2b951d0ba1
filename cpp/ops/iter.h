// Builds a kernels::Geometry from tensors: broadcasts inputs to the output shape
// (stride 0), orders dims by the output's strides, and coalesces dims that are
// contiguous in every operand, so most calls become one flat loop.
#pragma once
#include <initializer_list>

#include "core/tensor.h"
#include "kernels/loops.h"

namespace pag {

kernels::Geometry make_geometry(const Tensor& out, std::initializer_list<const Tensor*> inputs);
// Operand base pointers in the same order (out first).
struct OperandPtrs {
  char* p[kernels::kMaxOperands];
};
OperandPtrs operand_ptrs(const Tensor& out, std::initializer_list<const Tensor*> inputs);

// Layout for a fresh elementwise output of shape `sizes` (torch's TensorIterator): `like`'s
// strides when it has that shape and is non-contiguous but dense (a transposed input keeps
// its layout), else contiguous.
Tensor empty_for(const DimVec& sizes, Dtype d, const Tensor* like);
// torch's empty_like(preserve_format), for clone and dtype conversion: a dense `like` lends
// its strides exactly (size-1 dims included), anything else gets a contiguous tensor.
Tensor empty_like_layout(const Tensor& like, Dtype d);
// Every element at its own address and no gaps, in some dim order (size-1 dims ignored).
bool non_overlapping_and_dense(const Tensor& t);

}  // namespace pag
