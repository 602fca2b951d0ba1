// The multi-tensor driver of the optimizer updates and the choice between the
// span loops built for any x86-64 (no FMA, as torch's DEFAULT kernels) and for
// AVX2 + FMA (Note [Optimizer rounding]).
#include <algorithm>

#include "kernels/loops.h"
#include "kernels/optim.h"

namespace pag::kernels {

void sgd_span_avx2(Dtype d, const SgdArgs& a, const SgdTensor& t, int64_t lo, int64_t hi);
void adam_span_avx2(Dtype d, const AdamArgs& a, const AdamTensor& t, int64_t lo, int64_t hi);

namespace {

bool use_avx2_fma() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
#else
  return false;
#endif
}

}  // namespace

namespace optim_impl {

// Note [Multi-tensor split]: above the grain the flat range of all tensors'
// elements is cut into one equal span per thread, whatever the tensor boundaries,
// so many small tensors and one large tensor are balanced alike; below it all
// runs on the calling thread. The update is elementwise, so the split never
// changes the result.
void multi_tensor_apply(const std::vector<int64_t>& sizes,
                        const std::function<void(size_t, int64_t, int64_t)>& fn) {
  const size_t nt = sizes.size();
  std::vector<int64_t> start(nt + 1, 0);
  for (size_t i = 0; i < nt; ++i) start[i + 1] = start[i] + sizes[i];
  const int64_t total = start[nt];
  auto run = [&](int64_t b, int64_t e) {
    size_t i = std::upper_bound(start.begin(), start.end(), b) - start.begin() - 1;
    for (; i < nt && start[i] < e; ++i) {
      int64_t lo = std::max(b, start[i]) - start[i], hi = std::min(e, start[i + 1]) - start[i];
      if (lo < hi) fn(i, lo, hi);
    }
  };
#ifdef _OPENMP
  int nth = (int)std::min<int64_t>(num_threads(), total / kParallelGrain);
  if (nth > 1 && !omp_in_parallel()) {
    // spans start on 64-byte boundaries of the flat range
#pragma omp parallel num_threads(nth)
    {
      // split by the team's real size (it may be smaller than asked)
      const int team = omp_get_num_threads();
      const int64_t chunk = ((total + team - 1) / team + 15) / 16 * 16;
      int64_t b = std::min(total, omp_get_thread_num() * chunk), e = std::min(total, b + chunk);
      if (b < e) run(b, e);
    }
    return;
  }
#endif
  if (total > 0) run(0, total);
}

}  // namespace optim_impl

void sgd_update(Dtype dtype, const SgdArgs& args, const std::vector<SgdTensor>& ts) {
  std::vector<int64_t> sizes;
  for (const auto& t : ts) sizes.push_back(t.n);
  auto span = use_avx2_fma() ? &sgd_span_avx2 : &optim_impl::sgd_span_any<false>;
  optim_impl::multi_tensor_apply(sizes, [&](size_t i, int64_t lo, int64_t hi) { span(dtype, args, ts[i], lo, hi); });
}

void adam_update(Dtype dtype, const AdamArgs& args, const std::vector<AdamTensor>& ts) {
  std::vector<int64_t> sizes;
  for (const auto& t : ts) sizes.push_back(t.n);
  auto span = use_avx2_fma() ? &adam_span_avx2 : &optim_impl::adam_span_any<false>;
  optim_impl::multi_tensor_apply(sizes, [&](size_t i, int64_t lo, int64_t hi) { span(dtype, args, ts[i], lo, hi); });
}

}  // namespace pag::kernels
