// Matrix products: mm, addmm, bmm, mv, dot, and matmul / linear composed from them
// exactly as torch composes them (same batching rules, same recorded nodes).
// Forward kernels are kernels/gemm; each backward rule is written with these same
// differentiable ops, next to its forward.
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "kernels/gemm/gemm.h"
#include "ops/ops.h"

// The GEMM kernels are built for float32, float64 and int64 (kernels/gemm/naive.cpp); the
// other dtypes run on them through widen / narrow (Note [Products of the storage types]).
#define PAG_DISPATCH_GEMM(dtype, opname, ...)                       \
  [&] {                                                             \
    switch (dtype) {                                                \
      PAG_DISPATCH_CASE(::pag::Dtype::Float32, float, __VA_ARGS__)  \
      PAG_DISPATCH_CASE(::pag::Dtype::Float64, double, __VA_ARGS__) \
      PAG_DISPATCH_CASE(::pag::Dtype::Int64, int64_t, __VA_ARGS__)  \
      default: break;                                               \
    }                                                               \
    PAG_DISPATCH_NOT_IMPLEMENTED(dtype, opname);                    \
  }()

namespace pag {

namespace {

namespace kg = kernels::gemm;

// The GEMM arguments for out = a @ b over dims (d, d + 1) of each operand (d = 1
// for the matrices of a batch); alpha 1, beta 0, no X.
template <typename T>
kg::GemmArgs<T> gemm_args(const Tensor& a, const Tensor& b, const Tensor& out, int d = 0) {
  kg::GemmArgs<T> g;
  g.m = a.size(d);
  g.k = a.size(d + 1);
  g.n = b.size(d + 1);
  g.a = a.data<T>();
  g.rsa = a.stride(d);
  g.csa = a.stride(d + 1);
  g.b = b.data<T>();
  g.rsb = b.stride(d);
  g.csb = b.stride(d + 1);
  g.c = out.data<T>();
  g.rsc = out.stride(d);
  g.csc = out.stride(d + 1);
  return g;
}

Tensor reshape_contiguous(const Tensor& t, const DimVec& shape);


// Note [Products of the storage types]: torch multiplies float16 / bfloat16 operands with
// a float-accumulating GEMM and rounds each result once, and the integer types below int64
// in their own width, wrapping; that is the int64 product truncated (wrapping commutes with
// + and *). So these run on the float32 / int64 kernels: widen the operands (an untracked
// cast; float32, float64 and int64 pass through), narrow the result once.
Dtype kernel_dtype(Dtype d) {
  if (is_reduced_float(d)) return Dtype::Float32;
  if (is_integral(d, false)) return Dtype::Int64;
  return d;
}
Tensor cast_plain(const Tensor& t, Dtype d) {
  if (t.dtype() == d) return t;
  AutoGradMode no(false);
  return to_dtype(t, d);
}
Tensor widen(const Tensor& t) { return cast_plain(t, kernel_dtype(t.dtype())); }

// torch's maybe_multiply: t * s, skipped when s == 1.
Tensor maybe_multiply(const Tensor& t, double s) { return s == 1.0 ? t : mul(t, num(s)); }

// out = alpha * a @ b + beta * x over 2-D operands of any strides; x is an
// (m, n)-shaped view (a bias expanded with zero strides) or undefined.
void gemm_into(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& x, double beta, double alpha,
               const char* opname) {
  PAG_DISPATCH_GEMM(out.dtype(), opname, [&] {
    auto g = gemm_args<scalar_t>(a, b, out);
    g.alpha = static_cast<scalar_t>(alpha);
    g.beta = static_cast<scalar_t>(beta);
    if (x.defined() && g.beta != scalar_t(0)) {
      g.x = x.data<scalar_t>();
      g.rsx = x.stride(0);
      g.csx = x.stride(1);
    }
    kg::gemm(g);
  });
}

// torch's _unsafe_view: the same storage under a new shape, recorded as its own
// node rather than as a view. `t` is contiguous (a fresh product).
Tensor unsafe_view(const Tensor& t, const DimVec& shape) {
  Tensor out = make_view(t, shape, contiguous_strides(shape), t.offset());
  out.impl()->view_base.reset();
  if (any_requires_grad({&t}))
    record("UnsafeViewBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      return {reshape_contiguous(g[0], n.shapes[0])};
    }, {t}, {out});
  return out;
}

// A row-major copy unless `t` already is one (torch's contiguous(), CloneBackward0).
Tensor as_contiguous(const Tensor& t) {
  if (t.is_contiguous()) return t;
  Tensor out = empty(t.sizes(), t.dtype());
  {
    AutoGradMode no(false);
    copy_(out, t);
  }
  if (any_requires_grad({&t}))
    record("CloneBackward0", [](auto&, const tensor_list& g) -> tensor_list { return {g[0]}; }, {t}, {out});
  return out;
}

// reshape() through a row-major copy when t is not one (a gradient is often transposed).
Tensor reshape_contiguous(const Tensor& t, const DimVec& shape) { return reshape(as_contiguous(t), shape); }

// torch's `result.squeeze_(0)` on a fresh 1 x n product (SqueezeBackward4).
Tensor squeeze_first(const Tensor& r) {
  DimVec sz(r.sizes().begin() + 1, r.sizes().end()), st(r.strides().begin() + 1, r.strides().end());
  Tensor out = make_view(r, sz, st, r.offset());
  out.impl()->view_base.reset();
  if (any_requires_grad({&r}))
    record("SqueezeBackward4", [](auto&, const tensor_list& g) -> tensor_list { return {unsqueeze(g[0], 0)}; }, {r},
           {out});
  return out;
}

// The saved state of a product's backward: each operand is kept only when the
// other one needs a gradient (input `first` is `self`, `first + 1` is `mat2`).
struct Operands {
  SavedVariable self, mat2;
};
Operands save_products(OpNode& n, const Tensor& self, const Tensor& mat2, size_t first) {
  return {n.save(n.needs_input_grad(first + 1) ? self : Tensor()), n.save(n.needs_input_grad(first) ? mat2 : Tensor())};
}
struct MmState {
  Operands saved;
  bool self_column_major, mat2_column_major;  // layouts the gradients reproduce (torch's mm_mat*_backward)
};
struct AddmmState {
  MmState mm;
  double beta, alpha;
};

// Whether dims [0, end) of t collapse into one without a copy.
bool collapsible(const Tensor& t, int64_t end) {
  int64_t expect = -1;
  for (int64_t i = end - 1; i >= 0; --i) {
    if (t.size(i) == 1) continue;
    if (expect >= 0 && t.stride(i) != expect) return false;
    expect = t.stride(i) * t.size(i);
  }
  return true;
}

// Folds all but the last `keep` dims of t into one (a view when the strides allow).
Tensor fold_leading(const Tensor& t, int64_t keep) {
  int64_t lead = t.dim() - keep, folded = 1;
  for (int64_t i = 0; i < lead; ++i) folded *= t.size(i);
  DimVec shape{folded};
  for (int64_t i = lead; i < t.dim(); ++i) shape.push_back(t.size(i));
  // As torch's reshape: a view when possible, else a copy under _unsafe_view.
  return collapsible(t, lead) ? reshape(t, shape) : unsafe_view(as_contiguous(t), shape);
}

void check_mm(const Tensor& a, const Tensor& b) {
  PAG_CHECK(a.dim() == 2, "self must be a matrix");
  PAG_CHECK(b.dim() == 2, "mat2 must be a matrix");
  PAG_CHECK(a.size(1) == b.size(0), "mat1 and mat2 shapes cannot be multiplied (", a.size(0), "x", a.size(1), " and ",
            b.size(0), "x", b.size(1), ")");
  PAG_CHECK(a.dtype() == b.dtype(), "expected m1 and m2 to have the same dtype, but got: ", cpp_type_name(a.dtype()),
            " != ", cpp_type_name(b.dtype()));
}

// torch's should_fold: a >= 3-D operand against a <= 2-D one runs as one mm/mv on
// the folded batch, when that needs no copy or when the small operand needs a grad
// (then its gradient is one mm instead of a sum over a broadcast batch).
bool should_fold(const Tensor& t1, const Tensor& t2) {
  const bool t1_larger = t1.dim() >= t2.dim();
  const Tensor& big = t1_larger ? t1 : t2;
  const int64_t dim_big = big.dim(), dim_small = t1_larger ? t2.dim() : t1.dim();
  if (!(dim_big >= 3 && dim_small <= 2)) return false;
  if ((t1_larger ? t2 : t1).requires_grad()) return true;
  if (t1.dim() == 2) return false;
  if (big.numel() == 0) return true;
  // big (or big.mT() when t2 is the larger) must fold its batch dims without a copy.
  DimVec sz = big.sizes(), st = big.strides();
  if (!t1_larger) {
    std::swap(sz[dim_big - 1], sz[dim_big - 2]);
    std::swap(st[dim_big - 1], st[dim_big - 2]);
  }
  for (int64_t i = 0; i < dim_big - 2; ++i)
    if (st[i] != st[i + 1] * sz[i + 1]) return false;
  return true;
}

Tensor mT(const Tensor& t) { return transpose(t, -2, -1); }

// torch's mm_mat1_backward / mm_mat2_backward: the gradient of a column-major operand
// (Linear's W.t()) is computed column-major too, so that after the transpose back it is
// row-major like the weight and accumulates into .grad without a transposing copy.
bool column_major(const Tensor& m) { return m.strides()[0] == 1 && m.strides()[1] == m.size(0); }
Tensor mat1_grad(const Tensor& g, const Tensor& mat2, bool mat1_column_major) {
  return mat1_column_major ? t(mm(mat2, t(g))) : mm(g, t(mat2));
}
Tensor mat2_grad(const Tensor& g, const Tensor& mat1, bool mat2_column_major) {
  return mat2_column_major ? t(mm(t(g), mat1)) : mm(t(mat1), g);
}

}  // namespace

