// avx2 sgemm 16x6 micro-kernel and packers (ukernel_impl.h), built with this file's ISA flags.
#include "kernels/gemm/simd_avx2.h"
#include "kernels/gemm/ukernel_impl.h"

namespace pag::kernels::gemm {

static_assert(kBlkAvx2F32.mr == 2 * VecAvx2F32::W, "MR must be two vectors");

const KernelSet<float>& kernels_avx2_f32() {
  static const KernelSet<float> ks = GemmKernels<VecAvx2F32, kBlkAvx2F32.nr>::make(Isa::Avx2, kBlkAvx2F32, "avx2 sgemm 16x6");
  return ks;
}

}  // namespace pag::kernels::gemm
