// Indexing ops: gather/scatter along a dim, index_select/index_add, masked
// fill/select, advanced indexing (index / index_put_) and nonzero, each with
// its backward rule next to its forward.
#include <algorithm>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "kernels/index.h"
#include "ops/ops.h"

namespace pag {

namespace {

using kernels::Geometry;
using kernels::Reduce;

// One operand of a loop over a shape the operand need not have: element strides
// aligned to that shape (0 where broadcast or restrided away) and the itemsize.
struct Operand {
  char* ptr;
  DimVec strides;
  int64_t itemsize;
};

// Geometry over `sizes` in row-major order (innermost = last dim), size-1 dims
// dropped and neighbours that are contiguous in every operand coalesced. With
// `line_dim` >= 0 that dim is put innermost and kept apart (Note [Scatter lines]).
Geometry loop_geometry(const DimVec& sizes, const std::vector<Operand>& ops, int64_t line_dim = -1) {
  Geometry g;
  g.nops = (int)ops.size();
  const int64_t nd = (int64_t)sizes.size();
  if (numel_of(sizes) == 0) {
    g.sizes.push_back(0);
    for (int k = 0; k < g.nops; ++k) g.strides[k].push_back(0);
    return g;
  }
  auto push = [&](int64_t d) {
    g.sizes.push_back(sizes[d]);
    for (int k = 0; k < g.nops; ++k) g.strides[k].push_back(ops[k].strides[d] * ops[k].itemsize);
  };
  if (line_dim >= 0) push(line_dim);
  bool can_merge = false;  // the last pushed dim may take a coalesced neighbour
  for (int64_t d = nd - 1; d >= 0; --d) {
    if (d == line_dim || sizes[d] == 1) continue;
    if (can_merge) {
      size_t last = g.sizes.size() - 1;
      bool ok = true;
      for (int k = 0; k < g.nops && ok; ++k)
        ok = ops[k].strides[d] * ops[k].itemsize == g.strides[k][last] * g.sizes[last];
      if (ok) {
        g.sizes[last] *= sizes[d];
        continue;
      }
    }
    push(d);
    can_merge = true;
  }
  if (g.sizes.empty()) {
    g.sizes.push_back(1);
    for (int k = 0; k < g.nops; ++k) g.strides[k].push_back(0);
  }
  return g;
}

void base_ptrs(const std::vector<Operand>& ops, char** out) {
  for (size_t k = 0; k < ops.size(); ++k) out[k] = ops[k].ptr;
}

Operand operand_of(const Tensor& t) {
  return {static_cast<char*>(t.raw_data()), t.strides(), (int64_t)t.itemsize()};
}

// `t`'s strides aligned right to a shape of `nd` dims, 0 where t broadcasts.
DimVec broadcast_strides(const Tensor& t, const DimVec& shape) {
  DimVec st(shape.size(), 0);
  int64_t lead = (int64_t)shape.size() - t.dim();
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.sizes()[d] != 1) st[lead + d] = t.strides()[d];
  return st;
}

// First value of an int64 tensor outside [lo, hi) in row-major order (0 when there is none).
int64_t first_out_of_range(const Tensor& idx, int64_t lo, int64_t hi, bool* any = nullptr) {
  Geometry g = loop_geometry(idx.sizes(), {operand_of(idx)});
  char* base[1] = {static_cast<char*>(idx.raw_data())};
  int64_t found = 0;
  bool done = kernels::first_out_of_range(g, base, lo, hi, &found);
  if (any) *any = done;
  return found;
}

// torch's ensure_nonempty_dim / ensure_nonempty_size (0-dim tensors act as 1-D of size 1).
int64_t nonempty_dim(const Tensor& t) { return std::max<int64_t>(t.dim(), 1); }
int64_t nonempty_size(const Tensor& t, int64_t d) { return t.dim() == 0 ? 1 : t.size(d); }
int64_t nonempty_stride(const Tensor& t, int64_t d) { return t.dim() == 0 ? 0 : t.stride(d); }

// Tensor copy of `t` with its own storage and version counter, made without recording.
Tensor fresh_copy(const Tensor& t) {
  AutoGradMode no(false);
  return clone(t);
}


// Runs the in-place op `kernel` on self and, when autograd needs it, records
// `name` with inputs {self, others...} and makes it self's new history (the
// rule never needs self's old values, so no copy is kept).
template <class State, typename K>
std::shared_ptr<Rule<State>> inplace_record(Tensor& self, const char* name, typename Rule<State>::Fn rule,
                                            const tensor_list& others, const K& kernel) {
  bool track = GradMode::is_enabled() && self.requires_grad();
  for (const Tensor& o : others) track = track || any_requires_grad({&o});
  if (track) check_inplace(self, name);
  if (self.impl()->inference_version) check_inference_inplace();  // before the write (Note [Inference tensors])
  kernel();
  self.bump_version();
  if (!track || !is_floating(self.dtype())) return nullptr;
  tensor_list inputs{self};
  inputs.insert(inputs.end(), others.begin(), others.end());
  auto n = record<State>(name, rule, inputs, {});
  rebase_history(self, n);
  return n;
}

// ---------------------------------------------------------------- gather / scatter
// Note [Memory overlap]: scatter_, scatter_add_ and index_add_ write into self, which must
// not be an expanded view nor share memory with the index or the source.
void assert_no_written_overlap(const Tensor& self, const Tensor& index, const Tensor* src) {
  assert_no_internal_overlap(self);
  assert_no_overlap(self, index);
  if (src) assert_no_overlap(self, *src);
}

// torch deprecates (but still runs) masked_fill_ and index_put_ on expanded tensors.
void warn_expanded(const Tensor& self, const char* op, const char* example) {
  if (has_internal_overlap(self))
    warn(str_cat("Use of ", op, " on expanded tensors is deprecated. Please clone() the tensor before performing "
                 "this operation. This also applies to advanced indexing e.g. ", example));
}

void scatter_gather_index_dtype(const char* method, const Tensor& index) {
  if (index.numel() != 0 && index.dtype() != Dtype::Int64)
    throw Error(str_cat(method, "(): Expected dtype int32/int64 for index"));
}

void gather_shape_check(const Tensor& self, int64_t dim, const Tensor& index) {
  int64_t nd = nonempty_dim(self);
  if (nd != nonempty_dim(index)) throw Error("Index tensor must have the same number of dimensions as input tensor");
  for (int64_t i = 0; i < nd; ++i)
    if (i != dim && nonempty_size(index, i) > nonempty_size(self, i))
      throw Error(str_cat("Size does not match at dimension ", i, " expected index ", shape_str(index.sizes()),
                          " to be no larger than self ", shape_str(self.sizes()), " apart from dimension ", dim));
}

void scatter_shape_check(const Tensor& self, int64_t dim, const Tensor& index, const Tensor* src) {
  if (index.numel() == 0) return;
  if (nonempty_dim(self) != nonempty_dim(index))
    throw Error("Index tensor must have the same number of dimensions as self tensor");
  int64_t nd = nonempty_dim(self);
  bool wrong = false;
  for (int64_t d = 0; d < nd && !wrong; ++d)
    if (d != dim && nonempty_size(index, d) > nonempty_size(self, d)) wrong = true;
  if (!wrong && src)
    for (int64_t d = 0; d < nd && !wrong; ++d)
      if (nonempty_size(index, d) > nonempty_size(*src, d)) wrong = true;
  if (src && nonempty_dim(*src) != nonempty_dim(index))
    throw Error("Index tensor must have the same number of dimensions as src tensor");
  if (wrong) {
    if (src)
      throw Error(str_cat("Expected index ", shape_str(index.sizes()), " to be no larger than self ",
                          shape_str(self.sizes()), " apart from dimension ", dim,
                          " and to be no larger size than src ", shape_str(src->sizes())));
    throw Error(str_cat("Expected index ", shape_str(index.sizes()), " to be no larger than self ",
                        shape_str(self.sizes()), " apart from dimension ", dim));
  }
}

// Operand strides of `t` over the index's shape (index-shaped loops of gather/scatter).
Operand over_index(const Tensor& t, const Tensor& index, int64_t zero_dim = -1) {
  DimVec st(nonempty_dim(index), 0);
  for (int64_t d = 0; d < (int64_t)st.size(); ++d) st[d] = d == zero_dim ? 0 : nonempty_stride(t, d);
  return {static_cast<char*>(t.raw_data()), st, (int64_t)t.itemsize()};
}
DimVec index_loop_sizes(const Tensor& index) { return index.dim() == 0 ? DimVec{1} : index.sizes(); }

Reduce parse_reduce(const std::string& reduce) {
  if (reduce.empty()) return Reduce::None;
  if (reduce == "add") return Reduce::Add;
  if (reduce == "multiply") return Reduce::Mul;
  throw Error("reduce argument must be either add or multiply.");
}

// self[index] (op)= src (or the 0-dim `value`) along dim d; self is written in place.
void scatter_kernel(const Tensor& self, int64_t d, const Tensor& index, const Tensor& src, Reduce r) {
  if (index.numel() == 0) return;
  Operand selfop = over_index(self, index, d);
  Operand srcop = src.dim() == 0 ? Operand{static_cast<char*>(src.raw_data()), DimVec(nonempty_dim(index), 0),
                                           (int64_t)src.itemsize()}
                                 : over_index(src, index);
  std::vector<Operand> ops{selfop, over_index(index, index), srcop};
  Geometry g = loop_geometry(index_loop_sizes(index), ops, index.dim() == 0 ? 0 : d);
  char* base[3];
  base_ptrs(ops, base);
  int64_t size = nonempty_size(self, d), stride = nonempty_stride(self, d) * (int64_t)self.itemsize();
  bool ok = PAG_DISPATCH_ALL(self.dtype(), "scatter", [&] {
    return kernels::scatter_dim<scalar_t>(g, base, size, stride, r);
  });
  if (!ok)
    throw Error(str_cat("index ", first_out_of_range(index, 0, size), " is out of bounds for dimension ", d,
                        " with size ", size));
}

// The validated scatter family: returns the wrapped dim.
int64_t scatter_checks(const Tensor& self, int64_t dim, const Tensor& index, const Tensor* src) {
  int64_t d = wrap_dim(dim, self.dim());
  scatter_gather_index_dtype("scatter", index);
  if (src && src->dtype() != self.dtype()) throw Error("scatter(): Expected self.dtype to be equal to src.dtype");
  scatter_shape_check(self, d, index, src);
  // Every index is checked before anything is written, so a bad one leaves self (its
  // values, version and history) as it was; torch writes the entries ahead of it.
  int64_t size = nonempty_size(self, d);
  bool bad = false;
  int64_t v = index.numel() == 0 ? 0 : first_out_of_range(index, 0, size, &bad);
  if (bad) throw Error(str_cat("index ", v, " is out of bounds for dimension ", d, " with size ", size));
  return d;
}

// Gradient of a scattered/gathered `src`: g.gather(dim, index), padded with zeros
// where src extends past the index (torch raises there; the true gradient is zero).
Tensor gather_grad_for_src(const Tensor& g, int64_t dim, const Tensor& index, const DimVec& src_shape) {
  Tensor r = gather(g, dim, index);
  if (r.sizes() == src_shape) return r;
  Tensor z = zeros(src_shape, g.dtype());
  Tensor region = z;
  for (int64_t d = 0; d < r.dim(); ++d) region = narrow(region, d, 0, r.sizes()[d]);
  return index_put_slice_grad(z, region, r);
}

// The dim and index of gather / scatter / scatter_add / index_select.
struct DimIndexState {
  int64_t dim;
  SavedVariable index;
};
using DimIndexRule = Rule<DimIndexState>;

tensor_list scatter_src_backward(DimIndexRule& n, const tensor_list& g) {
  Tensor index = n.unpack(n.s.index);
  int64_t d = n.s.dim;
  tensor_list r(2);
  if (n.needs_input_grad(0)) r[0] = scatter(g[0], d, index, scalar_tensor(0.0, g[0].dtype(), true));
  if (n.needs_input_grad(1)) r[1] = gather_grad_for_src(g[0], d, index, n.shapes[1]);
  return r;
}
tensor_list scatter_value_backward(DimIndexRule& n, const tensor_list& g) {
  return {scatter(g[0], n.s.dim, n.unpack(n.s.index), scalar_tensor(0.0, g[0].dtype(), true))};
}
tensor_list scatter_add_backward(DimIndexRule& n, const tensor_list& g) {
  tensor_list r(2);
  if (n.needs_input_grad(0)) r[0] = g[0];
  if (n.needs_input_grad(1)) r[1] = gather_grad_for_src(g[0], n.s.dim, n.unpack(n.s.index), n.shapes[1]);
  return r;
}
tensor_list scatter_reduce_backward(Rule<NoState>&, const tensor_list&) {
  throw Error("derivative for aten::scatter is not implemented");
}

// Fills the state of a scatter-family node (none when nothing was recorded).
void finish_scatter(const std::shared_ptr<DimIndexRule>& n, int64_t d, const Tensor& index) {
  if (n) n->s = {d, n->save(index)};
}

}  // namespace