// ---------------------------------------------------------------- mm / addmm
Tensor mm(const Tensor& a, const Tensor& b) {
  check_mm(a, b);
  if (a.dtype() == Dtype::Bool) throw NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'");
  Tensor aw = widen(a), bw = widen(b);
  Tensor out = empty({a.size(0), b.size(1)}, aw.dtype());
  gemm_into(out, aw, bw, Tensor(), 0.0, 1.0, "addmm_impl_cpu_");
  out = cast_plain(out, a.dtype());
  if (any_requires_grad({&a, &b})) {
    auto n = record<MmState>("MmBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      return {n.needs_input_grad(0) ? mat1_grad(g[0], n.unpack(n.s.saved.mat2), n.s.self_column_major) : Tensor(),
              n.needs_input_grad(1) ? mat2_grad(g[0], n.unpack(n.s.saved.self), n.s.mat2_column_major) : Tensor()};
    }, {a, b}, {out});
    n->s = {save_products(*n, a, b, 0), column_major(a), column_major(b)};
  }
  return out;
}

Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, double beta, double alpha) {
  PAG_CHECK(bias.dtype() == b.dtype(), "self and mat2 must have the same dtype, but got ",
            scalar_type_name(bias.dtype()), " and ", scalar_type_name(b.dtype()));
  PAG_CHECK(a.dtype() == b.dtype(), "mat1 and mat2 must have the same dtype, but got ", scalar_type_name(a.dtype()),
            " and ", scalar_type_name(b.dtype()));
  PAG_CHECK(a.dim() == 2, "mat1 must be a matrix, got ", a.dim(), "-D tensor");
  PAG_CHECK(b.dim() == 2, "mat2 must be a matrix, got ", b.dim(), "-D tensor");
  PAG_CHECK(a.size(1) == b.size(0), "mat1 and mat2 shapes cannot be multiplied (", a.size(0), "x", a.size(1), " and ",
            b.size(0), "x", b.size(1), ")");
  Tensor x;
  {
    AutoGradMode no(false);
    x = expand(bias, {a.size(0), b.size(1)});
  }
  if (a.dtype() == Dtype::Bool) throw NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'");
  Tensor aw = widen(a), bw = widen(b);
  Tensor out = empty({a.size(0), b.size(1)}, aw.dtype());
  // The bias is read by the kernel's epilogue as it stores each tile (no extra pass).
  gemm_into(out, aw, bw, widen(x), beta, alpha, "addmm_impl_cpu_");
  out = cast_plain(out, a.dtype());
  if (any_requires_grad({&bias, &a, &b})) {
    auto n = record<AddmmState>("AddmmBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      const auto& s = n.s;
      return {n.needs_input_grad(0) ? maybe_multiply(g[0], s.beta) : Tensor(),
              n.needs_input_grad(1) ? maybe_multiply(mat1_grad(g[0], n.unpack(s.mm.saved.mat2), s.mm.self_column_major), s.alpha)
                                    : Tensor(),
              n.needs_input_grad(2) ? maybe_multiply(mat2_grad(g[0], n.unpack(s.mm.saved.self), s.mm.mat2_column_major), s.alpha)
                                    : Tensor()};
    }, {bias, a, b}, {out});
    n->s = {{save_products(*n, a, b, 1), column_major(a), column_major(b)}, beta, alpha};
  }
  return out;
}

