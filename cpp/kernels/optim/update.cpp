// The multi-tensor driver of the optimizer updates (Note [Optimizer driver]): the
// registry of update functors, the per-tensor scalars, the split into parallel spans
// and the choice between the loops built for any x86-64 (no FMA, as torch's DEFAULT
// kernels) and for AVX2 + FMA (Note [Optimizer rounding]).
#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "kernels/cpu.h"
#include "kernels/loops.h"
#include "kernels/optim/updates.h"

namespace pag::kernels {

double OptimOptions::get(const char* name) const {
  for (const auto& [k, v] : items)
    if (k == name) return v;
  throw Error(str_cat("optimizer step: missing hyper-parameter '", name, "'"));
}

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

namespace {

// One dtype: each tensor's scalars and loop flags once, then the spans.
template <class U, typename T>
void update_as(const typename U::Args& a, const std::vector<OptimTensor>& ts) {
  std::vector<typename U::template Hyper<T>> hyper;
  std::vector<unsigned> flags;
  std::vector<int64_t> sizes;
  hyper.reserve(ts.size());
  flags.reserve(ts.size());
  sizes.reserve(ts.size());
  for (const OptimTensor& t : ts) {
    hyper.push_back(U::template hyper<T>(a, t.step));
    flags.push_back(U::flags(a, t.fresh));
    sizes.push_back(t.n);
  }
  auto span = cpu_isa() >= Isa::Avx2 ? &span_avx2<U, T> : &optim_impl::span<U, false, T>;
  optim_impl::multi_tensor_apply(sizes,
                                 [&](size_t i, int64_t lo, int64_t hi) { span(hyper[i], flags[i], ts[i], lo, hi); });
}

template <class U>
void update(Dtype dtype, const OptimOptions& o, const std::vector<OptimTensor>& ts) {
  const typename U::Args a(o);
  if (dtype == Dtype::Float64) update_as<U, double>(a, ts);
  else update_as<U, float>(a, ts);
}

template <class U>
unsigned states_used(const OptimOptions& o) {
  return U::states_used(typename U::Args(o));
}

#define PAG_OPTIM_REGISTER(U) {&U::kSpec, &states_used<U>, &update<U>},
const OptimUpdate kUpdates[] = {PAG_OPTIM_UPDATES(PAG_OPTIM_REGISTER)};
#undef PAG_OPTIM_REGISTER

}  // namespace

const OptimUpdate* find_optim_update(const std::string& name) {
  for (const OptimUpdate& u : kUpdates)
    if (name == u.spec->name) return &u;
  return nullptr;
}

}  // namespace pag::kernels
