// Reductions and normalizations (sum, mean, prod, max/min, var/std, softmax family),
// each with its backward rule. All run on kernels::reduce_loop.
#include <cmath>
#include <limits>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "kernels/reduce.h"
#include "ops/iter.h"
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
  for (int64_t d : *dims) {
    int64_t w = wrap_dim(d, nd);
    if (nd == 0) continue;
    if (mask[w])
      throw Error(str_cat("dim ", w, " appears multiple times in the list of dims"));
    mask[w] = true;
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

kernels::ReduceGeometry make_reduce_geometry(const Tensor& a, const Tensor& out_keepdim, const std::vector<bool>& mask) {
  kernels::ReduceGeometry rg;
  rg.outer.nops = 2;
  rg.inner.nops = 1;
  const int64_t isz = (int64_t)a.itemsize(), osz = (int64_t)out_keepdim.itemsize();
  // Innermost first, coalescing where strides allow.
  auto push = [](kernels::Geometry& g, int64_t size, std::initializer_list<int64_t> strides) {
    if (size == 1) return;
    if (!g.sizes.empty()) {
      size_t last = g.sizes.size() - 1;
      bool ok = true;
      int k = 0;
      for (int64_t st : strides) { if (st != g.strides[k][last] * g.sizes[last]) ok = false; ++k; }
      if (ok) { g.sizes[last] *= size; return; }
    }
    g.sizes.push_back(size);
    int k = 0;
    for (int64_t st : strides) g.strides[k++].push_back(st);
  };
  // Reduced dims ordered by input stride (innermost = smallest stride) for locality.
  std::vector<int64_t> red;
  for (int64_t i = a.dim() - 1; i >= 0; --i)
    if (mask[i]) red.push_back(i);
  std::stable_sort(red.begin(), red.end(), [&](int64_t x, int64_t y) { return a.strides()[x] < a.strides()[y]; });
  for (int64_t i : red) push(rg.inner, a.sizes()[i], {a.strides()[i] * isz});
  for (int64_t i = a.dim() - 1; i >= 0; --i)
    if (!mask[i]) push(rg.outer, a.sizes()[i], {out_keepdim.strides()[i] * osz, a.strides()[i] * isz});
  if (rg.inner.sizes.empty()) { rg.inner.sizes.push_back(1); rg.inner.strides[0].push_back(0); }
  if (rg.outer.sizes.empty()) {
    rg.outer.sizes.push_back(1);
    rg.outer.strides[0].push_back(0);
    rg.outer.strides[1].push_back(0);
  }
  if (a.numel() == 0) {
    // Empty reductions: every output folds zero elements.
    rg.inner.sizes.clear(); rg.inner.strides[0].clear();
    rg.inner.sizes.push_back(0); rg.inner.strides[0].push_back(0);
    int64_t n_out = out_keepdim.numel();
    rg.outer.sizes.clear(); rg.outer.strides[0].clear(); rg.outer.strides[1].clear();
    rg.outer.sizes.push_back(n_out);
    rg.outer.strides[0].push_back(osz);
    rg.outer.strides[1].push_back(0);
  }
  return rg;
}

// Drops the kept-size-1 dims of a keepdim result when keepdim is false.
Tensor squeeze_reduced(const Tensor& out_keepdim, const std::vector<bool>& mask, bool keepdim) {
  if (keepdim) return out_keepdim;
  DimVec sz, st;
  for (int64_t i = 0; i < out_keepdim.dim(); ++i)
    if (!mask[i]) { sz.push_back(out_keepdim.sizes()[i]); st.push_back(out_keepdim.strides()[i]); }
  Tensor r = make_view(out_keepdim, sz, st, out_keepdim.offset());
  r.impl()->view_base.reset();
  return r;
}

Tensor keepdim_shape_grad(const Tensor& g, const DimVec& in_shape, const std::vector<bool>& mask, bool keepdim) {
  // Re-inserts reduced dims as size 1 so g broadcasts against the input.
  if (keepdim) return g;
  DimVec s;
  for (size_t i = 0; i < in_shape.size(); ++i) s.push_back(mask[i] ? 1 : in_shape[i]);
  return reshape(g, s);
}

namespace {

template <typename acc_t, typename in_t>
struct SumOps {
  acc_t init() const { return acc_t(0); }
  acc_t step(acc_t a, in_t v, int64_t) const { return a + static_cast<acc_t>(v); }
  acc_t combine(acc_t a, acc_t b) const { return a + b; }
};

template <typename T> struct acc_type { using type = T; };
template <> struct acc_type<float> { using type = double; };
template <> struct acc_type<bool> { using type = int64_t; };

}  // namespace

Tensor sum(const Tensor& a, OptDims dims, bool keepdim, std::optional<Dtype> dtype) {
  Dtype od = dtype ? *dtype : (is_integral(a.dtype(), true) ? Dtype::Int64 : a.dtype());
  auto mask = reduce_mask(a, dims);
  Tensor x = a.dtype() == od ? a : to_dtype(a, od);
  DimVec kshape = reduced_shape(a, mask, true);
  Tensor outk = empty(kshape, od);
  auto rg = make_reduce_geometry(x, outk, mask);
  PAG_DISPATCH_ALL(od, "sum", [&] {
    using acc_t = typename acc_type<scalar_t>::type;
    struct Ops : SumOps<acc_t, scalar_t> {
      scalar_t finish(acc_t a) const { return static_cast<scalar_t>(a); }
    } ops;
    kernels::reduce_loop<scalar_t, scalar_t, acc_t>(rg, static_cast<char*>(outk.raw_data()),
                                                    static_cast<const char*>(x.raw_data()), ops);
  });
  Tensor out = squeeze_reduced(outk, mask, keepdim);
  if (any_requires_grad({&x})) {
    bool all = !dims || dims->empty();
    auto n = record(all ? "SumBackward0" : "SumBackward1", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      std::vector<bool> mask(n.ints.begin(), n.ints.end() - 1);
      Tensor gk = keepdim_shape_grad(g[0], n.shapes[0], mask, n.ints.back());
      return {expand(gk, n.shapes[0])};
    }, {x}, {out});
    for (bool m : mask) n->ints.push_back(m);
    n->ints.push_back(keepdim);
  }
  return out;
}