Tensor mm_reference(const Tensor& a, const Tensor& b) {
  check_mm(a, b);
  Tensor out = empty({a.size(0), b.size(1)}, a.dtype());
  PAG_DISPATCH_GEMM(a.dtype(), "mm_reference", [&] {
    auto g = gemm_args<scalar_t>(a, b, out);
    kg::gemm_naive(g);
  });
  return out;
}

// ---------------------------------------------------------------- bmm
Tensor bmm(const Tensor& a, const Tensor& b) {
  PAG_CHECK(a.dim() == 3, "batch1 must be a 3D tensor");
  PAG_CHECK(b.dim() == 3, "batch2 must be a 3D tensor");
  PAG_CHECK(b.size(0) == a.size(0) && b.size(1) == a.size(2),
            "Expected size for first two dimensions of batch2 tensor to be: [", a.size(0), ", ", a.size(2),
            "] but got: [", b.size(0), ", ", b.size(1), "].");
  PAG_CHECK(a.dtype() == b.dtype(), "expected scalar type ", scalar_type_name(a.dtype()), " but found ",
            scalar_type_name(b.dtype()));
  if (a.dtype() == Dtype::Bool) throw NotImplementedError("\"bmm\" not implemented for 'Bool'");
  const int64_t bs = a.size(0);
  Tensor aw = widen(a), bw = widen(b);
  Tensor out = empty({bs, a.size(1), b.size(2)}, aw.dtype());
  if (out.numel() > 0)
    PAG_DISPATCH_GEMM(aw.dtype(), "bmm", [&] {
      auto g = gemm_args<scalar_t>(aw, bw, out, 1);
      kg::gemm_batched(g, bs, aw.stride(0), bw.stride(0), out.stride(0), 0);
    });
  out = cast_plain(out, a.dtype());
  if (any_requires_grad({&a, &b})) {
    auto n = record<Operands>("BmmBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      return {n.needs_input_grad(0) ? bmm(g[0], transpose(n.unpack(n.s.mat2), 1, 2)) : Tensor(),
              n.needs_input_grad(1) ? bmm(transpose(n.unpack(n.s.self), 1, 2), g[0]) : Tensor()};
    }, {a, b}, {out});
    n->s = save_products(*n, a, b, 0);
  }
  return out;
}