Tensor gather(const Tensor& a, int64_t dim, const Tensor& index) {
  int64_t d = wrap_dim(dim, a.dim());
  Tensor out = empty(index.sizes(), a.dtype());
  if (index.numel() != 0) {
    scatter_gather_index_dtype("gather", index);
    gather_shape_check(a, d, index);
    std::vector<Operand> ops{over_index(out, index), over_index(a, index, d), over_index(index, index)};
    Geometry g = loop_geometry(index_loop_sizes(index), ops);
    char* base[3];
    base_ptrs(ops, base);
    int64_t size = nonempty_size(a, d), stride = nonempty_stride(a, d) * (int64_t)a.itemsize();
    bool ok = PAG_DISPATCH_ALL(a.dtype(), "gather", [&] { return kernels::gather_dim<scalar_t>(g, base, size, stride); });
    if (!ok)
      throw Error(str_cat("index ", first_out_of_range(index, 0, size), " is out of bounds for dimension ", d,
                          " with size ", size));
  }
  if (any_requires_grad({&a})) {
    struct GatherState {
      int64_t dim;
      SavedVariable self, index;  // torch saves self, so changing it in place before backward is caught
    };
    auto n = record<GatherState>("GatherBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      Tensor self = n.unpack(n.s.self);
      return {scatter_add(zeros(self.sizes(), g[0].dtype()), n.s.dim, n.unpack(n.s.index), g[0])};
    }, {a}, {out});
    n->s = {d, n->save(a), n->save(index)};
  }
  return out;
}

