// Creation ops: zeros, ones, full, arange, linspace, eye.
#include <cmath>

#include "ops/iter.h"
#include "ops/ops.h"

namespace pag {

Tensor full(const DimVec& sizes, double v, Dtype d) {
  Tensor t = empty(sizes, d);
  int64_t n = t.numel();
  PAG_DISPATCH_ALL(d, "full", [&] {
    scalar_t* p = t.data<scalar_t>();
    scalar_t x = static_cast<scalar_t>(v);
    kernels::parallel_for(n, kernels::kParallelGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) p[i] = x;
    });
  });
  return t;
}

Tensor zeros(const DimVec& sizes, Dtype d) {
  Tensor t = empty(sizes, d);
  if (t.numel()) std::memset(t.raw_data(), 0, t.numel() * t.itemsize());
  return t;
}
Tensor ones(const DimVec& sizes, Dtype d) { return full(sizes, 1.0, d); }
Tensor zeros_like(const Tensor& t) { return zeros(t.sizes(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.sizes(), t.dtype()); }

Tensor arange(double start, double end, double step, Dtype d) {
  if (step == 0) throw Error("step must be nonzero");
  if (!std::isfinite(start) || !std::isfinite(end))
    throw Error(str_cat("unsupported range: ", start, " -> ", end));
  if ((step > 0 && end < start) || (step < 0 && end > start))
    throw Error("upper bound and larger bound inconsistent with step sign");
  double n = std::ceil((end - start) / step);
  int64_t len = (int64_t)std::max(0.0, n);
  Tensor t = empty({len}, d);
  PAG_DISPATCH_ALL(d, "arange", [&] {
    scalar_t* p = t.data<scalar_t>();
    if constexpr (std::is_same_v<scalar_t, float>) {
      // torch computes float ranges in the accumulate type (double)
      for (int64_t i = 0; i < len; ++i) p[i] = static_cast<float>(start + (double)i * step);
    } else {
      for (int64_t i = 0; i < len; ++i) p[i] = static_cast<scalar_t>(start + (double)i * step);
    }
  });
  return t;
}

Tensor linspace(double start, double end, int64_t steps, Dtype d) {
  if (steps < 0) throw Error("number of steps must be non-negative");
  Tensor t = empty({steps}, d);
  if (steps == 0) return t;
  PAG_DISPATCH_ALL(d, "linspace", [&] {
    scalar_t* p = t.data<scalar_t>();
    if (steps == 1) { p[0] = static_cast<scalar_t>(start); return; }
    if constexpr (std::is_floating_point_v<scalar_t>) {
      // torch's kernel: first half counts up from start, second half down from end.
      scalar_t s = static_cast<scalar_t>(start), e = static_cast<scalar_t>(end);
      scalar_t step = (e - s) / static_cast<scalar_t>(steps - 1);
      int64_t half = steps / 2;
      for (int64_t i = 0; i < steps; ++i)
        p[i] = i < half ? s + step * (scalar_t)i : e - step * (scalar_t)(steps - i - 1);
    } else {
      double step = (end - start) / (double)(steps - 1);
      for (int64_t i = 0; i < steps; ++i) p[i] = static_cast<scalar_t>(start + step * (double)i);
    }
  });
  return t;
}

Tensor eye(int64_t n, int64_t m, Dtype d) {
  if (n < 0) throw Error(str_cat("n must be greater or equal to 0, got ", n));
  if (m < 0) throw Error(str_cat("m must be greater or equal to 0, got ", m));
  Tensor t = zeros({n, m}, d);
  PAG_DISPATCH_ALL(d, "eye", [&] {
    scalar_t* p = t.data<scalar_t>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = scalar_t(1);
  });
  return t;
}

}  // namespace pag
