#include "kernels/loops.h"

namespace pag::kernels {

int num_threads() {
#ifdef _OPENMP
  static thread_local int cached = -1;
  // omp_get_max_threads honours OMP_NUM_THREADS and set_num_threads.
  cached = omp_get_max_threads();
  return cached;
#else
  return 1;
#endif
}

}  // namespace pag::kernels
