// Note [Live counts]: debug counters of live TensorImpl, Storage and Node objects,
// read by _C._live_counts(). Tests use them to check that graphs and saved tensors
// are freed as soon as they become unreachable. Relaxed atomics: a counter only
// needs to be exact once the threads that touched it are joined.
#pragma once
#include <atomic>
#include <cstdint>

namespace pag {

enum LiveKind : int { kLiveTensorImpl, kLiveStorage, kLiveNode, kNumLiveKinds };

extern std::atomic<int64_t> g_live_counts[kNumLiveKinds];

// A member that counts the objects of its owner's kind.
template <int K>
struct LiveCounter {
  LiveCounter() noexcept { g_live_counts[K].fetch_add(1, std::memory_order_relaxed); }
  LiveCounter(const LiveCounter&) noexcept : LiveCounter() {}
  LiveCounter& operator=(const LiveCounter&) noexcept { return *this; }
  ~LiveCounter() { g_live_counts[K].fetch_sub(1, std::memory_order_relaxed); }
};

inline int64_t live_count(LiveKind k) { return g_live_counts[k].load(std::memory_order_relaxed); }

}  // namespace pag
