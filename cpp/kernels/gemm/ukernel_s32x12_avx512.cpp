// avx512 sgemm 32x12 micro-kernel and packers (ukernel_impl.h), built with this file's ISA flags.
#include "kernels/gemm/simd_avx512.h"
#include "kernels/gemm/ukernel_impl.h"

namespace pag::kernels::gemm {

static_assert(kBlkAvx512F32.mr == 2 * VecAvx512F32::W, "MR must be two vectors");

const KernelSet<float>& kernels_avx512_f32() {
  static const KernelSet<float> ks = GemmKernels<VecAvx512F32, kBlkAvx512F32.nr>::make(Isa::Avx512, kBlkAvx512F32, "avx512 sgemm 32x12");
  return ks;
}

}  // namespace pag::kernels::gemm
