#include "core/allocator.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "core/error.h"

namespace pag {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kCacheMin = 1 << 16;          // below this, malloc is fast enough
constexpr size_t kCacheLimit = size_t(2) << 30;  // at most 2 GiB held in the cache

// Size class: round up to a quarter of the enclosing power of two, so a reused
// block wastes at most 25% and similar sizes share a class.
size_t size_class(size_t n) {
  if (n < kCacheMin) return (n + kAlign - 1) / kAlign * kAlign;
  size_t p = 1;
  while (p < n) p <<= 1;
  size_t q = p / 8;  // p/2 < n <= p: classes at p/2 + k*p/8
  return (n + q - 1) / q * q;
}

struct Cache {
  std::mutex mu;
  std::multimap<size_t, void*> free_blocks;
  size_t bytes = 0;
};
Cache& cache() {
  static Cache* c = new Cache();  // leaked on purpose: outlives static tensors at exit
  return *c;
}

// n: the size-class bytes to get; requested: what the caller asked for (torch's message).
void* raw_alloc(size_t n, size_t requested) {
  void* p = nullptr;
  int err = posix_memalign(&p, kAlign, n == 0 ? kAlign : n);
  if (err != 0) {
    empty_cache();
    err = posix_memalign(&p, kAlign, n == 0 ? kAlign : n);
  }
  if (err != 0)
    throw Error(str_cat("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate memory: "
                        "you tried to allocate ", requested, " bytes. Error code ", err, " (", std::strerror(err), ")"));
  return p;
}

}  // namespace

void* alloc_buffer(size_t nbytes) {
  size_t n = size_class(nbytes);
  if (n >= kCacheMin) {
    Cache& c = cache();
    std::lock_guard<std::mutex> g(c.mu);
    auto it = c.free_blocks.find(n);
    if (it != c.free_blocks.end()) {
      void* p = it->second;
      c.free_blocks.erase(it);
      c.bytes -= n;
      return p;
    }
  }
  return raw_alloc(n, nbytes);
}

void free_buffer(void* p, size_t nbytes) {
  if (!p) return;
  size_t n = size_class(nbytes);
  if (n >= kCacheMin) {
    Cache& c = cache();
    std::lock_guard<std::mutex> g(c.mu);
    if (c.bytes + n <= kCacheLimit) {
      c.free_blocks.emplace(n, p);
      c.bytes += n;
      return;
    }
  }
  std::free(p);
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.mu);
  for (auto& kv : c.free_blocks) std::free(kv.second);
  c.free_blocks.clear();
  c.bytes = 0;
}

size_t cached_bytes() {
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.mu);
  return c.bytes;
}

}  // namespace pag
