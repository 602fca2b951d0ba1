// The optimizer span loops built for AVX2 + FMA (-mavx2 -mfma by file name, CMakeLists.txt).
// Note [ISA translation units]: this file holds only the span loops, no library code
// (vectors, algorithms), so no inline function compiled with AVX2 here can be picked
// by the linker for code that also runs on CPUs without it.
#include "kernels/optim.h"

namespace pag::kernels {

void sgd_span_avx2(Dtype d, const SgdArgs& a, const SgdTensor& t, int64_t lo, int64_t hi) {
  optim_impl::sgd_span_any<true>(d, a, t, lo, hi);
}

void adam_span_avx2(Dtype d, const AdamArgs& a, const AdamTensor& t, int64_t lo, int64_t hi) {
  optim_impl::adam_span_any<true>(d, a, t, lo, hi);
}

}  // namespace pag::kernels
