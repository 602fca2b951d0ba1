// Scalar types, torch's promotion lattice, and the one dispatch macro kernels use.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include "core/error.h"

namespace pag {

enum class Dtype : int8_t { Bool = 0, Int64 = 1, Float32 = 2, Float64 = 3 };
constexpr int kNumDtypes = 4;

inline size_t itemsize(Dtype d) {
  switch (d) {
    case Dtype::Bool: return 1;
    case Dtype::Int64: return 8;
    case Dtype::Float32: return 4;
    case Dtype::Float64: return 8;
  }
  return 0;
}
inline bool is_floating(Dtype d) { return d == Dtype::Float32 || d == Dtype::Float64; }
inline bool is_integral(Dtype d, bool include_bool) {
  return d == Dtype::Int64 || (include_bool && d == Dtype::Bool);
}

// Note [Promotion lattice]: with bool, int64, float32 and float64 torch's
// promote_types is a total order, so promotion is a max over the enum.
inline Dtype promote_types(Dtype a, Dtype b) { return a > b ? a : b; }

// torch's names: "torch.float32" style for Python, "Float" style for messages.
inline const char* dtype_name(Dtype d) {
  switch (d) {
    case Dtype::Bool: return "bool";
    case Dtype::Int64: return "int64";
    case Dtype::Float32: return "float32";
    case Dtype::Float64: return "float64";
  }
  return "?";
}
inline const char* scalar_type_name(Dtype d) {  // as in torch's error messages
  switch (d) {
    case Dtype::Bool: return "Bool";
    case Dtype::Int64: return "Long";
    case Dtype::Float32: return "Float";
    case Dtype::Float64: return "Double";
  }
  return "?";
}

inline const char* cpp_type_name(Dtype d) {  // the C++ type, as some torch messages name it
  switch (d) {
    case Dtype::Bool: return "bool";
    case Dtype::Int64: return "long int";
    case Dtype::Float32: return "float";
    case Dtype::Float64: return "double";
  }
  return "?";
}

inline const char* legacy_type_name(Dtype d) {  // torch's legacy tensor type ("torch.FloatTensor")
  switch (d) {
    case Dtype::Bool: return "torch.BoolTensor";
    case Dtype::Int64: return "torch.LongTensor";
    case Dtype::Float32: return "torch.FloatTensor";
    case Dtype::Float64: return "torch.DoubleTensor";
  }
  return "?";
}

template <typename T> struct dtype_of;
template <> struct dtype_of<bool> { static constexpr Dtype value = Dtype::Bool; };
template <> struct dtype_of<int64_t> { static constexpr Dtype value = Dtype::Int64; };
template <> struct dtype_of<float> { static constexpr Dtype value = Dtype::Float32; };
template <> struct dtype_of<double> { static constexpr Dtype value = Dtype::Float64; };

// Dispatch a generic lambda body over a dtype: PAG_DISPATCH(d, "op", [&] { using scalar_t = ...; })
#define PAG_DISPATCH_CASE(D, T, ...) \
  case D: {                          \
    using scalar_t = T;              \
    return __VA_ARGS__();            \
  }
#define PAG_DISPATCH_ALL(dtype, opname, ...)                                   \
  [&] {                                                                        \
    switch (dtype) {                                                           \
      PAG_DISPATCH_CASE(::pag::Dtype::Float32, float, __VA_ARGS__)             \
      PAG_DISPATCH_CASE(::pag::Dtype::Float64, double, __VA_ARGS__)            \
      PAG_DISPATCH_CASE(::pag::Dtype::Int64, int64_t, __VA_ARGS__)             \
      PAG_DISPATCH_CASE(::pag::Dtype::Bool, bool, __VA_ARGS__)                 \
    }                                                                          \
    throw std::runtime_error(std::string(opname) + ": unknown dtype");         \
  }()
#define PAG_DISPATCH_FLOATING(dtype, opname, ...)                              \
  [&] {                                                                        \
    switch (dtype) {                                                           \
      PAG_DISPATCH_CASE(::pag::Dtype::Float32, float, __VA_ARGS__)             \
      PAG_DISPATCH_CASE(::pag::Dtype::Float64, double, __VA_ARGS__)            \
      default: break;                                                          \
    }                                                                          \
    throw ::pag::NotImplementedError(std::string("\"") + opname +              \
                                     "\" not implemented for '" +              \
                                     ::pag::scalar_type_name(dtype) + "'");    \
  }()
#define PAG_DISPATCH_NUMERIC(dtype, opname, ...)                               \
  [&] {                                                                        \
    switch (dtype) {                                                           \
      PAG_DISPATCH_CASE(::pag::Dtype::Float32, float, __VA_ARGS__)             \
      PAG_DISPATCH_CASE(::pag::Dtype::Float64, double, __VA_ARGS__)            \
      PAG_DISPATCH_CASE(::pag::Dtype::Int64, int64_t, __VA_ARGS__)             \
      default: break;                                                          \
    }                                                                          \
    throw ::pag::NotImplementedError(std::string("\"") + opname +              \
                                     "\" not implemented for '" +              \
                                     ::pag::scalar_type_name(dtype) + "'");    \
  }()

}  // namespace pag
