// Bindings for the random generators and sampling ops (random/generator.h,
// random/distributions.h). The torch-shaped Python signatures live in pyautograd/random.py.
#include <cstring>

#include "bindings/arg_parser.h"
#include "bindings/common.h"
#include "random/distributions.h"

namespace pag::py_bind {

namespace {

// Note [RNG state tensor]: torch returns the generator state as a 5056-element
// uint8 tensor. pyautograd has no uint8 dtype, so the state is an int64 tensor
// holding the same 5056 bytes, one per element (values 0..255). It round-trips
// through set_rng_state / Generator.set_state, clone(), numpy and pickling; any
// other tensor is refused with torch's messages.
Tensor state_to_tensor(const Generator::State& st) {
  Tensor t = empty({(int64_t)st.size()}, Dtype::Int64);
  int64_t* p = t.data<int64_t>();
  for (size_t i = 0; i < st.size(); ++i) p[i] = st[i];
  return t;
}

void set_state_from(Generator& g, py::handle h) {
  if (!is_tensor(h))
    throw TypeError(str_cat("expected a torch.ByteTensor, but got ", Py_TYPE(h.ptr())->tp_name));
  Tensor t = contiguous(h.cast<Tensor>());
  if (t.dtype() != Dtype::Int64) throw TypeError("RNG state must be a torch.ByteTensor");
  std::vector<uint8_t> bytes(t.numel());
  const int64_t* p = t.data<int64_t>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (p[i] < 0 || p[i] > 255) throw TypeError("RNG state must be a torch.ByteTensor");
    bytes[i] = static_cast<uint8_t>(p[i]);
  }
  g.set_state(bytes.data(), bytes.size());
}

// torch's seed unpacking: an unsigned 64-bit value, else a signed one (wrapped), else an error.
uint64_t unpack_seed(py::handle seed) {
  PyObject* o = seed.ptr();
  if (!PyLong_Check(o) || PyBool_Check(o))
    throw Error(str_cat("manual_seed expected a long, but got ", Py_TYPE(seed.ptr())->tp_name));
  unsigned long long u = PyLong_AsUnsignedLongLong(o);
  if (u == (unsigned long long)-1 && PyErr_Occurred()) {
    PyErr_Clear();
    int overflow = 0;
    long long s = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow || (s == -1 && PyErr_Occurred())) {
      PyErr_Clear();
      throw ValueError("Overflow when unpacking long long");
    }
    return static_cast<uint64_t>(s);
  }
  return u;
}

py::object cpu_device() { return py::module_::import("pyautograd._device").attr("_CPU"); }

// torch's warning for integer bounds a floating dtype cannot represent exactly.
// torch's WARN_OUT_OF_BOUNDS (DistributionTemplates.h), which names the dtype as its C++ type.
void warn_float_bounds(Dtype d, int64_t from, int64_t to_inc) {
  if (!is_floating(d)) return;
  const int digits = d == Dtype::Float32 ? 24 : d == Dtype::Float64 ? 53 : d == Dtype::Float16 ? 11 : 8;
  const char* name = cpp_type_name(d);
  const int64_t lim = int64_t(1) << digits;
  using Bound = std::pair<int64_t, const char*>;
  for (auto [value, what] : {Bound{from, "from"}, Bound{to_inc, "to - 1"}}) {
    if (value >= -lim && value <= lim) continue;
    std::string msg = str_cat(what, " is out of bounds [-(2^", digits, "), 2^", digits,
                              "]. Due to precision limitations ", name,
                              " can support discrete uniform distribution only within this range. This warning will "
                              "become an error in version 1.7 release, please fix the code in advance");
    if (PyErr_WarnEx(PyExc_UserWarning, msg.c_str(), 1) < 0) throw py::error_already_set();
  }
}

Tensor rand_row(const Args& a, bool normal, Generator* g) {
  DimVec s = a.int_list(0);
  Dtype d = a.options_dtype(default_dtype());
  a.check_device();
  return a.finish(normal ? randn(s, d, g) : rand(s, d, g));
}

