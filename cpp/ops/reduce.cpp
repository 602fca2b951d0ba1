// Reductions and normalizations (sum, mean, prod, max/min, arg-reductions, var/std,
// any/all, logsumexp, softmax, log_softmax, cumsum), each forward next to its
// backward rule. Reductions run on kernels::reduce_loop, the per-line ops on
// kernels::line_loop (Note [Deterministic reductions]).
//
// Note [No trapping math]: GCC keeps float selects (clamps, x > m ? x : m) as
// branches while comparisons may raise FP exception flags, which blocks
// vectorizing exp_fast and the max passes. Nothing reads those flags, so this file
// compiles without trapping math; results are unchanged.
#pragma GCC optimize("no-trapping-math")
#include <cmath>
#include <limits>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "kernels/reduce.h"
#include "ops/iter.h"
#include "ops/nn.h"
#include "ops/ops.h"
#include "ops/reduce_util.h"

namespace pag {

// ---------------------------------------------------------------- helpers
std::vector<bool> reduce_mask(const Tensor& a, const OptDims& dims) {
  int64_t nd = a.dim();
  std::vector<bool> mask(std::max<int64_t>(nd, 0), false);
  if (!dims || dims->empty()) {
    std::fill(mask.begin(), mask.end(), true);
    return mask;
  }
  std::vector<bool> seen(std::max<int64_t>(nd, 1), false);
  for (int64_t d : *dims) {
    int64_t w = wrap_dim(d, nd);
    if (seen[w]) throw Error(str_cat("dim ", w, " appears multiple times in the list of dims"));
    seen[w] = true;
    if (nd > 0) mask[w] = true;
  }
  return mask;
}

DimVec reduced_shape(const Tensor& a, const std::vector<bool>& mask, bool keepdim) {
  DimVec s;
  for (int64_t i = 0; i < a.dim(); ++i) {
    if (!mask[i]) s.push_back(a.sizes()[i]);
    else if (keepdim) s.push_back(1);
  }
  return s;
}

int64_t reduced_numel(const Tensor& a, const std::vector<bool>& mask) {
  int64_t n = 1;
  for (int64_t i = 0; i < a.dim(); ++i)
    if (mask[i]) n *= a.sizes()[i];
  return n;
}

kernels::ReduceGeometry make_reduce_geometry(const Tensor& a, std::initializer_list<const Tensor*> outs,
                                             const std::vector<bool>& mask) {
  kernels::ReduceGeometry rg;
  const int nouts = (int)outs.size();
  rg.outer.nops = 1 + nouts;
  rg.inner.nops = 1;
  const int64_t isz = (int64_t)a.itemsize();
  // Appends a dim (innermost first), merging it into the previous one where every operand allows.
  auto push = [](kernels::Geometry& g, int64_t size, const int64_t* strides) {
    if (size == 1) return;
    if (!g.sizes.empty()) {
      size_t last = g.sizes.size() - 1;
      bool ok = true;
      for (int k = 0; k < g.nops; ++k)
        if (strides[k] != g.strides[k][last] * g.sizes[last]) ok = false;
      if (ok) { g.sizes[last] *= size; return; }
    }
    g.sizes.push_back(size);
    for (int k = 0; k < g.nops; ++k) g.strides[k].push_back(strides[k]);
  };
  // Both groups ordered by input stride, innermost first, for locality (and Note [Vertical reductions]).
  std::vector<int64_t> red, kept;
  for (int64_t i = a.dim() - 1; i >= 0; --i) (mask[i] ? red : kept).push_back(i);
  auto by_stride = [&](int64_t x, int64_t y) { return a.strides()[x] < a.strides()[y]; };
  std::stable_sort(red.begin(), red.end(), by_stride);
  std::stable_sort(kept.begin(), kept.end(), by_stride);
  for (int64_t i : red) {
    int64_t st[1] = {a.strides()[i] * isz};
    push(rg.inner, a.sizes()[i], st);
  }
  for (int64_t i : kept) {
    int64_t st[kernels::kMaxOperands] = {a.strides()[i] * isz};
    int k = 1;
    for (const Tensor* o : outs) st[k++] = o->strides()[i] * (int64_t)o->itemsize();
    push(rg.outer, a.sizes()[i], st);
  }
  auto unit = [](kernels::Geometry& g, int64_t size) {
    g.sizes.clear();
    g.sizes.push_back(size);
    for (int k = 0; k < g.nops; ++k) { g.strides[k].clear(); g.strides[k].push_back(0); }
  };
  if (rg.inner.sizes.empty()) unit(rg.inner, 1);
  if (rg.outer.sizes.empty()) unit(rg.outer, 1);
  if (a.numel() == 0) {
    // Every output folds zero elements; the outputs are fresh and dense.
    unit(rg.inner, 0);
    int64_t n_out = 1;
    for (int64_t i = 0; i < a.dim(); ++i)
      if (!mask[i]) n_out *= a.sizes()[i];
    unit(rg.outer, n_out);
    int k = 1;
    for (const Tensor* o : outs) rg.outer.strides[k++][0] = (int64_t)o->itemsize();
  }
  return rg;
}

Tensor squeeze_reduced(const Tensor& out_keepdim, const std::vector<bool>& mask, bool keepdim) {
  if (keepdim) return out_keepdim;
  DimVec sz, st;
  for (int64_t i = 0; i < out_keepdim.dim(); ++i)
    if (!mask[i]) { sz.push_back(out_keepdim.sizes()[i]); st.push_back(out_keepdim.strides()[i]); }
  Tensor r = make_view(out_keepdim, sz, st, out_keepdim.offset());
  r.impl()->view_base.reset();
  return r;
}

// torch's sum_backward: a gradient reduced over some dims gets them back by unsqueeze, one
// UnsqueezeBackward0 per dim under create_graph; a full reduction's expands as it is.
Tensor sum_backward(const Tensor& g, const DimVec& in_shape, const std::vector<bool>& mask, bool keepdim) {
  Tensor r = g;
  if (!keepdim && g.dim() > 0)
    for (size_t i = 0; i < mask.size(); ++i)
      if (mask[i]) r = unsqueeze(r, (int64_t)i);
  return expand(r, in_shape);
}

Tensor keepdim_shape_grad(const Tensor& g, const DimVec& in_shape, const std::vector<bool>& mask, bool keepdim) {
  if (keepdim) return g;
  DimVec s;
  for (size_t i = 0; i < in_shape.size(); ++i) s.push_back(mask[i] ? 1 : in_shape[i]);
  return reshape(g, s);
}

kernels::LineGeometry make_line_geometry(const Tensor& out, const Tensor& in, int64_t dim) {
  kernels::LineGeometry lg;
  lg.outer.nops = 2;
  const int64_t osz = (int64_t)out.itemsize(), isz = (int64_t)in.itemsize();
  if (in.dim() == 0) {
    lg.n = 1;
  } else {
    lg.n = in.sizes()[dim];
    lg.out_stride = out.strides()[dim] * osz;
    lg.in_stride = in.strides()[dim] * isz;
    for (int64_t i = in.dim() - 1; i >= 0; --i) {
      if (i == dim || in.sizes()[i] == 1) continue;
      int64_t so = out.strides()[i] * osz, si = in.strides()[i] * isz;
      auto& g = lg.outer;
      if (!g.sizes.empty()) {
        size_t last = g.sizes.size() - 1;
        if (so == g.strides[0][last] * g.sizes[last] && si == g.strides[1][last] * g.sizes[last]) {
          g.sizes[last] *= in.sizes()[i];
          continue;
        }
      }
      g.sizes.push_back(in.sizes()[i]);
      g.strides[0].push_back(so);
      g.strides[1].push_back(si);
    }
  }
  if (lg.outer.sizes.empty()) {
    lg.outer.sizes.push_back(1);
    lg.outer.strides[0].push_back(0);
    lg.outer.strides[1].push_back(0);
  }
  return lg;
}

namespace {

// Runs `ops` over `x` reduced by `mask` into the fresh keepdim-shaped outputs.
template <typename in_t, typename acc_t, typename Ops>
void run_reduce(const Tensor& x, std::initializer_list<const Tensor*> outs, const std::vector<bool>& mask,
                const Ops& ops) {
  auto rg = make_reduce_geometry(x, outs, mask);
  char* op[kernels::kMaxOperands];
  int k = 0;
  for (const Tensor* o : outs) op[k++] = static_cast<char*>(o->raw_data());
  kernels::reduce_loop<in_t, acc_t>(rg, op, k, static_cast<const char*>(x.raw_data()), ops);
}

// torch's error for an explicit integral dtype on an input that requires grad.
void check_autograd_dtype(const Tensor& a, Dtype out, bool explicit_dtype) {
  if (explicit_dtype && !is_floating(out) && any_requires_grad({&a}))
    throw Error(str_cat("Autograd not support dtype: ", scalar_type_name(out)));
}

// Note [Reduction dtype]: a reduction's dtype= casts inside the op, as torch's does: the
// node's input is the original tensor (no ToCopyBackward0 in the graph) and the engine
// casts the gradient back to that tensor's dtype (Note [Broadcast in backward]).
Tensor cast_untracked(const Tensor& a, Dtype d) {
  if (a.dtype() == d) return a;
  AutoGradMode no(false);
  return to_dtype(a, d);
}

// The backward state of a reduction over the dims in `mask` (one flag per input dim).
struct ReduceState {
  std::vector<bool> mask;
  bool keepdim;
};
struct MeanState {
  std::vector<bool> mask;
  bool keepdim;
  double count;  // the elements folded into each output
};
// A reduction that also keeps its input and its result (logsumexp, amax / amin).
struct SavedReduceState {
  SavedVariable self, result;
  std::vector<bool> mask;
  bool keepdim;
};
struct SelfResultState {
  SavedVariable self, result;
};

}  // namespace

// ---------------------------------------------------------------- sum / mean
// A dims of nullopt is the full-reduction overload (SumBackward0); an empty list also
// reduces every dim but is the dim-list overload (SumBackward1), as in torch.
Tensor sum(const Tensor& a, OptDims dims, bool keepdim, std::optional<Dtype> dtype) {
  Dtype od = dtype ? *dtype : (is_integral(a.dtype(), true) ? Dtype::Int64 : a.dtype());
  check_autograd_dtype(a, od, dtype.has_value());
  auto mask = reduce_mask(a, dims);
  Tensor outk = empty(reduced_shape(a, mask, true), od);
  if (od == Dtype::Int64 && is_integral(a.dtype(), true)) {
    // Note [Integer reductions]: bool and the small ints convert per element into the
    // int64 accumulator (torch's), with no int64 copy of the input.
    PAG_DISPATCH_ALL(a.dtype(), "sum", [&] {
      run_reduce<scalar_t, int64_t>(a, {&outk}, mask, kernels::SumOps<int64_t, scalar_t, int64_t>{});
    });
  } else {
    Tensor x = cast_untracked(a, od);
    PAG_DISPATCH_ALL(od, "sum", [&] {
      using acc_t = typename kernels::acc_type<scalar_t>::type;
      run_reduce<scalar_t, acc_t>(x, {&outk}, mask, kernels::SumOps<scalar_t, scalar_t, acc_t>{});
    });
  }
  Tensor out = squeeze_reduced(outk, mask, keepdim);
  if (any_requires_grad({&a})) {
    auto n = record<ReduceState>(!dims ? "SumBackward0" : "SumBackward1", [](auto& n, const tensor_list& g) -> tensor_list {
      return {sum_backward(g[0], n.shapes[0], n.s.mask, n.s.keepdim)};
    }, {a}, {out});
    n->s = {mask, keepdim};
  }
  return out;
}

Tensor mean(const Tensor& a, OptDims dims, bool keepdim, std::optional<Dtype> dtype) {
  Dtype d = dtype ? *dtype : a.dtype();
  if (!is_floating(d))
    throw Error(str_cat("mean(): could not infer output dtype. ", dtype ? "Optional" : "Input",
                        " dtype must be either a floating point or complex dtype. Got: ", scalar_type_name(d)));
  auto mask = reduce_mask(a, dims);
  int64_t count = reduced_numel(a, mask);
  Tensor x = cast_untracked(a, d);
  Tensor outk = empty(reduced_shape(a, mask, true), d);
  PAG_DISPATCH_FLOATING(d, "mean", [&] {
    kernels::SumOps<scalar_t, scalar_t, double> ops;
    ops.mean = true;
    ops.count = (double)count;
    run_reduce<scalar_t, double>(x, {&outk}, mask, ops);
  });
  Tensor out = squeeze_reduced(outk, mask, keepdim);
  if (any_requires_grad({&a})) {
    auto n = record<MeanState>(!dims ? "MeanBackward0" : "MeanBackward1", [](auto& n, const tensor_list& g) -> tensor_list {
      // torch's sum_backward(...) / numel: DivBackward1 under create_graph
      return {div_scalar(sum_backward(g[0], n.shapes[0], n.s.mask, n.s.keepdim), n.s.count)};
    }, {a}, {out});
    n->s = {mask, keepdim, (double)count};
  }
  return out;
}

Tensor sum_to(const Tensor& g, const DimVec& shape) {
  if (g.sizes() == shape) return g;
  int64_t lead = g.dim() - (int64_t)shape.size();
  DimVec dims;
  for (int64_t i = 0; i < lead; ++i) dims.push_back(i);
  for (int64_t i = 0; i < (int64_t)shape.size(); ++i)
    if (shape[i] == 1 && g.sizes()[lead + i] != 1) dims.push_back(lead + i);
  Tensor r = dims.empty() ? g : sum(g, dims, true);
  if (lead > 0 || r.sizes() != shape) r = reshape(r, shape);
  return r;
}

// ---------------------------------------------------------------- any / all
namespace {
template <bool IsAny>
Tensor any_all(const Tensor& a, OptDims dims, bool keepdim) {
  // An empty dim list reduces nothing here (torch), unlike sum's.
  std::vector<bool> mask;
  if (dims && dims->empty()) {
    mask.assign(a.dim(), false);
  } else {
    mask = reduce_mask(a, dims);
  }
  Tensor outk = empty(reduced_shape(a, mask, true), Dtype::Bool);
  const char* name = IsAny ? "any" : "all";
  PAG_DISPATCH_ALL(a.dtype(), name, [&] {
    run_reduce<scalar_t, bool>(a, {&outk}, mask, kernels::AnyAllOps<scalar_t, IsAny>{});
  });
  return squeeze_reduced(outk, mask, keepdim);
}
}  // namespace

Tensor any(const Tensor& a, OptDims dims, bool keepdim) { return any_all<true>(a, dims, keepdim); }
Tensor all(const Tensor& a, OptDims dims, bool keepdim) { return any_all<false>(a, dims, keepdim); }

// ---------------------------------------------------------------- prod
namespace {

// prod_{j != i} x_j along `dim` for every element i (kernels::prod_others_lines).
Tensor prod_others_kernel(const Tensor& x, int64_t dim) {
  Tensor out = empty(x.sizes(), x.dtype());
  auto lg = make_line_geometry(out, x, dim);
  PAG_DISPATCH_FLOATING(x.dtype(), "prod_backward", [&] {
    using T = scalar_t;
    kernels::line_loop<T>(lg, static_cast<char*>(out.raw_data()), static_cast<const char*>(x.raw_data()),
                          kernels::prod_others_lines<T>);
  });
  return out;
}

// prod_{j != i} x_j along `dim`, as a gradient factor. `result` is prod(x, dim, keepdim=true).
// Note [Prod backward]: without create_graph the kernel above is exact. With it the
// factor must be differentiable: result / x when x has no zeros (torch's formula);
// otherwise the product over a [.., n, n, ..] copy of x whose diagonal is 1
// (the omitted products), whose own backward is again this rule.
Tensor prod_others(const Tensor& x, int64_t dim, const Tensor& result) {
  if (!GradMode::is_enabled()) return prod_others_kernel(x, dim);
  bool has_zero;
  {
    AutoGradMode no(false);
    has_zero = any(eq(x, scalar_tensor(0.0, x.dtype(), true)), std::nullopt, false).item_int() != 0;
  }
  if (!has_zero) return div(result, x);
  int64_t n = x.sizes()[dim];
  DimVec eshape(x.dim() + 1, 1);
  eshape[dim] = n;
  eshape[dim + 1] = n;
  Tensor diag = reshape(eye(n, n, Dtype::Bool), eshape);
  Tensor m = where(diag, scalar_tensor(1.0, x.dtype(), true), unsqueeze(x, dim));
  return prod(m, dim + 1, false);
}

struct ProdDimState {
  SavedVariable self, result;
  int64_t dim;
  bool keepdim;
};

template <typename scalar_t>
void prod_kernel(const Tensor& x, const Tensor& outk, const std::vector<bool>& mask) {
  // float16/bfloat16 products round at every step, as torch's (asked of torch 2.13)
  using acc_t = std::conditional_t<is_reduced_float_v<scalar_t>, scalar_t,
                                   std::conditional_t<std::is_floating_point_v<scalar_t>, double, int64_t>>;
  run_reduce<scalar_t, acc_t>(x, {&outk}, mask, kernels::ProdOps<scalar_t, acc_t>{});
}

}  // namespace

Tensor prod(const Tensor& a, std::optional<int64_t> dim, bool keepdim, std::optional<Dtype> dtype) {
  Dtype od = dtype ? *dtype : (is_integral(a.dtype(), true) ? Dtype::Int64 : a.dtype());
  check_autograd_dtype(a, od, dtype.has_value());
  int64_t d = dim ? wrap_dim(*dim, a.dim()) : 0;
  auto mask = reduce_mask(a, dim ? OptDims(DimVec{d}) : std::nullopt);
  Tensor outk = empty(reduced_shape(a, mask, true), od);
  if (od == Dtype::Int64 && is_integral(a.dtype(), true)) {  // Note [Integer reductions]
    PAG_DISPATCH_ALL(a.dtype(), "prod", [&] {
      run_reduce<scalar_t, int64_t>(a, {&outk}, mask, kernels::ProdOps<scalar_t, int64_t, int64_t>{});
    });
  } else {
    Tensor x = cast_untracked(a, od);
    PAG_DISPATCH_ALL(od, "prod", [&] { prod_kernel<scalar_t>(x, outk, mask); });
  }
  Tensor out = squeeze_reduced(outk, mask, dim ? keepdim : false);
  if (any_requires_grad({&a})) {
    if (!dim) {
      auto n = record<SelfResultState>("ProdBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
        if (n.shapes[0].empty()) return {g[0]};
        Tensor r = n.unpack(n.s.result), x = to_dtype(n.unpack(n.s.self), r.dtype());
        Tensor p = prod_others(reshape(x, {-1}), 0, reshape(r, {1}));
        return {mul(g[0], reshape(p, n.shapes[0]))};
      }, {a}, {out});
      n->s = {n->save(a), n->save_output(out)};
    } else {
      auto n = record<ProdDimState>("ProdBackward1", [](auto& n, const tensor_list& g) -> tensor_list {
        if (n.shapes[0].empty()) return {g[0]};
        Tensor r = n.unpack(n.s.result), x = to_dtype(n.unpack(n.s.self), r.dtype());
        const int64_t d = n.s.dim;
        Tensor gk = n.s.keepdim ? g[0] : unsqueeze(g[0], d), rk = n.s.keepdim ? r : unsqueeze(r, d);
        return {mul(gk, prod_others(x, d, rk))};
      }, {a}, {out});
      n->s = {n->save(a), n->save_output(out), d, keepdim};
    }
  }
  return out;
}

