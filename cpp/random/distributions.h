// Random sampling ops (torch.rand, randn, randint, randperm, normal, bernoulli and
// the in-place Tensor.uniform_ / normal_ / random_ / exponential_ / bernoulli_).
// Every op takes an optional generator (nullptr = the default generator) and draws
// exactly the words torch draws, in the same order (Note [CPU generator]).
#pragma once
#include <optional>

#include "core/layout.h"
#include "core/tensor.h"
#include "random/generator.h"

namespace pag {

// In place; elements are drawn in the order torch's TensorIterator visits them
// (memory order for dense permuted layouts). Each bumps the version counter and,
// on a tensor with history, records torch's node (its gradient is zero).
Tensor& uniform_(Tensor& self, double from, double to, Generator* gen = nullptr);
Tensor& normal_(Tensor& self, double mean, double std, Generator* gen = nullptr);
Tensor& random_(Tensor& self, Generator* gen = nullptr);
Tensor& random_(Tensor& self, int64_t from, std::optional<int64_t> to, Generator* gen);  // to=None: dtype max
Tensor& random_(Tensor& self, int64_t to, Generator* gen);  // [0, to)
Tensor& exponential_(Tensor& self, double lambd, Generator* gen = nullptr);
Tensor& bernoulli_(Tensor& self, double p, Generator* gen = nullptr);
Tensor& bernoulli_(Tensor& self, const Tensor& p, Generator* gen = nullptr);

// Factories.
Tensor rand(const DimVec& sizes, Dtype d, Generator* gen = nullptr);
Tensor randn(const DimVec& sizes, Dtype d, Generator* gen = nullptr);
Tensor randint(int64_t low, int64_t high, const DimVec& sizes, Dtype d, Generator* gen = nullptr);
Tensor randperm(int64_t n, Dtype d, Generator* gen = nullptr);
// *_like: a fresh tensor with `like`'s shape, laid out as empty_like(like, f) (Note [Layout propagation]).
Tensor rand_like(const Tensor& like, Dtype d, Generator* gen = nullptr, MemoryFormat f = MemoryFormat::Preserve);
Tensor randn_like(const Tensor& like, Dtype d, Generator* gen = nullptr, MemoryFormat f = MemoryFormat::Preserve);
Tensor randint_like(const Tensor& like, int64_t low, int64_t high, Dtype d, Generator* gen = nullptr,
                    MemoryFormat f = MemoryFormat::Preserve);

// torch.bernoulli(input) (input holds the probabilities) and torch.bernoulli(input, p).
Tensor bernoulli(const Tensor& p, Generator* gen = nullptr);
Tensor bernoulli(const Tensor& self, double p, Generator* gen = nullptr);

// torch.normal's four overloads.
Tensor normal(const Tensor& mean, const Tensor& std, Generator* gen = nullptr);
Tensor normal(const Tensor& mean, double std, Generator* gen = nullptr);
Tensor normal(double mean, const Tensor& std, Generator* gen = nullptr);
Tensor normal(double mean, double std, const DimVec& sizes, Dtype d, Generator* gen = nullptr);

namespace sampling {
// float32 Box-Muller: AVX2 vector code when the CPU has it, else scalar code with the
// same roundings. Returns the previous choice; tests use it to check both paths.
bool set_simd_enabled(bool enabled);
}  // namespace sampling

}  // namespace pag