Tensor randint_row(const Args& a, int64_t lo, int64_t hi, const DimVec& s, Generator* g) {
  Dtype d = a.options_dtype(Dtype::Int64);
  a.check_device();
  Tensor t = randint(lo, hi, s, d, g);
  warn_float_bounds(t.dtype(), lo, hi - 1);
  return a.finish(t);
}

Tensor randperm_row(const Args& a, Generator* g) {
  int64_t n = a.int64(0);
  Dtype d = a.options_dtype(Dtype::Int64);
  a.check_device();
  return a.finish(randperm(n, d, g));
}

// rand_like / randn_like: slot 1 is generator= in the generator overload, else memory_format
template <bool kNormal, bool kGen>
Tensor rand_like_row(const Args& a) {
  Tensor x = a.tensor(0);
  Dtype d = a.options_dtype(x.dtype());
  a.check_device();
  Generator* g = kGen ? a.generator(1) : nullptr;
  MemoryFormat f = a.memory_format(kGen ? 2 : 1, MemoryFormat::Preserve);
  return a.finish(kNormal ? randn_like(x, d, g, f) : rand_like(x, d, g, f));
}

// randint_like: kLow: (self, low, high, ...), else (self, high, ...); kGen: generator= follows
template <bool kLow, bool kGen>
Tensor randint_like_row(const Args& a) {
  Tensor x = a.tensor(0);
  const int next = kLow ? 3 : 2;
  int64_t lo = kLow ? a.int64(1) : 0, hi;
  if (a.params[next - 1].kind == ArgKind::Tensor) {
    Tensor h = a.tensor(next - 1);
    if (h.dim() != 0) throw Error("high must be a scalar tensor and on CPU");
    hi = h.item_int();
  } else {
    hi = a.int64(next - 1);
  }
  Dtype d = a.options_dtype(x.dtype());
  a.check_device();
  Generator* g = kGen ? a.generator(next) : nullptr;
  MemoryFormat f = a.memory_format(kGen ? next + 1 : next, MemoryFormat::Preserve);
  Tensor t = randint_like(x, lo, hi, d, g, f);
  warn_float_bounds(t.dtype(), lo, hi - 1);
  return a.finish(t);
}

#define PAG_OPTIONS "ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None"
#define PAG_LONG_OPTIONS "ScalarType? dtype=long, Layout? layout=None, Device? device=None, bool? pin_memory=None"
#define PAG_LIKE_OPTIONS PAG_OPTIONS ", MemoryFormat? memory_format=None"

