// Views (sharing storage) and shape ops, each with its backward rule.
#include <numeric>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "kernels/index.h"
#include "ops/iter.h"
#include "ops/ops.h"

namespace pag {

namespace {

// A view that records `name` with backward `fn` and state `s`.
template <class State = NoState>
Tensor view_op(const Tensor& a, DimVec sizes, DimVec strides, int64_t offset, const char* name,
               typename Rule<State>::Fn fn, State s = {}) {
  Tensor out = make_view(a, std::move(sizes), std::move(strides), offset);
  if (any_requires_grad({&a})) record<State>(name, fn, {a}, {out})->s = std::move(s);
  mark_view(out, a, false);
  return out;
}

// Several views of `a` made by one op (split, unbind): one node, one output each.
struct ViewGeom {
  DimVec sizes, strides;
  int64_t offset;
};
template <class State>
std::vector<Tensor> multi_view_op(const Tensor& a, const std::vector<ViewGeom>& geoms, const char* name,
                                  typename Rule<State>::Fn fn, State s) {
  std::vector<Tensor> outs;
  outs.reserve(geoms.size());
  for (const auto& g : geoms) outs.push_back(make_view(a, g.sizes, g.strides, g.offset));
  if (any_requires_grad({&a})) record<State>(name, fn, {a}, outs)->s = std::move(s);
  for (auto& o : outs) mark_view(o, a, true);
  return outs;
}

// The state of the rules that need one dim (unsqueeze, stack, split, unbind).
struct DimState {
  int64_t dim;
};
struct TransposeState {
  int64_t dim0, dim1;
};
struct PermuteState {
  DimVec dims;
};
// slice / SliceBackward0 and its own backward.
struct SliceState {
  int64_t dim, start, end, step;
};
// select / SelectBackward0 and its own backward.
struct SelectState {
  int64_t dim, index;
};
// Lengths along `dim` of each input; -1 for a skipped (1-D empty) one.
struct CatState {
  int64_t dim;
  DimVec lengths;
};

// Resolves one -1 in `shape` for `numel` elements (torch's infer_size).
DimVec infer_size(const DimVec& shape, int64_t numel) {
  DimVec res = shape;
  int64_t newsize = 1, infer = -1;
  bool overflow = false;  // a product past int64 can match no tensor (Note [Size overflow])
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw Error("only one dimension can be inferred");
      infer = (int64_t)i;
    } else if (shape[i] >= 0) {
      overflow |= __builtin_mul_overflow(newsize, shape[i], &newsize);
    } else {
      throw Error(str_cat("invalid shape dimension ", shape[i], " at index ", i, " of shape ", shape_str(shape)));
    }
  }
  if (!overflow && (numel == newsize || (infer >= 0 && newsize > 0 && numel % newsize == 0))) {
    if (infer >= 0) {
      if (newsize == 0)
        throw Error(str_cat("cannot reshape tensor of 0 elements into shape ", shape_str(shape),
                            " because the unspecified dimension size -1 can be any value and is ambiguous"));
      res[infer] = numel / newsize;
    }
    return res;
  }
  throw Error(str_cat("shape '", shape_str(shape), "' is invalid for input of size ", numel));
}

