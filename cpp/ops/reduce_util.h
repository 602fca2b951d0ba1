// Shared pieces of the reduction ops (ops/reduce.cpp and friends).
#pragma once
#include <vector>

#include "core/tensor.h"
#include "kernels/reduce.h"
#include "ops/ops.h"

namespace pag {

// Which dims a reduction folds: every dim when dims is nullopt or empty. Wraps and
// checks each dim (IndexError) and rejects repeats.
std::vector<bool> reduce_mask(const Tensor& a, const OptDims& dims);
DimVec reduced_shape(const Tensor& a, const std::vector<bool>& mask, bool keepdim);
int64_t reduced_numel(const Tensor& a, const std::vector<bool>& mask);
// Geometry for reducing `a` by `mask` into fresh keepdim-shaped outputs (operand 0 = a).
kernels::ReduceGeometry make_reduce_geometry(const Tensor& a, std::initializer_list<const Tensor*> outs,
                                             const std::vector<bool>& mask);
// Geometry of the lines of `in` along `dim` and the matching lines of `out` (same shape).
kernels::LineGeometry make_line_geometry(const Tensor& out, const Tensor& in, int64_t dim);
// Drops the kept size-1 dims of a keepdim result when keepdim is false.
Tensor squeeze_reduced(const Tensor& out_keepdim, const std::vector<bool>& mask, bool keepdim);
// Reshapes a reduction's gradient so it broadcasts against the input.
Tensor keepdim_shape_grad(const Tensor& g, const DimVec& in_shape, const std::vector<bool>& mask, bool keepdim);

}  // namespace pag
