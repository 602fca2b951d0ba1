// Note [Layout propagation]: the one rule, torch's, for the strides of a fresh tensor.
//  - empty_like / clone / .to / *_like (memory_format=preserve_format, the default): a
//    non-overlapping and dense source lends its strides exactly; any other source gets
//    dense strides in the same dimension order (torch's infer_dense_strides).
//  - The output of an elementwise op (torch's TensorIterator): operands of one shape that
//    are all contiguous give a contiguous output; all dense with equal strides, those
//    strides; otherwise the dims are ordered by the operands' strides, the first operand
//    that orders a pair deciding (broadcast dims never do), and the output is dense in
//    that order.
// Python never computes strides: the *_like functions and the ops all come here.
#pragma once
#include <initializer_list>

#include "core/tensor.h"

namespace pag {

enum class MemoryFormat : int8_t { Preserve = 0, Contiguous = 1, ChannelsLast = 2, ChannelsLast3d = 3 };
const char* memory_format_name(MemoryFormat f);  // "torch.preserve_format", ...

// torch's is_non_overlapping_and_dense: every element at its own address, no gaps, in
// some dim order (dims of size < 2 ignored).
bool non_overlapping_and_dense(const DimVec& sizes, const DimVec& strides);
bool non_overlapping_and_dense(const Tensor& t);

// Note [Memory overlap]: torch's MemoryOverlap checks, run before an op writes anything.
// A written-to tensor with a stride-0 dim of size > 1 (an expanded view) has internal
// overlap; a written-to tensor and an input that share some, but not all, of their
// elements (a[1:].copy_(a[:-1])) overlap partially. Only dense layouts are compared
// (others are too hard to tell, as in torch).
enum class Overlap : int8_t { No, Full, Partial, TooHard };
Overlap overlap_status(const Tensor& a, const Tensor& b);
void assert_no_internal_overlap(const Tensor& t);               // written-to tensors
void assert_no_partial_overlap(const Tensor& out, const Tensor& in);  // elementwise inputs
void assert_no_overlap(const Tensor& out, const Tensor& in);    // index/scatter inputs (Full too)
bool has_internal_overlap(const Tensor& t);                     // an expanded view
// Dense strides in the dim order of `strides` (torch's infer_dense_strides).
DimVec infer_dense_strides(const DimVec& sizes, const DimVec& strides);
// Channels-last strides of a 4-d (N, C, H, W) or 5-d (N, C, D, H, W) shape.
DimVec channels_last_strides(const DimVec& sizes);
bool is_contiguous_as(const Tensor& t, MemoryFormat f);  // Preserve checks as Contiguous (torch)
// Strides exactly contiguous_strides(sizes), size-1 dims included, and not empty: an
// elementwise output over it alone (and numbers) is contiguous (the ops' fast paths).
inline bool has_contiguous_strides(const Tensor& t) {
  int64_t expected = 1;
  for (int64_t i = t.dim() - 1; i >= 0; --i) {
    if (t.strides()[i] != expected || t.sizes()[i] == 0) return false;
    expected *= t.sizes()[i] > 1 ? t.sizes()[i] : 1;
  }
  return true;
}  // Contiguous, ChannelsLast or ChannelsLast3d
// The format a tensor's strides suggest (torch's suggest_memory_format): ChannelsLast(3d)
// for 4-d (5-d) strides ordered as channels-last, else Contiguous.
MemoryFormat suggest_memory_format(const Tensor& t);

// The strides torch's empty_like(like, memory_format=f) gives (errors as torch's for a
// channels-last format on a tensor of the wrong rank).
DimVec like_strides(const Tensor& like, MemoryFormat f = MemoryFormat::Preserve);
Tensor empty_like(const Tensor& like, Dtype d, MemoryFormat f = MemoryFormat::Preserve);
// The strides of an elementwise op's output of shape `shape` over `operands` (each
// broadcastable to it; null or undefined entries are skipped).
DimVec iterator_strides(const DimVec& shape, std::initializer_list<const Tensor*> operands);
Tensor empty_for(const DimVec& shape, Dtype d, std::initializer_list<const Tensor*> operands);

}  // namespace pag
