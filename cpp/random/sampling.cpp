#include "random/sampling.h"

#include "random/distributions.h"
#include "kernels/cpu.h"

#include <atomic>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PAG_RNG_AVX2 1
#endif

namespace pag::sampling {

#ifdef PAG_RNG_AVX2
namespace {

// Note [AVX2 Box-Muller]: normal_fill16_impl on 8 lanes at once, operation for
// operation (so every lane rounds exactly like the scalar code, which is itself
// torch's AVX2 kernel); the file's -ffp-contract=off keeps mul/add unfused.
#define PAG_AVX2 __attribute__((target("avx2,fma"), always_inline)) inline

PAG_AVX2 __m256 set1(float v) { return _mm256_set1_ps(v); }

PAG_AVX2 __m256 log8(__m256 x) {
  const __m256 one = set1(1.0f);
  const __m256i xi = _mm256_castps_si256(x);
  __m256 e = _mm256_add_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(xi, 23), _mm256_set1_epi32(127))),
                           one);
  __m256 m = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(xi, _mm256_set1_epi32(0x807FFFFF)),
                                                 _mm256_set1_epi32(0x3F000000)));
  const __m256 below = _mm256_cmp_ps(m, set1(0.707106781186547524f), _CMP_LT_OS);
  const __m256 tmp = _mm256_and_ps(below, m);
  m = _mm256_add_ps(m, set1(-1.0f));
  e = _mm256_sub_ps(e, _mm256_and_ps(one, below));
  m = _mm256_add_ps(m, tmp);
  const __m256 z = _mm256_mul_ps(m, m);
  __m256 y = set1(7.0376836292E-2f);
  y = _mm256_fmadd_ps(y, m, set1(-1.1514610310E-1f));
  y = _mm256_fmadd_ps(y, m, set1(1.1676998740E-1f));
  y = _mm256_fmadd_ps(y, m, set1(-1.2420140846E-1f));
  y = _mm256_fmadd_ps(y, m, set1(1.4249322787E-1f));
  y = _mm256_fmadd_ps(y, m, set1(-1.6668057665E-1f));
  y = _mm256_fmadd_ps(y, m, set1(2.0000714765E-1f));
  y = _mm256_fmadd_ps(y, m, set1(-2.4999993993E-1f));
  y = _mm256_fmadd_ps(y, m, set1(3.3333331174E-1f));
  const __m256 t1 = _mm256_mul_ps(e, set1(-2.12194440e-4f));
  y = _mm256_mul_ps(y, m);
  y = _mm256_fmadd_ps(y, z, t1);
  y = _mm256_sub_ps(y, _mm256_mul_ps(z, set1(0.5f)));
  m = _mm256_add_ps(m, y);
  m = _mm256_fmadd_ps(e, set1(0.693359375f), m);
  const __m256 invalid = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LE_OS);
  return _mm256_blendv_ps(m, set1(std::numeric_limits<float>::quiet_NaN()), invalid);
}

