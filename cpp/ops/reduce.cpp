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


template <typename T> struct acc_type { using type = T; };
template <> struct acc_type<float> { using type = double; };
template <> struct acc_type<bool> { using type = int64_t; };
template <> struct acc_type<Half> { using type = float; };  // torch accumulates the storage floats in float
template <> struct acc_type<BFloat16> { using type = float; };

// Integer sums and products wrap like torch's (two's complement), without signed-overflow UB.
template <typename T> T wrap_add(T a, T b) {
  if constexpr (std::is_integral_v<T>) return (T)((uint64_t)a + (uint64_t)b);
  else return a + b;
}
template <typename T> T wrap_mul(T a, T b) {
  if constexpr (std::is_integral_v<T>) return (T)((uint64_t)a * (uint64_t)b);
  else return a * b;
}
template <typename out_t, typename acc_t> out_t cast_out(acc_t v) {
  if constexpr (std::is_same_v<out_t, bool>) return v != acc_t(0);
  else return static_cast<out_t>(v);
}

// sum, or mean when `mean` is set.
template <typename out_t, typename in_t, typename acc_t>
struct SumOps {
  static constexpr bool kVertical = true;
  bool mean = false;
  double count = 0;
  acc_t init() const { return acc_t(0); }
  acc_t step(acc_t a, in_t v, int64_t) const { return wrap_add(a, static_cast<acc_t>(v)); }
  acc_t run(acc_t a, const in_t* v, int64_t n, int64_t) const {
    if constexpr (std::is_floating_point_v<acc_t>) {
      return a + kernels::dense_sum<acc_t>(v, n);
    } else {
      for (int64_t i = 0; i < n; ++i) a = wrap_add(a, static_cast<acc_t>(v[i]));
      return a;
    }
  }
  acc_t combine(acc_t a, acc_t b) const { return wrap_add(a, b); }
  void write(char* const* o, acc_t a) const {
    if constexpr (std::is_floating_point_v<acc_t>) {
      if (mean) a = a / static_cast<acc_t>(count);  // 0 / 0 = nan for empty, as torch
    }
    *reinterpret_cast<out_t*>(o[0]) = cast_out<out_t>(a);
  }
};

template <typename T, typename acc_t>
struct ProdOps {
  static constexpr bool kVertical = true;
  acc_t init() const { return acc_t(1); }
  acc_t step(acc_t a, T v, int64_t) const { return wrap_mul(a, static_cast<acc_t>(v)); }
  acc_t combine(acc_t a, acc_t b) const { return wrap_mul(a, b); }
  void write(char* const* o, acc_t a) const { *reinterpret_cast<T*>(o[0]) = cast_out<T>(a); }
};

// max/min values; NaN wins (torch propagates it).
template <typename T, bool IsMax>
struct ExtremeOps {
  static constexpr bool kVertical = true;
  T init() const {
    if constexpr (std::is_same_v<T, bool>) return !IsMax;
    else if constexpr (is_float_v<T>)
      return IsMax ? T(-std::numeric_limits<T>::infinity()) : std::numeric_limits<T>::infinity();
    else return IsMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
  }
  T step(T acc, T v, int64_t) const {
    bool take = IsMax ? v > acc : v < acc;
    if constexpr (is_float_v<T>) take = take || v != v;
    return take ? v : acc;
  }
  T combine(T a, T b) const { return step(a, b, 0); }
  void write(char* const* o, T a) const { *reinterpret_cast<T*>(o[0]) = a; }
};