// torch's computeStride: strides for viewing (sizes, strides) as new_sizes, or nullopt.
std::optional<DimVec> compute_stride(const DimVec& old_size, const DimVec& old_stride, const DimVec& new_size) {
  if (old_size.empty()) return DimVec(new_size.size(), 1);
  int64_t numel = numel_of(old_size);
  if (numel == 0 && old_size == new_size) return old_stride;
  DimVec new_stride(new_size.size());
  if (numel == 0) {
    for (int64_t v = (int64_t)new_size.size() - 1; v >= 0; --v) {
      if (v == (int64_t)new_size.size() - 1) new_stride[v] = 1;
      else new_stride[v] = std::max<int64_t>(new_size[v + 1], 1) * new_stride[v + 1];
    }
    return new_stride;
  }
  int64_t view_d = (int64_t)new_size.size() - 1;
  int64_t chunk_base_stride = old_stride.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t tensor_d = (int64_t)old_size.size() - 1; tensor_d >= 0; tensor_d--) {
    tensor_numel *= old_size[tensor_d];
    if (tensor_d == 0 || (old_size[tensor_d - 1] != 1 && old_stride[tensor_d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_size[view_d] == 1)) {
        new_stride[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_size[view_d];
        view_d--;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (tensor_d > 0) {
        chunk_base_stride = old_stride[tensor_d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return new_stride;
}

// ---- as_strided's backward: geometries on the storage.
int64_t last_index(const DimVec& sizes, const DimVec& strides, int64_t offset) {
  int64_t m = offset;
  for (size_t i = 0; i < sizes.size(); ++i)
    if (sizes[i] > 0) m += (sizes[i] - 1) * strides[i];
  return m;
}
struct AsStridedState {
  ViewGeom input, view;
};
struct StridedScatterState {
  ViewGeom view;
};

// Bytes a storage needs to hold every element of the geometry, 0 when it has none: torch's
// computeStorageNbytes, in unsigned arithmetic as there, so a negative size counts as a huge
// one and a geometry that cannot be addressed fails instead of wrapping into range.
uint64_t storage_nbytes(const DimVec& sizes, const DimVec& strides, size_t itemsize, uint64_t offset) {
  uint64_t n = offset + 1;
  bool overflow = false;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == 0) return 0;
    uint64_t span;
    overflow |= __builtin_mul_overflow((uint64_t)strides[i], (uint64_t)sizes[i] - 1, &span);
    overflow |= __builtin_add_overflow(n, span, &n);
  }
  overflow |= __builtin_mul_overflow(n, (uint64_t)itemsize, &n);
  if (overflow || n > (uint64_t)INT64_MAX)
    throw Error(str_cat("Storage size calculation overflowed with sizes=", shape_str(sizes),
                        " and strides=", shape_str(strides)));
  return n;
}

// Sums g into a fresh buffer of n elements at the (possibly overlapping) geometry
// `v`: the adjoint of as_strided. Its own backward reads the geometry back out.
Tensor strided_scatter_add(const Tensor& g, int64_t n, const ViewGeom& v) {
  Tensor buf = zeros({n}, g.dtype());
  if (g.numel() > 0) {
    Tensor region = make_view(buf, v.sizes, v.strides, v.offset);
    auto geo = make_geometry(region, {&g});
    auto p = operand_ptrs(region, {&g});
    PAG_DISPATCH_FLOATING(g.dtype(), "as_strided_backward", [&] { kernels::accumulate_serial<scalar_t>(geo, p.p); });
  }
  if (any_requires_grad({&g})) {
    record<StridedScatterState>("AsStridedScatterBackward0", [](auto& n, const tensor_list& gg) -> tensor_list {
      const ViewGeom& v = n.s.view;
      return {as_strided(gg[0], v.sizes, v.strides, v.offset)};
    }, {g}, {buf})->s = {v};
  }
  return buf;
}

Tensor as_strided_backward(const Tensor& g, const ViewGeom& in, const ViewGeom& view) {
  int64_t lo = std::min(in.offset, view.offset);
  int64_t hi = std::max(last_index(in.sizes, in.strides, in.offset), last_index(view.sizes, view.strides, view.offset));
  Tensor buf = strided_scatter_add(g, hi - lo + 1, ViewGeom{view.sizes, view.strides, view.offset - lo});
  return contiguous(as_strided(buf, in.sizes, in.strides, in.offset - lo));
}

}  // namespace

Tensor view(const Tensor& a, const DimVec& sizes) {
  DimVec shape = infer_size(sizes, a.numel());
  auto st = compute_stride(a.sizes(), a.strides(), shape);
  if (!st)
    throw Error("view size is not compatible with input tensor's size and stride (at least one dimension spans "
                "across two contiguous subspaces). Use .reshape(...) instead.");
  return view_op(a, shape, *st, a.offset(), "ViewBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
    return {reshape(g[0], n.shapes[0])};
  });
}

// torch's view(dtype): the same bytes read as `d`. With a different element size the
// last dim (of stride 1) grows or shrinks by the ratio. As in torch it shares the
// storage and version counter but is no autograd view (no _base) and not differentiable.
Tensor view_dtype(const Tensor& a, Dtype d) {
  const int64_t from = (int64_t)a.itemsize(), to = (int64_t)itemsize(d);
  auto what = [&] { return str_cat(scalar_type_name(a.dtype()), " as ", scalar_type_name(d), " (different element sizes)"); };
  DimVec sizes = a.sizes(), strides = a.strides();
  int64_t offset = a.offset();
  if (from != to) {
    PAG_CHECK(a.dim() != 0, "self.dim() cannot be 0 to view ", what());
    const int64_t last = a.dim() - 1;
    if (from > to) {
      const int64_t ratio = from / to;
      PAG_CHECK(a.stride(-1) == 1, "self.stride(-1) must be 1 to view ", what(), ", but got ", a.stride(-1));
      sizes[last] *= ratio;
      for (int64_t i = 0; i < last; ++i) strides[i] *= ratio;
      offset *= ratio;
    } else {
      const int64_t ratio = to / from;
      PAG_CHECK(sizes[last] % ratio == 0, "self.size(-1) must be divisible by ", ratio, " to view ", what(), ", but got ",
                sizes[last]);
      PAG_CHECK(offset % ratio == 0, "self.storage_offset() must be divisible by ", ratio, " to view ", what(),
                ", but got ", offset);
      PAG_CHECK(strides[last] == 1, "self.stride(-1) must be 1 to view ", what(), ", but got ", strides[last]);
      for (int64_t i = 0; i < last; ++i)
        PAG_CHECK(strides[i] % ratio == 0, "self.stride(", i, ") must be divisible by ", ratio, " to view ", what(),
                  ", but got ", strides[i]);
      sizes[last] /= ratio;
      for (int64_t i = 0; i < last; ++i) strides[i] /= ratio;
      offset /= ratio;
    }
  }
  Tensor out = make_view(a, sizes, strides, offset);
  out.impl()->dtype = d;
  out.impl()->view_base.reset();  // the storage and version counter are shared, but it is no autograd view
  return out;
}

Tensor reshape(const Tensor& a, const DimVec& sizes) {
  DimVec shape = infer_size(sizes, a.numel());
  if (compute_stride(a.sizes(), a.strides(), shape)) return view(a, shape);
  // Not viewable: a contiguous copy, viewed (torch's _unsafe_view: the result is no view).
  Tensor c = clone(a, MemoryFormat::Contiguous);
  Tensor out = make_view(c, shape, contiguous_strides(shape), c.offset());
  out.impl()->view_base.reset();
  if (any_requires_grad({&c}))
    record("UnsafeViewBackward0",
           [](auto& n, const tensor_list& g) -> tensor_list { return {reshape(g[0], n.shapes[0])}; }, {c}, {out});
  return out;
}

Tensor flatten(const Tensor& a, int64_t start_dim, int64_t end_dim) {
  int64_t nd = a.dim();
  int64_t s = wrap_dim(start_dim, nd), e = wrap_dim(end_dim, nd);
  if (s > e) throw Error("flatten() has invalid args: start_dim cannot come after end_dim");
  if (nd == 0) return reshape(a, {1});
  if (s == e) return a;
  DimVec shape;
  for (int64_t i = 0; i < s; ++i) shape.push_back(a.sizes()[i]);
  int64_t m = 1;
  for (int64_t i = s; i <= e; ++i) m *= a.sizes()[i];
  shape.push_back(m);
  for (int64_t i = e + 1; i < nd; ++i) shape.push_back(a.sizes()[i]);
  return reshape(a, shape);
}

Tensor unflatten(const Tensor& a, int64_t dim, const DimVec& sizes) {
  int64_t d = wrap_dim(dim, a.dim());
  if (sizes.empty()) throw Error("unflatten: sizes must be non-empty");
  bool infer = std::count(sizes.begin(), sizes.end(), int64_t(-1)) > 0;
  if (!infer && numel_of(sizes) != a.sizes()[d])
    throw Error(str_cat("unflatten: Provided sizes ", shape_str(sizes), " don't multiply up to the size of dim ", dim,
                        " (", a.sizes()[d], ") in the input tensor"));
  DimVec inner = infer_size(sizes, a.sizes()[d]);
  DimVec shape;
  for (int64_t i = 0; i < d; ++i) shape.push_back(a.sizes()[i]);
  for (int64_t s : inner) shape.push_back(s);
  for (int64_t i = d + 1; i < a.dim(); ++i) shape.push_back(a.sizes()[i]);
  return view(a, shape);
}

Tensor unsqueeze(const Tensor& a, int64_t dim) {
  int64_t d = wrap_dim(dim, a.dim() + 1);
  DimVec sz = a.sizes(), st = a.strides();
  int64_t new_stride = d >= a.dim() ? 1 : sz[d] * st[d];
  sz.insert(d, 1);
  st.insert(d, new_stride);
  return view_op<DimState>(a, sz, st, a.offset(), "UnsqueezeBackward0",
                           [](auto& n, const tensor_list& g) -> tensor_list { return {squeeze_dim(g[0], n.s.dim)}; },
                           {d});
}

namespace {
// torch's squeeze overloads: () -> SqueezeBackward0, (int) -> 1, (tuple) -> 2.
Tensor squeeze_impl(const Tensor& a, const std::vector<bool>& drop, const char* name) {
  DimVec sz, st;
  for (int64_t i = 0; i < a.dim(); ++i)
    if (!drop[i]) { sz.push_back(a.sizes()[i]); st.push_back(a.strides()[i]); }
  return view_op(a, sz, st, a.offset(), name, [](auto& n, const tensor_list& g) -> tensor_list {
    return {reshape(g[0], n.shapes[0])};
  });
}
}  // namespace

Tensor squeeze(const Tensor& a, OptDims dims) {
  std::vector<bool> drop(a.dim(), false);
  if (!dims) {
    for (int64_t i = 0; i < a.dim(); ++i) drop[i] = a.sizes()[i] == 1;
    return squeeze_impl(a, drop, "SqueezeBackward0");
  }
  std::vector<bool> seen(std::max<int64_t>(a.dim(), 1), false);
  for (int64_t d : *dims) {
    int64_t w = wrap_dim(d, a.dim());
    if (seen[w]) throw Error(str_cat("dim ", w, " appears multiple times in the list of dims"));
    seen[w] = true;
    if (a.dim() > 0 && a.sizes()[w] == 1) drop[w] = true;
  }
  return squeeze_impl(a, drop, "SqueezeBackward2");
}

Tensor squeeze_dim(const Tensor& a, int64_t dim) {
  std::vector<bool> drop(a.dim(), false);
  int64_t w = wrap_dim(dim, a.dim());
  if (a.dim() > 0 && a.sizes()[w] == 1) drop[w] = true;
  return squeeze_impl(a, drop, "SqueezeBackward1");
}

Tensor permute(const Tensor& a, const DimVec& dims) {
  if ((int64_t)dims.size() != a.dim())
    throw Error(str_cat("permute(sparse_coo): number of dimensions in the tensor input does not match the length of "
                        "the desired ordering of dimensions i.e. input.dim() = ",
                        a.dim(), " is not equal to len(dims) = ", dims.size()));
  DimVec sz(a.dim()), st(a.dim()), wrapped(a.dim());
  std::vector<bool> seen(a.dim(), false);
  for (int64_t i = 0; i < a.dim(); ++i) {
    int64_t d = wrap_dim(dims[i], a.dim());
    if (seen[d]) throw Error("permute(): duplicate dims are not allowed.");
    seen[d] = true;
    wrapped[i] = d;
    sz[i] = a.sizes()[d];
    st[i] = a.strides()[d];
  }
  return view_op<PermuteState>(a, sz, st, a.offset(), "PermuteBackward0",
                               [](auto& n, const tensor_list& g) -> tensor_list {
                                 const DimVec& dims = n.s.dims;
                                 DimVec inv(dims.size());
                                 for (size_t i = 0; i < dims.size(); ++i) inv[dims[i]] = (int64_t)i;
                                 return {permute(g[0], inv)};
                               }, {wrapped});
}

Tensor transpose(const Tensor& a, int64_t d0, int64_t d1) {
  int64_t nd = a.dim();
  int64_t x = wrap_dim(d0, nd), y = wrap_dim(d1, nd);
  DimVec sz = a.sizes(), st = a.strides();
  if (nd > 0) {
    std::swap(sz[x], sz[y]);
    std::swap(st[x], st[y]);
  }
  return view_op<TransposeState>(a, sz, st, a.offset(), "TransposeBackward0",
                                 [](auto& n, const tensor_list& g) -> tensor_list {
                                   return {transpose(g[0], n.s.dim0, n.s.dim1)};
                                 }, {x, y});
}

Tensor t(const Tensor& a) {
  if (a.dim() > 2)
    throw Error(str_cat("t() expects a tensor with <= 2 dimensions, but self is ", a.dim(), "D"));
  DimVec sz = a.sizes(), st = a.strides();
  if (a.dim() == 2) {
    std::swap(sz[0], sz[1]);
    std::swap(st[0], st[1]);
  }
  return view_op(a, sz, st, a.offset(), "TBackward0",
                 [](auto&, const tensor_list& g) -> tensor_list { return {t(g[0])}; });
}

Tensor expand(const Tensor& a, const DimVec& sizes) {
  int64_t nd = (int64_t)sizes.size();
  if (nd < a.dim())
    throw Error(str_cat("expand(", legacy_type_name(a.dtype()), "{", shape_str(a.sizes()), "}, size=", shape_str(sizes),
                        "): the number of sizes provided (", nd,
                        ") must be greater or equal to the number of dimensions in the tensor (", a.dim(), ")"));
  DimVec sz(nd), st(nd);
  for (int64_t i = nd - 1; i >= 0; --i) {
    int64_t off = nd - 1 - i;
    int64_t d = a.dim() - 1 - off;
    int64_t size = d >= 0 ? a.sizes()[d] : 1;
    int64_t stride = d >= 0 ? a.strides()[d] : (i + 1 < nd ? sz[i + 1] * st[i + 1] : 1);
    int64_t target = sizes[i];
    if (target == -1) {
      if (d < 0)
        throw Error(str_cat("The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension ", i));
      target = size;
    }
    if (size != target) {
      if (size != 1)
        throw Error(str_cat("The expanded size of the tensor (", target, ") must match the existing size (", size,
                            ") at non-singleton dimension ", i, ".  Target sizes: ", shape_str(sizes),
                            ".  Tensor sizes: ", shape_str(a.sizes())));
      stride = 0;
    }
    sz[i] = target;
    st[i] = stride;
  }
  return view_op(a, sz, st, a.offset(), "ExpandBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
    return {sum_to(g[0], n.shapes[0])};
  });
}

