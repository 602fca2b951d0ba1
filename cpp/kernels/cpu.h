// The one CPU-feature check: which instruction set the ISA-specific kernel files
// (*_avx512.cpp, *_avx2.cpp, built with their own -m flags) may run on this machine.
#pragma once

namespace pag::kernels {

enum class Isa { Generic = 0, Avx2 = 1, Avx512 = 2 };

// The best ISA the CPU and OS support (AVX2 means AVX2+FMA; AVX-512 means F/DQ/BW/VL).
Isa cpu_isa();
const char* isa_name(Isa isa);

}  // namespace pag::kernels
