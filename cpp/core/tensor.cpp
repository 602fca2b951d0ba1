#include "core/tensor.h"

#include <atomic>
#include <cstring>
#include <sstream>

#include "autograd/grad_mode.h"
#include "autograd/node.h"

namespace pag {

int64_t numel_of(const DimVec& sizes) {
  uint64_t n = 1;  // unsigned: sizes not yet validated may wrap, but never overflow a signed type
  for (int64_t s : sizes) n *= (uint64_t)s;
  return (int64_t)n;
}

// Note [Size overflow]: sizes come straight from Python ints, so every product of
// them is checked (torch's safe_multiply_u64 rules and messages): a wrapped product
// would make a tensor that claims more elements than its buffer holds.
DimVec contiguous_strides(const DimVec& sizes) {
  DimVec st(sizes.size());
  int64_t acc = 1;
  bool overflow = false;
  for (int64_t i = (int64_t)sizes.size() - 1; i >= 0; --i) {
    st[i] = acc;
    if (i > 0) overflow |= __builtin_mul_overflow(acc, std::max<int64_t>(sizes[i], 1), &acc);
  }
  if (overflow) throw Error("Stride calculation overflowed");
  return st;
}

// Number of elements, or torch's error when it does not fit in int64 (Note [Size overflow]).
int64_t checked_numel(const DimVec& sizes) {
  uint64_t n = 1;
  bool overflow = false;
  for (int64_t s : sizes) overflow |= __builtin_mul_overflow(n, (uint64_t)s, &n);
  if (overflow || n > (uint64_t)INT64_MAX) throw Error("numel: integer multiplication overflow");
  return (int64_t)n;
}

int64_t Tensor::size(int64_t d) const { return impl_->sizes[wrap_dim(d, dim(), false)]; }
int64_t Tensor::stride(int64_t d) const { return impl_->strides[wrap_dim(d, dim(), false)]; }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  const auto& sz = impl_->sizes;
  const auto& st = impl_->strides;
  if (numel() == 0) return true;
  for (int64_t i = (int64_t)sz.size() - 1; i >= 0; --i) {
    if (sz[i] != 1 && st[i] != expected) return false;
    expected *= sz[i];
  }
  return true;
}

bool Tensor::requires_grad() const {
  auto* m = impl_->autograd.get();
  return m && (m->requires_grad || m->grad_fn);
}

const std::shared_ptr<Node>& Tensor::grad_fn() const {
  static const std::shared_ptr<Node> none;
  auto* m = impl_->autograd.get();
  if (!m) return none;
  // A view whose base changed in place since its grad_fn was set gets a fresh one.
  if (impl_->view_base && m->attr_version != *impl_->version) refresh_view_grad_fn(*this);
  return m->grad_fn;
}

Tensor Tensor::grad() const {
  if (!impl_->autograd || !impl_->autograd->grad) return Tensor();
  return Tensor(impl_->autograd->grad);
}

double Tensor::item_double() const {
  PAG_CHECK(numel() == 1, "a Tensor with ", numel(), " elements cannot be converted to Scalar");
  return PAG_DISPATCH_ALL(dtype(), "item", [&] { return (double)*data<scalar_t>(); });
}
int64_t Tensor::item_int() const {
  PAG_CHECK(numel() == 1, "a Tensor with ", numel(), " elements cannot be converted to Scalar");
  return PAG_DISPATCH_ALL(dtype(), "item", [&] { return (int64_t)*data<scalar_t>(); });
}

static std::shared_ptr<TensorImpl> new_impl(std::shared_ptr<Storage> st, Dtype dtype) {
  auto impl = std::make_shared<TensorImpl>();
  impl->version = std::shared_ptr<int64_t>(st, &st->version);
  impl->storage = std::move(st);
  impl->dtype = dtype;
  impl->is_inference = impl->inference_version = InferenceMode::is_enabled();  // Note [Inference tensors]
  return impl;
}

Tensor empty(const DimVec& sizes, Dtype dtype) {
  for (int64_t s : sizes)
    if (s < 0) throw Error(str_cat("Trying to create tensor with negative dimension ", s, ": ", shape_str(sizes)));
  // The byte count must fit in int64 (Note [Size overflow]).
  uint64_t n = 1;
  bool overflow = false;
  for (int64_t s : sizes) overflow |= __builtin_mul_overflow(n, (uint64_t)s, &n);
  overflow |= __builtin_mul_overflow(n, (uint64_t)pag::itemsize(dtype), &n);
  if (overflow || n > (uint64_t)INT64_MAX)
    throw Error(str_cat("Storage size calculation overflowed with sizes=", shape_str(sizes)));
  DimVec strides = contiguous_strides(sizes);
  auto st = std::make_shared<Storage>();
  size_t nbytes = (size_t)n;
  st->data = nbytes <= Storage::kInlineBytes ? st->inline_buf : alloc_buffer(nbytes);
  st->nbytes = nbytes;
  auto impl = new_impl(std::move(st), dtype);
  impl->sizes = sizes;
  impl->strides = std::move(strides);
  return Tensor(std::move(impl));
}