namespace {

// torch's slice_backward / select_backward: zeros with g written into the view's region. They
// are ops of their own, so create_graph records SliceBackwardBackward0 / SelectBackwardBackward0,
// whose gradient is the same view of the incoming one.
Tensor slice_backward(const Tensor& g, const DimVec& sizes, int64_t d, int64_t start, int64_t end, int64_t step) {
  Tensor z = zeros(sizes, g.dtype());
  {
    AutoGradMode no(false);
    Tensor region = slice(z, d, start, end, step);
    copy_(region, g);
  }
  if (any_requires_grad({&g}))
    record<SliceState>("SliceBackwardBackward0", [](auto& n, const tensor_list& h) -> tensor_list {
      return {slice(h[0], n.s.dim, n.s.start, n.s.end, n.s.step)};
    }, {g}, {z})->s = {d, start, end, step};
  return z;
}

Tensor select_backward(const Tensor& g, const DimVec& sizes, int64_t d, int64_t index) {
  Tensor z = zeros(sizes, g.dtype());
  {
    AutoGradMode no(false);
    Tensor region = select(z, d, index);
    copy_(region, g);
  }
  if (any_requires_grad({&g}))
    record<SelectState>("SelectBackwardBackward0", [](auto& n, const tensor_list& h) -> tensor_list {
      return {select(h[0], n.s.dim, n.s.index)};
    }, {g}, {z})->s = {d, index};
  return z;
}

}  // namespace