PAG_AVX2 void sincos8(__m256 x, __m256* s_out, __m256* c_out) {
  const __m256 sign_mask = _mm256_castsi256_ps(_mm256_set1_epi32(int32_t(0x80000000u)));
  const __m256 sign_in = _mm256_and_ps(x, sign_mask);
  const __m256 ax = _mm256_andnot_ps(sign_mask, x);
  const __m256 y = _mm256_mul_ps(ax, set1(1.27323954473516f));
  __m256i j = _mm256_cvttps_epi32(y);
  j = _mm256_and_si256(_mm256_add_epi32(j, _mm256_set1_epi32(1)), _mm256_set1_epi32(~1));
  const __m256 yf = _mm256_cvtepi32_ps(j);
  const __m256i four = _mm256_set1_epi32(4);
  const __m256 sign_sin = _mm256_xor_ps(sign_in, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_and_si256(j, four), 29)));
  const __m256 poly1 =
      _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(j, _mm256_set1_epi32(2)), _mm256_setzero_si256()));
  __m256 xr = _mm256_fmadd_ps(yf, set1(-0.78515625f), ax);
  xr = _mm256_fmadd_ps(set1(-2.4187564849853515625e-4f), yf, xr);
  xr = _mm256_fmadd_ps(yf, set1(-3.77489497744594108e-8f), xr);
  const __m256 sign_cos = _mm256_castsi256_ps(
      _mm256_slli_epi32(_mm256_andnot_si256(_mm256_sub_epi32(j, _mm256_set1_epi32(2)), four), 29));
  const __m256 z = _mm256_mul_ps(xr, xr);
  __m256 yc = _mm256_fmadd_ps(set1(2.443315711809948E-005f), z, set1(-1.388731625493765E-003f));
  yc = _mm256_fmadd_ps(yc, z, set1(4.166664568298827E-002f));
  yc = _mm256_mul_ps(z, yc);
  yc = _mm256_fmadd_ps(z, yc, _mm256_xor_ps(_mm256_mul_ps(z, set1(0.5f)), sign_mask));
  yc = _mm256_add_ps(yc, set1(1.0f));
  __m256 ys = _mm256_fmadd_ps(set1(-1.9515295891E-4f), z, set1(8.3321608736E-3f));
  ys = _mm256_fmadd_ps(ys, z, set1(-1.6666654611E-1f));
  ys = _mm256_mul_ps(z, ys);
  ys = _mm256_fmadd_ps(xr, ys, xr);
  const __m256 ysin2 = _mm256_and_ps(poly1, ys);
  const __m256 ysin1 = _mm256_andnot_ps(poly1, yc);
  const __m256 s = _mm256_add_ps(ysin1, ysin2);
  const __m256 c = _mm256_add_ps(_mm256_sub_ps(ys, ysin2), _mm256_sub_ps(yc, ysin1));
  *s_out = _mm256_xor_ps(s, sign_sin);
  *c_out = _mm256_xor_ps(c, sign_cos);
}

__attribute__((target("avx2,fma"))) void normal_fill16_avx2(float* d, float mean, float std) {
  const __m256 u1 = _mm256_sub_ps(set1(1.0f), _mm256_loadu_ps(d));
  const __m256 u2 = _mm256_loadu_ps(d + 8);
  const __m256 radius = _mm256_sqrt_ps(_mm256_mul_ps(set1(-2.0f), log8(u1)));
  const __m256 theta = _mm256_mul_ps(set1(static_cast<float>(2.0 * kPi)), u2);
  __m256 s, c;
  sincos8(theta, &s, &c);
  const __m256 vstd = set1(std), vmean = set1(mean);
  _mm256_storeu_ps(d, _mm256_fmadd_ps(_mm256_mul_ps(radius, c), vstd, vmean));
  _mm256_storeu_ps(d + 8, _mm256_fmadd_ps(_mm256_mul_ps(radius, s), vstd, vmean));
}

#undef PAG_AVX2

// The hardware's ISA, not PYAUTOGRAD_ISA's cap (Note [Forcing an ISA]): the stream must be
// the one torch draws on this CPU, and torch takes its AVX2 normal path wherever AVX2 is.
bool cpu_has_avx2_fma() { return (int)kernels::detected_isa() >= (int)kernels::Isa::Avx2; }

}  // namespace

static std::atomic<bool> g_use_avx2{cpu_has_avx2_fma()};
#else
static std::atomic<bool> g_use_avx2{false};
#endif

void normal_fill16(float* d, float mean, float std) {
#ifdef PAG_RNG_AVX2
  if (g_use_avx2.load(std::memory_order_relaxed)) return normal_fill16_avx2(d, mean, std);
#endif
  normal_fill16_impl(d, mean, std);
}

bool set_simd_enabled(bool enabled) {
#ifdef PAG_RNG_AVX2
  return g_use_avx2.exchange(enabled && cpu_has_avx2_fma());
#else
  (void)enabled;
  return false;
#endif
}

}  // namespace pag::sampling
