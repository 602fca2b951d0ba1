// float16 and bfloat16 storage types with torch's conversions (c10/util/Half.h, BFloat16.h).
// Note [Reduced floats]: they are storage only. Arithmetic converts them to float (the
// implicit conversion below), computes in float, and a store rounds once to nearest-even,
// as torch's CPU kernels compute them; kernels name the float type through opmath_t.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace pag {

namespace detail {
inline uint32_t f32_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline float f32_from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
// IEEE half <-> float, round to nearest even (the FP16 library's algorithm, which c10 uses).
inline float half_to_float(uint16_t h) {
  const uint32_t w = (uint32_t)h << 16;
  const uint32_t sign = w & 0x80000000u;
  const uint32_t two_w = w + w;
  const float normalized = f32_from_bits((two_w >> 4) + (0xE0u << 23)) * 0x1.0p-112f;
  const float denormalized = f32_from_bits((two_w >> 17) | (126u << 23)) - 0.5f;
  const uint32_t r = sign | (two_w < (1u << 27) ? f32_bits(denormalized) : f32_bits(normalized));
  return f32_from_bits(r);
}
inline uint16_t float_to_half(float f) {
  float base = (std::fabs(f) * 0x1.0p+112f) * 0x1.0p-110f;
  const uint32_t w = f32_bits(f);
  const uint32_t shl1_w = w + w;
  const uint32_t sign = w & 0x80000000u;
  uint32_t bias = shl1_w & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  base = f32_from_bits((bias >> 1) + 0x07800000u) + base;
  const uint32_t bits = f32_bits(base);
  const uint32_t nonsign = ((bits >> 13) & 0x00007C00u) + (bits & 0x00000FFFu);
  return (uint16_t)((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}
inline float bf16_to_float(uint16_t b) { return f32_from_bits((uint32_t)b << 16); }
inline uint16_t float_to_bf16(float f) {
  if (std::isnan(f)) return 0x7FC0;
  const uint32_t u = f32_bits(f);
  return (uint16_t)((u + (((u >> 16) & 1u) + 0x7FFFu)) >> 16);
}
}  // namespace detail

struct Half {
  uint16_t x;
  struct from_bits_t {};
  Half() = default;
  constexpr Half(uint16_t bits, from_bits_t) : x(bits) {}
  Half(float f) : x(detail::float_to_half(f)) {}
  operator float() const { return detail::half_to_float(x); }
  Half& operator+=(float o) { return *this = Half(float(*this) + o); }
  Half& operator-=(float o) { return *this = Half(float(*this) - o); }
  Half& operator*=(float o) { return *this = Half(float(*this) * o); }
  Half& operator/=(float o) { return *this = Half(float(*this) / o); }
};

struct BFloat16 {
  uint16_t x;
  struct from_bits_t {};
  BFloat16() = default;
  constexpr BFloat16(uint16_t bits, from_bits_t) : x(bits) {}
  BFloat16(float f) : x(detail::float_to_bf16(f)) {}
  operator float() const { return detail::bf16_to_float(x); }
  BFloat16& operator+=(float o) { return *this = BFloat16(float(*this) + o); }
  BFloat16& operator-=(float o) { return *this = BFloat16(float(*this) - o); }
  BFloat16& operator*=(float o) { return *this = BFloat16(float(*this) * o); }
  BFloat16& operator/=(float o) { return *this = BFloat16(float(*this) / o); }
};

template <typename T>
inline constexpr bool is_reduced_float_v = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;
// Floating point in the kernels' sense: float, double and the two storage floats.
template <typename T>
inline constexpr bool is_float_v = std::is_floating_point_v<T> || is_reduced_float_v<T>;

// The type a kernel computes in (torch's opmath_type): float for the storage floats.
template <typename T>
struct opmath {
  using type = T;
};
template <>
struct opmath<Half> {
  using type = float;
};
template <>
struct opmath<BFloat16> {
  using type = float;
};
template <typename T>
using opmath_t = typename opmath<T>::type;

// torch's static_cast_with_inter_type: a float becomes uint8 through int64 (a negative float
// wraps as torch's does instead of being undefined), a storage float goes through float.
template <typename To, typename From>
inline To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<To, bool>) {
    return static_cast<opmath_t<From>>(v) != opmath_t<From>(0);
  } else if constexpr (is_reduced_float_v<From>) {
    return convert<To, float>(static_cast<float>(v));
  } else if constexpr (is_reduced_float_v<To>) {
    return To(static_cast<float>(v));
  } else if constexpr (std::is_same_v<To, uint8_t> && std::is_floating_point_v<From>) {
    return static_cast<uint8_t>(static_cast<int64_t>(v));
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace pag

namespace std {
template <>
class numeric_limits<pag::Half> {
 public:
  static constexpr bool is_specialized = true;
  static constexpr bool is_signed = true;
  static constexpr bool is_integer = false;
  static constexpr bool has_infinity = true;
  static constexpr bool has_quiet_NaN = true;
  static constexpr int digits = 11;
  static constexpr pag::Half lowest() { return pag::Half(0xFBFF, pag::Half::from_bits_t{}); }
  static constexpr pag::Half max() { return pag::Half(0x7BFF, pag::Half::from_bits_t{}); }
  static constexpr pag::Half min() { return pag::Half(0x0400, pag::Half::from_bits_t{}); }
  static constexpr pag::Half epsilon() { return pag::Half(0x1400, pag::Half::from_bits_t{}); }
  static constexpr pag::Half infinity() { return pag::Half(0x7C00, pag::Half::from_bits_t{}); }
  static constexpr pag::Half quiet_NaN() { return pag::Half(0x7E00, pag::Half::from_bits_t{}); }
  static constexpr pag::Half denorm_min() { return pag::Half(0x0001, pag::Half::from_bits_t{}); }
};
template <>
class numeric_limits<pag::BFloat16> {
 public:
  static constexpr bool is_specialized = true;
  static constexpr bool is_signed = true;
  static constexpr bool is_integer = false;
  static constexpr bool has_infinity = true;
  static constexpr bool has_quiet_NaN = true;
  static constexpr int digits = 8;
  static constexpr pag::BFloat16 lowest() { return pag::BFloat16(0xFF7F, pag::BFloat16::from_bits_t{}); }
  static constexpr pag::BFloat16 max() { return pag::BFloat16(0x7F7F, pag::BFloat16::from_bits_t{}); }
  static constexpr pag::BFloat16 min() { return pag::BFloat16(0x0080, pag::BFloat16::from_bits_t{}); }
  static constexpr pag::BFloat16 epsilon() { return pag::BFloat16(0x3C00, pag::BFloat16::from_bits_t{}); }
  static constexpr pag::BFloat16 infinity() { return pag::BFloat16(0x7F80, pag::BFloat16::from_bits_t{}); }
  static constexpr pag::BFloat16 quiet_NaN() { return pag::BFloat16(0x7FC0, pag::BFloat16::from_bits_t{}); }
  static constexpr pag::BFloat16 denorm_min() { return pag::BFloat16(0x0001, pag::BFloat16::from_bits_t{}); }
};
}  // namespace std