Tensor scatter(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce) {
  bool is_value = src.dim() == 0 && src.is_wrapped_number();
  int64_t d = scatter_checks(a, dim, index, is_value ? nullptr : &src);
  Reduce r = parse_reduce(reduce);
  Tensor out = fresh_copy(a);
  scatter_kernel(out, d, index, is_value ? to_dtype(src, a.dtype()) : src, r);
  if (r != Reduce::None) {
    if (any_requires_grad({&a, &src})) record("NotImplemented", scatter_reduce_backward, {a, src}, {out});
  } else if (is_value) {
    if (any_requires_grad({&a}))
      finish_scatter(record<DimIndexState>("ScatterBackward1", scatter_value_backward, {a}, {out}), d, index);
  } else if (any_requires_grad({&a, &src})) {
    finish_scatter(record<DimIndexState>("ScatterBackward0", scatter_src_backward, {a, src}, {out}), d, index);
  }
  return out;
}

Tensor& scatter_(Tensor& a, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce) {
  bool is_value = src.dim() == 0 && src.is_wrapped_number();
  int64_t d = scatter_checks(a, dim, index, is_value ? nullptr : &src);
  Reduce r = parse_reduce(reduce);
  Tensor v = is_value ? to_dtype(src, a.dtype()) : src;
  auto kernel = [&] {
    assert_no_written_overlap(a, index, is_value ? nullptr : &src);
    scatter_kernel(a, d, index, v, r);
  };
  if (r != Reduce::None)
    inplace_record<NoState>(a, "NotImplemented", scatter_reduce_backward, {src}, kernel);
  else if (is_value)
    finish_scatter(inplace_record<DimIndexState>(a, "ScatterBackward1", scatter_value_backward, {}, kernel), d, index);
  else
    finish_scatter(inplace_record<DimIndexState>(a, "ScatterBackward0", scatter_src_backward, {src}, kernel), d, index);
  return a;
}

Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src) {
  int64_t d = scatter_checks(a, dim, index, &src);
  Tensor out = fresh_copy(a);
  scatter_kernel(out, d, index, src, Reduce::Add);
  if (any_requires_grad({&a, &src}))
    finish_scatter(record<DimIndexState>("ScatterAddBackward0", scatter_add_backward, {a, src}, {out}), d, index);
  return out;
}

Tensor& scatter_add_(Tensor& a, int64_t dim, const Tensor& index, const Tensor& src) {
  int64_t d = scatter_checks(a, dim, index, &src);
  finish_scatter(inplace_record<DimIndexState>(a, "ScatterAddBackward0", scatter_add_backward, {src},
                                               [&] {
                                                 assert_no_written_overlap(a, index, &src);
                                                 scatter_kernel(a, d, index, src, Reduce::Add);
                                               }),
                 d, index);
  return a;
}

