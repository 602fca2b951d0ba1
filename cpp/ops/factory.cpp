// Creation ops: zeros, ones, full, arange, linspace, eye.
#include <cmath>
#include <limits>

#include "kernels/fill.h"
#include "ops/iter.h"
#include "ops/ops.h"

namespace pag {

Tensor full(const DimVec& sizes, double v, Dtype d) {
  Tensor t = empty(sizes, d);
  int64_t n = t.numel();
  PAG_DISPATCH_ALL(d, "full", [&] { kernels::fill_contiguous(t.data<scalar_t>(), n, static_cast<scalar_t>(v)); });
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

// arange and linspace reproduce torch's values exactly (Note [Range rounding], kernels/fill.h).
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
  PAG_DISPATCH_FLOATING(d, "arange", [&] { kernels::arange_fill(t.data<scalar_t>(), len, start, step); });
  return t;
}

Tensor arange_int64(int64_t start, int64_t end, int64_t step) {
  PAG_CHECK(step != 0, "step must be nonzero");
  PAG_CHECK((step > 0 && end >= start) || (step < 0 && end <= start),
            "upper bound and lower bound inconsistent with step sign");
  // torch's size formula, in wrapping arithmetic (torch's own int64 overflows there);
  // a wrapped, negative size is torch's overflow error.
  uint64_t sgn = static_cast<uint64_t>((step > 0) - (step < 0));
  int64_t num = static_cast<int64_t>(static_cast<uint64_t>(end) - static_cast<uint64_t>(start) +
                                     static_cast<uint64_t>(step) - sgn);
  int64_t len = step == -1 ? (num == std::numeric_limits<int64_t>::min() ? -1 : -num) : num / step;
  PAG_CHECK(len >= 0, "invalid size, possible overflow?");
  Tensor t = empty({len}, Dtype::Int64);
  kernels::arange_int64_fill(t.data<int64_t>(), len, start, step);
  return t;
}

Tensor linspace(double start, double end, int64_t steps, Dtype d) {
  PAG_CHECK(steps >= 0, "number of steps must be non-negative");
  if (d == Dtype::Bool) throw NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'");
  Tensor t = empty({steps}, d);
  if (steps == 0) return t;
  PAG_DISPATCH_ALL(d, "linspace", [&] {
    // torch converts the endpoints to the output type first (a truncation for int64)
    kernels::linspace_fill(t.data<scalar_t>(), steps, static_cast<scalar_t>(start), static_cast<scalar_t>(end));
  });
  return t;
}

Tensor eye(int64_t n, int64_t m, Dtype d) {
  if (n < 0) throw Error(str_cat("n must be greater or equal to 0, got ", n));
  if (m < 0) throw Error(str_cat("m must be greater or equal to 0, got ", m));
  Tensor t = zeros({n, m}, d);
  PAG_DISPATCH_ALL(d, "eye", [&] { kernels::eye_fill(t.data<scalar_t>(), n, m); });
  return t;
}

}  // namespace pag
