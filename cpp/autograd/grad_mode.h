// Thread-local grad mode, as torch's GradMode / InferenceMode.
#pragma once

namespace pag {

struct GradMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};
struct InferenceMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

struct AutoGradMode {
  explicit AutoGradMode(bool enabled) : prev_(GradMode::is_enabled()) { GradMode::set_enabled(enabled); }
  ~AutoGradMode() { GradMode::set_enabled(prev_); }
  bool prev_;
};

}  // namespace pag