// ---------------------------------------------------------------- advanced indexing
namespace {

// Note [Advanced indexing]: torch's AdvancedIndex. Masks become their nonzero
// coordinates, the index tensors broadcast together, and when they are not
// adjacent the indexed dims move to the front (so the result's index dims come
// first). The index tensors are folded into one offset tensor (Note [Linearized
// indices]); the result has shape before + index_shape + after.
struct AdvIndex {
  Tensor src;            // self, permuted when needed (a raw view: no history)
  int64_t before = 0;    // non-indexed dims of src ahead of the indexed block
  int64_t nindexed = 0;  // dims covered by the index tensors
  DimVec index_shape;    // broadcast shape of the index tensors
  Tensor off;            // int64, contiguous, index_shape: element offsets into src
  DimVec result_shape;
};

void check_index_types(const std::vector<Tensor>& indices) {
  for (const Tensor& t : indices)
    if (t.defined() && t.dtype() != Dtype::Int64 && t.dtype() != Dtype::Bool)
      throw IndexError("tensors used as indices must be long, int, byte or bool tensors");
}

// Bool masks -> one int64 index per mask dim (torch's expandTensors).
std::vector<Tensor> expand_masks(const Tensor& self, const std::vector<Tensor>& indices) {
  std::vector<Tensor> out;
  out.reserve(indices.size());
  for (const Tensor& t : indices) {
    if (!t.defined() || t.dtype() != Dtype::Bool) {
      out.push_back(t);
      continue;
    }
    for (int64_t j = 0; j < t.dim(); ++j) {
      int64_t src = (int64_t)out.size() + j;
      if (src >= self.dim() || t.sizes()[j] != self.sizes()[src])
        throw IndexError(str_cat("The shape of the mask ", shape_str(t.sizes()), " at index ", j,
                                 " does not match the shape of the indexed tensor ", shape_str(self.sizes()),
                                 " at index ", src));
    }
    Tensor nz = nonzero(t);
    for (int64_t j = 0; j < t.dim(); ++j) out.push_back(make_view(nz, {nz.sizes()[0]}, {nz.strides()[0]}, nz.offset() + j));
  }
  return out;
}

std::vector<Tensor> prepare_indices(const Tensor& self, const std::vector<Tensor>& indices) {
  check_index_types(indices);
  if ((int64_t)indices.size() > self.dim())
    throw IndexError(str_cat("too many indices for tensor of dimension ", self.dim(), " (got ", indices.size(), ")"));
  return expand_masks(self, indices);
}

// `values` (index_put): checked to broadcast to the result before any index is read.
AdvIndex make_adv_index(const Tensor& self, const std::vector<Tensor>& long_indices, const Tensor* values = nullptr) {
  std::vector<Tensor> idx = long_indices;
  idx.resize(self.dim());
  AdvIndex ai;
  bool first = true;
  for (const Tensor& t : idx) {
    if (!t.defined()) continue;
    if (first) {
      ai.index_shape = t.sizes();
      first = false;
      continue;
    }
    try {
      ai.index_shape = broadcast_shapes(ai.index_shape, t.sizes());
    } catch (const Error&) {
      std::string shapes;
      for (const Tensor& u : idx)
        if (u.defined()) shapes += (shapes.empty() ? "" : ", ") + shape_str(u.sizes());
      throw IndexError("shape mismatch: indexing tensors could not be broadcast together with shapes " + shapes);
    }
  }
  if (first) throw Error("index(): expected at least one index tensor");
  // Adjacent indexed dims stay in place; otherwise they move to the front.
  int64_t lo = -1, hi = -1;
  for (int64_t d = 0; d < self.dim(); ++d)
    if (idx[d].defined()) { if (lo < 0) lo = d; hi = d; }
  bool adjacent = true;
  for (int64_t d = lo; d <= hi; ++d) adjacent = adjacent && idx[d].defined();
  ai.src = self;
  if (!adjacent) {
    DimVec sz, st;
    std::vector<Tensor> moved;
    for (int pass = 0; pass < 2; ++pass)
      for (int64_t d = 0; d < self.dim(); ++d)
        if (idx[d].defined() == (pass == 0)) {
          sz.push_back(self.sizes()[d]);
          st.push_back(self.strides()[d]);
          moved.push_back(idx[d]);
        }
    ai.src = make_view(self, sz, st, self.offset());
    idx = moved;
    lo = 0;
    for (int64_t d = 0; d < self.dim(); ++d)
      if (idx[d].defined()) hi = d;
  }
  ai.before = lo;
  ai.nindexed = hi - lo + 1;
  for (int64_t d = 0; d < ai.before; ++d) ai.result_shape.push_back(ai.src.sizes()[d]);
  for (int64_t s : ai.index_shape) ai.result_shape.push_back(s);
  for (int64_t d = ai.before + ai.nindexed; d < ai.src.dim(); ++d) ai.result_shape.push_back(ai.src.sizes()[d]);
  if (values) {
    DimVec bs;
    try {
      bs = broadcast_shapes(ai.result_shape, values->sizes());
    } catch (const Error&) {
    }
    if (bs != ai.result_shape)
      throw Error(str_cat("shape mismatch: value tensor of shape ", shape_str(values->sizes()),
                          " cannot be broadcast to indexing result of shape ", shape_str(ai.result_shape)));
  }
  // Fold the index tensors into element offsets (Note [Linearized indices]). An
  // empty result reads no index, so none is checked (as in torch).
  ai.off = zeros(ai.index_shape, Dtype::Int64);
  if (numel_of(ai.result_shape) == 0) return ai;
  Operand offop = operand_of(ai.off);
  for (int64_t k = 0; k < ai.nindexed; ++k) {
    const Tensor& t = idx[lo + k];
    int64_t size = ai.src.sizes()[lo + k], stride = ai.src.strides()[lo + k];
    std::vector<Operand> ops{offop, {static_cast<char*>(t.raw_data()), broadcast_strides(t, ai.index_shape), 8}};
    Geometry g = loop_geometry(ai.index_shape, ops);
    char* base[2];
    base_ptrs(ops, base);
    if (!kernels::linearize_index(g, base, size, stride, true)) {
      if (size == 0) throw IndexError("index is out of bounds for dimension with size 0");
      int64_t bad = first_out_of_range(t, -size, size);
      throw IndexError(str_cat("index ", bad, " is out of bounds for dimension ", k, " with size ", size));
    }
  }
  return ai;
}

// Operands over the result shape: `src` restrided (stride 0 on the index dims) and `off` broadcast.
std::pair<Operand, Operand> adv_operands(const AdvIndex& ai) {
  int64_t ni = (int64_t)ai.index_shape.size();
  DimVec sst, ost;
  for (int64_t d = 0; d < ai.before; ++d) { sst.push_back(ai.src.strides()[d]); ost.push_back(0); }
  for (int64_t k = 0; k < ni; ++k) { sst.push_back(0); ost.push_back(ai.off.strides()[k]); }
  for (int64_t d = ai.before + ai.nindexed; d < ai.src.dim(); ++d) { sst.push_back(ai.src.strides()[d]); ost.push_back(0); }
  return {Operand{static_cast<char*>(ai.src.raw_data()), sst, (int64_t)ai.src.itemsize()},
          Operand{static_cast<char*>(ai.off.raw_data()), ost, 8}};
}

Tensor index_forward(const AdvIndex& ai) {
  Tensor out = empty(ai.result_shape, ai.src.dtype());
  auto [srcop, offop] = adv_operands(ai);
  std::vector<Operand> ops{operand_of(out), srcop, offop};
  Geometry g = loop_geometry(ai.result_shape, ops);
  char* base[3];
  base_ptrs(ops, base);
  PAG_DISPATCH_ALL(out.dtype(), "index", [&] { kernels::index_gather<scalar_t>(g, base); });
  return out;
}

// `values` must broadcast to ai.result_shape (make_adv_index checks it).
void index_put_kernel(const AdvIndex& ai, const Tensor& values, bool accumulate) {
  auto [dstop, offop] = adv_operands(ai);
  std::vector<Operand> ops{dstop, {static_cast<char*>(values.raw_data()), broadcast_strides(values, ai.result_shape),
                                   (int64_t)values.itemsize()}, offop};
  Geometry g = loop_geometry(ai.result_shape, ops);
  char* base[3];
  base_ptrs(ops, base);
  PAG_DISPATCH_ALL(values.dtype(), "index_put", [&] {
    kernels::index_put<scalar_t>(g, base, accumulate ? Reduce::Add : Reduce::None);
  });
}

// torch's canDispatchToMaskedFill: one bool mask (after any leading full dims) and
// a one-element value: the write is a masked fill, with no nonzero pass.
Tensor single_mask_for_fill(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values) {
  if (values.numel() != 1) return Tensor();
  int64_t lead = 0;
  Tensor mask;
  for (const Tensor& t : indices) {
    if (!t.defined()) {
      if (!mask.defined()) ++lead;
      continue;
    }
    if (t.dtype() != Dtype::Bool || mask.defined()) return Tensor();
    mask = t;
  }
  if (!mask.defined()) return Tensor();
  for (int64_t j = 0; j < mask.dim(); ++j)
    if (lead + j >= self.dim() || mask.sizes()[j] != self.sizes()[lead + j])
      throw IndexError(str_cat("The shape of the mask ", shape_str(mask.sizes()), " at index ", j,
                               " does not match the shape of the indexed tensor ", shape_str(self.sizes()),
                               " at index ", lead + j));
  DimVec sz = mask.sizes(), st = mask.strides();
  for (int64_t d = lead + mask.dim(); d < self.dim(); ++d) { sz.push_back(1); st.push_back(0); }
  return make_view(mask, sz, st, mask.offset());
}

void masked_fill_kernel(const Tensor& out, const Tensor& mask, const Tensor& value) {
  if (out.numel() == 0) return;
  std::vector<Operand> ops{operand_of(out), {static_cast<char*>(mask.raw_data()), broadcast_strides(mask, out.sizes()), 1}};
  Geometry g = loop_geometry(out.sizes(), ops);
  char* base[2];
  base_ptrs(ops, base);
  PAG_DISPATCH_ALL(out.dtype(), "masked_fill", [&] {
    using out_t = scalar_t;
    out_t v = PAG_DISPATCH_ALL(value.dtype(), "masked_fill", [&]() -> out_t {
      scalar_t x = *value.data<scalar_t>();
      if constexpr (std::is_same_v<out_t, bool>) return x != scalar_t(0);
      else return static_cast<out_t>(x);
    });
    kernels::masked_fill<out_t>(g, base, v);
  });
}

// The int64 indices of index / index_put (undefined where a dim is not indexed).
std::vector<SavedVariable> save_indices(OpNode& n, const std::vector<Tensor>& idx) {
  std::vector<SavedVariable> saved;
  for (const Tensor& t : idx) saved.push_back(n.save(t));
  return saved;
}
std::vector<Tensor> unpack_indices(OpNode& n, const std::vector<SavedVariable>& saved) {
  std::vector<Tensor> idx;
  for (const SavedVariable& v : saved) idx.push_back(n.unpack(v));
  return idx;
}

struct IndexState {
  std::vector<SavedVariable> indices;
};
struct IndexPutState {
  std::vector<SavedVariable> indices;
  bool accumulate;
};

tensor_list index_put_backward(Rule<IndexPutState>& n, const tensor_list& g) {
  std::vector<Tensor> idx = unpack_indices(n, n.s.indices);
  bool accumulate = n.s.accumulate;
  tensor_list r(2);
  if (n.needs_input_grad(0))
    r[0] = accumulate ? g[0] : index_put(g[0], idx, zeros({}, g[0].dtype()), false);
  if (n.needs_input_grad(1)) r[1] = index(g[0], idx);
  return r;
}

void index_put_checks(const Tensor& self, const std::vector<Tensor>& indices) {
  if ((int64_t)indices.size() > self.dim())
    throw IndexError(str_cat("too many indices for tensor of dimension ", self.dim(), " (got ", indices.size(), ")"));
}

// The write of index_put_ into `self` (no autograd); returns the int64 indices for backward.
std::vector<Tensor> index_put_write(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values_in,
                                    bool accumulate) {
  Tensor values = values_in;
  if (values.storage() == self.storage()) values = fresh_copy(values);  // reads must not see the writes
  if (!accumulate) {
    Tensor mask = single_mask_for_fill(self, indices, values);
    if (mask.defined()) {
      masked_fill_kernel(self, mask, reshape(detach(values), {}));
      return indices;
    }
  }
  if (values.dtype() != self.dtype())
    throw Error(str_cat("Index put requires the source and destination dtypes match, got ",
                        scalar_type_name(self.dtype()), " for the destination and ", scalar_type_name(values.dtype()),
                        " for the source."));
  check_index_types(indices);
  std::vector<Tensor> idx = expand_masks(self, indices);
  AdvIndex ai = make_adv_index(self, idx, &values);
  index_put_kernel(ai, values, accumulate);
  return idx;
}

// index_put_ under a given node name (IndexPutImplBackward0 inside index's backward).
Tensor& index_put_impl_(Tensor& a, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate,
                        const char* name) {
  index_put_checks(a, indices);
  std::vector<Tensor> idx;
  auto n = inplace_record<IndexPutState>(a, name, index_put_backward, {values}, [&] {
    warn_expanded(a, "index_put_", "tensor[indices] = tensor");
    idx = index_put_write(a, indices, values, accumulate);
  });
  if (n) n->s = {save_indices(*n, idx), accumulate};
  return a;
}

}  // namespace