const OpRow kRandomRows[] = {
    {"rand.generator(SymInt[] size, *, Generator? generator, " PAG_OPTIONS ") -> Tensor", kFunction | kOut,
     [](const Args& a) { return rand_row(a, false, a.generator(1)); }},
    {"rand(SymInt[] size, *, " PAG_OPTIONS ") -> Tensor", kFunction | kOut,
     [](const Args& a) { return rand_row(a, false, nullptr); }},
    {"randn.generator(SymInt[] size, *, Generator? generator, " PAG_OPTIONS ") -> Tensor", kFunction | kOut,
     [](const Args& a) { return rand_row(a, true, a.generator(1)); }},
    {"randn(SymInt[] size, *, " PAG_OPTIONS ") -> Tensor", kFunction | kOut,
     [](const Args& a) { return rand_row(a, true, nullptr); }},
    {"randint.generator(SymInt high, SymInt[] size, *, Generator? generator, " PAG_LONG_OPTIONS ") -> Tensor",
     kFunction | kOut, [](const Args& a) { return randint_row(a, 0, a.int64(0), a.int_list(1), a.generator(2)); }},
    {"randint(SymInt high, SymInt[] size, *, " PAG_LONG_OPTIONS ") -> Tensor", kFunction | kOut,
     [](const Args& a) { return randint_row(a, 0, a.int64(0), a.int_list(1), nullptr); }},
    {"randint.low_generator(SymInt low, SymInt high, SymInt[] size, *, Generator? generator, " PAG_LONG_OPTIONS
     ") -> Tensor",
     kFunction | kOut,
     [](const Args& a) { return randint_row(a, a.int64(0), a.int64(1), a.int_list(2), a.generator(3)); }},
    {"randint.low(SymInt low, SymInt high, SymInt[] size, *, " PAG_LONG_OPTIONS ") -> Tensor", kFunction | kOut,
     [](const Args& a) { return randint_row(a, a.int64(0), a.int64(1), a.int_list(2), nullptr); }},
    {"randperm.generator(SymInt n, *, Generator? generator, " PAG_LONG_OPTIONS ") -> Tensor", kFunction | kOut,
     [](const Args& a) { return randperm_row(a, a.generator(1)); }},
    {"randperm(SymInt n, *, " PAG_LONG_OPTIONS ") -> Tensor", kFunction | kOut,
     [](const Args& a) { return randperm_row(a, nullptr); }},
    {"normal.Tensor_Tensor(Tensor mean, Tensor std, *, Generator? generator=None) -> Tensor", kFunction | kOut,
     [](const Args& a) { return normal(a.tensor(0), a.tensor(1), a.generator(2)); }},
    {"normal.Tensor_float(Tensor mean, float std=1, *, Generator? generator=None) -> Tensor", kFunction | kOut,
     [](const Args& a) { return normal(a.tensor(0), a.float64(1), a.generator(2)); }},
    {"normal.float_Tensor(float mean, Tensor std, *, Generator? generator=None) -> Tensor", kFunction | kOut,
     [](const Args& a) { return normal(a.float64(0), a.tensor(1), a.generator(2)); }},
    {"normal.float_float(float mean, float std, SymInt[] size, *, Generator? generator=None, " PAG_OPTIONS
     ") -> Tensor",
     kFunction | kOut,
     [](const Args& a) {
       double mean = a.float64(0), std = a.float64(1);
       DimVec s = a.int_list(2);
       Dtype d = a.options_dtype(default_dtype());
       a.check_device();
       return a.finish(normal(mean, std, s, d, a.generator(3)));
     }},
    {"bernoulli(Tensor self, *, Generator? generator=None) -> Tensor", kFunction | kMethod | kOut,
     [](const Args& a) { return bernoulli(a.tensor(0), a.generator(1)); }},
    {"bernoulli.p(Tensor self, float p, *, Generator? generator=None) -> Tensor", kFunction | kMethod,
     [](const Args& a) { return bernoulli(a.tensor(0), a.float64(1), a.generator(2)); }},
    {"rand_like.generator(Tensor self, *, Generator? generator, " PAG_LIKE_OPTIONS ") -> Tensor", kFunction,
     &rand_like_row<false, true>},
    {"rand_like(Tensor self, *, " PAG_LIKE_OPTIONS ") -> Tensor", kFunction, &rand_like_row<false, false>},
    {"randn_like.generator(Tensor self, *, Generator? generator, " PAG_LIKE_OPTIONS ") -> Tensor", kFunction,
     &rand_like_row<true, true>},
    {"randn_like(Tensor self, *, " PAG_LIKE_OPTIONS ") -> Tensor", kFunction, &rand_like_row<true, false>},
    {"randint_like.low_generator_dtype(Tensor self, SymInt low, SymInt high, *, Generator? generator, "
     PAG_LIKE_OPTIONS ") -> Tensor",
     kFunction, &randint_like_row<true, true>},
    {"randint_like.low_dtype(Tensor self, SymInt low, SymInt high, *, " PAG_LIKE_OPTIONS ") -> Tensor", kFunction,
     &randint_like_row<true, false>},
    {"randint_like.Tensor_generator(Tensor self, Tensor high, *, Generator? generator, " PAG_LIKE_OPTIONS
     ") -> Tensor",
     kFunction, &randint_like_row<false, true>},
    {"randint_like.Tensor(Tensor self, Tensor high, *, " PAG_LIKE_OPTIONS ") -> Tensor", kFunction,
     &randint_like_row<false, false>},
    {"randint_like.generator(Tensor self, SymInt high, *, Generator? generator, " PAG_LIKE_OPTIONS ") -> Tensor",
     kFunction, &randint_like_row<false, true>},
    {"randint_like(Tensor self, SymInt high, *, " PAG_LIKE_OPTIONS ") -> Tensor", kFunction,
     &randint_like_row<false, false>},
    // the in-place fills (Tensor methods)
    {"uniform_(Tensor(a!) self, float from=0, float to=1, *, Generator? generator=None) -> Tensor(a!)", kMethod,
     [](const Args& a) { Tensor self = a.tensor(0); return uniform_(self, a.float64(1), a.float64(2), a.generator(3)); }},
    {"normal_(Tensor(a!) self, float mean=0, float std=1, *, Generator? generator=None) -> Tensor(a!)", kMethod,
     [](const Args& a) { Tensor self = a.tensor(0); return normal_(self, a.float64(1), a.float64(2), a.generator(3)); }},
    {"exponential_(Tensor(a!) self, float lambd=1, *, Generator? generator=None) -> Tensor(a!)", kMethod,
     [](const Args& a) { Tensor self = a.tensor(0); return exponential_(self, a.float64(1), a.generator(2)); }},
    {"random_(Tensor(a!) self, *, Generator? generator=None) -> Tensor(a!)", kMethod,
     [](const Args& a) { Tensor self = a.tensor(0); return random_(self, a.generator(1)); }},
    {"random_.from(Tensor(a!) self, int from, int? to, *, Generator? generator=None) -> Tensor(a!)", kMethod,
     [](const Args& a) {
       Tensor self = a.tensor(0);
       const int64_t from = a.int64(1);
       const std::optional<int64_t> to = a.opt_int64(2);
       random_(self, from, to, a.generator(3));
       if (to) warn_float_bounds(self.dtype(), from, *to - 1);
       return self;
     }},
    {"random_.to(Tensor(a!) self, int to, *, Generator? generator=None) -> Tensor(a!)", kMethod,
     [](const Args& a) {
       Tensor self = a.tensor(0);
       const int64_t to = a.int64(1);
       random_(self, to, a.generator(2));
       warn_float_bounds(self.dtype(), 0, to - 1);
       return self;
     }},
    {"bernoulli_.Tensor(Tensor(a!) self, Tensor p, *, Generator? generator=None) -> Tensor(a!)", kMethod,
     [](const Args& a) { Tensor self = a.tensor(0); return bernoulli_(self, a.tensor(1), a.generator(2)); }},
    {"bernoulli_.float(Tensor(a!) self, float p=0.5, *, Generator? generator=None) -> Tensor(a!)", kMethod,
     [](const Args& a) { Tensor self = a.tensor(0); return bernoulli_(self, a.float64(1), a.generator(2)); }},
};

}  // namespace