// ---------------------------------------------------------------- amax / amin
namespace {

// Gradient of a value-selecting reduction shared evenly among the elements equal to the result.
Tensor evenly_shared(const Tensor& g, const Tensor& mask_b, const OptDims& dims) {
  Tensor m = to_dtype(mask_b, g.dtype());
  return mul(div(g, sum(m, dims, true)), m);
}

template <bool IsMax>
Tensor amax_amin(const Tensor& a, OptDims dims, bool keepdim) {
  const char* name = IsMax ? "amax" : "amin";
  auto mask = reduce_mask(a, dims);
  if (a.numel() == 0) {
    if (!dims || dims->empty())
      throw Error(str_cat(name, "(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                                "reduction dim with the 'dim' argument."));
    for (int64_t d : *dims)
      if (a.dim() > 0 && a.sizes()[wrap_dim(d, a.dim())] == 0)
        throw IndexError(str_cat(name, "(): Expected reduction dim ", d, " to have non-zero size."));
  }
  Tensor outk = empty(reduced_shape(a, mask, true), a.dtype());
  PAG_DISPATCH_ALL(a.dtype(), name, [&] { run_reduce<scalar_t, scalar_t>(a, {&outk}, mask, kernels::ExtremeOps<scalar_t, IsMax>{}); });
  Tensor out = squeeze_reduced(outk, mask, keepdim);
  if (any_requires_grad({&a})) {
    auto n = record<SavedReduceState>(IsMax ? "AmaxBackward0" : "AminBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      const auto& mask = n.s.mask;
      Tensor x = n.unpack(n.s.self), r = n.unpack(n.s.result);
      Tensor gk = keepdim_shape_grad(g[0], n.shapes[0], mask, n.s.keepdim);
      Tensor rk = keepdim_shape_grad(r, n.shapes[0], mask, n.s.keepdim);
      DimVec dims;
      for (size_t i = 0; i < mask.size(); ++i)
        if (mask[i]) dims.push_back((int64_t)i);
      return {evenly_shared(gk, eq(x, rk), dims)};
    }, {a}, {out});
    n->s = {n->save(a), n->save_output(out), mask, keepdim};
  }
  return out;
}

template <bool IsMax>
Tensor extreme_all(const Tensor& a) {
  const char* name = IsMax ? "max" : "min";
  if (a.numel() == 0)
    throw Error(str_cat(name, "(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                              "reduction dim with the 'dim' argument."));
  std::vector<bool> mask(a.dim(), true);
  Tensor outk = empty(DimVec(a.dim(), 1), a.dtype());
  PAG_DISPATCH_ALL(a.dtype(), name, [&] { run_reduce<scalar_t, scalar_t>(a, {&outk}, mask, kernels::ExtremeOps<scalar_t, IsMax>{}); });
  Tensor out = squeeze_reduced(outk, mask, false);
  if (any_requires_grad({&a})) {
    // torch's evenly_distribute_backward: a NaN result is shared among the NaNs.
    auto n = record<SelfResultState>(IsMax ? "MaxBackward1" : "MinBackward1", [](auto& n, const tensor_list& g) -> tensor_list {
      Tensor x = n.unpack(n.s.self), r = n.unpack(n.s.result);
      bool nan = std::isnan(r.item_double());
      return {evenly_shared(g[0], nan ? ne(x, x) : eq(x, r), std::nullopt)};
    }, {a}, {out});
    n->s = {n->save(a), n->save_output(out)};
  }
  return out;
}

}  // namespace

Tensor amax(const Tensor& a, OptDims dims, bool keepdim) { return amax_amin<true>(a, dims, keepdim); }
Tensor amin(const Tensor& a, OptDims dims, bool keepdim) { return amax_amin<false>(a, dims, keepdim); }
Tensor max_all(const Tensor& a) { return extreme_all<true>(a); }
Tensor min_all(const Tensor& a) { return extreme_all<false>(a); }

// ---------------------------------------------------------------- max / min along a dim, argmax / argmin
namespace {

// Scatters g into a zero tensor of `shape` at `indices` along dim (torch's value_selecting_reduction_backward),
// as a where over a one-hot mask so that it stays differentiable in g.
Tensor index_select_backward(const Tensor& g, const Tensor& indices, int64_t dim, bool keepdim, const DimVec& shape) {
  if (shape.empty()) return g;
  Tensor gk = keepdim ? g : unsqueeze(g, dim), ik = keepdim ? indices : unsqueeze(indices, dim);
  DimVec s(shape.size(), 1);
  s[dim] = shape[dim];
  Tensor iota = reshape(arange(0, (double)shape[dim], 1, Dtype::Int64), s);
  return where(eq(iota, ik), gk, zeros({}, g.dtype()));
}

void check_dim_nonempty(const Tensor& a, int64_t d, const char* name) {
  if (a.dim() > 0 && a.sizes()[d] == 0)
    throw IndexError(str_cat(name, "(): Expected reduction dim ", d, " to have non-zero size."));
}

// max / min along a dim: the gradient goes to the selected indices.
struct IndicesState {
  SavedVariable indices;
  int64_t dim;
  bool keepdim;
};

template <bool IsMax>
std::pair<Tensor, Tensor> extreme_dim(const Tensor& a, int64_t dim, bool keepdim) {
  const char* name = IsMax ? "max" : "min";
  int64_t d = wrap_dim(dim, a.dim());
  check_dim_nonempty(a, d, name);
  std::vector<bool> mask(a.dim(), false);
  if (a.dim() > 0) mask[d] = true;
  DimVec ks = reduced_shape(a, mask, true);
  Tensor vk = empty(ks, a.dtype()), ik = empty(ks, Dtype::Int64);
  PAG_DISPATCH_ALL(a.dtype(), name, [&] {
    run_reduce<scalar_t, typename kernels::ArgOps<scalar_t, IsMax, true>::acc_t>(a, {&vk, &ik}, mask,
                                                                        kernels::ArgOps<scalar_t, IsMax, true>{});
  });
  Tensor values = squeeze_reduced(vk, mask, keepdim), indices = squeeze_reduced(ik, mask, keepdim);
  if (any_requires_grad({&a})) {
    auto n = record<IndicesState>(IsMax ? "MaxBackward0" : "MinBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      return {index_select_backward(g[0], n.unpack(n.s.indices), n.s.dim, n.s.keepdim, n.shapes[0])};
    }, {a}, {values, indices});
    n->s = {n->save(indices), d, keepdim};
  }
  return {values, indices};
}

template <bool IsMax>
Tensor arg_extreme(const Tensor& a, std::optional<int64_t> dim, bool keepdim) {
  const char* name = IsMax ? "argmax" : "argmin";
  if (a.dtype() == Dtype::Bool) throw Error(str_cat(name, "(): does not support bool input"));
  if (!dim) {
    if (a.numel() == 0)
      throw IndexError(str_cat(name, "(): Expected reduction dim to be specified for input.numel() == 0."));
    // The flat index counts in logical (row-major) order: reduce a row-major copy.
    Tensor flat = a;
    if (!a.is_contiguous()) {
      AutoGradMode no(false);
      flat = empty(a.sizes(), a.dtype());
      copy_(flat, a);
    }
    Tensor r = arg_extreme<IsMax>(make_view(flat, {a.numel()}, {1}, flat.offset()), 0, false);
    return keepdim ? reshape(r, DimVec(a.dim(), 1)) : r;
  }
  int64_t d = wrap_dim(*dim, a.dim());
  check_dim_nonempty(a, d, name);
  std::vector<bool> mask(a.dim(), false);
  if (a.dim() > 0) mask[d] = true;
  Tensor ik = empty(reduced_shape(a, mask, true), Dtype::Int64);
  PAG_DISPATCH_ALL(a.dtype(), name, [&] {
    run_reduce<scalar_t, typename kernels::ArgOps<scalar_t, IsMax, false>::acc_t>(a, {&ik}, mask,
                                                                         kernels::ArgOps<scalar_t, IsMax, false>{});
  });
  return squeeze_reduced(ik, mask, keepdim);
}

}  // namespace

std::pair<Tensor, Tensor> max_dim(const Tensor& a, int64_t dim, bool keepdim) { return extreme_dim<true>(a, dim, keepdim); }
std::pair<Tensor, Tensor> min_dim(const Tensor& a, int64_t dim, bool keepdim) { return extreme_dim<false>(a, dim, keepdim); }
Tensor argmax(const Tensor& a, std::optional<int64_t> dim, bool keepdim) { return arg_extreme<true>(a, dim, keepdim); }
Tensor argmin(const Tensor& a, std::optional<int64_t> dim, bool keepdim) { return arg_extreme<false>(a, dim, keepdim); }

// ---------------------------------------------------------------- var / std
namespace {

// torch's var_backward. `all_dims`: the full-reduction form, whose degenerate dof <= 0
// case gives nan where x equals its mean and inf elsewhere.
Tensor var_backward(const Tensor& g, const Tensor& x, const std::vector<bool>& mask, bool keepdim, double correction,
                    bool all_dims) {
  if (x.dim() == 0 || all_dims) {
    double dof = (double)x.numel() - correction;
    Tensor m = mean(x, std::nullopt, false);
    if (dof <= 0)
      return mul(g, where(eq(x, m), num(std::numeric_limits<double>::quiet_NaN()),
                          num(std::numeric_limits<double>::infinity())));
    return mul(mul(num(2.0 / dof), g), sub(x, m));
  }
  DimVec dims;
  double rnumel = 1;
  for (size_t i = 0; i < mask.size(); ++i)
    if (mask[i]) { dims.push_back((int64_t)i); rnumel *= (double)x.sizes()[i]; }
  Tensor gk = keepdim_shape_grad(g, x.sizes(), mask, keepdim);
  return mul(mul(num(2.0 / (rnumel - correction)), gk), sub(x, mean(x, dims, true)));
}

struct VarState {
  SavedVariable self, result;  // result: std's only
  std::vector<bool> mask;
  bool keepdim, all_dims;
  double correction;
};

template <bool IsStd>
Tensor var_std(const Tensor& a, OptDims dims, double correction, bool keepdim) {
  if (!is_floating(a.dtype())) throw Error("std and var only support floating point and complex dtypes");
  auto mask = reduce_mask(a, dims);
  Tensor outk = empty(reduced_shape(a, mask, true), a.dtype());
  const char* name = IsStd ? "std" : "var";
  // torch's warn_invalid_degrees_of_freedom: the elements per output, less the correction
  const int64_t per_out = outk.numel() == 0 ? 0 : a.numel() / outk.numel();
  if ((double)per_out - correction <= 0)
    warn(str_cat(name, "(): degrees of freedom is <= 0. Correction should be strictly less than the reduction factor "
                       "(input numel divided by output numel)."));
  PAG_DISPATCH_FLOATING(a.dtype(), name, [&] {
    kernels::VarOps<scalar_t> ops;
    ops.correction = correction;
    ops.take_sqrt = IsStd;
    run_reduce<scalar_t, typename kernels::VarOps<scalar_t>::acc_t>(a, {&outk}, mask, ops);
  });
  Tensor out = squeeze_reduced(outk, mask, keepdim);
  if (any_requires_grad({&a})) {
    auto n = record<VarState>(IsStd ? "StdBackward0" : "VarBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      Tensor x = n.unpack(n.s.self), gv = g[0];
      if (IsStd) {
        Tensor r = n.unpack(n.s.result);
        gv = where(eq(r, zeros({}, r.dtype())), zeros({}, g[0].dtype()), div(g[0], mul(r, num(2.0))));
      }
      return {var_backward(gv, x, n.s.mask, n.s.keepdim, n.s.correction, n.s.all_dims)};
    }, {a}, {out});
    // An empty dim list reduces every dim: its gradient is the full reduction's (torch's is inf there).
    n->s = {n->save(a), n->save_output(IsStd ? out : Tensor()), mask, keepdim, !dims || dims->empty(), correction};
  }
  return out;
}

}  // namespace

Tensor var(const Tensor& a, OptDims dims, double correction, bool keepdim) {
  return var_std<false>(a, dims, correction, keepdim);
}
Tensor std_(const Tensor& a, OptDims dims, double correction, bool keepdim) {
  return var_std<true>(a, dims, correction, keepdim);
}

// ---------------------------------------------------------------- logsumexp
Tensor logsumexp(const Tensor& a, const DimVec& dims, bool keepdim) {
  if (dims.empty() && a.dim() > 0)
    throw Error(str_cat("output with shape [] doesn't match the broadcast shape ", shape_str(DimVec(a.dim(), 1))));
  auto mask = reduce_mask(a, dims);
  Tensor x = is_floating(a.dtype()) ? a : to_dtype(a, default_dtype());
  Tensor out;
  if (is_reduced_float(x.dtype()) && x.numel() > 0) {
    // torch's logsumexp_out_impl for float16 / bfloat16 is a chain of ops, each rounding
    // to the dtype: log(sum(exp(x - m))) + m, with m = amax(x) and an infinite m shifted by 0.
    AutoGradMode no(false);
    DimVec rd;
    for (size_t i = 0; i < mask.size(); ++i)
      if (mask[i]) rd.push_back((int64_t)i);
    Tensor m = amax(x, rd, true);
    m = where(eq(abs(m), num(std::numeric_limits<double>::infinity())), zeros({}, m.dtype()), m);
    out = add(log(sum(exp(sub(x, m)), rd, keepdim)), keepdim ? m : squeeze_reduced(m, mask, false));
  } else {
    Tensor xk = is_reduced_float(x.dtype()) ? cast_untracked(x, Dtype::Float32) : x;  // empty: -inf
    Tensor outk = empty(reduced_shape(x, mask, true), xk.dtype());
    PAG_DISPATCH_FLOAT32_64(xk.dtype(), "logsumexp", [&] {
      run_reduce<scalar_t, typename kernels::LogsumexpOps<scalar_t>::acc_t>(xk, {&outk}, mask,
                                                                             kernels::LogsumexpOps<scalar_t>{});
    });
    out = cast_untracked(squeeze_reduced(outk, mask, keepdim), x.dtype());
  }
  if (any_requires_grad({&x})) {
    auto n = record<SavedReduceState>("LogsumexpBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      Tensor x = n.unpack(n.s.self), r = n.unpack(n.s.result);
      Tensor gk = keepdim_shape_grad(g[0], n.shapes[0], n.s.mask, n.s.keepdim);
      Tensor rk = keepdim_shape_grad(r, n.shapes[0], n.s.mask, n.s.keepdim);
      return {mul(gk, exp(sub(x, rk)))};
    }, {x}, {out});
    n->s = {n->save(x), n->save_output(out), mask, keepdim};
  }
  return out;
}

