#include "kernels/cpu.h"

#include <cstdlib>
#include <cstring>
#include <string>

namespace pag::kernels {

namespace {

struct Override {
  bool valid = true;
  Isa cap = Isa::Avx512;
  std::string error;
};

const Override& isa_override() {
  static const Override o = [] {
    Override r;
    const char* v = std::getenv("PYAUTOGRAD_ISA");
    if (!v || !*v) return r;
    for (Isa isa : {Isa::Avx512, Isa::Avx2, Isa::Generic})
      if (std::strcmp(v, isa_name(isa)) == 0) {
        r.cap = isa;
        return r;
      }
    r.valid = false;
    r.error = std::string("PYAUTOGRAD_ISA must be one of avx512, avx2, generic (or unset), but got '") + v + "'";
    return r;
  }();
  return o;
}

}  // namespace

Isa detected_isa() {
  static const Isa isa = [] {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    // libgcc's check includes the OS's XSAVE state (XCR0) for AVX and AVX-512.
    bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                  __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    return avx512 ? Isa::Avx512 : avx2 ? Isa::Avx2 : Isa::Generic;
#else
    return Isa::Generic;
#endif
  }();
  return isa;
}

Isa cpu_isa() {
  static const Isa isa = [] {
    const Override& o = isa_override();
    Isa hw = detected_isa();
    return o.valid && (int)o.cap < (int)hw ? o.cap : hw;
  }();
  return isa;
}

const char* isa_override_error() {
  const Override& o = isa_override();
  return o.valid ? nullptr : o.error.c_str();
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    case Isa::Generic: return "generic";
  }
  return "?";
}

}  // namespace pag::kernels
