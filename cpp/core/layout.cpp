#include "core/layout.h"

#include "core/error.h"

#include <algorithm>
#include <numeric>

namespace pag {

const char* memory_format_name(MemoryFormat f) {
  switch (f) {
    case MemoryFormat::Preserve: return "torch.preserve_format";
    case MemoryFormat::Contiguous: return "torch.contiguous_format";
    case MemoryFormat::ChannelsLast: return "torch.channels_last";
    case MemoryFormat::ChannelsLast3d: return "torch.channels_last_3d";
  }
  return "?";
}

bool non_overlapping_and_dense(const DimVec& sizes, const DimVec& strides) {
  const size_t nd = sizes.size();
  if (nd == 1) return sizes[0] < 2 || strides[0] == 1;
  std::vector<size_t> perm(nd);
  std::iota(perm.begin(), perm.end(), 0);
  std::sort(perm.begin(), perm.end(), [&](size_t a, size_t b) {
    if (sizes[a] < 2) return false;
    if (sizes[b] < 2) return true;
    return strides[a] < strides[b];
  });
  int64_t required = 1;
  for (size_t i : perm) {
    if (sizes[i] < 2) return true;
    if (strides[i] != required) return false;
    required *= sizes[i];
  }
  return true;
}

bool non_overlapping_and_dense(const Tensor& t) {
  return t.is_contiguous() || non_overlapping_and_dense(t.sizes(), t.strides());
}

bool has_internal_overlap(const Tensor& t) {
  if (non_overlapping_and_dense(t)) return false;
  for (int64_t i = 0; i < t.dim(); ++i)
    if (t.strides()[i] == 0 && t.sizes()[i] > 1) return true;
  return false;
}

void assert_no_internal_overlap(const Tensor& t) {
  // Note [Inference tensors]: a write that bump_version would refuse is refused before it happens
  if (t.impl()->inference_version) check_inference_inplace();
  if (has_internal_overlap(t))
    throw Error("unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location. Please clone() the tensor before performing the operation.");
}

Overlap overlap_status(const Tensor& a, const Tensor& b) {
  if (a.same(b)) return Overlap::Full;
  if (a.numel() == 0 || b.numel() == 0) return Overlap::No;
  if (!non_overlapping_and_dense(a) || !non_overlapping_and_dense(b)) return Overlap::TooHard;
  if (a.storage() != b.storage()) return Overlap::No;
  const char* a0 = static_cast<const char*>(a.raw_data());
  const char* b0 = static_cast<const char*>(b.raw_data());
  const char* a1 = a0 + a.numel() * a.itemsize();
  const char* b1 = b0 + b.numel() * b.itemsize();
  if (a0 == b0 && a1 == b1) return a.strides() == b.strides() ? Overlap::Full : Overlap::Partial;
  if (a0 < b1 && b0 < a1) return Overlap::Partial;
  return Overlap::No;
}

namespace {
[[noreturn]] void throw_overlap() {
  throw Error("unsupported operation: some elements of the input tensor and the written-to tensor refer to a "
              "single memory location. Please clone() the tensor before performing the operation.");
}
}  // namespace

void assert_no_partial_overlap(const Tensor& out, const Tensor& in) {
  if (overlap_status(out, in) == Overlap::Partial) throw_overlap();
}

void assert_no_overlap(const Tensor& out, const Tensor& in) {
  Overlap o = overlap_status(out, in);
  if (o == Overlap::Partial || o == Overlap::Full) throw_overlap();
}

namespace {

// torch's insertion sort of dims (TensorIterator::reorder_dimensions, infer_dense_strides):
// perm[0] is the innermost dim. `cmp(d0, d1)` > 0 moves d0 after d1, < 0 keeps it before,
// 0 (ambiguous) looks further left.
template <typename Cmp>
std::vector<int64_t> sort_dims(int64_t nd, const Cmp& cmp) {
  std::vector<int64_t> perm(nd);
  for (int64_t i = 0; i < nd; ++i) perm[i] = nd - 1 - i;
  for (int64_t i = 1; i < nd; ++i) {
    int64_t dim1 = i;
    for (int64_t dim0 = i - 1; dim0 >= 0; --dim0) {
      int c = cmp(perm[dim0], perm[dim1]);
      if (c > 0) {
        std::swap(perm[dim0], perm[dim1]);
        dim1 = dim0;
      } else if (c < 0) {
        break;
      }
    }
  }
  return perm;
}

}  // namespace

DimVec infer_dense_strides(const DimVec& sizes, const DimVec& strides) {
  const int64_t nd = (int64_t)sizes.size();
  if (nd == 0) return {};
  if (nd == 1) return {1};
  auto perm = sort_dims(nd, [&](int64_t d0, int64_t d1) {
    int64_t s0 = strides[d0], s1 = strides[d1];
    if (s0 == 0 || s1 == 0) return 0;
    if (s0 != s1) return s0 < s1 ? -1 : 1;
    return sizes[d0] > sizes[d1] ? 1 : 0;
  });
  DimVec out(nd);
  int64_t cur = 1;
  for (int64_t d : perm) {
    out[d] = cur;
    if (sizes[d] > 1) cur *= sizes[d];
  }
  return out;
}

DimVec channels_last_strides(const DimVec& sizes) {
  const size_t nd = sizes.size();
  DimVec st(nd);
  // innermost first: C, then W, H (, D), then N
  std::vector<size_t> order = nd == 4 ? std::vector<size_t>{1, 3, 2, 0} : std::vector<size_t>{1, 4, 3, 2, 0};
  int64_t cur = 1;
  for (size_t d : order) {
    st[d] = cur;
    cur *= std::max<int64_t>(sizes[d], 1);
  }
  return st;
}

namespace {

void check_rank(const DimVec& sizes, MemoryFormat f) {
  if (f == MemoryFormat::ChannelsLast && sizes.size() != 4)
    throw Error("required rank 4 tensor to use channels_last format");
  if (f == MemoryFormat::ChannelsLast3d && sizes.size() != 5)
    throw Error("required rank 5 tensor to use channels_last_3d format");
}

// torch's is_channels_last_strides_2d/3d check of a given layout (with its size-1 rules).
bool strides_match(const Tensor& t, const DimVec& want) {
  for (int64_t i = 0; i < t.dim(); ++i)
    if (t.sizes()[i] != 1 && t.strides()[i] != want[i]) return false;
  return true;
}

}  // namespace

bool is_contiguous_as(const Tensor& t, MemoryFormat f) {
  if (f == MemoryFormat::ChannelsLast || f == MemoryFormat::ChannelsLast3d) {
    if (t.dim() != (f == MemoryFormat::ChannelsLast ? 4 : 5)) return false;
    return t.numel() < 2 || strides_match(t, channels_last_strides(t.sizes()));
  }
  return t.is_contiguous();
}

MemoryFormat suggest_memory_format(const Tensor& t) {
  // torch's is_channels_last_strides_2d/3d, with its fall-backs to contiguous for the
  // ambiguous size-1 cases.
  auto channels_last_like = [&](std::initializer_list<int64_t> order) {
    const auto& sz = t.sizes();
    const auto& st = t.strides();
    if (st[1] == 0) return false;
    int64_t min = 0;
    for (int64_t d : order) {
      if (sz[d] == 0 || st[d] < min) return false;
      if (d == 0 && min == st[1]) return false;
      min = st[d];
      if (sz[d] > 1) min *= sz[d];
    }
    return true;
  };
  if (t.dim() == 4 && channels_last_like({1, 3, 2, 0})) return MemoryFormat::ChannelsLast;
  if (t.dim() == 5 && channels_last_like({1, 4, 3, 2, 0})) return MemoryFormat::ChannelsLast3d;
  return MemoryFormat::Contiguous;
}

DimVec like_strides(const Tensor& like, MemoryFormat f) {
  check_rank(like.sizes(), f);
  switch (f) {
    case MemoryFormat::Contiguous: return contiguous_strides(like.sizes());
    case MemoryFormat::ChannelsLast:
    case MemoryFormat::ChannelsLast3d: return channels_last_strides(like.sizes());
    case MemoryFormat::Preserve: break;
  }
  if (non_overlapping_and_dense(like.sizes(), like.strides())) return like.strides();  // size-1 dims' too
  return infer_dense_strides(like.sizes(), like.strides());
}

Tensor empty_like(const Tensor& like, Dtype d, MemoryFormat f) {
  DimVec st = like_strides(like, f);
  if (st == contiguous_strides(like.sizes())) return empty(like.sizes(), d);
  return empty_strided(like.sizes(), st, d);
}

DimVec iterator_strides(const DimVec& shape, std::initializer_list<const Tensor*> operands) {
  const int64_t nd = (int64_t)shape.size();
  // Fast set-up: every operand of the output's shape, all contiguous or all dense with
  // one set of strides (the last operand's, as torch takes it).
  bool same_shape = true, contiguous = true, dense = true;
  const Tensor* last = nullptr;
  for (const Tensor* t : operands) {
    if (!t || !t->defined()) continue;
    if (t->sizes() != shape) { same_shape = false; break; }
    contiguous = contiguous && t->is_contiguous();
    dense = dense && non_overlapping_and_dense(*t);
    if (last && last->strides() != t->strides()) dense = false;
    last = t;
  }
  if (same_shape && last) {
    if (contiguous) return contiguous_strides(shape);
    if (dense) return last->strides();
  }
  if (nd <= 1) return contiguous_strides(shape);
  // Each operand's strides aligned to the output's dims; 0 where it is broadcast.
  std::vector<DimVec> st;
  for (const Tensor* t : operands) {
    if (!t || !t->defined()) continue;
    DimVec s(nd, 0);
    const int64_t lead = nd - t->dim();
    for (int64_t i = 0; i < t->dim(); ++i)
      s[lead + i] = t->sizes()[i] == 1 && shape[lead + i] != 1 ? 0 : t->strides()[i];
    st.push_back(std::move(s));
  }
  auto perm = sort_dims(nd, [&](int64_t d0, int64_t d1) {
    for (const DimVec& s : st) {
      if (s[d0] == 0 || s[d1] == 0) continue;
      if (s[d0] != s[d1]) return s[d0] < s[d1] ? -1 : 1;
      if (shape[d0] > shape[d1]) return 1;
    }
    return 0;
  });
  bool inverted = true;
  for (int64_t i = 0; i < nd; ++i) inverted = inverted && perm[i] == nd - 1 - i;
  if (inverted) return contiguous_strides(shape);
  DimVec out(nd);
  int64_t cur = 1;
  for (int64_t d : perm) {
    out[d] = cur;
    cur *= shape[d];
  }
  return out;
}

Tensor empty_for(const DimVec& shape, Dtype d, std::initializer_list<const Tensor*> operands) {
  bool contiguous = true;  // the common case, without building strides
  for (const Tensor* t : operands)
    if (t && t->defined() && (t->sizes() != shape || !t->is_contiguous())) {
      contiguous = false;
      break;
    }
  if (contiguous) return empty(shape, d);
  DimVec st = iterator_strides(shape, operands);
  if (st == contiguous_strides(shape)) return empty(shape, d);
  return empty_strided(shape, st, d);
}

}  // namespace pag