Tensor slice(const Tensor& a, int64_t dim, std::optional<int64_t> start_o, std::optional<int64_t> end_o, int64_t step) {
  if (a.dim() == 0) throw IndexError("slice() cannot be applied to a 0-dim tensor.");
  int64_t d = wrap_dim(dim, a.dim());
  if (step <= 0) throw ValueError("step must be greater than zero");
  int64_t n = a.sizes()[d];
  int64_t start = start_o.value_or(0), end = end_o.value_or(n);
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  int64_t len = (end - start + step - 1) / step;
  DimVec sz = a.sizes(), st = a.strides();
  sz[d] = len;
  st[d] = a.strides()[d] * step;
  return view_op<SliceState>(a, sz, st, a.offset() + start * a.strides()[d], "SliceBackward0",
                             [](auto& n, const tensor_list& g) -> tensor_list {
                               const auto& s = n.s;
                               return {slice_backward(g[0], n.shapes[0], s.dim, s.start, s.end, s.step)};
                             }, {d, start, end, step});
}

Tensor narrow(const Tensor& a, int64_t dim, int64_t start, int64_t length) {
  if (a.dim() == 0) throw Error("narrow() cannot be applied to a 0-dim tensor.");
  if (length < 0) throw Error("narrow(): length must be non-negative.");
  int64_t d = wrap_dim(dim, a.dim());
  int64_t n = a.sizes()[d];
  if (start < -n || start > n)
    throw IndexError(str_cat("start out of range (expected to be in range of [", -n, ", ", n, "], but got ", start, ")"));
  if (start < 0) start += n;
  if (start + length > n)
    throw Error(str_cat("start (", start, ") + length (", length, ") exceeds dimension size (", n, ")."));
  return slice(a, d, start, start + length, 1);
}