void init_random(py::module_& m, TensorClass& cls) {
  using GenClass = py::class_<Generator, std::shared_ptr<Generator>>;
  GenClass gen(m, "Generator");
  gen.def(py::init([](py::object device) {
        py::module_::import("pyautograd._device").attr("_check_device")(device);
        return std::make_shared<Generator>();
      }), py::arg("device") = "cpu")
      .def("manual_seed", [](py::object self, py::handle seed) {
        self.cast<Generator&>().manual_seed(unpack_seed(seed));
        return self;
      }, py::arg("seed"))
      .def("seed", &Generator::seed)
      .def("initial_seed", &Generator::initial_seed)
      .def("get_state", [](Generator& g) { return state_to_tensor(g.get_state()); })
      .def("set_state", [](py::object self, py::handle state) {
        set_state_from(self.cast<Generator&>(), state);
        return self;
      }, py::arg("new_state"))
      .def_property_readonly("device", [](Generator&) { return cpu_device(); })
      .def("__reduce__", [](py::object self) {
        // Pickles as (seed, state); unpickling rebuilds an independent generator.
        Generator& g = self.cast<Generator&>();
        return py::make_tuple(py::module_::import("pyautograd._C").attr("_generator_from_state"),
                              py::make_tuple(g.initial_seed(), state_to_tensor(g.get_state())));
      });
  m.def("_generator_from_state", [](uint64_t seed, py::handle state) {
    auto g = std::make_shared<Generator>(seed);
    set_state_from(*g, state);
    return g;
  });
  m.attr("default_generator") = py::cast(default_generator());
  m.def("_rng_simd", &sampling::set_simd_enabled, py::arg("enabled"));
  m.def("_unpack_seed", [](py::handle s) { return unpack_seed(s); });

  def_rows(m, cls, kRandomRows);
}

}  // namespace pag::py_bind
