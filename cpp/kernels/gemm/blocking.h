// Note [GEMM block sizes]: the one table of blocking parameters, per ISA and dtype.
//   MR x NR  the register tile: 2 vectors of C rows times NR broadcast columns, so
//            2 * NR accumulators plus two A vectors and one broadcast fit the
//            register file (32 zmm for AVX-512, 16 ymm for AVX2 and SSE).
//   KC       depth of a packed block: a KC x NR micro-panel of B stays in L1.
//   MC       rows of the packed A block (MC x KC), sized to stay in L2.
//   NC       columns of the packed B block (KC x NC), sized for a share of L3.
// The micro-kernel files take MR and NR from here as compile-time constants.
#pragma once

namespace pag::kernels::gemm {

struct Blocking {
  int mr, nr, kc, mc, nc;
};

inline constexpr Blocking kBlkAvx512F32{32, 12, 384, 320, 4080};
inline constexpr Blocking kBlkAvx512F64{16, 12, 256, 240, 2040};
inline constexpr Blocking kBlkAvx2F32{16, 6, 256, 192, 4080};
inline constexpr Blocking kBlkAvx2F64{8, 6, 256, 96, 2040};
inline constexpr Blocking kBlkGenericF32{8, 6, 256, 128, 2040};
inline constexpr Blocking kBlkGenericF64{4, 6, 256, 64, 2040};

}  // namespace pag::kernels::gemm
