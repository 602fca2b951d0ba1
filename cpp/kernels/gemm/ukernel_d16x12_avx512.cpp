// avx512 dgemm 16x12 micro-kernel and packers (ukernel_impl.h), built with this file's ISA flags.
#include "kernels/gemm/simd_avx512.h"
#include "kernels/gemm/ukernel_impl.h"

namespace pag::kernels::gemm {

static_assert(kBlkAvx512F64.mr == 2 * VecAvx512F64::W, "MR must be two vectors");

const KernelSet<double>& kernels_avx512_f64() {
  static const KernelSet<double> ks = GemmKernels<VecAvx512F64, kBlkAvx512F64.nr>::make(Isa::Avx512, kBlkAvx512F64, "avx512 dgemm 16x12");
  return ks;
}

}  // namespace pag::kernels::gemm
