// Shared binding helpers: the Tensor and dtype casters, Python-scalar operands,
// and argument parsing for torch's flexible signatures (dims, sizes).
#pragma once
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "core/tensor.h"
#include "ops/ops.h"

namespace py = pybind11;

namespace pag::py_bind {

using TensorClass = py::class_<TensorImpl, std::shared_ptr<TensorImpl>>;

struct PyDtype {
  Dtype d;
};
struct PyMemoryFormat {
  MemoryFormat f;
};

// Note [Tensor objects]: a Python Tensor is a pybind11 instance whose holder is the
// shared_ptr<TensorImpl>, but tensors skip pybind11's instance registry (a hash map
// insert per new object, a lookup per conversion, an erase per deallocation: a third
// of the cost of `a + b` on small tensors). The impl points back at its live Python
// object instead (TensorImpl::pyobj, set by wrap_tensor and Tensor.__init__,
// cleared by Tensor's tp_dealloc), which keeps `x.grad is x.grad` and every other
// identity torch has; reading an argument is a type check and a holder copy.
extern PyTypeObject* g_tensor_type;  // pyautograd._C.Tensor
// The holder inside a Tensor object (or a subclass's), or null for anything else.
inline const std::shared_ptr<TensorImpl>* tensor_holder(PyObject* o) {
  PyTypeObject* t = Py_TYPE(o);
  if (t != g_tensor_type && !PyType_IsSubtype(t, g_tensor_type)) return nullptr;
  auto* inst = reinterpret_cast<py::detail::instance*>(o);
  if (inst->simple_layout) {
    if (!inst->simple_holder_constructed) return nullptr;  // __init__ not run: pybind11 raises
    return reinterpret_cast<const std::shared_ptr<TensorImpl>*>(&inst->simple_value_holder[1]);
  }
  auto vh = inst->get_value_and_holder(nullptr, false);  // Python-side multiple inheritance
  return vh && vh.holder_constructed() ? &vh.holder<std::shared_ptr<TensorImpl>>() : nullptr;
}
// Reads a Tensor argument (a copy of the holder); false for anything else.
inline bool load_tensor(PyObject* o, Tensor& out) {
  const auto* holder = tensor_holder(o);
  if (holder) out = Tensor(*holder);
  return holder != nullptr;
}
// The Python object for `impl` (a new reference): its live one, else a new Tensor. None for null.
PyObject* wrap_tensor(std::shared_ptr<TensorImpl> impl);
void tensor_object_setup(PyTypeObject* type);  // Tensor's tp_dealloc (from tensor_type_setup)
py::object dtype_object(Dtype d);           // the singleton pyautograd.<dtype>
bool is_tensor(py::handle h);
Tensor as_tensor_arg(py::handle h);         // Tensor (throws TypeError otherwise)
// A Python number or Tensor as an op operand: numbers become wrapped 0-dim tensors.
bool to_operand(py::handle h, Tensor& out);
Tensor operand(py::handle h, const char* opname);  // to_operand or TypeError
// Int and int-list arguments with torch's TypeErrors (Note [Int-list arguments]); `position`
// is torch's (1-based, self not counted), 0 for an argument that has none in the message.
bool int_like(py::handle x, int64_t& out);
int64_t int_arg(py::handle h, const char* op, const char* arg, int position);
DimVec int_list_arg(py::handle h, const char* op, const char* arg, int position);
// dim=None | int | sequence of ints
OptDims parse_dims(py::handle h, const char* op = "squeeze", const char* arg = "dim", int position = 1);
// sizes given as *args (ints) or one sequence / Size
DimVec parse_sizes(const py::args& args, const char* opname, const char* argname = "size");
DimVec seq_to_dims(py::handle h);
std::optional<Dtype> opt_dtype(py::handle h);
// A memory_format argument: a pyautograd.memory_format, or None for `dflt` (torch's TypeError otherwise).
MemoryFormat memory_format_arg(py::handle h, const char* op, MemoryFormat dflt = MemoryFormat::Preserve);
py::object make_size(const DimVec& s);      // pyautograd.Size
inline std::string type_name(py::handle h) { return py::str(py::type::handle_of(h).attr("__name__")); }

// One init per core family (bindings/<family>.cpp mirrors ops/<family>.cpp).
void init_tensor(py::module_& m, TensorClass& cls);
void init_elementwise(py::module_& m, TensorClass& cls);
void init_reduce(py::module_& m, TensorClass& cls);
void init_shape(py::module_& m, TensorClass& cls);
void init_linalg(py::module_& m, TensorClass& cls);
void init_index(py::module_& m, TensorClass& cls);
void init_factory(py::module_& m, TensorClass& cls);
void init_autograd(py::module_& m, TensorClass& cls);
void init_random(py::module_& m, TensorClass& cls);
void init_optim(py::module_& m);
void init_nn(py::module_& m, TensorClass& cls);
void install_number_slots(TensorClass& cls);  // bindings/number_slots.cpp
void init_runtime(py::module_& m);
// Tensor's tp_traverse / tp_clear (bindings/autograd.cpp, Note [Tensor GC]).
void tensor_type_setup(PyHeapTypeObject* heap_type);

// Note [GIL release]: a binding releases the GIL around its C++ call when the work
// is large enough for another Python thread to use the time (a release and the
// re-acquire cost about a microsecond and may switch threads, so small ops keep it).
// Only the C++ call runs without it: arguments are converted before and the result
// after, and the C++ paths that call Python (tensor hooks, Python Function nodes,
// releasing a numpy-owned buffer) take the GIL back themselves.
constexpr int64_t kGilReleaseNumel = 32768;
inline bool gil_worth_releasing(const Tensor& t) { return t.defined() && t.numel() >= kGilReleaseNumel; }
template <typename F>
auto release_gil_if(bool large, F&& f) -> decltype(f()) {
  if (!large) return f();
  py::gil_scoped_release nogil;
  return f();
}

// A TypeError about the argument at `position` as a method counts it; a function form,
// whose `input` comes first, reports it one place later (shifted()), as torch does.
struct ArgTypeError : TypeError {
  ArgTypeError(std::string head, int position, std::string tail)
      : TypeError(str_cat(head, " (position ", position, ")", tail)), head(std::move(head)), position(position),
        tail(std::move(tail)) {}
  ArgTypeError shifted() const { return ArgTypeError(head, position + 1, tail); }
  std::string head;
  int position;
  std::string tail;
};

}  // namespace pag::py_bind