// ---------------------------------------------------------------- softmax / log_softmax
namespace {

struct SoftmaxState {
  SavedVariable result;
  int64_t dim;
};

template <bool Log>
Tensor softmax_impl(const Tensor& a, int64_t dim, std::optional<Dtype> dtype) {
  int64_t d = wrap_dim(dim, a.dim());
  Tensor x = dtype ? to_dtype(a, *dtype) : a;
  // torch runs no kernel over nothing, so an empty tensor of any dtype gives its like
  if (x.numel() == 0 && !is_floating(x.dtype())) return empty(x.sizes(), x.dtype());
  bool lastdim = x.dim() == 0 || d == x.dim() - 1;
  const char* kname = Log ? (lastdim ? "log_softmax_lastdim_kernel_impl" : "log_softmax_kernel_impl")
                          : (lastdim ? "softmax_lastdim_kernel_impl" : "softmax_kernel_impl");
  Tensor out;
  if (is_reduced_float(x.dtype())) {
    // Note [Reduced-float softmax]: torch computes float16 / bfloat16 (log_)softmax in
    // float and rounds once; its last-dim log_softmax also rounds the sum of exps and
    // its log to the dtype before x - max - log(sum). The backward computes in float.
    out = empty(x.sizes(), x.dtype());
    auto lg = make_line_geometry(out, x, d);
    auto* o = static_cast<char*>(out.raw_data());
    auto* i = static_cast<const char*>(x.raw_data());
    // only the last-dim log_softmax rounds its log-sum to the dtype (softmax_lines' R)
    const bool round_sum = Log && lastdim;
    if (x.dtype() == Dtype::Float16)
      kernels::line_loop<Half>(lg, o, i, round_sum ? kernels::softmax_lines_reduced<Half, Log, Half>
                                                   : kernels::softmax_lines_reduced<Half, Log>);
    else
      kernels::line_loop<BFloat16>(lg, o, i, round_sum ? kernels::softmax_lines_reduced<BFloat16, Log, BFloat16>
                                                       : kernels::softmax_lines_reduced<BFloat16, Log>);
  } else {
    out = empty(x.sizes(), x.dtype());
    auto lg = make_line_geometry(out, x, d);
    PAG_DISPATCH_FLOAT32_64(x.dtype(), kname, [&] {
      kernels::line_loop<scalar_t>(lg, static_cast<char*>(out.raw_data()), static_cast<const char*>(x.raw_data()),
                                   kernels::softmax_lines<scalar_t, Log>);
    });
  }
  if (any_requires_grad({&x})) {
    auto n = record<SoftmaxState>(Log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      return {softmax_backward_data(g[0], n.unpack(n.s.result), n.s.dim, Log)};
    }, {x}, {out});
    n->s = {n->save_output(out), d};
  }
  return out;
}

}  // namespace