// max/min with the index of the first extreme element (of the first NaN, if any).
template <typename T, bool IsMax, bool WithValues>
struct ArgOps {
  static constexpr bool kVertical = true;
  struct acc_t {
    T v{};
    int64_t i = -1;
  };
  acc_t init() const { return acc_t{}; }
  static bool better(T v, T cur) {
    if constexpr (is_float_v<T>) {
      if (cur != cur) return false;
      if (v != v) return true;
    }
    return IsMax ? v > cur : v < cur;
  }
  acc_t step(acc_t a, T v, int64_t idx) const { return (a.i < 0 || better(v, a.v)) ? acc_t{v, idx} : a; }
  // A dense run: its extreme (vectorized), then the first index holding it (or the first NaN).
  acc_t run(acc_t a, const T* v, int64_t n, int64_t idx) const {
    if (n == 0) return a;
    bool nan = false;
    T m = kernels::dense_extreme<T, IsMax>(v, n, &nan);
    int64_t i = 0;
    if (nan) while (v[i] == v[i]) ++i;
    else while (v[i] != m) ++i;
    return combine(a, acc_t{v[i], idx + i});
  }
  acc_t combine(acc_t a, acc_t b) const {
    if (a.i < 0) return b;
    if (b.i < 0) return a;
    return better(b.v, a.v) ? b : a;
  }
  void write(char* const* o, acc_t a) const {
    if constexpr (WithValues) {
      *reinterpret_cast<T*>(o[0]) = a.v;
      *reinterpret_cast<int64_t*>(o[1]) = a.i;
    } else {
      *reinterpret_cast<int64_t*>(o[0]) = a.i;
    }
  }
};

template <typename T, bool IsAny>
struct AnyAllOps {
  static constexpr bool kVertical = true;
  bool init() const { return !IsAny; }
  bool step(bool a, T v, int64_t) const { return IsAny ? (a || v != T(0)) : (a && v != T(0)); }
  bool combine(bool a, bool b) const { return IsAny ? (a || b) : (a && b); }
  void write(char* const* o, bool a) const { *reinterpret_cast<bool*>(o[0]) = a; }
};

// Note [Variance]: each fixed block is folded in two passes (its mean, then the
// squared deviations from it, with the rounding correction of the deviations'
// sum), and blocks merge with Chan's formula, in double: accurate even when the
// mean is large against the spread, and deterministic.
template <typename T>
struct VarOps {
  static constexpr bool kVertical = true;
  struct acc_t {
    double n = 0, mean = 0, m2 = 0;
  };
  double correction = 1;
  bool take_sqrt = false;
  acc_t init() const { return acc_t{}; }
  acc_t block(acc_t, const kernels::BlockRef<T>& b) const {
    double s = 0;
    b.for_runs([&](const T* v, int64_t st, int64_t n, int64_t) {
      if (st == 1) s += kernels::dense_sum<double>(v, n);
      else for (int64_t i = 0; i < n; ++i) s += v[i * st];
    });
    acc_t r;
    r.n = (double)(b.end - b.begin);
    if (r.n == 0) return r;
    r.mean = s / r.n;
    double m2 = 0, c = 0;
    b.for_runs([&](const T* v, int64_t st, int64_t n, int64_t) {
      for (int64_t i = 0; i < n; ++i) {
        double d = (double)v[i * st] - r.mean;
        m2 += d * d;
        c += d;
      }
    });
    r.m2 = m2 - c * c / r.n;
    if (r.m2 < 0) r.m2 = 0;
    return r;
  }
  void rows(acc_t* part, int64_t cnt, const kernels::BlockRef<T>& b) const {
    double s[kernels::kVerticalChunk], m2[kernels::kVerticalChunk], d1[kernels::kVerticalChunk];
    const double n = (double)(b.end - b.begin);
    for (int64_t c = 0; c < cnt; ++c) { s[c] = 0; m2[c] = 0; d1[c] = 0; }
    b.for_runs([&](const T* v, int64_t st, int64_t len, int64_t) {
      for (int64_t i = 0; i < len; ++i)
        for (int64_t c = 0; c < cnt; ++c) s[c] += v[i * st + c];
    });
    for (int64_t c = 0; c < cnt; ++c) s[c] = n > 0 ? s[c] / n : 0;  // the mean
    b.for_runs([&](const T* v, int64_t st, int64_t len, int64_t) {
      for (int64_t i = 0; i < len; ++i)
        for (int64_t c = 0; c < cnt; ++c) {
          double d = (double)v[i * st + c] - s[c];
          m2[c] += d * d;
          d1[c] += d;
        }
    });
    for (int64_t c = 0; c < cnt; ++c) {
      double r = n > 0 ? m2[c] - d1[c] * d1[c] / n : 0;
      part[c] = acc_t{n, s[c], r < 0 ? 0 : r};
    }
  }
  acc_t combine(acc_t a, acc_t b) const {
    if (a.n == 0) return b;
    if (b.n == 0) return a;
    acc_t r;
    r.n = a.n + b.n;
    double d = b.mean - a.mean;
    r.mean = a.mean + d * (b.n / r.n);
    r.m2 = a.m2 + b.m2 + d * d * (a.n * b.n / r.n);
    return r;
  }
  void write(char* const* o, acc_t a) const {
    double v = a.m2 / std::max(0.0, a.n - correction);
    *reinterpret_cast<T*>(o[0]) = static_cast<T>(take_sqrt ? std::sqrt(v) : v);
  }
};

