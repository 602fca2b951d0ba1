// AVX-512 vector operations for the GEMM templates (ukernel_impl.h). Include only
// from *_avx512.cpp files: they are the ones compiled with -mavx512f and friends.
#pragma once
#include <immintrin.h>

// GCC 12 reports the intrinsics' own _mm512_undefined_* operands as uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <cstdint>

namespace pag::kernels::gemm {
namespace {  // internal linkage: no AVX-512 code may leak into other translation units

struct VecAvx512F32 {
  using T = float;
  using R = __m512;
  using M = __mmask16;
  static constexpr int W = 16;
  static R zero() { return _mm512_setzero_ps(); }
  static R load(const T* p) { return _mm512_load_ps(p); }
  static R loadu(const T* p) { return _mm512_loadu_ps(p); }
  static R loadu(const T* p, M m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(T* p, R v) { _mm512_store_ps(p, v); }
  static void storeu(T* p, R v) { _mm512_storeu_ps(p, v); }
  static void storeu(T* p, M m, R v) { _mm512_mask_storeu_ps(p, m, v); }
  static R set1(T x) { return _mm512_set1_ps(x); }
  static R fmadd(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  static M mask(int n) { return n >= W ? M(0xFFFF) : M((1u << (n > 0 ? n : 0)) - 1u); }
  static T reduce(R v) { return _mm512_reduce_add_ps(v); }
  static void transpose(R* r) {  // 16 x 16, in place
    R t[16], u[16];
    for (int i = 0; i < 8; ++i) {
      t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int g = 0; g < 4; ++g) {
      __m512d a = _mm512_castps_pd(t[4 * g]), b = _mm512_castps_pd(t[4 * g + 1]);
      __m512d c = _mm512_castps_pd(t[4 * g + 2]), d = _mm512_castps_pd(t[4 * g + 3]);
      u[4 * g + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
      u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
      u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
      u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    for (int c = 0; c < 4; ++c) {
      R v0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88), w0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xdd);
      R v1 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88), w1 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xdd);
      r[c] = _mm512_shuffle_f32x4(v0, v1, 0x88);
      r[8 + c] = _mm512_shuffle_f32x4(v0, v1, 0xdd);
      r[4 + c] = _mm512_shuffle_f32x4(w0, w1, 0x88);
      r[12 + c] = _mm512_shuffle_f32x4(w0, w1, 0xdd);
    }
  }
};

struct VecAvx512F64 {
  using T = double;
  using R = __m512d;
  using M = __mmask8;
  static constexpr int W = 8;
  static R zero() { return _mm512_setzero_pd(); }
  static R load(const T* p) { return _mm512_load_pd(p); }
  static R loadu(const T* p) { return _mm512_loadu_pd(p); }
  static R loadu(const T* p, M m) { return _mm512_maskz_loadu_pd(m, p); }
  static void store(T* p, R v) { _mm512_store_pd(p, v); }
  static void storeu(T* p, R v) { _mm512_storeu_pd(p, v); }
  static void storeu(T* p, M m, R v) { _mm512_mask_storeu_pd(p, m, v); }
  static R set1(T x) { return _mm512_set1_pd(x); }
  static R fmadd(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static R mul(R a, R b) { return _mm512_mul_pd(a, b); }
  static R add(R a, R b) { return _mm512_add_pd(a, b); }
  static M mask(int n) { return n >= W ? M(0xFF) : M((1u << (n > 0 ? n : 0)) - 1u); }
  static T reduce(R v) { return _mm512_reduce_add_pd(v); }
  static void transpose(R* r) {  // 8 x 8, in place
    R t[8];
    for (int i = 0; i < 4; ++i) {
      t[2 * i] = _mm512_unpacklo_pd(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm512_unpackhi_pd(r[2 * i], r[2 * i + 1]);
    }
    for (int h = 0; h < 2; ++h) {
      R v0 = _mm512_shuffle_f64x2(t[h], t[2 + h], 0x88), v1 = _mm512_shuffle_f64x2(t[h], t[2 + h], 0xdd);
      R v2 = _mm512_shuffle_f64x2(t[4 + h], t[6 + h], 0x88), v3 = _mm512_shuffle_f64x2(t[4 + h], t[6 + h], 0xdd);
      r[0 + h] = _mm512_shuffle_f64x2(v0, v2, 0x88);
      r[4 + h] = _mm512_shuffle_f64x2(v0, v2, 0xdd);
      r[2 + h] = _mm512_shuffle_f64x2(v1, v3, 0x88);
      r[6 + h] = _mm512_shuffle_f64x2(v1, v3, 0xdd);
    }
  }
};

}  // namespace
}  // namespace pag::kernels::gemm
