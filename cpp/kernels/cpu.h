// The one CPU-feature check: which instruction set the ISA-specific kernel files
// (*_avx512.cpp, *_avx2.cpp, built with their own -m flags) may run on this machine.
#pragma once

namespace pag::kernels {

enum class Isa { Generic = 0, Avx2 = 1, Avx512 = 2 };

// Note [Forcing an ISA]: the environment variable PYAUTOGRAD_ISA (avx512, avx2 or
// generic), read once per process, caps the ISA every kernel uses, so one machine
// can run the suite through each kernel path (.ci/run does). A cap above what the
// CPU has changes nothing; an unknown value makes `import pyautograd` raise
// ValueError (isa_override_error). Unset or empty: the best ISA present. The one
// exception is the random normal sampler, whose path follows the hardware
// (detected_isa): it reproduces the stream torch draws on this CPU.
//
// The ISA the kernels may use: the best the CPU and OS support (AVX2 means
// AVX2+FMA; AVX-512 means F/DQ/BW/VL), capped by PYAUTOGRAD_ISA.
Isa cpu_isa();
// The best ISA the CPU and OS support, whatever PYAUTOGRAD_ISA says.
Isa detected_isa();
// The message for an unknown PYAUTOGRAD_ISA value, or null when it is valid or unset.
const char* isa_override_error();
const char* isa_name(Isa isa);

}  // namespace pag::kernels