// Note [Logsumexp]: each block takes two passes, its max m and the sum of
// exp(x - m); blocks merge by rescaling to the larger max. A block whose max is
// +-inf shifts by 0 instead (torch's masking of infinite maxima), so rows of -inf
// give -inf and rows holding +inf give +inf, never inf - inf.
template <typename T>
struct LogsumexpOps {
  static constexpr bool kVertical = true;
  static constexpr double kNegInf = -std::numeric_limits<double>::infinity();
  struct acc_t {
    double m = kNegInf, s = 0;
  };
  static acc_t shifted(T m, double s) {
    return acc_t{m == -std::numeric_limits<T>::infinity() ? kNegInf : (std::isinf(m) ? 0.0 : (double)m), s};
  }
  acc_t init() const { return acc_t{}; }
  acc_t block(acc_t, const kernels::BlockRef<T>& b) const {
    T m = -std::numeric_limits<T>::infinity();
    b.for_runs([&](const T* v, int64_t st, int64_t n, int64_t) {
      if (st == 1) {
        T r = kernels::dense_max(v, n);
        m = r > m ? r : m;
      } else {
        for (int64_t i = 0; i < n; ++i) m = v[i * st] > m ? v[i * st] : m;
      }
    });
    const T shift = std::isinf(m) ? T(0) : m;
    double s = 0;
    b.for_runs([&](const T* v, int64_t st, int64_t n, int64_t) {
      constexpr int64_t kTmp = 256;
      T tmp[kTmp];
      for (int64_t j0 = 0; j0 < n; j0 += kTmp) {
        int64_t cnt = std::min(kTmp, n - j0);
        for (int64_t j = 0; j < cnt; ++j) tmp[j] = kernels::exp_fast(v[(j0 + j) * st] - shift);
        s += kernels::dense_sum<double>(tmp, cnt);
      }
    });
    return shifted(m, s);
  }
  void rows(acc_t* part, int64_t cnt, const kernels::BlockRef<T>& b) const {
    T m[kernels::kVerticalChunk], shift[kernels::kVerticalChunk];
    double s[kernels::kVerticalChunk];
    for (int64_t c = 0; c < cnt; ++c) { m[c] = -std::numeric_limits<T>::infinity(); s[c] = 0; }
    b.for_runs([&](const T* v, int64_t st, int64_t n, int64_t) {
      for (int64_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < cnt; ++c) m[c] = v[i * st + c] > m[c] ? v[i * st + c] : m[c];
    });
    for (int64_t c = 0; c < cnt; ++c) shift[c] = std::isinf(m[c]) ? T(0) : m[c];
    b.for_runs([&](const T* v, int64_t st, int64_t n, int64_t) {
      for (int64_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < cnt; ++c) s[c] += kernels::exp_fast(v[i * st + c] - shift[c]);
    });
    for (int64_t c = 0; c < cnt; ++c) part[c] = shifted(m[c], s[c]);
  }
  acc_t combine(acc_t a, acc_t b) const {
    if (a.s == 0) return b;  // nothing but -inf (or nothing) so far
    if (b.s == 0) return a;
    if (b.m > a.m) std::swap(a, b);
    a.s += a.m == b.m ? b.s : b.s * std::exp(b.m - a.m);
    return a;
  }
  void write(char* const* o, acc_t a) const { *reinterpret_cast<T*>(o[0]) = static_cast<T>(a.m + std::log(a.s)); }
};

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

