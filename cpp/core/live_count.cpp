#include "core/live_count.h"

namespace pag {

std::atomic<int64_t> g_live_counts[kNumLiveKinds] = {};

}  // namespace pag