Tensor index(const Tensor& a, const std::vector<Tensor>& indices) {
  std::vector<Tensor> idx = prepare_indices(a, indices);
  Tensor out = index_forward(make_adv_index(a, idx));
  if (any_requires_grad({&a})) {
    auto n = record<IndexState>("IndexBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      std::vector<Tensor> idx = unpack_indices(n, n.s.indices);
      Tensor z = zeros(n.shapes[0], g[0].dtype());
      index_put_impl_(z, idx, g[0], true, "IndexPutImplBackward0");  // torch's _index_put_impl_
      return {z};
    }, {a}, {out});
    n->s = {save_indices(*n, idx)};
  }
  return out;
}

Tensor& index_put_(Tensor& a, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  return index_put_impl_(a, indices, values, accumulate, "IndexPutBackward0");
}

Tensor index_put(const Tensor& a, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  index_put_checks(a, indices);
  Tensor out = fresh_copy(a);
  std::vector<Tensor> idx = index_put_write(out, indices, values, accumulate);
  if (any_requires_grad({&a, &values})) {
    auto n = record<IndexPutState>("IndexPutBackward0", index_put_backward, {a, values}, {out});
    n->s = {save_indices(*n, idx), accumulate};
  }
  return out;
}

// ---------------------------------------------------------------- index_select / index_add
namespace {

void check_index_vector(const char* op, const Tensor& index) {
  if (index.dim() > 1) {
    if (std::string(op) == "index_add_")
      throw IndexError(str_cat("index_add_(): Index is supposed to be a vector, but got dim: ", index.dim(),
                               " with type: ", scalar_type_name(index.dtype()), " and size: ", shape_str(index.sizes())));
    throw IndexError(str_cat(op, "(): Index is supposed to be a vector"));
  }
}

// Offsets index * stride of shape `shape` (the index's own, or {numel} for a 1-D/0-dim
// index); false when an entry is out of range.
bool index_offsets(const Tensor& index, const DimVec& shape, int64_t size, int64_t stride, bool wrap, Tensor& off) {
  off = zeros(shape, Dtype::Int64);
  std::vector<Operand> ops{operand_of(off), {static_cast<char*>(index.raw_data()), broadcast_strides(index, shape), 8}};
  Geometry g = loop_geometry(shape, ops);
  char* base[2];
  base_ptrs(ops, base);
  return kernels::linearize_index(g, base, size, stride, wrap);
}
bool dim_offsets(const Tensor& index, int64_t size, int64_t stride, Tensor& off) {
  return index_offsets(index, {index.numel()}, size, stride, false, off);
}

// The AdvIndex of a 1-D index along dim d of `a` (index_select / index_add).
AdvIndex dim_adv_index(const Tensor& a, int64_t d, const Tensor& off) {
  AdvIndex ai;
  ai.src = a.dim() == 0 ? make_view(a, {1}, {1}, a.offset()) : a;
  ai.before = d;
  ai.nindexed = 1;
  ai.index_shape = off.sizes();
  ai.off = off;
  ai.result_shape = ai.src.sizes();
  ai.result_shape[d] = off.numel();
  return ai;
}

}  // namespace

Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index) {
  int64_t d = wrap_dim(dim, a.dim());
  check_index_vector("index_select", index);
  if (index.dtype() != Dtype::Int64) throw Error("index_select(): Expected dtype int32 or int64 for index");
  if (a.dim() == 0 && index.numel() != 1)
    throw Error(str_cat("index_select(): Index to scalar can have only 1 value, got ", index.numel(), " value(s)"));
  int64_t size = nonempty_size(a, d);
  Tensor off;
  if (!dim_offsets(index, size, nonempty_stride(a, d), off)) {
    if (d == 1 && a.dim() > 1)  // torch's dim-1 kernel words it differently
      throw Error(str_cat("INDICES element is out of DATA bounds, id=", first_out_of_range(index, 0, size),
                          " axis_dim=", size));
    throw IndexError("index out of range in self");
  }
  Tensor out = index_forward(dim_adv_index(a, d, off));
  if (a.dim() == 0) {  // a fresh [1] result: drop its dim in place
    out.impl()->sizes = {};
    out.impl()->strides = {};
  }
  if (any_requires_grad({&a})) {
    auto n = record<DimIndexState>("IndexSelectBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      return {index_add(zeros(n.shapes[0], g[0].dtype()), n.s.dim, n.unpack(n.s.index), g[0], 1.0)};
    }, {a}, {out});
    n->s = {d, n->save(index)};
  }
  return out;
}