Tensor select(const Tensor& a, int64_t dim, int64_t index) {
  if (a.dim() == 0) throw IndexError("select() cannot be applied to a 0-dim tensor.");
  int64_t d = wrap_dim(dim, a.dim());
  int64_t n = a.sizes()[d];
  if (index < -n || index >= n)
    throw IndexError(str_cat("select(): index ", index, " out of range for tensor of size ", shape_str(a.sizes()),
                             " at dimension ", d));
  if (index < 0) index += n;
  DimVec sz = a.sizes(), st = a.strides();
  sz.erase(d);
  st.erase(d);
  return view_op<SelectState>(a, sz, st, a.offset() + index * a.strides()[d], "SelectBackward0",
                              [](auto& n, const tensor_list& g) -> tensor_list {
                                return {select_backward(g[0], n.shapes[0], n.s.dim, n.s.index)};
                              }, {d, index});
}

Tensor as_strided(const Tensor& a, const DimVec& sizes, const DimVec& strides, std::optional<int64_t> offset) {
  if (sizes.size() != strides.size()) throw Error("mismatch in length of strides and shape");
  for (int64_t s : strides)
    if (s < 0)
      throw Error(str_cat("as_strided: Negative strides are not supported at the moment, got strides: ",
                          shape_str(strides)));
  int64_t off = offset.value_or(a.offset());
  if (off < 0) throw Error(str_cat("Tensor: invalid storage offset ", off));
  // A view with a zero-size dimension may sit anywhere (torch's rule), even with negative sizes.
  uint64_t bytes = storage_nbytes(sizes, strides, a.itemsize(), 0);
  if (bytes != 0) {
    int64_t need = (int64_t)storage_nbytes(sizes, strides, a.itemsize(), (uint64_t)off);
    if (need > (int64_t)a.storage()->nbytes)
      throw Error(str_cat("setStorage: sizes ", shape_str(sizes), ", strides ", shape_str(strides),
                          ", storage offset ", off, ", and itemsize ", a.itemsize(), " requiring a storage size of ",
                          need, " are out of bounds for storage of size ", a.storage()->nbytes));
  }
  return view_op<AsStridedState>(a, sizes, strides, off, "AsStridedBackward0",
                                 [](auto& n, const tensor_list& g) -> tensor_list {
                                   return {as_strided_backward(g[0], n.s.input, n.s.view)};
                                 }, {{a.sizes(), a.strides(), a.offset()}, {sizes, strides, off}});
}

