// Creation ops: zeros, ones, full, arange, linspace, eye.
#include <cmath>
#include <limits>

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

// Note [Range rounding]: arange and linspace reproduce torch's CPU kernels value for value.
// torch builds them with FMA contraction, so every `a + b * c` there rounds once: std::fma here.
// torch's arange runs each parallel chunk (same split as kernels::parallel_for) through its
// vectorized loop: pairs of 256-bit vectors whose lanes are `base + j * step` from a base
// rounded to the output type, then a scalar tail `start + step * idx`; both are mirrored below.
Tensor arange(double start, double end, double step, Dtype d) {
  if (d == Dtype::Bool) throw NotImplementedError("\"arange_cpu\" not implemented for 'Bool'");
  PAG_CHECK(step > 0 || step < 0, "step must be nonzero");
  PAG_CHECK(std::isfinite(start) && std::isfinite(end), "unsupported range: ", start, " -> ", end);
  PAG_CHECK((step > 0 && end >= start) || (step < 0 && end <= start),
            "upper bound and lower bound inconsistent with step sign");
  if (is_integral(d, false) && d != Dtype::Int64) return to_dtype(arange(start, end, step, Dtype::Int64), d);
  if (d == Dtype::Int64) {
    // torch checks the bounds as given, then truncates them to int64
    auto to_int64 = [](double v) {
      PAG_CHECK(v >= -0x1p63 && v < 0x1p63, "value cannot be converted to type int64_t without overflow");
      return static_cast<int64_t>(v);
    };
    int64_t istep = to_int64(step);
    PAG_CHECK_VALUE(istep != 0, "step must be nonzero");
    return arange_int64(to_int64(start), to_int64(end), istep);
  }
  double size_d = std::ceil((end - start) / step);
  PAG_CHECK(size_d >= 0 && size_d <= static_cast<double>(std::numeric_limits<int64_t>::max()),
            "invalid size, possible overflow?");
  int64_t len = static_cast<int64_t>(size_d);
  Tensor t = empty({len}, d);
  PAG_DISPATCH_FLOATING(d, "arange", [&] {
    scalar_t* p = t.data<scalar_t>();
    constexpr int64_t W = 32 / sizeof(scalar_t);  // lanes of one 256-bit vector
    kernels::parallel_for(len, kernels::kParallelGrain, [&](int64_t b, int64_t e) {
      int64_t i = b;
      for (; i + 2 * W <= e; i += 2 * W) {
        for (int64_t v = i; v < i + 2 * W; v += W) {
          const double base = static_cast<scalar_t>(std::fma(step, static_cast<double>(v), start));
          for (int64_t j = 0; j < W; ++j) p[v + j] = static_cast<scalar_t>(std::fma(static_cast<double>(j), step, base));
        }
      }
      for (; i < e; ++i) p[i] = static_cast<scalar_t>(std::fma(step, static_cast<double>(i), start));
    });
  });
  return t;
}

Tensor arange_int64(int64_t start, int64_t end, int64_t step) {
  PAG_CHECK(step != 0, "step must be nonzero");
  PAG_CHECK((step > 0 && end >= start) || (step < 0 && end <= start),
            "upper bound and lower bound inconsistent with step sign");
  int64_t sgn = (step > 0) - (step < 0);
  int64_t len = (end - start + step - sgn) / step;
  Tensor t = empty({len}, Dtype::Int64);
  int64_t* p = t.data<int64_t>();
  for (int64_t i = 0; i < len; ++i) p[i] = start + step * i;
  return t;
}

// See Note [Range rounding]; torch's linspace kernel is scalar only.
Tensor linspace(double start, double end, int64_t steps, Dtype d) {
  PAG_CHECK(steps >= 0, "number of steps must be non-negative");
  if (d == Dtype::Bool) throw NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'");
  Tensor t = empty({steps}, d);
  if (steps == 0) return t;
  PAG_DISPATCH_ALL(d, "linspace", [&] {
    scalar_t* p = t.data<scalar_t>();
    // torch converts the endpoints to the output type first (a truncation for int64)
    const scalar_t s = static_cast<scalar_t>(start), e = static_cast<scalar_t>(end);
    if (steps == 1) { p[0] = s; return; }
    using step_t = std::conditional_t<std::is_integral_v<scalar_t>, double, scalar_t>;
    const step_t step = (static_cast<step_t>(e) - static_cast<step_t>(s)) / static_cast<step_t>(steps - 1);
    const int64_t half = steps / 2;
    kernels::parallel_for(steps, kernels::kParallelGrain, [&](int64_t b, int64_t en) {
      for (int64_t i = b; i < en; ++i)
        p[i] = i < half ? static_cast<scalar_t>(std::fma(step, static_cast<step_t>(i), static_cast<step_t>(s)))
                        : static_cast<scalar_t>(std::fma(-step, static_cast<step_t>(steps - i - 1), static_cast<step_t>(e)));
    });
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