Tensor mean(const Tensor& a, OptDims dims, bool keepdim, std::optional<Dtype> dtype) {
  Dtype d = dtype ? *dtype : a.dtype();
  if (!is_floating(d))
    throw Error(str_cat("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                        "complex dtype. Got: ", scalar_type_name(d)));
  auto mask = reduce_mask(a, dims);
  int64_t count = 1;
  for (int64_t i = 0; i < a.dim(); ++i)
    if (mask[i]) count *= a.sizes()[i];
  Tensor x = a.dtype() == d ? a : to_dtype(a, d);
  Tensor s;
  {
    AutoGradMode no(false);
    s = sum(x, dims, keepdim, d);
    s = div(s, scalar_tensor((double)count, Dtype::Float64, true));
  }
  if (any_requires_grad({&x})) {
    bool all = !dims || dims->empty();
    auto n = record(all ? "MeanBackward0" : "MeanBackward1", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      std::vector<bool> mask(n.ints.begin(), n.ints.end() - 1);
      Tensor gk = keepdim_shape_grad(g[0], n.shapes[0], mask, n.ints.back());
      return {div(expand(gk, n.shapes[0]), scalar_tensor(n.scalars[0], Dtype::Float64, true))};
    }, {x}, {s});
    for (bool m : mask) n->ints.push_back(m);
    n->ints.push_back(keepdim);
    n->scalars = {(double)count};
  }
  return s;
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

}  // namespace pag

namespace pag {

namespace {
template <bool IsMax>
Tensor extreme_all(const Tensor& a, const char* name) {
  if (a.numel() == 0)
    throw Error(str_cat(name, "(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument."));
  Tensor out = empty({}, a.dtype());
  std::vector<bool> mask(a.dim(), true);
  auto rg = make_reduce_geometry(a, reshape(out, DimVec(a.dim(), 1)), mask);
  PAG_DISPATCH_ALL(a.dtype(), name, [&] {
    struct Ops {
      scalar_t init() const {
        if constexpr (std::is_same_v<scalar_t, bool>) return !IsMax;
        else return IsMax ? std::numeric_limits<scalar_t>::lowest() : std::numeric_limits<scalar_t>::max();
      }
      scalar_t step(scalar_t acc, scalar_t v, int64_t) const { return combine(acc, v); }
      scalar_t combine(scalar_t acc, scalar_t v) const {
        if constexpr (std::is_floating_point_v<scalar_t>) {
          if (std::isnan(acc) || std::isnan(v)) return std::numeric_limits<scalar_t>::quiet_NaN();
        }
        if constexpr (IsMax) return v > acc ? v : acc;
        else return v < acc ? v : acc;
      }
      scalar_t finish(scalar_t acc) const { return acc; }
    } ops;
    kernels::reduce_loop<scalar_t, scalar_t, scalar_t>(rg, static_cast<char*>(out.raw_data()),
                                                       static_cast<const char*>(a.raw_data()), ops);
  });
  if (any_requires_grad({&a})) {
    // The gradient is shared evenly among the elements equal to the extreme value.
    auto n = record(IsMax ? "MaxBackward1" : "MinBackward1", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      Tensor a = n.saved_tensor(0), r = n.saved_tensor(1);
      Tensor m = to_dtype(eq(a, r), g[0].dtype());
      return {mul(div(m, sum(m, std::nullopt, false)), g[0])};
    }, {a}, {out});
    n->saved = {SavedVariable(a, false), SavedVariable(out, true)};
  }
  return out;
}
}  // namespace

Tensor max_all(const Tensor& a) { return extreme_all<true>(a, "max"); }
Tensor min_all(const Tensor& a) { return extreme_all<false>(a, "min"); }

}  // namespace pag