Tensor contiguous(const Tensor& a, MemoryFormat f) {
  if (f == MemoryFormat::Contiguous || f == MemoryFormat::Preserve) {
    if (a.is_contiguous()) return a;
    if (f == MemoryFormat::Preserve) throw Error("preserve memory format is unsupported by the contiguous operator");
    return clone(a, MemoryFormat::Contiguous);
  }
  return is_contiguous_as(a, f) ? a : clone(a, f);
}

Tensor clone(const Tensor& a, MemoryFormat f) {
  Tensor out = empty_like(a, a.dtype(), f);
  {
    AutoGradMode no(false);
    copy_(out, a);
  }
  *out.impl()->version = 0;
  if (any_requires_grad({&a}))
    record("CloneBackward0", [](auto&, const tensor_list& g) -> tensor_list { return {g[0]}; }, {a}, {out});
  return out;
}

Tensor detach(const Tensor& a) {
  Tensor out = make_view(a, a.sizes(), a.strides(), a.offset());
  out.impl()->view_base.reset();
  out.impl()->is_wrapped_number = a.is_wrapped_number();
  out.impl()->inference_version = false;  // as torch's, may be updated in place (Note [Inference tensors])
  return out;
}

Tensor alias_data(const Tensor& a) {
  Tensor out = detach(a);
  out.impl()->version = std::make_shared<int64_t>(0);
  return out;
}