// Note [Softmax backward as an op]: the gradient of (log_)softmax is its own op,
// as torch's _softmax_backward_data, so double backward records torch's node
// names and differentiates with respect to both the incoming gradient and y.
//   log_softmax: gi = g - exp(y) * sum(g)      softmax: gi = y * (g - sum(g * y))
namespace {
struct SoftmaxBackwardDataState {
  SavedVariable grad, output;
  int64_t dim;
  bool log;
};
}  // namespace

Tensor softmax_backward_data(const Tensor& g, const Tensor& y, int64_t dim, bool log) {
  DimVec dims{dim};
  Tensor gi;
  {
    AutoGradMode no(false);
    Dtype rd = promote_types(g.dtype(), y.dtype());
    bool reduced = is_reduced_float(rd);  // Note [Reduced-float softmax]
    if (reduced && g.sizes() == y.sizes()) {
      Tensor gc = contiguous(cast_untracked(g, Dtype::Float32)), yc = contiguous(cast_untracked(y, Dtype::Float32));
      Tensor gf = empty(y.sizes(), Dtype::Float32);
      const int64_t d = y.dim() == 0 ? 0 : dim;
      int64_t outer = 1, inner = 1, n = y.dim() == 0 ? 1 : y.sizes()[d];
      for (int64_t i = 0; i < d; ++i) outer *= y.sizes()[i];
      for (int64_t i = d + 1; i < y.dim(); ++i) inner *= y.sizes()[i];
      auto* gp = static_cast<const float*>(gc.raw_data());
      auto* yp = static_cast<const float*>(yc.raw_data());
      auto* op = static_cast<float*>(gf.raw_data());
      if (log) kernels::softmax_backward_float<true>(gp, yp, op, outer, n, inner);
      else kernels::softmax_backward_float<false>(gp, yp, op, outer, n, inner);
      gi = cast_untracked(gf, rd);
    } else {
      gi = log ? sub(g, mul(exp(y), sum(g, dims, true))) : mul(sub(g, sum(mul(g, y), dims, true)), y);
    }
  }
  if (any_requires_grad({&g, &y})) {
    auto n = record<SoftmaxBackwardDataState>(log ? "LogSoftmaxBackwardDataBackward0" : "SoftmaxBackwardDataBackward0",
                                              [](auto& n, const tensor_list& h) -> tensor_list {
      Tensor g = n.unpack(n.s.grad), y = n.unpack(n.s.output);
      DimVec dims{n.s.dim};
      Tensor gg, gy;
      if (n.s.log) {
        Tensor e = exp(y);
        if (n.needs_input_grad(0)) gg = sub(h[0], sum(mul(h[0], e), dims, true));
        if (n.needs_input_grad(1)) gy = neg(mul(mul(h[0], e), sum(g, dims, true)));
      } else {
        Tensor hy = sum(mul(h[0], y), dims, true);
        if (n.needs_input_grad(0)) gg = mul(y, sub(h[0], hy));
        if (n.needs_input_grad(1)) gy = sub(mul(h[0], sub(g, sum(mul(g, y), dims, true))), mul(g, hy));
      }
      return {gg, gy};
    }, {g, y}, {gi});
    n->s = {n->save(g), n->save(y), dim, log};
  }
  return gi;
}

