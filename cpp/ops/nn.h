// The nn ops (ops/nn.cpp): activations and losses whose forward and backward are
// fused kernels, each backward itself an op with a rule (so create_graph works).
// Names, arguments and reductions follow torch's aten ops (`torch._C._nn.*`).
#pragma once
#include <optional>
#include <string>

#include "core/tensor.h"

namespace pag {

// torch's at::Reduction: what nn.functional passes after parsing the string.
enum Reduction : int64_t { kReductionNone = 0, kReductionMean = 1, kReductionSum = 2 };

// ---- activations
Tensor leaky_relu(const Tensor& self, double negative_slope);
Tensor& leaky_relu_(Tensor& self, double negative_slope);
Tensor leaky_relu_backward(const Tensor& grad, const Tensor& self, double negative_slope, bool self_is_result);
Tensor elu(const Tensor& self, double alpha, double scale, double input_scale);
Tensor& elu_(Tensor& self, double alpha, double scale, double input_scale);
Tensor elu_backward(const Tensor& grad, double alpha, double scale, double input_scale, bool is_result,
                    const Tensor& self_or_result);
Tensor gelu(const Tensor& self, const std::string& approximate);
Tensor gelu_backward(const Tensor& grad, const Tensor& self, const std::string& approximate);

// ---- regression losses (self and target broadcast; `reduction` is a Reduction)
Tensor mse_loss(const Tensor& self, const Tensor& target, int64_t reduction);
Tensor mse_loss_backward(const Tensor& grad, const Tensor& self, const Tensor& target, int64_t reduction);
Tensor l1_loss(const Tensor& self, const Tensor& target, int64_t reduction);
Tensor smooth_l1_loss(const Tensor& self, const Tensor& target, int64_t reduction, double beta);
Tensor smooth_l1_loss_backward(const Tensor& grad, const Tensor& self, const Tensor& target, int64_t reduction,
                               double beta);
Tensor huber_loss(const Tensor& self, const Tensor& target, int64_t reduction, double delta);
Tensor huber_loss_backward(const Tensor& grad, const Tensor& self, const Tensor& target, int64_t reduction,
                           double delta);

// ---- binary cross entropy (`weight`, `pos_weight` may be undefined)
Tensor binary_cross_entropy(const Tensor& self, const Tensor& target, const Tensor& weight, int64_t reduction);
Tensor binary_cross_entropy_backward(const Tensor& grad, const Tensor& self, const Tensor& target,
                                     const Tensor& weight, int64_t reduction);
Tensor binary_cross_entropy_with_logits(const Tensor& self, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, int64_t reduction);

// ---- negative log likelihood: nll_loss takes (C) or (N, C) inputs, nll_loss2d (N, C, H, W),
// nll_loss_nd any of (C), (N, C), (N, C, d1, ...) as F.nll_loss does.
Tensor nll_loss(const Tensor& self, const Tensor& target, const Tensor& weight, int64_t reduction,
                int64_t ignore_index);
Tensor nll_loss2d(const Tensor& self, const Tensor& target, const Tensor& weight, int64_t reduction,
                  int64_t ignore_index);
Tensor nll_loss_nd(const Tensor& self, const Tensor& target, const Tensor& weight, int64_t reduction,
                   int64_t ignore_index);

// ---- misc
Tensor one_hot(const Tensor& self, int64_t num_classes);
Tensor constant_pad_nd(const Tensor& self, const DimVec& pad, double value);

}  // namespace pag
