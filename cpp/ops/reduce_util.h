// Shared pieces of the reduction ops (ops/reduce.cpp and friends).
#pragma once
#include <vector>

#include "core/tensor.h"
#include "kernels/reduce.h"
#include "ops/ops.h"

namespace pag {

std::vector<bool> reduce_mask(const Tensor& a, const OptDims& dims);  // all dims when dims is empty/nullopt
DimVec reduced_shape(const Tensor& a, const std::vector<bool>& mask, bool keepdim);
kernels::ReduceGeometry make_reduce_geometry(const Tensor& a, const Tensor& out_keepdim, const std::vector<bool>& mask);
Tensor squeeze_reduced(const Tensor& out_keepdim, const std::vector<bool>& mask, bool keepdim);
// Reshapes a reduction's gradient so it broadcasts against the input.
Tensor keepdim_shape_grad(const Tensor& g, const DimVec& in_shape, const std::vector<bool>& mask, bool keepdim);

}  // namespace pag