namespace {

// index_add's checks; returns the wrapped dim.
int64_t index_add_checks(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& source) {
  int64_t d = wrap_dim(dim, a.dim());
  check_index_vector("index_add_", index);
  if (index.dtype() != Dtype::Int64)
    throw Error(str_cat("index_add_(): Expected dtype int32/int64 for index but got: ", scalar_type_name(index.dtype())));
  if (a.dtype() != source.dtype())
    throw Error(str_cat("index_add_(): self (", scalar_type_name(a.dtype()), ") and source (",
                        scalar_type_name(source.dtype()), ") must have the same scalar type"));
  if (source.dim() > 0 && d >= source.dim())
    throw Error(str_cat("index_add_(): Indexing dim ", d, " is out of bounds of the source tensor with dim ",
                        source.dim()));
  if (index.numel() != nonempty_size(source, d))
    throw Error(str_cat("index_add_(): Number of indices (", index.numel(), ") should be equal to source.size(dim): (",
                        nonempty_size(source, d), "), for dim: ", d));
  bool same = nonempty_dim(a) == nonempty_dim(source);
  for (int64_t k = 0; same && k < nonempty_dim(a); ++k)
    if (k != d && nonempty_size(a, k) != nonempty_size(source, k)) same = false;
  if (!same)
    throw Error(str_cat("source tensor shape must match self tensor shape, excluding the specified dimension. Got "
                        "self.shape = ", shape_str(a.sizes()), " source.shape = ", shape_str(source.sizes())));
  return d;
}

// out[.., index[i], ..] += alpha * source[.., i, ..] along dim d, in place.
void index_add_kernel(const Tensor& out, int64_t d, const Tensor& index, const Tensor& source, double alpha) {
  int64_t size = nonempty_size(out, d);
  Tensor off;
  if (!dim_offsets(index, size, nonempty_stride(out, d), off))
    throw Error(str_cat("index ", first_out_of_range(index, 0, size), " is out of bounds for dimension ", d,
                        " with size ", size));
  Tensor src = source;
  if (alpha != 1.0) {
    AutoGradMode no(false);
    src = to_dtype(mul(source, is_floating(out.dtype()) ? scalar_tensor(alpha, Dtype::Float64, true)
                                                        : scalar_tensor_int((int64_t)alpha, Dtype::Int64, true)),
                   out.dtype());
  } else if (src.storage() == out.storage()) {
    src = fresh_copy(src);
  }
  index_put_kernel(dim_adv_index(out, d, off), src.dim() == 0 ? make_view(src, {1}, {0}, src.offset()) : src, true);
}

struct IndexAddState {
  int64_t dim;
  SavedVariable index;
  double alpha;
};

tensor_list index_add_backward(Rule<IndexAddState>& n, const tensor_list& g) {
  tensor_list r(2);
  if (n.needs_input_grad(0)) r[0] = g[0];
  if (n.needs_input_grad(1)) {
    Tensor s = index_select(g[0], n.s.dim, n.unpack(n.s.index));
    r[1] = n.s.alpha != 1.0 ? mul(s, scalar_tensor(n.s.alpha, Dtype::Float64, true)) : s;
  }
  return r;
}

void finish_index_add(const std::shared_ptr<Rule<IndexAddState>>& n, int64_t d, const Tensor& index, double alpha) {
  if (n) n->s = {d, n->save(index), alpha};
}

}  // namespace