Tensor softmax(const Tensor& a, int64_t dim, std::optional<Dtype> dtype) { return softmax_impl<false>(a, dim, dtype); }
Tensor log_softmax(const Tensor& a, int64_t dim, std::optional<Dtype> dtype) { return softmax_impl<true>(a, dim, dtype); }

// ---------------------------------------------------------------- cumsum
namespace {

struct CumsumState {
  int64_t dim;
  bool reverse;
};

// Inclusive scan along d, from the end when `reverse` (the backward of cumsum, and cumsum the backward of it).
// `src` is the tensor the node records (x itself, or the tensor x was cast from).
Tensor cumsum_impl(const Tensor& x, int64_t d, bool reverse, const Tensor* src = nullptr) {
  Tensor out = empty(x.sizes(), x.dtype());
  auto lg = make_line_geometry(out, x, d);
  PAG_DISPATCH_NUMERIC(x.dtype(), "cumsum_out_cpu", [&] {
    using T = scalar_t;
    using acc_t = typename kernels::acc_type<T>::type;
    kernels::line_loop<T>(lg, static_cast<char*>(out.raw_data()), static_cast<const char*>(x.raw_data()),
                          [reverse](const kernels::Lines<T>& L) { kernels::cumsum_lines<T, acc_t>(L, reverse); });
  });
  const Tensor& in = src ? *src : x;
  if (any_requires_grad({&in})) {
    auto n = record<CumsumState>("CumsumBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      const DimVec& s = n.shapes[0];
      if (numel_of(s) <= 1 || s[n.s.dim] == 1) return {g[0]};
      return {cumsum_impl(g[0], n.s.dim, !n.s.reverse)};
    }, {in}, {out});
    n->s = {d, reverse};
  }
  return out;
}

}  // namespace

Tensor cumsum(const Tensor& a, int64_t dim, std::optional<Dtype> dtype) {
  int64_t d = wrap_dim(dim, a.dim());
  Dtype od = dtype ? *dtype : (is_integral(a.dtype(), true) ? Dtype::Int64 : a.dtype());
  check_autograd_dtype(a, od, dtype.has_value());
  if (od == Dtype::Bool) throw NotImplementedError("\"cumsum_out_cpu\" not implemented for 'Bool'");
  return cumsum_impl(cast_untracked(a, od), a.dim() == 0 ? 0 : d, false, &a);
}

}  // namespace pag
