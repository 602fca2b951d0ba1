// The public C++ op API. Each op validates its arguments, promotes types, runs a
// kernel and records its backward (defined next to its forward in ops/<family>.cpp).
// Python scalars arrive as 0-dim "wrapped number" tensors (scalar_tensor(.., wrapped=true)).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/layout.h"
#include "core/tensor.h"

namespace pag {

using OptDims = std::optional<DimVec>;  // nullopt = all dims

// A Python number as an operand: a 0-d float64 wrapped number, which does not
// promote the other operand (`x * num(2.0)` keeps x's dtype, as `x * 2` does).
inline Tensor num(double v) { return scalar_tensor(v, Dtype::Float64, true); }

// ---- type promotion (ops/elementwise.cpp) ----
Dtype result_type(std::initializer_list<const Tensor*> operands);
// Differentiable (ToCopyBackward0); a copy is laid out by `f` (Note [Layout propagation]);
// `t` itself when it has dtype `d`, copy is false and its layout suggests `f` (torch's to()).
Tensor to_dtype(const Tensor& t, Dtype d, bool copy = false, MemoryFormat f = MemoryFormat::Preserve);

// ---- creation (ops/factory.cpp) ----
Tensor zeros(const DimVec& sizes, Dtype d);
Tensor ones(const DimVec& sizes, Dtype d);
Tensor full(const DimVec& sizes, double v, Dtype d);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor arange(double start, double end, double step, Dtype d);
Tensor arange_int64(int64_t start, int64_t end, int64_t step);  // exact for |values| > 2^53
Tensor linspace(double start, double end, int64_t steps, Dtype d);
Tensor eye(int64_t n, int64_t m, Dtype d);

// ---- elementwise (ops/elementwise.cpp) ----
Tensor add(const Tensor& a, const Tensor& b, double alpha = 1.0);
Tensor sub(const Tensor& a, const Tensor& b, double alpha = 1.0);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor mul_scalar(const Tensor& a, double s);  // a * s, recorded as MulBackward1 (torch's mul.Scalar)
Tensor div_scalar(const Tensor& a, double s);  // a / s, recorded as DivBackward1 (torch's div.Scalar)
Tensor div(const Tensor& a, const Tensor& b, const std::string& rounding_mode = "");
Tensor remainder(const Tensor& a, const Tensor& b);
Tensor fmod(const Tensor& a, const Tensor& b);
Tensor floor_divide(const Tensor& a, const Tensor& b);  // like div(.., "floor"), but not differentiable
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& a);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor bitwise_and(const Tensor& a, const Tensor& b);
Tensor bitwise_or(const Tensor& a, const Tensor& b);
Tensor bitwise_xor(const Tensor& a, const Tensor& b);
Tensor bitwise_not(const Tensor& a);
Tensor bitwise_left_shift(const Tensor& a, const Tensor& b);
Tensor bitwise_right_shift(const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

Tensor neg(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor sign(const Tensor& a);
Tensor sgn(const Tensor& a);
Tensor isnan(const Tensor& a);
Tensor isinf(const Tensor& a);
Tensor isfinite(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor rsqrt(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor log1p(const Tensor& a);
Tensor erf(const Tensor& a);
Tensor sin(const Tensor& a);
Tensor cos(const Tensor& a);
Tensor tanh(const Tensor& a);
Tensor sigmoid(const Tensor& a);
Tensor relu(const Tensor& a);
Tensor sigmoid_backward(const Tensor& grad, const Tensor& output);
Tensor tanh_backward(const Tensor& grad, const Tensor& output);
Tensor threshold_backward(const Tensor& grad, const Tensor& self, double threshold);
Tensor reciprocal(const Tensor& a);
Tensor square(const Tensor& a);
Tensor floor(const Tensor& a);
Tensor ceil(const Tensor& a);
Tensor round(const Tensor& a);
Tensor round(const Tensor& a, int64_t decimals);  // round.decimals (RoundBackward1)
Tensor clamp(const Tensor& a, std::optional<double> min, std::optional<double> max);
Tensor clamp_t(const Tensor& a, const Tensor* min, const Tensor* max);  // tensor bounds
Tensor clamp_min(const Tensor& a, const Tensor& min);
Tensor clamp_max(const Tensor& a, const Tensor& max);

// in-place (bump the version counter; record history when needed)
Tensor& add_(Tensor& a, const Tensor& b, double alpha = 1.0);
Tensor& sub_(Tensor& a, const Tensor& b, double alpha = 1.0);
Tensor& mul_(Tensor& a, const Tensor& b);
Tensor& div_(Tensor& a, const Tensor& b, const std::string& rounding_mode = "");
Tensor& pow_(Tensor& a, const Tensor& b);
Tensor& floor_divide_(Tensor& a, const Tensor& b);
Tensor& remainder_(Tensor& a, const Tensor& b);
Tensor& fmod_(Tensor& a, const Tensor& b);
Tensor& clamp_(Tensor& a, std::optional<double> min, std::optional<double> max);
Tensor& clamp_t_(Tensor& a, const Tensor* min, const Tensor* max);
Tensor& relu_(Tensor& a);
Tensor& neg_(Tensor& a);
Tensor& round_(Tensor& a);
Tensor& round_(Tensor& a, int64_t decimals);
Tensor& zero_(Tensor& a);
Tensor& fill_(Tensor& a, const Tensor& value);
Tensor& copy_(Tensor& dst, const Tensor& src);  // broadcasts src, converts dtype

// ---- reductions (ops/reduce.cpp) ----
Tensor sum(const Tensor& a, OptDims dims, bool keepdim, std::optional<Dtype> dtype = std::nullopt);
Tensor mean(const Tensor& a, OptDims dims, bool keepdim, std::optional<Dtype> dtype = std::nullopt);
Tensor prod(const Tensor& a, std::optional<int64_t> dim, bool keepdim, std::optional<Dtype> dtype = std::nullopt);
Tensor amax(const Tensor& a, OptDims dims, bool keepdim);
Tensor amin(const Tensor& a, OptDims dims, bool keepdim);
Tensor max_all(const Tensor& a);
Tensor min_all(const Tensor& a);
std::pair<Tensor, Tensor> max_dim(const Tensor& a, int64_t dim, bool keepdim);
std::pair<Tensor, Tensor> min_dim(const Tensor& a, int64_t dim, bool keepdim);
Tensor argmax(const Tensor& a, std::optional<int64_t> dim, bool keepdim);
Tensor argmin(const Tensor& a, std::optional<int64_t> dim, bool keepdim);
Tensor var(const Tensor& a, OptDims dims, double correction, bool keepdim);
Tensor std_(const Tensor& a, OptDims dims, double correction, bool keepdim);
Tensor softmax(const Tensor& a, int64_t dim, std::optional<Dtype> dtype = std::nullopt);
Tensor log_softmax(const Tensor& a, int64_t dim, std::optional<Dtype> dtype = std::nullopt);
Tensor logsumexp(const Tensor& a, const DimVec& dims, bool keepdim);
// The gradient of softmax (log=false) or log_softmax (log=true) given output y (Note [Softmax backward as an op]).
Tensor softmax_backward_data(const Tensor& g, const Tensor& y, int64_t dim, bool log);
Tensor any(const Tensor& a, OptDims dims, bool keepdim);  // bool; an empty dims list reduces nothing (torch)
Tensor all(const Tensor& a, OptDims dims, bool keepdim);
Tensor cumsum(const Tensor& a, int64_t dim, std::optional<Dtype> dtype = std::nullopt);
// Sum `g` down to `shape` (undoes broadcasting; Note [Broadcast in backward]).
Tensor sum_to(const Tensor& g, const DimVec& shape);

// ---- linear algebra (ops/linalg.cpp) ----
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
Tensor mv(const Tensor& a, const Tensor& b);
Tensor dot(const Tensor& a, const Tensor& b);
Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, double beta = 1.0, double alpha = 1.0);
Tensor linear(const Tensor& x, const Tensor& w, const Tensor* bias);
Tensor mm_reference(const Tensor& a, const Tensor& b);  // the naive GEMM, for tests

// ---- shape and views (ops/shape.cpp) ----
Tensor view_dtype(const Tensor& a, Dtype d);  // the same bytes as dtype d (not differentiable)
Tensor view(const Tensor& a, const DimVec& sizes);      // sizes may hold one -1
Tensor reshape(const Tensor& a, const DimVec& sizes);
Tensor flatten(const Tensor& a, int64_t start_dim, int64_t end_dim);
Tensor unflatten(const Tensor& a, int64_t dim, const DimVec& sizes);
Tensor unsqueeze(const Tensor& a, int64_t dim);
Tensor squeeze(const Tensor& a, OptDims dims);
Tensor squeeze_dim(const Tensor& a, int64_t dim);
Tensor transpose(const Tensor& a, int64_t d0, int64_t d1);
Tensor t(const Tensor& a);
Tensor permute(const Tensor& a, const DimVec& dims);
Tensor expand(const Tensor& a, const DimVec& sizes);    // -1 keeps a size
Tensor narrow(const Tensor& a, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& a, int64_t dim, int64_t index);
Tensor slice(const Tensor& a, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step);
Tensor as_strided(const Tensor& a, const DimVec& sizes, const DimVec& strides, std::optional<int64_t> offset);
Tensor contiguous(const Tensor& a, MemoryFormat f = MemoryFormat::Contiguous);  // a itself when already so
Tensor clone(const Tensor& a, MemoryFormat f = MemoryFormat::Preserve);
Tensor detach(const Tensor& a);       // shares storage and version counter
Tensor alias_data(const Tensor& a);   // `.data`: shares storage, fresh version counter
Tensor cat(const std::vector<Tensor>& ts, int64_t dim);
Tensor stack(const std::vector<Tensor>& ts, int64_t dim);
std::vector<Tensor> split(const Tensor& a, const DimVec& sizes, int64_t dim);
std::vector<Tensor> split_by_size(const Tensor& a, int64_t split_size, int64_t dim);
std::vector<Tensor> chunk(const Tensor& a, int64_t chunks, int64_t dim);
std::vector<Tensor> unbind(const Tensor& a, int64_t dim);

// ---- indexing (ops/index.cpp) ----
Tensor gather(const Tensor& a, int64_t dim, const Tensor& index);
Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src);
Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index);
Tensor masked_fill(const Tensor& a, const Tensor& mask, const Tensor& value);
Tensor& masked_fill_(Tensor& a, const Tensor& mask, const Tensor& value);
// Advanced indexing: `indices` has one entry per leading dim (undefined = full slice), as torch's index.Tensor.
Tensor index(const Tensor& a, const std::vector<Tensor>& indices);
Tensor& index_put_(Tensor& a, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate);
Tensor index_put(const Tensor& a, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate);
Tensor nonzero(const Tensor& a);
// scatter with `src` a tensor, or a Python number as a wrapped 0-dim tensor (torch's scatter.value);
// reduce: "", "add" or "multiply".
Tensor scatter(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce = "");
Tensor& scatter_(Tensor& a, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce = "");
Tensor& scatter_add_(Tensor& a, int64_t dim, const Tensor& index, const Tensor& src);
Tensor index_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& source, double alpha = 1.0);
Tensor& index_add_(Tensor& a, int64_t dim, const Tensor& index, const Tensor& source, double alpha = 1.0);
Tensor masked_select(const Tensor& a, const Tensor& mask);
Tensor take(const Tensor& a, const Tensor& index);
Tensor take_along_dim(const Tensor& a, const Tensor& indices, std::optional<int64_t> dim);
Tensor alias(const Tensor& a);  // x[...]: a new view of the whole tensor (AliasBackward0)
// Writes g into `region` (a view of the fresh zeros z) and returns z: backward of slice/select.
Tensor index_put_slice_grad(Tensor z, Tensor region, const Tensor& g);

// ---- optimizers (ops/optim.cpp): fused multi-tensor updates in place, never recorded ----
// One call updates every parameter of a param group with the update functor `name`
// (kernels/optim/updates.h; Note [Optimizer driver]): `states` holds one list per state
// buffer the update uses with these options (an empty list for one it does not use);
// `state_steps` one 0-dim floating point tensor per parameter, incremented here, when
// the update keeps a step. An undefined state entry is created (torch's lazily created
// momentum buffer); the state lists are returned when any was, nothing otherwise.
namespace kernels { struct OptimOptions; }  // kernels/optim.h: hyper-parameters by name
std::vector<std::vector<Tensor>> optimizer_step_(const std::string& name, const std::vector<Tensor>& params,
                                                 const std::vector<Tensor>& grads,
                                                 std::vector<std::vector<Tensor>> states,
                                                 const std::vector<Tensor>& state_steps,
                                                 const kernels::OptimOptions& options);

}  // namespace pag