// ---------------------------------------------------------------- mv / dot
Tensor mv(const Tensor& a, const Tensor& v) {
  PAG_CHECK(a.dim() == 2 && v.dim() == 1, "vector + matrix @ vector expected, got 1, ", a.dim(), ", ", v.dim());
  PAG_CHECK(a.size(1) == v.size(0), "size mismatch, got input (", a.size(0), "), mat (", a.size(0), "x", a.size(1),
            "), vec (", v.size(0), ")");
  PAG_CHECK(a.dtype() == v.dtype(), "addmv input tensors must have the same dtype, but got ",
            scalar_type_name(v.dtype()), ", ", scalar_type_name(a.dtype()), ", and ", scalar_type_name(v.dtype()));
  if (a.dtype() == Dtype::Bool) throw NotImplementedError("\"addmv_impl_cpu\" not implemented for 'Bool'");
  Tensor aw = widen(a), vw = widen(v);
  Tensor out = empty({a.size(0)}, aw.dtype());
  PAG_DISPATCH_GEMM(aw.dtype(), "addmv_impl_cpu", [&] {
    kg::gemv(aw.size(0), aw.size(1), aw.data<scalar_t>(), aw.stride(0), aw.stride(1), vw.data<scalar_t>(),
             vw.stride(0), out.data<scalar_t>(), out.stride(0));
  });
  out = cast_plain(out, a.dtype());
  if (any_requires_grad({&a, &v})) {
    auto n = record<Operands>("MvBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      // d/dA = outer(g, v) (torch's ger), d/dv = A^T g
      return {n.needs_input_grad(0) ? mm(unsqueeze(g[0], 1), unsqueeze(n.unpack(n.s.mat2), 0)) : Tensor(),
              n.needs_input_grad(1) ? mv(t(n.unpack(n.s.self)), g[0]) : Tensor()};
    }, {a, v}, {out});
    n->s = save_products(*n, a, v, 0);
  }
  return out;
}