// The mask and keepdim of a reduction, stored on its node as ints: [mask..., keepdim].
void save_mask(FunctionNode& n, const std::vector<bool>& mask, bool keepdim) {
  for (bool m : mask) n.ints.push_back(m);
  n.ints.push_back(keepdim);
}
std::vector<bool> saved_mask(const FunctionNode& n, size_t count) {
  return std::vector<bool>(n.ints.begin(), n.ints.begin() + count);
}

}  // namespace

// ---------------------------------------------------------------- sum / mean
// A dims of nullopt is the full-reduction overload (SumBackward0); an empty list also
// reduces every dim but is the dim-list overload (SumBackward1), as in torch.
Tensor sum(const Tensor& a, OptDims dims, bool keepdim, std::optional<Dtype> dtype) {
  Dtype od = dtype ? *dtype : (is_integral(a.dtype(), true) ? Dtype::Int64 : a.dtype());
  check_autograd_dtype(a, od, dtype.has_value());
  auto mask = reduce_mask(a, dims);
  Tensor x = cast_untracked(a, od);
  Tensor outk = empty(reduced_shape(a, mask, true), od);
  PAG_DISPATCH_ALL(od, "sum", [&] {
    using acc_t = typename acc_type<scalar_t>::type;
    run_reduce<scalar_t, acc_t>(x, {&outk}, mask, SumOps<scalar_t, scalar_t, acc_t>{});
  });
  Tensor out = squeeze_reduced(outk, mask, keepdim);
  if (any_requires_grad({&a})) {
    auto n = legacy_record(!dims ? "SumBackward0" : "SumBackward1", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      return {sum_backward(g[0], n.shapes[0], saved_mask(n, n.shapes[0].size()), n.ints.back())};
    }, {a}, {out});
    save_mask(*n, mask, keepdim);
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
    SumOps<scalar_t, scalar_t, double> ops;
    ops.mean = true;
    ops.count = (double)count;
    run_reduce<scalar_t, double>(x, {&outk}, mask, ops);
  });
  Tensor out = squeeze_reduced(outk, mask, keepdim);
  if (any_requires_grad({&a})) {
    auto n = legacy_record(!dims ? "MeanBackward0" : "MeanBackward1", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      // torch's sum_backward(...) / numel: DivBackward1 under create_graph
      return {div_scalar(sum_backward(g[0], n.shapes[0], saved_mask(n, n.shapes[0].size()), n.ints.back()),
                         n.scalars[0])};
    }, {a}, {out});
    save_mask(*n, mask, keepdim);
    n->scalars = {(double)count};
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
    run_reduce<scalar_t, bool>(a, {&outk}, mask, AnyAllOps<scalar_t, IsAny>{});
  });
  return squeeze_reduced(outk, mask, keepdim);
}
}  // namespace

Tensor any(const Tensor& a, OptDims dims, bool keepdim) { return any_all<true>(a, dims, keepdim); }
Tensor all(const Tensor& a, OptDims dims, bool keepdim) { return any_all<false>(a, dims, keepdim); }

