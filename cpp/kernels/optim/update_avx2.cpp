// The optimizer span loops built for AVX2 + FMA (-mavx2 -mfma by file name, CMakeLists.txt).
// Note [ISA translation units]: this file holds only the span loops, no library code
// (vectors, algorithms), so no inline function compiled with AVX2 here can be picked
// by the linker for code that also runs on CPUs without it; every function it
// instantiates carries kFma = true in its template arguments (the scalars and flags
// are computed in kernels/optim/update.cpp).
#include "kernels/optim/updates.h"

namespace pag::kernels {

template <class U, typename T>
void span_avx2(const typename U::template Hyper<T>& h, unsigned flags, const OptimTensor& t, int64_t lo, int64_t hi) {
  optim_impl::span<U, true, T>(h, flags, t, lo, hi);
}

#define PAG_OPTIM_AVX2(U)                                                                                     \
  template void span_avx2<U, float>(const U::Hyper<float>&, unsigned, const OptimTensor&, int64_t, int64_t); \
  template void span_avx2<U, double>(const U::Hyper<double>&, unsigned, const OptimTensor&, int64_t, int64_t);
PAG_OPTIM_UPDATES(PAG_OPTIM_AVX2)

}  // namespace pag::kernels