Tensor index_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& source, double alpha) {
  int64_t d = index_add_checks(a, dim, index, source);
  Tensor out = fresh_copy(a);
  index_add_kernel(out, d, index, source, alpha);
  if (any_requires_grad({&a, &source}))
    finish_index_add(record<IndexAddState>("IndexAddBackward0", index_add_backward, {a, source}, {out}), d, index,
                     alpha);
  return out;
}

Tensor& index_add_(Tensor& a, int64_t dim, const Tensor& index, const Tensor& source, double alpha) {
  int64_t d = index_add_checks(a, dim, index, source);
  finish_index_add(inplace_record<IndexAddState>(a, "IndexAddBackward0", index_add_backward, {source},
                                                 [&] {
                                                   assert_no_written_overlap(a, index, &source);
                                                   index_add_kernel(a, d, index, source, alpha);
                                                 }),
                   d, index, alpha);
  return a;
}

namespace {
struct TakeState {
  SavedVariable index;
};
}  // namespace

Tensor take(const Tensor& a, const Tensor& index) {
  if (index.dtype() != Dtype::Int64)
    throw Error(str_cat("take(): Expected a long tensor for index, but got ", scalar_type_name(index.dtype())));
  int64_t n = a.numel();
  // The elements of `a` in row-major order, as a raw 1-D tensor (no history).
  Tensor flat;
  if (a.is_contiguous()) {
    flat = make_view(a, {n}, {1}, a.offset());
  } else {
    AutoGradMode no(false);
    flat = empty({n}, a.dtype());
    Tensor dense = make_view(flat, a.sizes(), contiguous_strides(a.sizes()), 0);
    copy_(dense, a);
  }
  Tensor off;
  if (!index_offsets(index, index.sizes(), n, 1, true, off))
    throw IndexError(str_cat("out of range: tried to access index ", first_out_of_range(index, -n, n),
                             " on a tensor of ", n, " elements."));
  AdvIndex ai;
  ai.src = flat;
  ai.nindexed = 1;
  ai.index_shape = index.sizes();
  ai.off = off;
  ai.result_shape = index.sizes();
  Tensor out = index_forward(ai);
  if (any_requires_grad({&a})) {
    auto node = record<TakeState>("TakeBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      Tensor index = n.unpack(n.s.index);
      Tensor z = zeros({numel_of(n.shapes[0])}, g[0].dtype());
      index_put_(z, {reshape(index, {index.numel()})}, reshape(g[0], {g[0].numel()}), true);
      return {reshape(z, n.shapes[0])};
    }, {a}, {out});
    node->s = {node->save(index)};
  }
  return out;
}

Tensor take_along_dim(const Tensor& a, const Tensor& indices, std::optional<int64_t> dim) {
  if (!dim) {
    if (indices.dtype() != Dtype::Int64)
      throw Error(str_cat("torch.take_along_dim(): dtype of indices should be Long but got ",
                          scalar_type_name(indices.dtype())));
    return gather(view(a, {-1}), 0, view(indices, {-1}));
  }
  if (a.dim() != indices.dim())
    throw Error(str_cat("torch.take_along_dim(): input and indices should have the same number of dimensions, but got ",
                        a.dim(), " dimensions for input, and ", indices.dim(), " dimensions for indices"));
  if (indices.dtype() != Dtype::Int64)
    throw Error(str_cat("torch.take_along_dim(): dtype of indices should be Long but got ",
                        scalar_type_name(indices.dtype())));
  int64_t d = wrap_dim(*dim, a.dim());
  if (a.dim() == 0) return gather(a, d, indices);
  DimVec self_sizes = a.sizes();
  self_sizes[d] = indices.sizes()[d];
  DimVec bshape = broadcast_shapes(self_sizes, indices.sizes());
  Tensor idx = bshape == indices.sizes() ? indices : expand(indices, bshape);
  self_sizes = bshape;
  self_sizes[d] = a.sizes()[d];
  return gather(self_sizes == a.sizes() ? a : expand(a, self_sizes), d, idx);
}

