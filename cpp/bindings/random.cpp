// Bindings for the random generators and sampling ops (random/generator.h,
// random/distributions.h). The torch-shaped Python signatures live in pyautograd/random.py.
#include <cstring>

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

  // In-place fills (Tensor methods).
  cls.def("uniform_", [](Tensor& self, double from, double to, Generator* g) { return uniform_(self, from, to, g); },
          py::arg("from") = 0.0, py::arg("to") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  cls.def("normal_", [](Tensor& self, double mean, double std, Generator* g) { return normal_(self, mean, std, g); },
          py::arg("mean") = 0.0, py::arg("std") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  cls.def("exponential_", [](Tensor& self, double lambd, Generator* g) { return exponential_(self, lambd, g); },
          py::arg("lambd") = 1.0, py::kw_only(), py::arg("generator") = py::none());
  cls.def("_random_", [](Tensor& self, Generator* g) { return random_(self, g); });
  cls.def("_random_from_to_", [](Tensor& self, int64_t from, std::optional<int64_t> to, Generator* g) {
    return random_(self, from, to, g);
  });
  cls.def("_random_to_", [](Tensor& self, int64_t to, Generator* g) { return random_(self, to, g); });
  cls.def("_bernoulli_scalar_", [](Tensor& self, double p, Generator* g) { return bernoulli_(self, p, g); });
  cls.def("_bernoulli_tensor_", [](Tensor& self, const Tensor& p, Generator* g) { return bernoulli_(self, p, g); });

  // Factories (argument parsing in pyautograd/random.py).
  m.def("_rand", [](const DimVec& s, Dtype d, Generator* g) { return rand(s, d, g); });
  m.def("_randn", [](const DimVec& s, Dtype d, Generator* g) { return randn(s, d, g); });
  m.def("_randint", [](int64_t lo, int64_t hi, const DimVec& s, Dtype d, Generator* g) { return randint(lo, hi, s, d, g); });
  m.def("_randperm", [](int64_t n, Dtype d, Generator* g) { return randperm(n, d, g); });
  m.def("_rand_like", [](const Tensor& t, Dtype d, Generator* g, py::handle f) {
    return rand_like(t, d, g, memory_format_arg(f, "rand_like"));
  });
  m.def("_randn_like", [](const Tensor& t, Dtype d, Generator* g, py::handle f) {
    return randn_like(t, d, g, memory_format_arg(f, "randn_like"));
  });
  m.def("_randint_like", [](const Tensor& t, int64_t lo, int64_t hi, Dtype d, Generator* g, py::handle f) {
    return randint_like(t, lo, hi, d, g, memory_format_arg(f, "randint_like"));
  });
  m.def("_bernoulli", [](const Tensor& p, Generator* g) { return bernoulli(p, g); });
  m.def("_bernoulli_p", [](const Tensor& t, double p, Generator* g) { return bernoulli(t, p, g); });
  m.def("_normal_tt", [](const Tensor& mean, const Tensor& std, Generator* g) { return normal(mean, std, g); });
  m.def("_normal_tf", [](const Tensor& mean, double std, Generator* g) { return normal(mean, std, g); });
  m.def("_normal_ft", [](double mean, const Tensor& std, Generator* g) { return normal(mean, std, g); });
  m.def("_normal_ff", [](double mean, double std, const DimVec& s, Dtype d, Generator* g) {
    return normal(mean, std, s, d, g);
  });
}

}  // namespace pag::py_bind
