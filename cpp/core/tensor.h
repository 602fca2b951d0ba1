// Tensor = a strided view (sizes, strides, offset, dtype) onto a shared Storage,
// plus optional autograd metadata. Views share Storage and the version counter.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/allocator.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/live_count.h"
#include "core/small_vec.h"

namespace pag {

struct Node;
struct TensorImpl;
class Tensor;

struct Storage {
  static constexpr size_t kInlineBytes = 64;
  void* data = nullptr;
  size_t nbytes = 0;
  std::shared_ptr<void> owner;  // set when the memory belongs to someone else (numpy)
  int64_t version = 0;          // the version counter shared by all views (Note [Version counter])
  // Note [Inline storage]: tensors of up to 64 bytes (scalars, small vectors: the
  // per-op cost of training loops on tiny tensors) keep their data here, so making
  // one costs a single allocation.
  alignas(16) unsigned char inline_buf[kInlineBytes];
  LiveCounter<kLiveStorage> live_;  // Note [Live counts]
  Storage() = default;
  Storage(const Storage&) = delete;
  ~Storage() { if (!owner && data != inline_buf) free_buffer(data, nbytes); }
};

// A hook on a tensor's gradient: returns an undefined Tensor to keep the gradient unchanged.
using GradHook = std::function<Tensor(const Tensor&)>;

// How a differentiable view was made; decides whether it may be modified in place
// with grad (Note [View autograd] in autograd/node.cpp).
enum class CreationMeta : int8_t { Default, NoGradMode, MultiOutput };

struct AutogradMeta {
  bool requires_grad = false;           // meaningful for leaves; non-leaves require grad iff grad_fn
  std::shared_ptr<Node> grad_fn;
  uint32_t output_nr = 0;
  std::shared_ptr<TensorImpl> grad;
  std::weak_ptr<Node> grad_accumulator;  // leaves: their AccumulateGrad sink, made on demand
  bool retains_grad = false;
  std::vector<std::pair<int, GradHook>> leaf_hooks;  // (handle id, hook), leaves only
  // views only
  CreationMeta creation_meta = CreationMeta::Default;
  int64_t attr_version = 0;             // the version counter when grad_fn was last set
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  std::shared_ptr<int64_t> version;  // Note [Version counter]: aliases storage->version except for `.data`
  DimVec sizes, strides;             // strides in elements
  int64_t offset = 0;                // in elements
  Dtype dtype = Dtype::Float32;
  bool is_wrapped_number = false;    // a Python scalar turned into a 0-dim tensor (promotion rules)
  // Note [Inference tensors]: a tensor made in InferenceMode, and every view of it, is an
  // inference tensor: it may not be saved for backward (SavedVariable), and its version
  // counter may not be bumped outside InferenceMode (bump_version), so it is never
  // updated in place there. `.data` of one is still an inference tensor, with a counter
  // of its own that may be bumped, as in torch.
  bool is_inference = false;
  bool inference_version = false;    // the version counter is an inference tensor's
  std::shared_ptr<TensorImpl> view_base;  // set when this is a view of another tensor
  std::unique_ptr<AutogradMeta> autograd;
  void* pyobj = nullptr;        // the live Python object, if any (bindings: Note [Tensor objects])
  LiveCounter<kLiveTensorImpl> live_;  // Note [Live counts]

  AutogradMeta& meta() {
    if (!autograd) autograd = std::make_unique<AutogradMeta>();
    return *autograd;
  }
};

// Note [Version counter]: torch keeps one counter per storage, shared by views and
// detach(), but `.data` gets a fresh one. We alias the counter inside Storage with
// shared_ptr's aliasing constructor (no extra allocation) and give `.data` its own.

// Throws torch's error for an in-place update of an inference tensor outside InferenceMode.
void check_inference_inplace();

int64_t numel_of(const DimVec& sizes);
int64_t checked_numel(const DimVec& sizes);  // torch's error when the product overflows int64
DimVec contiguous_strides(const DimVec& sizes);

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  std::shared_ptr<TensorImpl> release_impl() && { return std::move(impl_); }
  bool same(const Tensor& o) const { return impl_ == o.impl_; }

  int64_t dim() const { return (int64_t)impl_->sizes.size(); }
  const DimVec& sizes() const { return impl_->sizes; }
  const DimVec& strides() const { return impl_->strides; }
  int64_t size(int64_t d) const;    // wraps negative d
  int64_t stride(int64_t d) const;
  int64_t offset() const { return impl_->offset; }
  int64_t numel() const { return numel_of(impl_->sizes); }
  Dtype dtype() const { return impl_->dtype; }
  size_t itemsize() const { return pag::itemsize(impl_->dtype); }
  bool is_contiguous() const;
  bool is_wrapped_number() const { return impl_->is_wrapped_number; }

  void* raw_data() const { return static_cast<char*>(impl_->storage->data) + impl_->offset * itemsize(); }
  template <typename T> T* data() const { return reinterpret_cast<T*>(raw_data()); }
  const std::shared_ptr<Storage>& storage() const { return impl_->storage; }

  int64_t version() const { return *impl_->version; }
  void bump_version() const {
    if (impl_->inference_version) check_inference_inplace();  // Note [Inference tensors]
    ++*impl_->version;
  }

  // autograd
  bool requires_grad() const;
  const std::shared_ptr<Node>& grad_fn() const;
  uint32_t output_nr() const { return impl_->autograd ? impl_->autograd->output_nr : 0; }
  bool is_leaf() const { return !impl_->autograd || !impl_->autograd->grad_fn; }
  Tensor grad() const;
  bool is_view() const { return impl_->view_base != nullptr; }

  double item_double() const;  // value of a 1-element tensor as double
  int64_t item_int() const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// Allocation and metadata helpers (core/tensor.cpp).
Tensor empty(const DimVec& sizes, Dtype dtype);
Tensor empty_strided(const DimVec& sizes, const DimVec& strides, Dtype dtype);  // storage sized to fit
Tensor make_view(const Tensor& base, DimVec sizes, DimVec strides, int64_t offset);  // no autograd
// torch's resize_: `t` takes `sizes` with contiguous strides at its offset, its
// storage (shared with its views) grown when too small; the contents are kept.
void resize_(const Tensor& t, const DimVec& sizes);
// dst takes src's storage, version counter, geometry and dtype (`t.data = src`, Tensor(src)).
void share_data(TensorImpl& dst, const Tensor& src);
Tensor scalar_tensor(double v, Dtype dtype, bool wrapped = false);
Tensor scalar_tensor_int(int64_t v, Dtype dtype, bool wrapped = false);
Tensor from_blob(void* data, const DimVec& sizes, const DimVec& strides, Dtype dtype,
                 std::shared_ptr<void> owner);

int64_t wrap_dim(int64_t dim, int64_t ndim, bool allow_scalar = true);  // torch's IndexError on range
DimVec broadcast_shapes(const DimVec& a, const DimVec& b);
std::string shape_str(const DimVec& s);  // "[2, 3]"

// Default dtype for floating results (set_default_dtype).
Dtype default_dtype();
void set_default_dtype(Dtype d);

}  // namespace pag
