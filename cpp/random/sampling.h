// The per-sample math of torch's CPU distributions (DistributionsHelper.h,
// TransformationHelper.h, cpu/DistributionTemplates.h and avx_mathfun.h), written
// as scalar code with each rounding and fused multiply-add where torch's x86-64
// AVX2 build has it. Only files under cpp/random/ include this: they are compiled
// with -ffp-contract=off (Note [RNG rounding] in CMakeLists.txt), so no other
// operation is fused. The caller holds the generator's lock (Note [Generator lock]).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/half.h"
#include "random/generator.h"

namespace pag::sampling {

constexpr double kPi = 3.14159265358979323846;  // c10::pi<double>

// Uniform in [0, 1): 24 bits of one word for float, 53 bits of two words for double.
inline float unit_float(Generator& g) { return static_cast<float>(g.random() & 0xFFFFFFu) * 0x1p-24f; }
inline double unit_double(Generator& g) {
  return static_cast<double>(g.random64() & ((uint64_t(1) << 53) - 1)) * 0x1p-53;
}
template <typename T>
inline T unit(Generator& g) {
  if constexpr (std::is_same_v<T, double>) return unit_double(g);
  else return unit_float(g);
}

// uniform_(from, to): x * (to - from) + from fused, and a result that rounds up to
// `to` is replaced by `from`.
template <typename T>
struct Uniform {
  T from, to;
  T operator()(Generator& g) const {
    T v = std::fma(unit<T>(g), static_cast<T>(to - from), from);
    return v == to ? from : v;
  }
};

// One normal sample, one element at a time (at::normal_distribution<double>):
// Box-Muller on two fresh double uniforms, the sine half cached in the generator.
inline double normal_one(Generator& g, double mean, double std) {
  double ret;
  if (g.next_double_normal) {
    ret = *g.next_double_normal;
    g.next_double_normal.reset();
  } else {
    const double u1 = unit_double(g);
    const double u2 = unit_double(g);
    const double r = std::sqrt(-2.0 * std::log1p(-u2));
    const double theta = 2.0 * kPi * u1;
    g.next_double_normal = r * std::sin(theta);
    ret = r * std::cos(theta);
  }
  return std::fma(ret, std, mean);
}

// ---- Box-Muller on 16 uniforms (the contiguous n >= 16 path) ----
// data[j] (j < 8) becomes the cosine sample of (1 - data[j], data[j + 8]), data[j + 8] the sine one.

inline void normal_fill16(double* d, double mean, double std) {
  for (int j = 0; j < 8; ++j) {
    const double u1 = 1 - d[j];
    const double u2 = d[j + 8];
    const double radius = std::sqrt(-2 * std::log(u1));
    const double theta = 2.0 * kPi * u2;
    d[j] = std::fma(radius * std::cos(theta), std, mean);
    d[j + 8] = std::fma(radius * std::sin(theta), std, mean);
  }
}

// Note [AVX float math]: torch's AVX2 kernel evaluates log and sincos in float32
// with the Cephes polynomials of avx_mathfun.h; these two functions are one lane
// of those routines, with the same order of roundings and the same fused steps.
inline float avx_logf(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  float e = static_cast<float>(static_cast<int32_t>(bits >> 23) - 127) + 1.0f;
  uint32_t mbits = (bits & 0x807FFFFFu) | 0x3F000000u;
  float m;
  std::memcpy(&m, &mbits, 4);
  const bool below = m < 0.707106781186547524f;
  const float tmp = below ? m : 0.0f;
  m = m + -1.0f;
  e = e - (below ? 1.0f : 0.0f);
  m = m + tmp;
  const float z = m * m;
  float y = 7.0376836292E-2f;
  y = std::fma(y, m, -1.1514610310E-1f);
  y = std::fma(y, m, 1.1676998740E-1f);
  y = std::fma(y, m, -1.2420140846E-1f);
  y = std::fma(y, m, 1.4249322787E-1f);
  y = std::fma(y, m, -1.6668057665E-1f);
  y = std::fma(y, m, 2.0000714765E-1f);
  y = std::fma(y, m, -2.4999993993E-1f);
  y = std::fma(y, m, 3.3333331174E-1f);
  const float t1 = e * -2.12194440e-4f;
  y = y * m;
  y = std::fma(y, z, t1);
  y = y - z * 0.5f;
  m = m + y;
  m = std::fma(e, 0.693359375f, m);
  return x <= 0.0f ? std::numeric_limits<float>::quiet_NaN() : m;
}

inline void avx_sincosf(float x, float* s_out, float* c_out) {
  const bool sign_in = std::signbit(x);
  const float ax = std::fabs(x);
  const float y = ax * 1.27323954473516f;
  int32_t j = static_cast<int32_t>(y);
  j = (j + 1) & ~1;
  const float yf = static_cast<float>(j);
  const bool sign_sin = sign_in ^ ((j & 4) != 0);
  const bool poly1 = (j & 2) == 0;
  float xr = std::fma(yf, -0.78515625f, ax);
  xr = std::fma(-2.4187564849853515625e-4f, yf, xr);
  xr = std::fma(yf, -3.77489497744594108e-8f, xr);
  const bool sign_cos = ((~(j - 2)) & 4) != 0;
  const float z = xr * xr;
  float yc = std::fma(2.443315711809948E-005f, z, -1.388731625493765E-003f);
  yc = std::fma(yc, z, 4.166664568298827E-002f);
  yc = z * yc;
  yc = std::fma(z, yc, -(z * 0.5f));
  yc = yc + 1.0f;
  float ys = std::fma(-1.9515295891E-4f, z, 8.3321608736E-3f);
  ys = std::fma(ys, z, -1.6666654611E-1f);
  ys = z * ys;
  ys = std::fma(xr, ys, xr);
  const float ysin2 = poly1 ? ys : 0.0f;
  const float ysin1 = poly1 ? 0.0f : yc;
  float s = ysin1 + ysin2;
  float c = (ys - ysin2) + (yc - ysin1);
  *s_out = sign_sin ? -s : s;
  *c_out = sign_cos ? -c : c;
}

inline void normal_fill16_impl(float* d, float mean, float std) {
  const float two_pi = static_cast<float>(2.0 * kPi);
  float out[16];
  for (int j = 0; j < 8; ++j) {
    const float u1 = 1.0f - d[j];
    const float u2 = d[j + 8];
    const float radius = std::sqrt(-2.0f * avx_logf(u1));
    const float theta = two_pi * u2;
    float s, c;
    avx_sincosf(theta, &s, &c);
    out[j] = std::fma(radius * c, std, mean);
    out[j + 8] = std::fma(radius * s, std, mean);
  }
  std::memcpy(d, out, sizeof(out));
}

// normal_fill16_impl, on AVX2+FMA CPUs as 8-lane vector code with the same roundings (sampling.cpp;
// set_simd_enabled in distributions.h picks the path).
void normal_fill16(float* d, float mean, float std);

// normal_ on a contiguous buffer of n >= 16 elements: n uniforms, Box-Muller on each
// full chunk of 16, and for a ragged end 16 fresh uniforms transformed into the last 16 slots.
template <typename T>
void normal_fill(Generator& g, T* data, int64_t n, T mean, T std) {
  for (int64_t i = 0; i < n; ++i) data[i] = unit<T>(g);
  for (int64_t i = 0; i + 16 <= n; i += 16) normal_fill16(data + i, mean, std);
  if (n % 16 != 0) {
    T* tail = data + n - 16;
    for (int i = 0; i < 16; ++i) tail[i] = unit<T>(g);
    normal_fill16(tail, mean, std);
  }
}

// ---- integers ----

// random_(): [0, 2^digits] for floating types, [0, max] for integers, {0, 1} for bool
// (transformation::uniform_int); double and int64 take two words, the rest one.
template <typename T>
inline T random_full(Generator& g) {
  if constexpr (std::is_same_v<T, bool>) {
    return static_cast<bool>(g.random() & 1);
  } else if constexpr (std::is_same_v<T, double>) {
    return static_cast<double>(g.random64() % ((uint64_t(1) << 53) + 1));
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return static_cast<int64_t>(g.random64() % (uint64_t(1) << 63));
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(g.random() % (static_cast<uint64_t>(std::numeric_limits<T>::max()) + 1));
  } else {  // float, float16, bfloat16
    return static_cast<T>(static_cast<float>(g.random() % ((uint64_t(1) << std::numeric_limits<T>::digits) + 1)));
  }
}

// random_(from, to): base + v % range, with v one word below 2^28 and two words above.
template <typename T>
inline T random_from_to(Generator& g, uint64_t range, int64_t base) {
  uint64_t v = range >= (uint64_t(1) << 28) ? g.random64() : g.random();
  return static_cast<T>(static_cast<int64_t>(v % range + static_cast<uint64_t>(base)));
}

// random_(INT64_MIN, None): the whole 64-bit range.
template <typename T>
inline T random_full_64(Generator& g) { return static_cast<T>(static_cast<int64_t>(g.random64())); }

// ---- exponential and Bernoulli (double math, one element at a time) ----

inline double exponential(Generator& g, double lambd) { return -1.0 / lambd * std::log1p(-unit_double(g)); }

template <typename T>  // T: the precision of p (float for float32 p tensors, double otherwise)
inline bool bernoulli(Generator& g, T p) { return unit<T>(g) < p; }

}  // namespace pag::sampling
