// Scalar types: the one dtype table (names, C++ type, promotion lattice, compute and
// accumulation types, SIMD support) and the dispatch macros kernels use.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include "core/error.h"
#include "core/half.h"

namespace pag {

enum class Dtype : int8_t {
  UInt8 = 0, Int8 = 1, Int16 = 2, Int32 = 3, Int64 = 4,
  Float16 = 5, Float32 = 6, Float64 = 7, Bool = 8, BFloat16 = 9
};
constexpr int kNumDtypes = 10;

// Note [Dtype table]: one row per dtype. `compute` is the type kernels compute in (torch's
// opmath: float for the storage floats, Note [Reduced floats]); `accumulate` is what sum,
// prod and cumsum accumulate in and, for integers and bool, return (torch's rule: integer
// sums are int64); `simd` says whether the contiguous loops vectorize it natively.
struct DtypeInfo {
  const char* name;         // "float32": pyautograd.float32, printed "torch.float32"
  const char* scalar_type;  // "Float": c10's ScalarType name, as torch's messages print it
  const char* cpp_type;     // "float": the C++ type, as some torch messages name it
  const char* legacy_type;  // "torch.FloatTensor"
  uint8_t itemsize;
  bool floating, integral, is_signed;  // integral: an integer type, bool excluded
  Dtype compute, accumulate;
  bool simd;
};

inline constexpr DtypeInfo kDtypeTable[kNumDtypes] = {
    {"uint8", "Byte", "unsigned char", "torch.ByteTensor", 1, false, true, false, Dtype::UInt8, Dtype::Int64, true},
    {"int8", "Char", "signed char", "torch.CharTensor", 1, false, true, true, Dtype::Int8, Dtype::Int64, true},
    {"int16", "Short", "short int", "torch.ShortTensor", 2, false, true, true, Dtype::Int16, Dtype::Int64, true},
    {"int32", "Int", "int", "torch.IntTensor", 4, false, true, true, Dtype::Int32, Dtype::Int64, true},
    {"int64", "Long", "long int", "torch.LongTensor", 8, false, true, true, Dtype::Int64, Dtype::Int64, true},
    {"float16", "Half", "c10::Half", "torch.HalfTensor", 2, true, false, true, Dtype::Float32, Dtype::Float32, false},
    {"float32", "Float", "float", "torch.FloatTensor", 4, true, false, true, Dtype::Float32, Dtype::Float32, true},
    {"float64", "Double", "double", "torch.DoubleTensor", 8, true, false, true, Dtype::Float64, Dtype::Float64, true},
    {"bool", "Bool", "bool", "torch.BoolTensor", 1, false, false, false, Dtype::Bool, Dtype::Int64, true},
    {"bfloat16", "BFloat16", "c10::BFloat16", "torch.BFloat16Tensor", 2, true, false, true, Dtype::Float32,
     Dtype::Float32, false},
};

inline const DtypeInfo& info(Dtype d) { return kDtypeTable[(int)d]; }
inline size_t itemsize(Dtype d) { return info(d).itemsize; }
inline bool is_floating(Dtype d) { return info(d).floating; }
inline bool is_reduced_float(Dtype d) { return d == Dtype::Float16 || d == Dtype::BFloat16; }
inline bool is_signed(Dtype d) { return info(d).is_signed; }
inline bool is_integral(Dtype d, bool include_bool) {
  return info(d).integral || (include_bool && d == Dtype::Bool);
}
inline Dtype compute_dtype(Dtype d) { return info(d).compute; }
inline Dtype accumulate_dtype(Dtype d) { return info(d).accumulate; }

// Note [Promotion lattice]: c10's promoteTypes table (c10/core/ScalarType.cpp) for these
// ten types; it is not a total order (uint8 + int8 -> int16, float16 + bfloat16 -> float32).
inline Dtype promote_types(Dtype a, Dtype b) {
  constexpr Dtype u1 = Dtype::UInt8, i1 = Dtype::Int8, i2 = Dtype::Int16, i4 = Dtype::Int32, i8 = Dtype::Int64,
                  f2 = Dtype::Float16, f4 = Dtype::Float32, f8 = Dtype::Float64, b1 = Dtype::Bool,
                  bf = Dtype::BFloat16;
  static constexpr Dtype table[kNumDtypes][kNumDtypes] = {
      /*         u1  i1  i2  i4  i8  f2  f4  f8  b1  bf */
      /* u1 */ {u1, i2, i2, i4, i8, f2, f4, f8, u1, bf},
      /* i1 */ {i2, i1, i2, i4, i8, f2, f4, f8, i1, bf},
      /* i2 */ {i2, i2, i2, i4, i8, f2, f4, f8, i2, bf},
      /* i4 */ {i4, i4, i4, i4, i8, f2, f4, f8, i4, bf},
      /* i8 */ {i8, i8, i8, i8, i8, f2, f4, f8, i8, bf},
      /* f2 */ {f2, f2, f2, f2, f2, f2, f4, f8, f2, f4},
      /* f4 */ {f4, f4, f4, f4, f4, f4, f4, f8, f4, f4},
      /* f8 */ {f8, f8, f8, f8, f8, f8, f8, f8, f8, f8},
      /* b1 */ {u1, i1, i2, i4, i8, f2, f4, f8, b1, bf},
      /* bf */ {bf, bf, bf, bf, bf, f4, f4, f8, bf, bf},
  };
  return table[(int)a][(int)b];
}

inline const char* dtype_name(Dtype d) { return info(d).name; }
inline const char* scalar_type_name(Dtype d) { return info(d).scalar_type; }
inline const char* cpp_type_name(Dtype d) { return info(d).cpp_type; }
// torch's canCast (there is no complex here): no floating -> integral, no non-bool -> bool.
inline bool can_cast(Dtype from, Dtype to) {
  return !(is_floating(from) && !is_floating(to)) && !(from != Dtype::Bool && to == Dtype::Bool);
}
inline const char* legacy_type_name(Dtype d) { return info(d).legacy_type; }

template <typename T> struct dtype_of;
template <> struct dtype_of<uint8_t> { static constexpr Dtype value = Dtype::UInt8; };
template <> struct dtype_of<int8_t> { static constexpr Dtype value = Dtype::Int8; };
template <> struct dtype_of<int16_t> { static constexpr Dtype value = Dtype::Int16; };
template <> struct dtype_of<int32_t> { static constexpr Dtype value = Dtype::Int32; };
template <> struct dtype_of<int64_t> { static constexpr Dtype value = Dtype::Int64; };
template <> struct dtype_of<Half> { static constexpr Dtype value = Dtype::Float16; };
template <> struct dtype_of<float> { static constexpr Dtype value = Dtype::Float32; };
template <> struct dtype_of<double> { static constexpr Dtype value = Dtype::Float64; };
template <> struct dtype_of<bool> { static constexpr Dtype value = Dtype::Bool; };
template <> struct dtype_of<BFloat16> { static constexpr Dtype value = Dtype::BFloat16; };

// Dispatch a generic lambda body over a dtype: PAG_DISPATCH(d, "op", [&] { using scalar_t = ...; })
#define PAG_DISPATCH_CASE(D, T, ...) \
  case D: {                          \
    using scalar_t = T;              \
    return __VA_ARGS__();            \
  }
#define PAG_DISPATCH_NOT_IMPLEMENTED(dtype, opname)                                             \
  throw ::pag::NotImplementedError(std::string("\"") + opname + "\" not implemented for '" + \
                                   ::pag::scalar_type_name(dtype) + "'")
#define PAG_INTEGRAL_CASES(...)                                     \
  PAG_DISPATCH_CASE(::pag::Dtype::UInt8, uint8_t, __VA_ARGS__)     \
  PAG_DISPATCH_CASE(::pag::Dtype::Int8, int8_t, __VA_ARGS__)       \
  PAG_DISPATCH_CASE(::pag::Dtype::Int16, int16_t, __VA_ARGS__)     \
  PAG_DISPATCH_CASE(::pag::Dtype::Int32, int32_t, __VA_ARGS__)     \
  PAG_DISPATCH_CASE(::pag::Dtype::Int64, int64_t, __VA_ARGS__)
#define PAG_FLOATING_CASES(...)                                        \
  PAG_DISPATCH_CASE(::pag::Dtype::Float32, float, __VA_ARGS__)        \
  PAG_DISPATCH_CASE(::pag::Dtype::Float64, double, __VA_ARGS__)       \
  PAG_DISPATCH_CASE(::pag::Dtype::Float16, ::pag::Half, __VA_ARGS__) \
  PAG_DISPATCH_CASE(::pag::Dtype::BFloat16, ::pag::BFloat16, __VA_ARGS__)
// Every dtype.
#define PAG_DISPATCH_ALL(dtype, opname, ...)                   \
  [&] {                                                        \
    switch (dtype) {                                           \
      PAG_FLOATING_CASES(__VA_ARGS__)                          \
      PAG_INTEGRAL_CASES(__VA_ARGS__)                          \
      PAG_DISPATCH_CASE(::pag::Dtype::Bool, bool, __VA_ARGS__) \
    }                                                          \
    throw std::runtime_error(std::string(opname) + ": unknown dtype"); \
  }()
// float32, float64, float16, bfloat16.
#define PAG_DISPATCH_FLOATING(dtype, opname, ...)  \
  [&] {                                            \
    switch (dtype) {                               \
      PAG_FLOATING_CASES(__VA_ARGS__)              \
      default: break;                              \
    }                                              \
    PAG_DISPATCH_NOT_IMPLEMENTED(dtype, opname);   \
  }()
// float32 and float64 only: kernels not written for the storage floats yet.
#define PAG_DISPATCH_FLOAT32_64(dtype, opname, ...)                 \
  [&] {                                                             \
    switch (dtype) {                                                \
      PAG_DISPATCH_CASE(::pag::Dtype::Float32, float, __VA_ARGS__)  \
      PAG_DISPATCH_CASE(::pag::Dtype::Float64, double, __VA_ARGS__) \
      default: break;                                               \
    }                                                               \
    PAG_DISPATCH_NOT_IMPLEMENTED(dtype, opname);                    \
  }()
// Every dtype but bool.
#define PAG_DISPATCH_NUMERIC(dtype, opname, ...)   \
  [&] {                                            \
    switch (dtype) {                               \
      PAG_FLOATING_CASES(__VA_ARGS__)              \
      PAG_INTEGRAL_CASES(__VA_ARGS__)              \
      default: break;                              \
    }                                              \
    PAG_DISPATCH_NOT_IMPLEMENTED(dtype, opname);   \
  }()
// The integer types and bool (bitwise ops).
#define PAG_DISPATCH_INTEGRAL_AND_BOOL(dtype, opname, ...)     \
  [&] {                                                        \
    switch (dtype) {                                           \
      PAG_INTEGRAL_CASES(__VA_ARGS__)                          \
      PAG_DISPATCH_CASE(::pag::Dtype::Bool, bool, __VA_ARGS__) \
      default: break;                                          \
    }                                                          \
    PAG_DISPATCH_NOT_IMPLEMENTED(dtype, opname);               \
  }()

}  // namespace pag