// ---------------------------------------------------------------- prod
namespace {

// prod_{j != i} x_j along `dim` for every element i, by a prefix and a suffix
// product: exact with any number of zeros, no division.
Tensor prod_others_kernel(const Tensor& x, int64_t dim) {
  Tensor out = empty(x.sizes(), x.dtype());
  auto lg = make_line_geometry(out, x, dim);
  PAG_DISPATCH_FLOATING(x.dtype(), "prod_backward", [&] {
    using T = scalar_t;
    kernels::line_loop<T>(lg, static_cast<char*>(out.raw_data()), static_cast<const char*>(x.raw_data()),
                          [](const kernels::Lines<T>& L) {
      double p[kernels::kVerticalChunk];
      const int64_t C = L.count;
      for (int64_t c = 0; c < C; ++c) p[c] = 1;
      for (int64_t i = 0; i < L.n; ++i) {
        const T* xr = L.in + i * L.is;
        T* yr = L.out + i * L.os;
        for (int64_t c = 0; c < C; ++c) { yr[c] = static_cast<T>(p[c]); p[c] *= xr[c]; }
      }
      for (int64_t c = 0; c < C; ++c) p[c] = 1;
      for (int64_t i = L.n - 1; i >= 0; --i) {
        const T* xr = L.in + i * L.is;
        T* yr = L.out + i * L.os;
        for (int64_t c = 0; c < C; ++c) { yr[c] = static_cast<T>(yr[c] * p[c]); p[c] *= xr[c]; }
      }
    });
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

template <typename scalar_t>
void prod_kernel(const Tensor& x, const Tensor& outk, const std::vector<bool>& mask) {
  // float16/bfloat16 products round at every step, as torch's (asked of torch 2.13)
  using acc_t = std::conditional_t<is_reduced_float_v<scalar_t>, scalar_t,
                                   std::conditional_t<std::is_floating_point_v<scalar_t>, double, int64_t>>;
  run_reduce<scalar_t, acc_t>(x, {&outk}, mask, ProdOps<scalar_t, acc_t>{});
}

}  // namespace

Tensor prod(const Tensor& a, std::optional<int64_t> dim, bool keepdim, std::optional<Dtype> dtype) {
  Dtype od = dtype ? *dtype : (is_integral(a.dtype(), true) ? Dtype::Int64 : a.dtype());
  check_autograd_dtype(a, od, dtype.has_value());
  int64_t d = dim ? wrap_dim(*dim, a.dim()) : 0;
  auto mask = reduce_mask(a, dim ? OptDims(DimVec{d}) : std::nullopt);
  Tensor x = cast_untracked(a, od);
  Tensor outk = empty(reduced_shape(x, mask, true), od);
  PAG_DISPATCH_ALL(od, "prod", [&] { prod_kernel<scalar_t>(x, outk, mask); });
  Tensor out = squeeze_reduced(outk, mask, dim ? keepdim : false);
  if (any_requires_grad({&a})) {
    std::shared_ptr<FunctionNode> n;
    if (!dim) {
      n = legacy_record("ProdBackward0", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
        if (n.shapes[0].empty()) return {g[0]};
        Tensor r = n.saved_tensor(1), x = to_dtype(n.saved_tensor(0), r.dtype());
        Tensor p = prod_others(reshape(x, {-1}), 0, reshape(r, {1}));
        return {mul(g[0], reshape(p, n.shapes[0]))};
      }, {a}, {out});
    } else {
      n = legacy_record("ProdBackward1", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
        if (n.shapes[0].empty()) return {g[0]};
        Tensor r = n.saved_tensor(1), x = to_dtype(n.saved_tensor(0), r.dtype());
        int64_t d = n.ints[0];
        bool kd = n.ints[1];
        Tensor gk = kd ? g[0] : unsqueeze(g[0], d), rk = kd ? r : unsqueeze(r, d);
        return {mul(gk, prod_others(x, d, rk))};
      }, {a}, {out});
      n->ints = {d, keepdim};
    }
    n->saved = {SavedVariable(a, false), SavedVariable(out, true)};
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
  PAG_DISPATCH_ALL(a.dtype(), name, [&] { run_reduce<scalar_t, scalar_t>(a, {&outk}, mask, ExtremeOps<scalar_t, IsMax>{}); });
  Tensor out = squeeze_reduced(outk, mask, keepdim);
  if (any_requires_grad({&a})) {
    auto n = legacy_record(IsMax ? "AmaxBackward0" : "AminBackward0", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      auto mask = saved_mask(n, n.shapes[0].size());
      bool kd = n.ints.back();
      Tensor x = n.saved_tensor(0), r = n.saved_tensor(1);
      Tensor gk = keepdim_shape_grad(g[0], n.shapes[0], mask, kd), rk = keepdim_shape_grad(r, n.shapes[0], mask, kd);
      DimVec dims;
      for (size_t i = 0; i < mask.size(); ++i)
        if (mask[i]) dims.push_back((int64_t)i);
      return {evenly_shared(gk, eq(x, rk), dims)};
    }, {a}, {out});
    save_mask(*n, mask, keepdim);
    n->saved = {SavedVariable(a, false), SavedVariable(out, true)};
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
  PAG_DISPATCH_ALL(a.dtype(), name, [&] { run_reduce<scalar_t, scalar_t>(a, {&outk}, mask, ExtremeOps<scalar_t, IsMax>{}); });
  Tensor out = squeeze_reduced(outk, mask, false);
  if (any_requires_grad({&a})) {
    // torch's evenly_distribute_backward: a NaN result is shared among the NaNs.
    auto n = legacy_record(IsMax ? "MaxBackward1" : "MinBackward1", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      Tensor x = n.saved_tensor(0), r = n.saved_tensor(1);
      bool nan = std::isnan(r.item_double());
      return {evenly_shared(g[0], nan ? ne(x, x) : eq(x, r), std::nullopt)};
    }, {a}, {out});
    n->saved = {SavedVariable(a, false), SavedVariable(out, true)};
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
    run_reduce<scalar_t, typename ArgOps<scalar_t, IsMax, true>::acc_t>(a, {&vk, &ik}, mask,
                                                                        ArgOps<scalar_t, IsMax, true>{});
  });
  Tensor values = squeeze_reduced(vk, mask, keepdim), indices = squeeze_reduced(ik, mask, keepdim);
  if (any_requires_grad({&a})) {
    auto n = legacy_record(IsMax ? "MaxBackward0" : "MinBackward0", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      return {index_select_backward(g[0], n.saved_tensor(0), n.ints[0], n.ints[1], n.shapes[0])};
    }, {a}, {values, indices});
    n->saved = {SavedVariable(indices, false)};
    n->ints = {d, keepdim};
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
    run_reduce<scalar_t, typename ArgOps<scalar_t, IsMax, false>::acc_t>(a, {&ik}, mask,
                                                                         ArgOps<scalar_t, IsMax, false>{});
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

template <bool IsStd>
Tensor var_std(const Tensor& a, OptDims dims, double correction, bool keepdim) {
  if (!is_floating(a.dtype())) throw Error("std and var only support floating point and complex dtypes");
  auto mask = reduce_mask(a, dims);
  Tensor outk = empty(reduced_shape(a, mask, true), a.dtype());
  const char* name = IsStd ? "std" : "var";
  PAG_DISPATCH_FLOATING(a.dtype(), name, [&] {
    VarOps<scalar_t> ops;
    ops.correction = correction;
    ops.take_sqrt = IsStd;
    run_reduce<scalar_t, typename VarOps<scalar_t>::acc_t>(a, {&outk}, mask, ops);
  });
  Tensor out = squeeze_reduced(outk, mask, keepdim);
  if (any_requires_grad({&a})) {
    auto n = legacy_record(IsStd ? "StdBackward0" : "VarBackward0", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      size_t nd = n.shapes[0].size();
      auto mask = saved_mask(n, nd);
      bool kd = n.ints[nd], all_dims = n.ints[nd + 1];
      Tensor x = n.saved_tensor(0), gv = g[0];
      if (IsStd) {
        Tensor r = n.saved_tensor(1);
        gv = where(eq(r, zeros({}, r.dtype())), zeros({}, g[0].dtype()), div(g[0], mul(r, num(2.0))));
      }
      return {var_backward(gv, x, mask, kd, n.scalars[0], all_dims)};
    }, {a}, {out});
    save_mask(*n, mask, keepdim);
    // An empty dim list reduces every dim: its gradient is the full reduction's (torch's is inf there).
    n->ints.push_back(!dims || dims->empty());
    n->scalars = {correction};
    n->saved = {SavedVariable(a, false), SavedVariable(IsStd ? out : Tensor(), true)};
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
  Tensor outk = empty(reduced_shape(x, mask, true), x.dtype());
  PAG_DISPATCH_FLOAT32_64(x.dtype(), "logsumexp", [&] {
    run_reduce<scalar_t, typename LogsumexpOps<scalar_t>::acc_t>(x, {&outk}, mask, LogsumexpOps<scalar_t>{});
  });
  Tensor out = squeeze_reduced(outk, mask, keepdim);
  if (any_requires_grad({&x})) {
    auto n = legacy_record("LogsumexpBackward0", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      auto mask = saved_mask(n, n.shapes[0].size());
      bool kd = n.ints.back();
      Tensor x = n.saved_tensor(0), r = n.saved_tensor(1);
      Tensor gk = keepdim_shape_grad(g[0], n.shapes[0], mask, kd), rk = keepdim_shape_grad(r, n.shapes[0], mask, kd);
      return {mul(gk, exp(sub(x, rk)))};
    }, {x}, {out});
    save_mask(*n, mask, keepdim);
    n->saved = {SavedVariable(x, false), SavedVariable(out, true)};
  }
  return out;
}