Tensor dot(const Tensor& a, const Tensor& b) {
  PAG_CHECK(a.dim() == 1 && b.dim() == 1, "1D tensors expected, but got ", a.dim(), "D and ", b.dim(), "D tensors");
  PAG_CHECK(a.dtype() == b.dtype(), "dot : expected both vectors to have same dtype, but found ",
            scalar_type_name(a.dtype()), " and ", scalar_type_name(b.dtype()));
  PAG_CHECK(a.numel() == b.numel(), "inconsistent tensor size, expected tensor [", a.numel(), "] and src [", b.numel(),
            "] to have the same number of elements, but got ", a.numel(), " and ", b.numel(),
            " elements respectively");
  if (a.dtype() == Dtype::Bool) throw NotImplementedError("\"dot\" not implemented for 'Bool'");
  Tensor aw = widen(a), bw = widen(b);
  Tensor out = empty({}, aw.dtype());
  PAG_DISPATCH_GEMM(aw.dtype(), "dot", [&] {
    *out.data<scalar_t>() = kg::dot(aw.numel(), aw.data<scalar_t>(), aw.stride(0), bw.data<scalar_t>(), bw.stride(0));
  });
  out = cast_plain(out, a.dtype());
  if (any_requires_grad({&a, &b})) {
    auto n = record<Operands>("DotBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      return {n.needs_input_grad(0) ? mul(g[0], n.unpack(n.s.mat2)) : Tensor(),
              n.needs_input_grad(1) ? mul(g[0], n.unpack(n.s.self)) : Tensor()};
    }, {a, b}, {out});
    n->s = save_products(*n, a, b, 0);
  }
  return out;
}