Tensor empty_strided(const DimVec& sizes, const DimVec& strides, Dtype dtype) {
  int64_t extent = numel_of(sizes) == 0 ? 0 : 1;
  for (size_t i = 0; i < sizes.size() && extent; ++i) extent += (sizes[i] - 1) * strides[i];
  Tensor out = empty({extent}, dtype);
  out.impl()->sizes = sizes;
  out.impl()->strides = strides;
  return out;
}

void resize_(const Tensor& t, const DimVec& sizes) {
  for (int64_t s : sizes)
    if (s < 0) throw Error(str_cat("Trying to create tensor with negative dimension ", s, ": ", shape_str(sizes)));
  size_t need = (size_t)(t.offset() + checked_numel(sizes)) * t.itemsize();
  Storage& st = *t.storage();
  if (need > st.nbytes) {  // grow the storage in place: every view of it sees the new buffer
    if (st.owner) throw Error("Trying to resize storage that is not resizable");
    void* data = alloc_buffer(need);
    std::memcpy(data, st.data, st.nbytes);
    if (st.data != st.inline_buf) free_buffer(st.data, st.nbytes);
    st.data = data;
    st.nbytes = need;
  }
  t.impl()->sizes = sizes;
  t.impl()->strides = contiguous_strides(sizes);
}

void share_data(TensorImpl& dst, const Tensor& src) {
  dst.storage = src.storage();
  dst.version = src.impl()->version;
  dst.sizes = src.sizes();
  dst.strides = src.strides();
  dst.offset = src.offset();
  dst.dtype = src.dtype();
  dst.is_inference = src.impl()->is_inference;
  dst.inference_version = src.impl()->inference_version;
}

void check_inference_inplace() {
  if (!InferenceMode::is_enabled())
    throw Error("Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to get "
                "a normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for more "
                "details.");
}

Tensor make_view(const Tensor& base, DimVec sizes, DimVec strides, int64_t offset) {
  checked_numel(sizes);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->version = base.impl()->version;
  impl->dtype = base.dtype();
  impl->sizes = std::move(sizes);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->is_inference = base.impl()->is_inference;
  impl->inference_version = base.impl()->inference_version;
  impl->view_base = base.impl()->view_base ? base.impl()->view_base : base.impl_ptr();
  return Tensor(std::move(impl));
}

Tensor scalar_tensor(double v, Dtype dtype, bool wrapped) {
  Tensor t = empty({}, dtype);
  PAG_DISPATCH_ALL(dtype, "scalar_tensor", [&] { *t.data<scalar_t>() = (scalar_t)v; });
  t.impl()->is_wrapped_number = wrapped;
  return t;
}
Tensor scalar_tensor_int(int64_t v, Dtype dtype, bool wrapped) {
  Tensor t = empty({}, dtype);
  PAG_DISPATCH_ALL(dtype, "scalar_tensor", [&] { *t.data<scalar_t>() = (scalar_t)v; });
  t.impl()->is_wrapped_number = wrapped;
  return t;
}

Tensor from_blob(void* data, const DimVec& sizes, const DimVec& strides, Dtype dtype,
                 std::shared_ptr<void> owner) {
  auto st = std::make_shared<Storage>();
  st->data = data;
  st->owner = std::move(owner);
  int64_t extent = 1;
  for (size_t i = 0; i < sizes.size(); ++i) extent += (sizes[i] - 1) * strides[i];
  st->nbytes = numel_of(sizes) == 0 ? 0 : (size_t)extent * pag::itemsize(dtype);
  auto impl = new_impl(std::move(st), dtype);
  impl->sizes = sizes;
  impl->strides = strides;
  return Tensor(std::move(impl));
}

int64_t wrap_dim(int64_t dim, int64_t ndim, bool allow_scalar) {
  int64_t n = ndim;
  if (n <= 0) {
    if (!allow_scalar) throw IndexError(str_cat("dimension specified as ", dim, " but tensor has no dimensions"));
    n = 1;
  }
  int64_t lo = -n, hi = n - 1;
  if (dim < lo || dim > hi)
    throw IndexError(str_cat("Dimension out of range (expected to be in range of [", lo, ", ", hi,
                             "], but got ", dim, ")"));
  return dim < 0 ? dim + n : dim;
}

DimVec broadcast_shapes(const DimVec& a, const DimVec& b) {
  // From the innermost dim out, so a mismatch is reported where torch reports it.
  const int64_t n = (int64_t)std::max(a.size(), b.size());
  DimVec out(n);
  for (int64_t i = n - 1; i >= 0; --i) {
    int64_t ia = i - (n - (int64_t)a.size()), ib = i - (n - (int64_t)b.size());
    int64_t da = ia >= 0 ? a[ia] : 1;
    int64_t db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1)
      throw Error(str_cat("The size of tensor a (", da, ") must match the size of tensor b (", db,
                          ") at non-singleton dimension ", i));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::string shape_str(const DimVec& s) {
  std::ostringstream ss;
  ss << "[";
  for (size_t i = 0; i < s.size(); ++i) ss << (i ? ", " : "") << s[i];
  ss << "]";
  return ss.str();
}

static std::atomic<int> g_default_dtype{(int)Dtype::Float32};
Dtype default_dtype() { return (Dtype)g_default_dtype.load(std::memory_order_relaxed); }
void set_default_dtype(Dtype d) { g_default_dtype = (int)d; }

}  // namespace pag
