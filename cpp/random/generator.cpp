#include "random/generator.h"

#include <cstring>
#include <random>

#include "core/error.h"

namespace pag {

namespace {

constexpr int kM = 397;
constexpr uint32_t kMatrixA = 0x9908b0dfu;

inline uint32_t twist(uint32_t u, uint32_t v) {
  uint32_t y = (u & 0x80000000u) | (v & 0x7fffffffu);
  return (y >> 1) ^ ((v & 1u) ? kMatrixA : 0u);
}

// Byte offsets of torch's CPUGeneratorImplState (x86-64 layout).
constexpr size_t kOffSeed = 0, kOffLeft = 8, kOffSeeded = 12, kOffNext = 16, kOffWords = 24;
constexpr size_t kOffNormalY = 5024, kOffNormalValid = 5040, kOffFloatNormal = 5048, kOffFloatValid = 5052;

template <typename T>
void put(uint8_t* b, size_t off, T v) { std::memcpy(b + off, &v, sizeof(T)); }
template <typename T>
T get(const uint8_t* b, size_t off) {
  T v;
  std::memcpy(&v, b + off, sizeof(T));
  return v;
}

}  // namespace

void Generator::reseed(uint64_t seed) {
  seed_ = seed;
  uint32_t s = static_cast<uint32_t>(seed);
  state_[0] = s;
  for (int j = 1; j < kN; ++j) {
    s = 1812433253u * (s ^ (s >> 30)) + static_cast<uint32_t>(j);
    state_[j] = s;
  }
  left_ = 1;
  next_ = 0;
  next_double_normal.reset();
  next_float_normal.reset();
}

void Generator::next_state() {
  uint32_t* p = state_;
  left_ = kN;
  next_ = 0;
  for (int j = kN - kM + 1; --j; ++p) *p = p[kM] ^ twist(p[0], p[1]);
  for (int j = kM; --j; ++p) *p = p[kM - kN] ^ twist(p[0], p[1]);
  *p = p[kM - kN] ^ twist(p[0], state_[0]);
}

void Generator::manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(mutex);
  reseed(seed);
}

uint64_t Generator::seed() {
  // torch reads 64 bits from /dev/urandom; std::random_device is that source on Linux.
  std::random_device rd;
  uint64_t s = (static_cast<uint64_t>(rd()) << 32) | rd();
  manual_seed(s);
  return s;
}

uint64_t Generator::initial_seed() {
  std::lock_guard<std::mutex> lock(mutex);
  return seed_;
}

Generator::State Generator::get_state() {
  std::lock_guard<std::mutex> lock(mutex);
  State st{};
  uint8_t* b = st.data();
  put<uint64_t>(b, kOffSeed, seed_);
  put<int32_t>(b, kOffLeft, left_);
  put<int32_t>(b, kOffSeeded, 1);
  put<uint64_t>(b, kOffNext, next_);
  for (int j = 0; j < kN; ++j) put<uint64_t>(b, kOffWords + 8 * j, state_[j]);
  if (next_double_normal) {
    put<double>(b, kOffNormalY, *next_double_normal);
    put<int32_t>(b, kOffNormalValid, 1);
  }
  if (next_float_normal) {
    put<float>(b, kOffFloatNormal, *next_float_normal);
    b[kOffFloatValid] = 1;
  }
  return st;
}

void Generator::set_state(const uint8_t* b, size_t n) {
  if (n != kStateBytes)
    throw Error(str_cat("Expected a CPUGeneratorImplState of size ", kStateBytes,
                        " but found the input RNG state size to be ", n));
  int32_t left = get<int32_t>(b, kOffLeft);
  int32_t seeded = get<int32_t>(b, kOffSeeded);
  uint32_t next = static_cast<uint32_t>(get<uint64_t>(b, kOffNext));
  if (!seeded || left <= 0 || left > kN || next > (uint32_t)kN) throw Error("Invalid mt19937 state");
  std::lock_guard<std::mutex> lock(mutex);
  seed_ = get<uint64_t>(b, kOffSeed);
  left_ = left;
  next_ = next;
  for (int j = 0; j < kN; ++j) state_[j] = static_cast<uint32_t>(get<uint64_t>(b, kOffWords + 8 * j));
  next_double_normal.reset();
  next_float_normal.reset();
  if (get<int32_t>(b, kOffNormalValid)) next_double_normal = get<double>(b, kOffNormalY);
  if (b[kOffFloatValid]) next_float_normal = get<float>(b, kOffFloatNormal);
}

const std::shared_ptr<Generator>& default_generator() {
  // torch seeds its default generator from the OS at start-up.
  static const std::shared_ptr<Generator> gen = [] {
    std::random_device rd;
    return std::make_shared<Generator>((static_cast<uint64_t>(rd()) << 32) | rd());
  }();
  return gen;
}

}  // namespace pag
