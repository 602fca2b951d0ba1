// Exceptions that map one-to-one onto the Python types torch raises (see bindings/module.cpp).
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace pag {

struct Error : std::runtime_error {  // -> RuntimeError
  using std::runtime_error::runtime_error;
};
struct IndexError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct ValueError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct TypeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct NotImplementedError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Note [Warnings]: ops warn (torch's TORCH_WARN) through one handler, which the bindings
// set to Python's warnings.warn(UserWarning); when a filter turns the warning into an
// exception, the handler throws and the op stops before writing anything.
using WarnHandler = void (*)(const std::string&);
inline WarnHandler& warn_handler() {
  static WarnHandler h = nullptr;
  return h;
}
inline void warn(const std::string& msg) {
  if (warn_handler()) warn_handler()(msg);
}

template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream ss;
  (ss << ... << args);
  return ss.str();
}

#define PAG_CHECK(cond, ...) \
  do { if (!(cond)) throw ::pag::Error(::pag::str_cat(__VA_ARGS__)); } while (0)
#define PAG_CHECK_INDEX(cond, ...) \
  do { if (!(cond)) throw ::pag::IndexError(::pag::str_cat(__VA_ARGS__)); } while (0)
#define PAG_CHECK_VALUE(cond, ...) \
  do { if (!(cond)) throw ::pag::ValueError(::pag::str_cat(__VA_ARGS__)); } while (0)
#define PAG_CHECK_TYPE(cond, ...) \
  do { if (!(cond)) throw ::pag::TypeError(::pag::str_cat(__VA_ARGS__)); } while (0)

}  // namespace pag