// ---------------------------------------------------------------- softmax / log_softmax
namespace {

// One or `count` adjacent lines of softmax / log_softmax: max, exp(x - max) and its
// sum (in double), then the scale. A NaN makes its line NaN through the sum.
template <typename T, bool Log>
void softmax_lines(const kernels::Lines<T>& L) {
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  const int64_t n = L.n;
  if (L.count == 1) {
    kernels::with_strides(L, [&](auto os, auto is) {
      const T* x = L.in;
      T* y = L.out;
      T m = kNegInf;
      if (is == 1) m = kernels::dense_max(x, n);
      else for (int64_t i = 0; i < n; ++i) m = x[i * is] > m ? x[i * is] : m;
      for (int64_t i = 0; i < n; ++i) y[i * os] = kernels::exp_fast(x[i * is] - m);
      double s = 0;
      if (os == 1) s = kernels::dense_sum<double>(y, n);
      else for (int64_t i = 0; i < n; ++i) s += y[i * os];
      if constexpr (Log) {
        const T ls = static_cast<T>(std::log(s));
        for (int64_t i = 0; i < n; ++i) y[i * os] = (x[i * is] - m) - ls;
      } else {
        const T inv = static_cast<T>(1.0 / s);
        for (int64_t i = 0; i < n; ++i) y[i * os] *= inv;
      }
    });
    return;
  }
  const int64_t C = L.count;
  T m[kernels::kVerticalChunk], k[kernels::kVerticalChunk];
  double s[kernels::kVerticalChunk];
  for (int64_t c = 0; c < C; ++c) { m[c] = kNegInf; s[c] = 0; }
  for (int64_t i = 0; i < n; ++i) {
    const T* xr = L.in + i * L.is;
    for (int64_t c = 0; c < C; ++c) m[c] = xr[c] > m[c] ? xr[c] : m[c];
  }
  for (int64_t i = 0; i < n; ++i) {
    const T* xr = L.in + i * L.is;
    T* yr = L.out + i * L.os;
    for (int64_t c = 0; c < C; ++c) {
      T e = kernels::exp_fast(xr[c] - m[c]);
      yr[c] = e;
      s[c] += e;
    }
  }
  for (int64_t c = 0; c < C; ++c) k[c] = static_cast<T>(Log ? std::log(s[c]) : 1.0 / s[c]);
  for (int64_t i = 0; i < n; ++i) {
    const T* xr = L.in + i * L.is;
    T* yr = L.out + i * L.os;
    for (int64_t c = 0; c < C; ++c) yr[c] = Log ? (xr[c] - m[c]) - k[c] : yr[c] * k[c];
  }
}

template <bool Log>
Tensor softmax_impl(const Tensor& a, int64_t dim, std::optional<Dtype> dtype) {
  int64_t d = wrap_dim(dim, a.dim());
  Tensor x = dtype ? to_dtype(a, *dtype) : a;
  bool lastdim = x.dim() == 0 || d == x.dim() - 1;
  const char* kname = Log ? (lastdim ? "log_softmax_lastdim_kernel_impl" : "log_softmax_kernel_impl")
                          : (lastdim ? "softmax_lastdim_kernel_impl" : "softmax_kernel_impl");
  Tensor out = empty(x.sizes(), x.dtype());
  auto lg = make_line_geometry(out, x, d);
  PAG_DISPATCH_FLOAT32_64(x.dtype(), kname, [&] {
    kernels::line_loop<scalar_t>(lg, static_cast<char*>(out.raw_data()), static_cast<const char*>(x.raw_data()),
                                 softmax_lines<scalar_t, Log>);
  });
  if (any_requires_grad({&x})) {
    auto n = legacy_record(Log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      return {softmax_backward_data(g[0], n.saved_tensor(0), n.ints[0], Log)};
    }, {x}, {out});
    n->saved = {SavedVariable(out, true)};
    n->ints = {d};
  }
  return out;
}

}  // namespace

