// Random sampling ops: validation as torch's DistributionTemplates.h, the draws of
// random/sampling.h in torch's element order, and torch's autograd nodes.
#include "random/distributions.h"

#include <cmath>
#include <limits>
#include <mutex>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/iter.h"
#include "ops/ops.h"
#include "random/sampling.h"

namespace pag {

namespace {

// Torch's TensorIterator refuses to write through a dimension of stride 0.

// Writes draw() into every element of `t` in TensorIterator order: dims sorted by
// stride (Note [Random fill order]), which is row-major for contiguous tensors.
template <typename T, typename Draw>
void fill_in_order(const Tensor& t, const Draw& draw) {
  if (t.numel() == 0) return;
  kernels::Geometry g = make_geometry(t, {});
  OperandPtrs p = operand_ptrs(t, {});
  kernels::run_range(g, p.p, 0, g.numel(), [&](char** ptr, const int64_t* s, int64_t n) {
    char* q = ptr[0];
    for (int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(q + i * s[0]) = draw();
  });
}
// Note [Random fill order]: torch fills in-place random ops through a serial
// TensorIterator loop, which orders dims by stride; a transposed tensor is filled
// in memory order. make_geometry orders dims the same way, so the k-th word drawn
// lands in the same element as in torch.

tensor_list zero_grads(Rule<NoState>& n, const tensor_list& g) {
  tensor_list r(n.next_edges.size());
  for (size_t i = 0; i < r.size(); ++i)
    if (n.needs_input_grad(i)) r[i] = zeros(n.shapes[i], n.input_dtypes[i]);
  (void)g;
  return r;
}

// Runs `fill` on self as an in-place op. Torch's derivative of every random fill is
// zero (derivatives.yaml: `self: zeros_like(grad)`); with history, self's grad_fn
// becomes `node` so gradients stop there as in torch.
template <typename Fill>
Tensor& random_inplace(Tensor& self, const char* node, const Tensor* other, const Fill& fill) {
  bool track = GradMode::is_enabled() && (self.requires_grad() || (other && other->requires_grad()));
  if (track) check_inplace(self, node);
  fill();
  self.bump_version();
  if (track) {
    tensor_list inputs{self};
    if (other) inputs.push_back(*other);
    auto n = record(node, zero_grads, inputs, {});
    rebase_history(self, n);
  }
  return self;
}

// A fresh result of an out-of-place random op whose inputs may require grad.
void record_zero_grad(const char* node, const Tensor& out, const tensor_list& inputs) {
  bool any = false;
  for (const Tensor& t : inputs) any = any || t.requires_grad();
  if (GradMode::is_enabled() && any) record(node, zero_grads, inputs, {out});
}

// torch's `static_cast<int64_t>(static_cast<scalar_t>(v))` as x86-64 evaluates it
// (out-of-range conversions give INT64_MIN).
template <typename T>
int64_t round_trip(int64_t v) {
  T f = static_cast<T>(v);
  if (!(f >= -0x1p63 && f < 0x1p63)) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(f);
}

// update_from / update_to: the nearest bounds that stay inside [from, to) after the
// cast to a floating dtype (torch's DistributionTemplates.h).
template <typename T>
int64_t update_from(int64_t from) {
  const int64_t from_plus_1 = round_trip<T>(from + 1);
  if (from_plus_1 < from) {
    int64_t f = std::abs(from + 1);
    int n = 0;
    while (f >>= 1) ++n;
    from = from_plus_1 + (int64_t(1) << (n - std::numeric_limits<T>::digits + 1));
  }
  return from;
}
template <typename T>
int64_t update_to(int64_t to) {
  const int64_t to_minus_1 = round_trip<T>(to - 1);
  if (to_minus_1 >= to) {
    int64_t t = std::abs(to - 1);
    int n = 0;
    while (t >>= 1) ++n;
    to = to_minus_1 - (int64_t(1) << (n - std::numeric_limits<T>::digits + 1));
  }
  return to;
}

void check_from_to_in_range(int64_t from, int64_t to_inc, Dtype d) {
  if (d == Dtype::Int64) return;  // every int64 fits
  double lo = 0, hi = 1;
  if (d != Dtype::Bool)
    PAG_DISPATCH_NUMERIC(d, "check_random_bounds", [&] {
      lo = static_cast<double>(std::numeric_limits<scalar_t>::lowest());
      hi = static_cast<double>(std::numeric_limits<scalar_t>::max());
    });
  PAG_CHECK((double)from >= lo && (double)from <= hi, "from is out of bounds for ", cpp_type_name(d));
  PAG_CHECK((double)to_inc >= lo && (double)to_inc <= hi, "to - 1 is out of bounds for ", cpp_type_name(d));
}


}  // namespace

// ---------------------------------------------------------------- in-place fills
// float16 and bfloat16 sample in float (torch's opmath), round once, and a value that
// rounds up to `to` becomes `from`.
Tensor& uniform_(Tensor& self, double from, double to, Generator* gen) {
  return random_inplace(self, "UniformBackward0", nullptr, [&] {
    PAG_DISPATCH_FLOATING(self.dtype(), "check_uniform_bounds", [&] {
      const double lo = static_cast<double>(std::numeric_limits<scalar_t>::lowest());
      const double hi = static_cast<double>(std::numeric_limits<scalar_t>::max());
      PAG_CHECK(from >= lo && from <= hi, "from is out of bounds for ", cpp_type_name(self.dtype()));
      PAG_CHECK(to >= lo && to <= hi, "to is out of bounds for ", cpp_type_name(self.dtype()));
      PAG_CHECK(from <= to, "uniform_ expects to return a [from, to) range, but found from=", from, " > to=", to);
      PAG_CHECK(to - from <= hi, "uniform_ expects to-from <= std::numeric_limits<", scalar_type_name(self.dtype()),
                ">::max(), but found to=", to, " and from=", from, " which result in to-from to exceed the limit");
      if (self.numel() == 0) return;
      assert_no_internal_overlap(self);
      Generator& g = generator_or_default(gen);
      std::lock_guard<std::mutex> lock(g.mutex);
      using math_t = std::conditional_t<std::is_same_v<scalar_t, double>, double, float>;
      const sampling::Uniform<math_t> u{static_cast<math_t>(from), static_cast<math_t>(to)};
      if constexpr (is_reduced_float_v<scalar_t>) {
        const scalar_t lo_s = static_cast<scalar_t>(static_cast<math_t>(from));
        const float hi_s = static_cast<float>(static_cast<scalar_t>(static_cast<math_t>(to)));
        fill_in_order<scalar_t>(self, [&] {
          const scalar_t v = static_cast<scalar_t>(u(g));
          return static_cast<float>(v) == hi_s ? lo_s : v;
        });
      } else {
        fill_in_order<scalar_t>(self, [&] { return u(g); });  // Uniform replaces `to` itself
      }
    });
  });
}

// float16 and bfloat16: the n >= 16 contiguous path runs Box-Muller in float on 16
// fresh uniforms at a time (the ragged end: 16 more, into the last 16 slots) and rounds
// each sample once.
Tensor& normal_(Tensor& self, double mean, double std, Generator* gen) {
  return random_inplace(self, "NormalBackward0", nullptr, [&] {
    PAG_CHECK(std >= 0.0, "normal expects std >= 0.0, but found std ", std);
    if (self.numel() == 0) return;
    PAG_DISPATCH_FLOATING(self.dtype(), "normal_kernel_cpu", [&] {
      const int64_t n = self.numel();
      if (n >= 16 && self.is_contiguous()) {
        Generator& g = generator_or_default(gen);
        std::lock_guard<std::mutex> lock(g.mutex);
        if constexpr (is_reduced_float_v<scalar_t>) {
          scalar_t* data = self.data<scalar_t>();
          float buf[16];
          auto chunk = [&](scalar_t* out) {
            for (float& b : buf) b = sampling::unit_float(g);
            sampling::normal_fill16(buf, static_cast<float>(mean), static_cast<float>(std));
            for (int j = 0; j < 16; ++j) out[j] = static_cast<scalar_t>(buf[j]);
          };
          for (int64_t i = 0; i + 16 <= n; i += 16) chunk(data + i);
          if (n % 16 != 0) chunk(data + n - 16);
        } else {
          sampling::normal_fill<scalar_t>(g, self.data<scalar_t>(), n, static_cast<scalar_t>(mean),
                                          static_cast<scalar_t>(std));
        }
      } else {
        assert_no_internal_overlap(self);
        Generator& g = generator_or_default(gen);
        std::lock_guard<std::mutex> lock(g.mutex);
        fill_in_order<scalar_t>(self, [&] {
          return static_cast<scalar_t>(sampling::normal_one(g, mean, std));
        });
      }
    });
  });
}

Tensor& random_(Tensor& self, Generator* gen) {
  return random_inplace(self, "RandomBackward2", nullptr, [&] {
    if (self.numel() == 0) return;
    assert_no_internal_overlap(self);
    Generator& g = generator_or_default(gen);
    std::lock_guard<std::mutex> lock(g.mutex);
    PAG_DISPATCH_ALL(self.dtype(), "random_kernel_cpu", [&] {
      fill_in_order<scalar_t>(self, [&] { return sampling::random_full<scalar_t>(g); });
    });
  });
}

namespace {

Tensor& random_from_to(Tensor& self, int64_t from, std::optional<int64_t> to_opt, Generator* gen, const char* node) {
  return random_inplace(self, node, nullptr, [&] {
    assert_no_internal_overlap(self);
    const Dtype d = self.dtype();
    uint64_t range = 0;
    bool full_64 = false;
    if (to_opt) {
      int64_t to = *to_opt;
      PAG_CHECK(from < to, "random_ expects 'from' to be less than 'to', but got from=", from, " >= to=", to);
      if (is_floating(d)) {
        PAG_DISPATCH_FLOATING(d, "random_update_from_to", [&] {
          from = update_from<scalar_t>(from);
          to = update_to<scalar_t>(to);
        });
        PAG_CHECK(from < to, "random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got from=",
                  from, " >= to=", to);
      }
      check_from_to_in_range(from, to - 1, d);
      range = static_cast<uint64_t>(to) - static_cast<uint64_t>(from);
    } else if (from != std::numeric_limits<int64_t>::min()) {
      int64_t to_inc = 0;
      if (is_floating(d)) {
        PAG_DISPATCH_FLOATING(d, "random_update_from", [&] {
          to_inc = int64_t(1) << std::numeric_limits<scalar_t>::digits;
          from = update_from<scalar_t>(from);
        });
        PAG_CHECK(from < to_inc,
                  "random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted to dtype, but "
                  "got from=", from, " > to_inc=", to_inc);
      } else {
        PAG_DISPATCH_ALL(d, "random_from_to_range_calc", [&] {
          if constexpr (std::is_same_v<scalar_t, bool>) to_inc = 1;
          else to_inc = static_cast<int64_t>(std::numeric_limits<scalar_t>::max());
        });
      }
      check_from_to_in_range(from, to_inc, d);
      range = static_cast<uint64_t>(to_inc) - static_cast<uint64_t>(from) + 1;
    } else {
      full_64 = true;
      if (d == Dtype::Bool)
        throw NotImplementedError("\"random_full_64_bits_range_kernel_cpu\" not implemented for 'Bool'");
    }
    if (self.numel() == 0) return;
    Generator& g = generator_or_default(gen);
    std::lock_guard<std::mutex> lock(g.mutex);
    PAG_DISPATCH_ALL(d, "random_from_to_kernel_cpu", [&] {
      if (full_64) fill_in_order<scalar_t>(self, [&] { return sampling::random_full_64<scalar_t>(g); });
      else fill_in_order<scalar_t>(self, [&] { return sampling::random_from_to<scalar_t>(g, range, from); });
    });
  });
}

}  // namespace

Tensor& random_(Tensor& self, int64_t from, std::optional<int64_t> to, Generator* gen) {
  return random_from_to(self, from, to, gen, "RandomBackward0");
}

Tensor& random_(Tensor& self, int64_t to, Generator* gen) { return random_from_to(self, 0, to, gen, "RandomBackward1"); }

// Generic kernel; see Note [MKL kernels] below.
Tensor& exponential_(Tensor& self, double lambd, Generator* gen) {
  return random_inplace(self, "ExponentialBackward0", nullptr, [&] {
    PAG_CHECK(lambd > 0.0, "exponential_ expects lambda > 0.0, but found lambda=", lambd);
    if (self.numel() == 0) return;
    assert_no_internal_overlap(self);
    PAG_CHECK(is_floating(self.dtype()),
              "Exponential distribution is a continuous probability distribution. dtype must be a floating point but "
              "you specified ", scalar_type_name(self.dtype()));
    Generator& g = generator_or_default(gen);
    std::lock_guard<std::mutex> lock(g.mutex);
    PAG_DISPATCH_FLOATING(self.dtype(), "exponential_cpu", [&] {
      fill_in_order<scalar_t>(self, [&] {
        return static_cast<scalar_t>(sampling::exponential(g, lambd));
      });
    });
  });
}

// Note [MKL kernels]: torch builds with MKL may send bernoulli_(float p) and
// exponential_ on Intel CPUs through MKL's VSL streams instead of the generator's
// words. Those streams are not reproduced here: both ops use torch's generic CPU
// kernels (what torch runs on AMD CPUs and builds without MKL), which draw one
// double per element from the generator. The distributions are the same.
Tensor& bernoulli_(Tensor& self, double p, Generator* gen) {
  return random_inplace(self, "BernoulliBackward2", nullptr, [&] {
    PAG_CHECK(0 <= p && p <= 1, "bernoulli_ expects p to be in [0, 1], but got p=", p);
    if (self.numel() == 0) return;
    assert_no_internal_overlap(self);
    Generator& g = generator_or_default(gen);
    std::lock_guard<std::mutex> lock(g.mutex);
    PAG_DISPATCH_ALL(self.dtype(), "bernoulli_scalar_cpu_", [&] {
      fill_in_order<scalar_t>(self, [&] { return static_cast<scalar_t>(sampling::bernoulli<double>(g, p)); });
    });
  });
}

Tensor& bernoulli_(Tensor& self, const Tensor& p, Generator* gen) {
  return random_inplace(self, "BernoulliBackward1", &p, [&] {
    if (self.numel() == 0) return;
    assert_no_internal_overlap(self);
    Tensor pe = expand(detach(p), self.sizes());
    if (!is_floating(pe.dtype()))
      throw NotImplementedError(str_cat("\"bernoulli_tensor_cpu_p_\" not implemented for '",
                                        scalar_type_name(pe.dtype()), "'"));
    kernels::Geometry geo = make_geometry(self, {&pe});
    OperandPtrs ptrs = operand_ptrs(self, {&pe});
    Generator& g = generator_or_default(gen);
    std::lock_guard<std::mutex> lock(g.mutex);
    PAG_DISPATCH_ALL(self.dtype(), "bernoulli_tensor_cpu_self_", [&] {
      using self_t = scalar_t;
      PAG_DISPATCH_FLOATING(pe.dtype(), "bernoulli_tensor_cpu_p_", [&] {
        using p_t = scalar_t;  // sampled in float, or double for a double p
        using u_t = std::conditional_t<std::is_same_v<p_t, double>, double, float>;
        kernels::run_range(geo, ptrs.p, 0, geo.numel(), [&](char** q, const int64_t* s, int64_t n) {
          for (int64_t i = 0; i < n; ++i) {
            const u_t pv = static_cast<u_t>(*reinterpret_cast<const p_t*>(q[1] + i * s[1]));
            // at::bernoulli_distribution checks each probability as it samples.
            PAG_CHECK(pv >= 0 && pv <= 1,
                      "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be "
                      "improved?  If so, please report an enhancement request to PyTorch.)");
            *reinterpret_cast<self_t*>(q[0] + i * s[0]) = static_cast<self_t>(sampling::bernoulli<u_t>(g, pv));
          }
        });
      });
    });
  });
}

// ---------------------------------------------------------------- factories
Tensor rand(const DimVec& sizes, Dtype d, Generator* gen) {
  Tensor t = empty(sizes, d);
  return uniform_(t, 0.0, 1.0, gen);
}

Tensor randn(const DimVec& sizes, Dtype d, Generator* gen) {
  Tensor t = empty(sizes, d);
  return normal_(t, 0.0, 1.0, gen);
}

Tensor randint(int64_t low, int64_t high, const DimVec& sizes, Dtype d, Generator* gen) {
  Tensor t = empty(sizes, d);
  return random_(t, low, std::optional<int64_t>(high), gen);
}

Tensor rand_like(const Tensor& like, Dtype d, Generator* gen, MemoryFormat f) {
  Tensor t = empty_like(like, d, f);
  return uniform_(t, 0.0, 1.0, gen);
}

Tensor randn_like(const Tensor& like, Dtype d, Generator* gen, MemoryFormat f) {
  Tensor t = empty_like(like, d, f);
  return normal_(t, 0.0, 1.0, gen);
}

Tensor randint_like(const Tensor& like, int64_t low, int64_t high, Dtype d, Generator* gen, MemoryFormat f) {
  Tensor t = empty_like(like, d, f);
  return random_(t, low, std::optional<int64_t>(high), gen);
}

Tensor randperm(int64_t n, Dtype d, Generator* gen) {
  Tensor t = empty({n}, d);
  PAG_CHECK(d != Dtype::Float32 || n <= (int64_t(1) << 24) + 1, "n cannot be greater than 2^24+1 for Float type.");
  PAG_CHECK(d != Dtype::Float64 || n <= (int64_t(1) << 53) + 1, "n cannot be greater than 2^53+1 for Double type.");
  Generator& g = generator_or_default(gen);
  std::lock_guard<std::mutex> lock(g.mutex);
  PAG_DISPATCH_NUMERIC(d, "randperm", [&] {
    scalar_t* a = t.data<scalar_t>();
    if (n < int64_t(std::numeric_limits<uint32_t>::max() / 20)) {
      // Fisher-Yates from the front with one word per swap.
      for (int64_t i = 0; i < n; ++i) a[i] = static_cast<scalar_t>(i);
      for (int64_t i = 0; i < n - 1; ++i) {
        int64_t z = g.random() % (n - i);
        std::swap(a[i], a[z + i]);
      }
    } else {
      // Inside-out shuffle with two words per step, where one word would skew.
      for (int64_t i = 0; i < n; ++i) {
        int64_t z = static_cast<int64_t>(g.random64() % static_cast<uint64_t>(i + 1));
        a[i] = a[z];
        a[z] = static_cast<scalar_t>(i);
      }
    }
  });
  return t;
}

Tensor bernoulli(const Tensor& p, Generator* gen) {
  Tensor out = empty(p.sizes(), p.dtype());
  {
    AutoGradMode no_grad(false);
    bernoulli_(out, p, gen);
  }
  record_zero_grad("BernoulliBackward0", out, {p});
  return out;
}

Tensor bernoulli(const Tensor& self, double p, Generator* gen) {
  Tensor out = empty(self.sizes(), self.dtype());
  {
    AutoGradMode no_grad(false);
    bernoulli_(out, p, gen);
  }
  // Torch has no derivative formula for bernoulli.p: the node fails when reached.
  if (GradMode::is_enabled() && self.requires_grad())
    record("torch::autograd::NotImplemented", [](auto&, const tensor_list&) -> tensor_list {
      throw Error("derivative for aten::bernoulli is not implemented");
    }, {self}, {out});
  return out;
}

// ---------------------------------------------------------------- normal(mean, std)
namespace {

void check_std_tensor(const Tensor& std) {
  if (std.numel() == 0) return;
  AutoGradMode no_grad(false);
  PAG_CHECK(min_all(std).item_double() >= 0.0, "normal expects all elements of std >= 0.0");
}

}  // namespace

Tensor normal(const Tensor& mean, double std, Generator* gen) {
  PAG_CHECK(std >= 0.0, "normal expects std >= 0.0, but found std ", std);
  Tensor out = empty(mean.sizes(), mean.dtype());
  {
    AutoGradMode no_grad(false);
    normal_(out, 0.0, std, gen);
    add_(out, mean);
  }
  record_zero_grad("NormalBackward1", out, {mean});
  return out;
}

Tensor normal(double mean, const Tensor& std, Generator* gen) {
  check_std_tensor(std);
  Tensor out = empty(std.sizes(), std.dtype());
  {
    AutoGradMode no_grad(false);
    normal_(out, 0.0, 1.0, gen);
    mul_(out, std);
    add_(out, scalar_tensor(mean, out.dtype()));
  }
  record_zero_grad("NormalBackward2", out, {std});
  return out;
}

Tensor normal(const Tensor& mean, const Tensor& std, Generator* gen) {
  check_std_tensor(std);
  Tensor out = empty(broadcast_shapes(mean.sizes(), std.sizes()), mean.dtype());
  {
    AutoGradMode no_grad(false);
    normal_(out, 0.0, 1.0, gen);
    mul_(out, std);
    add_(out, mean);
  }
  record_zero_grad("NormalBackward3", out, {mean, std});
  return out;
}

Tensor normal(double mean, double std, const DimVec& sizes, Dtype d, Generator* gen) {
  Tensor t = empty(sizes, d);
  return normal_(t, mean, std, gen);
}

}  // namespace pag