Tensor cat(const std::vector<Tensor>& ts, int64_t dim) {
  if (ts.empty()) throw ValueError("torch.cat(): expected a non-empty list of Tensors");
  // Legacy rule: 1-D empty tensors are skipped.
  auto skipped = [](const Tensor& t) { return t.dim() == 1 && t.numel() == 0; };
  const Tensor* ref = nullptr;
  for (auto& t : ts)
    if (!skipped(t)) { ref = &t; break; }
  if (!ref) ref = &ts[0];
  for (size_t i = 0; i < ts.size(); ++i)
    if (ts[i].dim() == 0)
      throw Error(str_cat("zero-dimensional tensor (at position ", i, ") cannot be concatenated"));
  int64_t d = wrap_dim(dim, ref->dim());
  Dtype rt = ts[0].dtype();
  for (auto& t : ts) rt = promote_types(rt, t.dtype());
  DimVec shape = ref->sizes();
  int64_t total = 0;
  for (size_t i = 0; i < ts.size(); ++i) {
    const Tensor& t = ts[i];
    if (skipped(t)) continue;
    if (t.dim() != ref->dim())
      throw Error(str_cat("Tensors must have same number of dimensions: got ", ref->dim(), " and ", t.dim()));
    for (int64_t k = 0; k < t.dim(); ++k)
      if (k != d && t.sizes()[k] != shape[k])
        throw Error(str_cat("Sizes of tensors must match except in dimension ", d, ". Expected size ", shape[k],
                            " but got size ", t.sizes()[k], " for tensor number ", i, " in the list."));
    total += t.sizes()[d];
  }
  shape[d] = total;
  Tensor out = empty(shape, rt);
  int64_t pos = 0;
  DimVec lens;
  {
    AutoGradMode no(false);
    for (auto& t : ts) {
      if (skipped(t)) { lens.push_back(-1); continue; }
      int64_t len = t.sizes()[d];
      Tensor region = make_view(out, shape, out.strides(), out.offset() + pos * out.strides()[d]);
      region.impl()->sizes[d] = len;
      copy_(region, t);
      lens.push_back(len);
      pos += len;
    }
  }
  *out.impl()->version = 0;
  if (any_requires_grad(ts)) {
    record<CatState>("CatBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      tensor_list r;
      const DimVec& lengths = n.s.lengths;
      int64_t pos = 0;
      for (size_t i = 0; i < lengths.size(); ++i) {
        int64_t len = lengths[i];
        if (!n.needs_input_grad(i)) r.push_back(Tensor());
        else if (len < 0) r.push_back(zeros(n.shapes[i], g[0].dtype()));
        else r.push_back(narrow(g[0], n.s.dim, pos, len));
        pos += std::max<int64_t>(len, 0);
      }
      return r;
    }, ts, {out})->s = {d, std::move(lens)};
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& ts, int64_t dim) {
  if (ts.empty()) throw Error("stack expects a non-empty TensorList");
  int64_t d = wrap_dim(dim, ts[0].dim() + 1);
  for (size_t i = 1; i < ts.size(); ++i)
    if (ts[i].sizes() != ts[0].sizes())
      throw Error(str_cat("stack expects each tensor to be equal size, but got ", shape_str(ts[0].sizes()),
                          " at entry 0 and ", shape_str(ts[i].sizes()), " at entry ", i));
  Tensor out;
  {
    AutoGradMode no(false);
    std::vector<Tensor> us;
    for (auto& t : ts) us.push_back(unsqueeze(t, d));
    out = cat(us, d);
  }
  if (any_requires_grad(ts)) {
    record<DimState>("StackBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      tensor_list r;
      for (size_t i = 0; i < n.next_edges.size(); ++i)
        r.push_back(n.needs_input_grad(i) ? select(g[0], n.s.dim, (int64_t)i) : Tensor());
      return r;
    }, ts, {out})->s = {d};
  }
  return out;
}