// ---------------------------------------------------------------- masks
namespace {

void masked_fill_checks(const Tensor& mask, const Tensor& value) {
  if (value.dim() != 0)
    throw Error(str_cat("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ", value.dim(),
                        " dimension(s)."));
  if (mask.dtype() != Dtype::Bool)
    throw Error(str_cat("masked_fill_ only supports boolean masks, but got mask with dtype ", cpp_type_name(mask.dtype())));
}

// The mask of masked_fill / masked_select.
struct MaskState {
  SavedVariable mask;
};

tensor_list masked_fill_backward(Rule<MaskState>& n, const tensor_list& g) {
  Tensor mask = n.unpack(n.s.mask);
  Tensor zero = zeros({}, g[0].dtype());
  tensor_list r(2);
  if (n.needs_input_grad(0)) r[0] = where(mask, zero, g[0]);
  if (n.needs_input_grad(1)) r[1] = sum(where(mask, g[0], zero), std::nullopt, false);
  return r;
}

// MaskedFillBackward0 for a Python number, MaskedFillBackward1 for a tensor value.
const char* masked_fill_name(const Tensor& value) {
  return value.is_wrapped_number() ? "MaskedFillBackward0" : "MaskedFillBackward1";
}

}  // namespace

Tensor masked_fill(const Tensor& a, const Tensor& mask, const Tensor& value) {
  masked_fill_checks(mask, value);
  DimVec bs = broadcast_shapes(mask.sizes(), a.sizes());
  Tensor out;
  {
    AutoGradMode no(false);
    out = clone(bs == a.sizes() ? a : expand(a, bs));
  }
  masked_fill_kernel(out, mask, value);
  bool wrapped = value.is_wrapped_number();
  if (wrapped ? any_requires_grad({&a}) : any_requires_grad({&a, &value})) {
    auto n = record<MaskState>(masked_fill_name(value), masked_fill_backward,
                               wrapped ? tensor_list{a} : tensor_list{a, value}, {out});
    n->s = {n->save(mask)};
  }
  return out;
}

Tensor& masked_fill_(Tensor& a, const Tensor& mask, const Tensor& value) {
  masked_fill_checks(mask, value);
  DimVec bs = broadcast_shapes(a.sizes(), mask.sizes());
  if (bs != a.sizes())
    throw Error(str_cat("output with shape ", shape_str(a.sizes()), " doesn't match the broadcast shape ", shape_str(bs)));
  bool wrapped = value.is_wrapped_number();
  auto n = inplace_record<MaskState>(a, masked_fill_name(value), masked_fill_backward,
                                     wrapped ? tensor_list{} : tensor_list{value}, [&] {
                                       warn_expanded(a, "masked_fill_", "tensor[mask] = scalar");
                                       masked_fill_kernel(a, mask, value);
                                     });
  if (n) n->s = {n->save(mask)};
  return a;
}

Tensor masked_select(const Tensor& a, const Tensor& mask) {
  if (mask.dtype() != Dtype::Bool) throw Error("masked_select: expected BoolTensor for mask");
  DimVec bs = broadcast_shapes(mask.sizes(), a.sizes());
  Tensor out;
  {
    AutoGradMode no(false);
    // A 0-dim input is read as one element (a mask needs a dim to select along).
    DimVec shape = bs.empty() ? DimVec{1} : bs;
    Tensor ae = expand(reshape(a, a.dim() ? a.sizes() : DimVec{1}), shape);
    Tensor me = expand(reshape(mask, mask.dim() ? mask.sizes() : DimVec{1}), shape);
    out = index_forward(make_adv_index(ae, expand_masks(ae, {me})));
  }
  if (any_requires_grad({&a})) {
    auto n = record<MaskState>("MaskedSelectBackward0", [](auto& n, const tensor_list& g) -> tensor_list {
      Tensor mask = n.unpack(n.s.mask);
      DimVec bs = broadcast_shapes(n.shapes[0], mask.sizes());
      DimVec shape = bs.empty() ? DimVec{1} : bs;
      Tensor z = zeros(shape, g[0].dtype());
      index_put_(z, {expand(reshape(mask, mask.dim() ? mask.sizes() : DimVec{1}), shape)}, g[0], false);
      return {bs.empty() ? reshape(z, {}) : z};
    }, {a}, {out});
    n->s = {n->save(mask)};
  }
  return out;
}

Tensor nonzero(const Tensor& a) {
  int nd = (int)a.dim();
  if (nd > 64) throw Error("nonzero is not supported for tensors with more than 64 dimensions");
  int64_t count = PAG_DISPATCH_ALL(a.dtype(), "nonzero", [&] {
    return kernels::nonzero<scalar_t>(a.data<scalar_t>(), a.sizes().data(), a.strides().data(), nd, nullptr);
  });
  Tensor out = empty({count, (int64_t)nd}, Dtype::Int64);
  if (count > 0 && nd > 0)
    PAG_DISPATCH_ALL(a.dtype(), "nonzero", [&] {
      kernels::nonzero<scalar_t>(a.data<scalar_t>(), a.sizes().data(), a.strides().data(), nd, out.data<int64_t>());
    });
  return out;
}

// x[...] and x[:, :]: a view of the whole tensor that is a new tensor (torch's alias).
Tensor alias(const Tensor& a) {
  Tensor out = make_view(a, a.sizes(), a.strides(), a.offset());
  if (any_requires_grad({&a}))
    record("AliasBackward0", [](auto&, const tensor_list& g) -> tensor_list { return {g[0]}; }, {a}, {out});
  return out;
}

}  // namespace pag