// Note [Softmax backward as an op]: the gradient of (log_)softmax is its own op,
// as torch's _softmax_backward_data, so double backward records torch's node
// names and differentiates with respect to both the incoming gradient and y.
//   log_softmax: gi = g - exp(y) * sum(g)      softmax: gi = y * (g - sum(g * y))
Tensor softmax_backward_data(const Tensor& g, const Tensor& y, int64_t dim, bool log) {
  DimVec dims{dim};
  Tensor gi;
  {
    AutoGradMode no(false);
    gi = log ? sub(g, mul(exp(y), sum(g, dims, true))) : mul(sub(g, sum(mul(g, y), dims, true)), y);
  }
  if (any_requires_grad({&g, &y})) {
    auto n = legacy_record(log ? "LogSoftmaxBackwardDataBackward0" : "SoftmaxBackwardDataBackward0",
                    [](FunctionNode& n, const tensor_list& h) -> tensor_list {
      Tensor g = n.saved_tensor(0), y = n.saved_tensor(1);
      DimVec dims{n.ints[0]};
      Tensor gg, gy;
      if (n.ints[1]) {
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
    n->saved = {SavedVariable(g, false), SavedVariable(y, false)};
    n->ints = {dim, log ? 1 : 0};
  }
  return gi;
}

Tensor softmax(const Tensor& a, int64_t dim, std::optional<Dtype> dtype) { return softmax_impl<false>(a, dim, dtype); }
Tensor log_softmax(const Tensor& a, int64_t dim, std::optional<Dtype> dtype) { return softmax_impl<true>(a, dim, dtype); }

// ---------------------------------------------------------------- cumsum
namespace {

// Inclusive scan along d, from the end when `reverse` (the backward of cumsum, and cumsum the backward of it).
// `src` is the tensor the node records (x itself, or the tensor x was cast from).
Tensor cumsum_impl(const Tensor& x, int64_t d, bool reverse, const Tensor* src = nullptr) {
  Tensor out = empty(x.sizes(), x.dtype());
  auto lg = make_line_geometry(out, x, d);
  PAG_DISPATCH_NUMERIC(x.dtype(), "cumsum_out_cpu", [&] {
    using T = scalar_t;
    using acc_t = typename acc_type<T>::type;
    kernels::line_loop<T>(lg, static_cast<char*>(out.raw_data()), static_cast<const char*>(x.raw_data()),
                          [reverse](const kernels::Lines<T>& L) {
      if (L.count == 1) {
        acc_t s = 0;
        for (int64_t k = 0; k < L.n; ++k) {
          int64_t i = reverse ? L.n - 1 - k : k;
          s = wrap_add(s, static_cast<acc_t>(L.in[i * L.is]));
          L.out[i * L.os] = static_cast<T>(s);
        }
        return;
      }
      acc_t s[kernels::kVerticalChunk] = {};
      const int64_t C = L.count;
      for (int64_t k = 0; k < L.n; ++k) {
        int64_t i = reverse ? L.n - 1 - k : k;
        const T* xr = L.in + i * L.is;
        T* yr = L.out + i * L.os;
        for (int64_t c = 0; c < C; ++c) {
          s[c] = wrap_add(s[c], static_cast<acc_t>(xr[c]));
          yr[c] = static_cast<T>(s[c]);
        }
      }
    });
  });
  const Tensor& in = src ? *src : x;
  if (any_requires_grad({&in})) {
    auto n = legacy_record("CumsumBackward0", [](FunctionNode& n, const tensor_list& g) -> tensor_list {
      const DimVec& s = n.shapes[0];
      if (numel_of(s) <= 1 || s[n.ints[0]] == 1) return {g[0]};
      return {cumsum_impl(g[0], n.ints[0], !n.ints[1])};
    }, {in}, {out});
    n->ints = {d, reverse};
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
