// AVX2 + FMA vector operations for the GEMM templates (ukernel_impl.h). Include
// only from *_avx2.cpp files, which are compiled with -mavx2 -mfma.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace pag::kernels::gemm {
namespace {  // internal linkage: no AVX2 code may leak into other translation units

alignas(32) constexpr int32_t kMaskTable32[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
alignas(32) constexpr int64_t kMaskTable64[8] = {-1, -1, -1, -1, 0, 0, 0, 0};

struct VecAvx2F32 {
  using T = float;
  using R = __m256;
  using M = __m256i;
  static constexpr int W = 8;
  static R zero() { return _mm256_setzero_ps(); }
  static R load(const T* p) { return _mm256_load_ps(p); }
  static R loadu(const T* p) { return _mm256_loadu_ps(p); }
  static R loadu(const T* p, M m) { return _mm256_maskload_ps(p, m); }
  static void store(T* p, R v) { _mm256_store_ps(p, v); }
  static void storeu(T* p, R v) { _mm256_storeu_ps(p, v); }
  static void storeu(T* p, M m, R v) { _mm256_maskstore_ps(p, m, v); }
  static R set1(T x) { return _mm256_set1_ps(x); }
  static R fmadd(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R mul(R a, R b) { return _mm256_mul_ps(a, b); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  static M mask(int n) {
    n = n < 0 ? 0 : n > W ? W : n;
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable32 + 8 - n));
  }
  static T reduce(R v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
  }
  static void transpose(R* r) {  // 8 x 8, in place
    R t[8], u[8];
    for (int i = 0; i < 4; ++i) {
      t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int g = 0; g < 2; ++g) {
      u[4 * g + 0] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
      u[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
      u[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
      u[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
    }
    for (int c = 0; c < 4; ++c) {
      r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
      r[4 + c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
    }
  }
};

struct VecAvx2F64 {
  using T = double;
  using R = __m256d;
  using M = __m256i;
  static constexpr int W = 4;
  static R zero() { return _mm256_setzero_pd(); }
  static R load(const T* p) { return _mm256_load_pd(p); }
  static R loadu(const T* p) { return _mm256_loadu_pd(p); }
  static R loadu(const T* p, M m) { return _mm256_maskload_pd(p, m); }
  static void store(T* p, R v) { _mm256_store_pd(p, v); }
  static void storeu(T* p, R v) { _mm256_storeu_pd(p, v); }
  static void storeu(T* p, M m, R v) { _mm256_maskstore_pd(p, m, v); }
  static R set1(T x) { return _mm256_set1_pd(x); }
  static R fmadd(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static R mul(R a, R b) { return _mm256_mul_pd(a, b); }
  static R add(R a, R b) { return _mm256_add_pd(a, b); }
  static M mask(int n) {
    n = n < 0 ? 0 : n > W ? W : n;
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable64 + 4 - n));
  }
  static T reduce(R v) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
  }
  static void transpose(R* r) {  // 4 x 4, in place
    R t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
    R t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
    r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
  }
};

}  // namespace
}  // namespace pag::kernels::gemm