namespace pybind11::detail {

template <>
struct type_caster<pag::Tensor> {
  PYBIND11_TYPE_CASTER(pag::Tensor, const_name("Tensor"));
  bool load(handle src, bool) { return pag::py_bind::load_tensor(src.ptr(), value); }
  static handle cast(const pag::Tensor& t, return_value_policy, handle) {
    return pag::py_bind::wrap_tensor(t.impl_ptr());
  }
  static handle cast(pag::Tensor&& t, return_value_policy, handle) {
    return pag::py_bind::wrap_tensor(std::move(t).release_impl());
  }
};

// DimVec <-> a Python sequence of ints (list, tuple, Size).
template <>
struct type_caster<pag::DimVec> {
  PYBIND11_TYPE_CASTER(pag::DimVec, const_name("Sequence[int]"));
  bool load(handle src, bool) {
    if (!PySequence_Check(src.ptr()) || PyUnicode_Check(src.ptr())) return false;
    value.clear();
    for (handle x : reinterpret_borrow<sequence>(src)) {
      if (!PyLong_Check(x.ptr())) return false;
      value.push_back(x.cast<int64_t>());
    }
    return true;
  }
  static handle cast(const pag::DimVec& v, return_value_policy, handle) {
    tuple t(v.size());
    for (size_t i = 0; i < v.size(); ++i) t[i] = int_(v[i]);
    return t.release();
  }
};

template <>
struct type_caster<pag::Dtype> {
  PYBIND11_TYPE_CASTER(pag::Dtype, const_name("dtype"));
  bool load(handle src, bool convert) {
    make_caster<pag::py_bind::PyDtype> c;
    if (!c.load(src, convert)) return false;
    value = cast_op<pag::py_bind::PyDtype&>(c).d;
    return true;
  }
  static handle cast(pag::Dtype d, return_value_policy, handle) {
    return pag::py_bind::dtype_object(d).release();
  }
};

}  // namespace pybind11::detail
