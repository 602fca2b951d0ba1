// Note [Thread setting]: the number of threads the kernels use is one process-wide
// setting, as torch.set_num_threads is: OpenMP's own setting (omp_set_num_threads)
// belongs to the calling thread only, so a Python thread could not change it for
// the others, and every new Python thread would start from the default again.
#include <algorithm>
#include <atomic>
#include <thread>

#include "core/error.h"
#include "kernels/loops.h"

namespace pag::kernels {

namespace {

int default_num_threads() {
#ifdef _OPENMP
  // OMP_NUM_THREADS when set, else the cores this process may run on.
  return std::max(1, omp_get_max_threads());
#else
  return std::max(1u, std::thread::hardware_concurrency());
#endif
}

std::atomic<int> g_num_threads{0};  // 0: not chosen yet

}  // namespace

int num_threads() {
  int n = g_num_threads.load(std::memory_order_relaxed);
  if (n > 0) return n;
  int expected = 0;
  g_num_threads.compare_exchange_strong(expected, default_num_threads(), std::memory_order_relaxed);
  return g_num_threads.load(std::memory_order_relaxed);
}

void set_num_threads(int n) {
  if (n <= 0) throw Error("set_num_threads expects a positive integer");
  g_num_threads.store(n, std::memory_order_relaxed);
}

}  // namespace pag::kernels
