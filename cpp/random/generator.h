// The CPU random generator: torch's CPUGeneratorImpl, bit for bit (/work/shared/RNG.md).
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

namespace pag {

// Note [CPU generator]: an MT19937 engine with torch's bookkeeping (seed, left,
// next) plus one cached Box-Muller sample. `random()` is one tempered 32-bit word,
// `random64()` two words, first one high. The cached normal is set only by the
// one-element-at-a-time normal path and cleared by manual_seed / set_state.
// The state serialises to torch's 5056-byte CPUGeneratorImplState layout.
//
// Note [Generator lock]: like torch, each generator has a mutex. An op takes it
// once for all its draws (so two threads never interleave words inside one op);
// the raw engine calls (random, random64, the normal cache) assume it is held.
// The public state calls (manual_seed, seed, initial_seed, get/set_state) lock it.
class Generator {
 public:
  static constexpr uint64_t kDefaultSeed = 67280421310721ULL;  // torch.Generator()'s seed
  static constexpr size_t kStateBytes = 5056;
  static constexpr int kN = 624;
  using State = std::array<uint8_t, kStateBytes>;

  explicit Generator(uint64_t seed = kDefaultSeed) { reseed(seed); }
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // Locked state calls.
  void manual_seed(uint64_t seed);
  uint64_t seed();  // reseeds from the OS entropy source and returns the seed
  uint64_t initial_seed();
  State get_state();
  void set_state(const uint8_t* bytes, size_t n);  // throws pag::Error on a bad size or state

  // Engine (caller holds `mutex`).
  uint32_t random() {
    if (--left_ == 0) next_state();
    uint32_t y = state_[next_++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
  }
  uint64_t random64() {
    uint64_t hi = random();
    return (hi << 32) | random();
  }
  std::optional<double> next_double_normal;
  std::optional<float> next_float_normal;  // kept for the state layout; no CPU op sets it

  std::mutex mutex;

 private:
  void reseed(uint64_t seed);
  void next_state();

  uint64_t seed_ = 0;
  int32_t left_ = 1;
  uint32_t next_ = 0;
  uint32_t state_[kN];
};

// The process-wide generator used when an op gets no `generator=` (torch.default_generator).
const std::shared_ptr<Generator>& default_generator();
// `g` or the default generator.
inline Generator& generator_or_default(Generator* g) { return g ? *g : *default_generator(); }

}  // namespace pag
