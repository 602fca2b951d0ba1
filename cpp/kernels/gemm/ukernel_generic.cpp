// The portable micro-kernels: the same templates (ukernel_impl.h) on 16-byte
// compiler vectors, so any CPU (and any x86-64 without AVX2) runs a blocked,
// packed GEMM with the baseline vector unit.
#include "kernels/gemm/ukernel_impl.h"

namespace pag::kernels::gemm {
namespace {

template <typename Scalar>
struct VecGeneric {
  using T = Scalar;
  static constexpr int W = 16 / sizeof(T);
  typedef T R __attribute__((vector_size(16)));
  using M = int;  // number of leading lanes
  static R zero() { return R{}; }
  static R load(const T* p) { return *reinterpret_cast<const R*>(p); }
  static R loadu(const T* p) {
    R r;
    __builtin_memcpy(&r, p, sizeof(R));
    return r;
  }
  static R loadu(const T* p, M m) {
    R r{};
    for (int i = 0; i < m && i < W; ++i) r[i] = p[i];
    return r;
  }
  static void store(T* p, R v) { *reinterpret_cast<R*>(p) = v; }
  static void storeu(T* p, R v) { __builtin_memcpy(p, &v, sizeof(R)); }
  static void storeu(T* p, M m, R v) {
    for (int i = 0; i < m && i < W; ++i) p[i] = v[i];
  }
  static R set1(T x) { return R{} + x; }
  static R fmadd(R a, R b, R c) { return a * b + c; }
  static R mul(R a, R b) { return a * b; }
  static R add(R a, R b) { return a + b; }
  static M mask(int n) { return n < 0 ? 0 : n > W ? W : n; }
  static T reduce(R v) {
    T s = T(0);
    for (int i = 0; i < W; ++i) s += v[i];
    return s;
  }
  static void transpose(R* r) {
    T t[W][W];
    for (int i = 0; i < W; ++i)
      for (int j = 0; j < W; ++j) t[j][i] = r[i][j];
    for (int i = 0; i < W; ++i)
      for (int j = 0; j < W; ++j) r[i][j] = t[i][j];
  }
};

static_assert(kBlkGenericF32.mr == 2 * VecGeneric<float>::W, "MR must be two vectors");
static_assert(kBlkGenericF64.mr == 2 * VecGeneric<double>::W, "MR must be two vectors");

}  // namespace

const KernelSet<float>& kernels_generic_f32() {
  static const KernelSet<float> ks =
      GemmKernels<VecGeneric<float>, kBlkGenericF32.nr>::make(Isa::Generic, kBlkGenericF32, "generic sgemm 8x6");
  return ks;
}

const KernelSet<double>& kernels_generic_f64() {
  static const KernelSet<double> ks =
      GemmKernels<VecGeneric<double>, kBlkGenericF64.nr>::make(Isa::Generic, kBlkGenericF64, "generic dgemm 4x6");
  return ks;
}

}  // namespace pag::kernels::gemm