namespace {
// Views of consecutive pieces of `a` along d; one SplitBackward0-style node; backward cats.
std::vector<Tensor> split_views(const Tensor& a, const DimVec& sizes, int64_t d, const char* name) {
  std::vector<ViewGeom> geoms;
  int64_t pos = 0;
  for (int64_t s : sizes) {
    DimVec sz = a.sizes();
    sz[d] = s;
    geoms.push_back({sz, a.strides(), a.offset() + pos * a.strides()[d]});
    pos += s;
  }
  return multi_view_op<DimState>(a, geoms, name, [](auto& n, const tensor_list& g) -> tensor_list {
    return {cat(g, n.s.dim)};
  }, {d});
}
}  // namespace

std::vector<Tensor> split(const Tensor& a, const DimVec& sizes, int64_t dim) {
  if (a.dim() == 0) throw Error("split expects at least a 1-dimensional tensor");
  int64_t d = wrap_dim(dim, a.dim());
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0)
      throw Error(str_cat("split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=",
                          shape_str(sizes)));
    total += s;
  }
  if (total != a.sizes()[d])
    throw Error(str_cat("split_with_sizes expects split_sizes to sum exactly to ", a.sizes()[d],
                        " (input tensor's size at dimension ", d, "), but got split_sizes=", shape_str(sizes)));
  return split_views(a, sizes, d, "SplitWithSizesBackward0");
}

std::vector<Tensor> split_by_size(const Tensor& a, int64_t split_size, int64_t dim) {
  if (a.dim() == 0) throw Error("split expects at least a 1-dimensional tensor");
  int64_t d = wrap_dim(dim, a.dim());
  int64_t n = a.sizes()[d];
  if (split_size < 0) throw Error(str_cat("split expects split_size be non-negative, but got split_size=", split_size));
  if (split_size == 0 && n != 0)
    throw Error(str_cat("split_size can only be 0 if dimension size is 0, but got dimension size of ", n));
  int64_t num = split_size == 0 ? 1 : std::max<int64_t>((n + split_size - 1) / split_size, 1);
  DimVec sizes((size_t)num, split_size);
  sizes[num - 1] = split_size - (split_size * num - n);
  return split_views(a, sizes, d, "SplitBackward0");
}

std::vector<Tensor> chunk(const Tensor& a, int64_t chunks, int64_t dim) {
  if (a.dim() == 0) throw Error("chunk expects at least a 1-dimensional tensor");
  if (chunks <= 0) throw Error(str_cat("chunk expects `chunks` to be greater than 0, got: ", chunks));
  int64_t d = wrap_dim(dim, a.dim());
  int64_t n = a.sizes()[d];
  int64_t each = (n + chunks - 1) / chunks;
  // torch: an empty dim still gives `chunks` pieces (split_with_sizes), else split by size.
  if (each == 0 && n == 0) return split(a, DimVec((size_t)chunks, 0), d);
  return split_by_size(a, each, d);
}

std::vector<Tensor> unbind(const Tensor& a, int64_t dim) {
  if (a.dim() == 0) throw IndexError("Dimension specified as 0 but tensor has no dimensions");
  int64_t d = wrap_dim(dim, a.dim());
  DimVec sz = a.sizes(), st = a.strides();
  sz.erase(d);
  st.erase(d);
  std::vector<ViewGeom> geoms;
  for (int64_t i = 0; i < a.sizes()[d]; ++i) geoms.push_back({sz, st, a.offset() + i * a.strides()[d]});
  return multi_view_op<DimState>(a, geoms, "UnbindBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
    return {stack(g, n.s.dim)};
  }, {d});
}

// Gradient helper for slice/select: `region` is a view of the fresh zeros `z`;
// writes g into it and returns z. With create_graph the copy records CopySlices on
// z, so the result stays differentiable in g.
Tensor index_put_slice_grad(Tensor z, Tensor region, const Tensor& g) {
  copy_(region, g);
  return z;
}

}  // namespace pag
