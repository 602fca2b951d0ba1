// pyautograd._C: one module, one init_xxx per core header (bindings never compute).
#include "bindings/arg_parser.h"
#include "bindings/common.h"

namespace pag::py_bind {

void init_dtypes(py::module_& m);
// Leaked on purpose: they must outlive every tensor, even at interpreter exit.
static py::handle g_dtypes[kNumDtypes];
static py::handle g_size_class;
static py::handle g_memory_formats[4];

py::object dtype_object(Dtype d) { return py::reinterpret_borrow<py::object>(g_dtypes[(int)d]); }

MemoryFormat memory_format_arg(py::handle h, const char* op, MemoryFormat dflt) {
  if (h.is_none()) return dflt;
  if (!py::isinstance<PyMemoryFormat>(h))
    throw TypeError(str_cat(op, "(): argument 'memory_format' must be torch.memory_format, not ", type_name(h)));
  return h.cast<PyMemoryFormat&>().f;
}

py::object make_size(const DimVec& s) {
  py::tuple t(s.size());
  for (size_t i = 0; i < s.size(); ++i) t[i] = py::int_(s[i]);
  if (!g_size_class) return t;
  return py::reinterpret_borrow<py::object>(g_size_class)(t);
}

void init_dtypes(py::module_& m) {
  py::class_<PyDtype>(m, "dtype")
      .def_property_readonly("is_floating_point", [](const PyDtype& d) { return is_floating(d.d); })
      .def_property_readonly("is_complex", [](const PyDtype&) { return false; })
      .def_property_readonly("is_signed", [](const PyDtype& d) { return is_signed(d.d); })
      .def_property_readonly("itemsize", [](const PyDtype& d) { return itemsize(d.d); })
      // The table's names for the Python side's messages: "Float", "torch.FloatTensor".
      .def_property_readonly("_scalar_type", [](const PyDtype& d) { return scalar_type_name(d.d); })
      .def_property_readonly("_legacy_type", [](const PyDtype& d) { return legacy_type_name(d.d); })
      .def("__repr__", [](const PyDtype& d) { return std::string("torch.") + dtype_name(d.d); })
      .def("__reduce__", [](const PyDtype& d) { return std::string(dtype_name(d.d)); })
      .def("to_real", [](const PyDtype& d) { return d.d; })
      .def("__hash__", [](const PyDtype& d) { return (int)d.d + 1000; })
      .def("__eq__", [](const PyDtype& a, py::handle b) {
        if (!py::isinstance<PyDtype>(b)) return false;
        return a.d == b.cast<PyDtype&>().d;
      });
  for (int i = 0; i < kNumDtypes; ++i) {
    g_dtypes[i] = py::cast(PyDtype{(Dtype)i}, py::return_value_policy::move).release();
    m.attr(dtype_name((Dtype)i)) = g_dtypes[i];
  }
  m.def("get_default_dtype", [] { return default_dtype(); });

  // torch.memory_format and its four singletons (Note [Layout propagation]).
  py::class_<PyMemoryFormat>(m, "memory_format")
      .def("__repr__", [](const PyMemoryFormat& f) { return std::string(memory_format_name(f.f)); })
      .def("__reduce__", [](const PyMemoryFormat& f) { return std::string(memory_format_name(f.f) + 6); })
      .def("__hash__", [](const PyMemoryFormat& f) { return (int)f.f + 2000; })
      .def("__eq__", [](const PyMemoryFormat& a, py::handle b) {
        return py::isinstance<PyMemoryFormat>(b) && a.f == b.cast<PyMemoryFormat&>().f;
      });
  for (MemoryFormat f : {MemoryFormat::Preserve, MemoryFormat::Contiguous, MemoryFormat::ChannelsLast,
                         MemoryFormat::ChannelsLast3d}) {
    g_memory_formats[(int)f] = py::cast(PyMemoryFormat{f}, py::return_value_policy::move).release();
    m.attr(memory_format_name(f) + 6) = g_memory_formats[(int)f];  // without "torch."
  }
  m.def("_set_default_dtype", [](Dtype d) { set_default_dtype(d); });
  m.def("_register_size_class", [](py::object cls) { g_size_class = cls.release(); });
}

}  // namespace pag::py_bind

PYBIND11_MODULE(_C, m) {
  using namespace pag::py_bind;
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const pag::IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const pag::ValueError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const pag::TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const pag::NotImplementedError& e) {
      PyErr_SetString(PyExc_NotImplementedError, e.what());
    } catch (const pag::Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    } catch (const std::bad_alloc& e) {
      PyErr_SetString(PyExc_RuntimeError, "DefaultCPUAllocator: not enough memory");
    }
  });
  pag::warn_handler() = [](const std::string& msg) {  // Note [Warnings]
    py::gil_scoped_acquire gil;
    if (PyErr_WarnEx(PyExc_UserWarning, msg.c_str(), 1) < 0) throw py::error_already_set();
  };
  init_dtypes(m);
  TensorClass cls(m, "Tensor", py::dynamic_attr(), py::custom_type_setup(&tensor_type_setup));
  g_tensor_type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  init_tensor(m, cls);
  init_elementwise(m, cls);
  init_reduce(m, cls);
  init_shape(m, cls);
  init_linalg(m, cls);
  init_factory(m, cls);
  init_autograd(m, cls);
  init_index(m, cls);
  init_random(m, cls);
  init_optim(m);
  init_nn(m, cls);
  init_runtime(m);
  init_op_table(m);  // last: it lists what the rows bound
  // Hold the class alive for the casters.
  m.attr("_TensorBase") = cls;
}
