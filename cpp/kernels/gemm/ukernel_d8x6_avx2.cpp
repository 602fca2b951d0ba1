// avx2 dgemm 8x6 micro-kernel and packers (ukernel_impl.h), built with this file's ISA flags.
#include "kernels/gemm/simd_avx2.h"
#include "kernels/gemm/ukernel_impl.h"

namespace pag::kernels::gemm {

static_assert(kBlkAvx2F64.mr == 2 * VecAvx2F64::W, "MR must be two vectors");

const KernelSet<double>& kernels_avx2_f64() {
  static const KernelSet<double> ks = GemmKernels<VecAvx2F64, kBlkAvx2F64.nr>::make(Isa::Avx2, kBlkAvx2F64, "avx2 dgemm 8x6");
  return ks;
}

}  // namespace pag::kernels::gemm