// ---------------------------------------------------------------- matmul
// torch's _matmul_impl, branch for branch: the chosen path decides which
// nodes get recorded and which error a bad shape raises.
Tensor matmul(const Tensor& t1, const Tensor& t2) {
  const int64_t d1 = t1.dim(), d2 = t2.dim();
  PAG_CHECK(d1 != 0 && d2 != 0, "both arguments to matmul need to be at least 1D, but they are ", d1, "D and ", d2,
            "D");
  if (d1 == 1 && d2 == 1) return dot(t1, t2);
  if (d1 == 2 && d2 == 1) return mv(t1, t2);
  if (d1 == 1 && d2 == 2) return squeeze_first(mm(unsqueeze(t1, 0), t2));
  if (d1 == 2 && d2 == 2) return mm(t1, t2);

  if (should_fold(t1, t2)) {
    // One mm (or mv) over the folded batch; a larger t2 runs as (t2^T @ t1^T)^T.
    const bool transpose_out = d2 > d1;
    const Tensor a = transpose_out ? mT(t2) : t1;
    const Tensor b = !transpose_out ? t2 : (d1 == 2 ? t(t1) : t1);
    DimVec out_shape(a.sizes().begin(), a.sizes().end() - 1);
    const bool b_is_matrix = b.dim() == 2;
    if (b_is_matrix) out_shape.push_back(b.size(1));
    const Tensor a_folded = fold_leading(a, 1);
    if (!b_is_matrix) return unsafe_view(mv(a_folded, b), out_shape);
    Tensor out = unsafe_view(mm(a_folded, b), out_shape);
    return transpose_out ? as_contiguous(mT(out)) : out;
  }

  // Broadcast the batch dims and run one bmm.
  const int64_t n = d1 > 1 ? t1.size(-2) : 1, m1 = t1.size(-1);
  const DimVec batch1(t1.sizes().begin(), t1.sizes().begin() + std::max<int64_t>(d1 - 2, 0));
  const int64_t m2 = d2 > 1 ? t2.size(-2) : t2.size(0), p = d2 > 1 ? t2.size(-1) : 1;
  const DimVec batch2(t2.sizes().begin(), t2.sizes().begin() + std::max<int64_t>(d2 - 2, 0));
  if (d1 == 3 && d2 == 3 && batch1[0] != batch2[0]) {
    if (batch1[0] == 1 && t1.requires_grad()) return matmul(squeeze(t1, DimVec{0}), t2);
    if (batch2[0] == 1 && t2.requires_grad()) return matmul(t1, squeeze(t2, DimVec{0}));
  }
  DimVec out_shape = broadcast_shapes(batch1, batch2);
  DimVec e1 = out_shape, e2 = out_shape;
  e1.push_back(n);
  e1.push_back(m1);
  e2.push_back(m2);
  const bool vector_rhs = d2 == 1;
  if (!vector_rhs) e2.push_back(p);
  const Tensor a = fold_leading(expand(t1, e1), 2);
  const Tensor b = vector_rhs ? unsqueeze(fold_leading(expand(t2, e2), 1), 2) : fold_leading(expand(t2, e2), 2);
  if (d1 > 1) out_shape.push_back(n);
  if (d2 > 1) out_shape.push_back(p);
  Tensor r = bmm(a, b);
  if (vector_rhs) r = squeeze(r, DimVec{-1});
  return unsafe_view(r, out_shape);
}

// ---------------------------------------------------------------- linear
// torch's F.linear: a 2-D input with a bias is one addmm (the bias fused into the
// GEMM's output). A contiguous input of any other rank with a contiguous bias that
// has one non-1 dim folds into that same addmm; everything else is matmul, plus the
// bias in place.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor* bias) {
  PAG_CHECK(x.dim() != 0 && w.dim() != 0, "both arguments to linear need to be at least 1D, but they are ", x.dim(),
            "D and ", w.dim(), "D");
  const bool has_bias = bias && bias->defined();
  if (x.dim() == 2 && has_bias) return addmm(*bias, x, t(w));
  bool fusable = false;
  if (has_bias && bias->is_contiguous()) {
    int64_t non_one = 0;
    for (int64_t s : bias->sizes()) non_one += s != 1;
    fusable = bias->dim() == 1 || non_one == 1;
  }
  if (fusable && x.is_contiguous()) {
    DimVec shape(x.sizes().begin(), x.sizes().end() - 1);
    int64_t folded = 1;
    for (int64_t s : shape) folded *= s;
    Tensor r = addmm(*bias, reshape(x, {folded, x.size(-1)}), t(w));
    shape.push_back(r.size(1));
    return view(r, shape);
  }
  Tensor out = matmul(x, t(w));
  if (has_bias) add_(out, *bias);
  return out;
}

}  // namespace pag
