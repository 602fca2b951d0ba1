// Bindings for ops/shape.cpp: views and shape ops.
#include <utility>

#include "bindings/arg_parser.h"
#include "bindings/common.h"

namespace pag::py_bind {

namespace {

// narrow.Tensor's start: a 0-dim integer tensor (torch's message otherwise).
int64_t narrow_start(const Tensor& start) {
  if (start.dim() != 0 || is_floating(start.dtype()) || start.dtype() == Dtype::Bool)
    throw Error("start must be an 0-dim integral Tensor.");
  return start.item_int();
}

// Note [Op table]: the shape family's rows.
// cat and stack write into an out= of any dtype their inputs cast to, with cat's own message.
Tensor cat_row(const Args& a, Tensor r) {
  if (a.out >= 0 && a.given(a.out) && !can_cast(r.dtype(), a.tensor(a.out).dtype()))
    throw TypeError(str_cat("torch.cat(): input types can't be cast to the desired output type ",
                            scalar_type_name(a.tensor(a.out).dtype())));
  return r;
}

const OpRow kShapeRows[] = {
    {"unsqueeze(Tensor(a) self, int dim) -> Tensor(a)", kFunction | kMethod,
     [](const Args& a) { return unsqueeze(a.tensor(0), a.int64(1)); }},
    {"squeeze(Tensor(a) self) -> Tensor(a)", kFunction | kMethod,
     [](const Args& a) { return squeeze(a.tensor(0), std::nullopt); }},
    {"squeeze.dim(Tensor(a) self, int dim) -> Tensor(a)", kFunction | kMethod,
     [](const Args& a) { return squeeze_dim(a.tensor(0), a.int64(1)); }},
    {"squeeze.dims(Tensor(a) self, int[] dim) -> Tensor(a)", kFunction | kMethod,
     [](const Args& a) { return squeeze(a.tensor(0), a.int_list(1)); }},
    {"transpose.int(Tensor(a) self, int dim0, int dim1) -> Tensor(a)", kFunction | kMethod,
     [](const Args& a) { return transpose(a.tensor(0), a.int64(1), a.int64(2)); }},
    {"swapaxes(Tensor(a) self, int axis0, int axis1) -> Tensor(a)", kFunction | kMethod,
     [](const Args& a) { return transpose(a.tensor(0), a.int64(1), a.int64(2)); }},
    {"swapdims(Tensor(a) self, int dim0, int dim1) -> Tensor(a)", kFunction | kMethod,
     [](const Args& a) { return transpose(a.tensor(0), a.int64(1), a.int64(2)); }},
    {"t(Tensor(a) self) -> Tensor(a)", kFunction | kMethod, [](const Args& a) { return t(a.tensor(0)); }},
    {"flatten.using_ints(Tensor(a) self, int start_dim=0, int end_dim=-1) -> Tensor(a)", kFunction | kMethod,
     [](const Args& a) { return flatten(a.tensor(0), a.int64(1), a.int64(2)); }},
    {"select.int(Tensor(a) self, int dim, SymInt index) -> Tensor(a)", kFunction | kMethod,
     [](const Args& a) { return select(a.tensor(0), a.int64(1), a.int64(2)); }},
    // torch's narrow.Tensor takes a 0-dim integer tensor as start
    {"narrow.Tensor(Tensor(a) self, int dim, Tensor start, SymInt length) -> Tensor(a)", kFunction | kMethod,
     [](const Args& a) { return narrow(a.tensor(0), a.int64(1), narrow_start(a.tensor(2)), a.int64(3)); }},
    {"narrow(Tensor(a) self, int dim, SymInt start, SymInt length) -> Tensor(a)", kFunction | kMethod,
     [](const Args& a) { return narrow(a.tensor(0), a.int64(1), a.int64(2), a.int64(3)); }},

    {"view.dtype(Tensor(a) self, ScalarType dtype) -> Tensor(a)", kMethod,
     [](const Args& a) { return view_dtype(a.tensor(0), *a.dtype(1)); }},
    {"view(Tensor(a) self, SymInt[] size) -> Tensor(a)", kMethod,
     [](const Args& a) { return view(a.tensor(0), a.int_list(1)); }},
    {"view_as(Tensor(a) self, Tensor other) -> Tensor(a)", kMethod,
     [](const Args& a) { return view(a.tensor(0), a.tensor(1).sizes()); }},
    {"reshape(Tensor(a) self, SymInt[] shape) -> Tensor(a)", kFunction | kMethod,
     [](const Args& a) { return reshape(a.tensor(0), a.int_list(1)); }},
    {"reshape_as(Tensor(a) self, Tensor other) -> Tensor(a)", kMethod,
     [](const Args& a) { return reshape(a.tensor(0), a.tensor(1).sizes()); }},
    {"unflatten.int(Tensor(a) self, int dim, SymInt[] sizes) -> Tensor(a)", kFunction | kMethod,
     [](const Args& a) { return unflatten(a.tensor(0), a.int64(1), a.int_list(2)); }},
    {"permute(Tensor(a) self, int[] dims) -> Tensor(a)", kFunction | kMethod,
     [](const Args& a) { return permute(a.tensor(0), a.int_list(1)); }},
    {"expand(Tensor(a) self, SymInt[] size, *, bool implicit=False) -> Tensor(a)", kMethod,
     [](const Args& a) { return expand(a.tensor(0), a.int_list(1)); }},
    {"expand_as(Tensor(a) self, Tensor other) -> Tensor(a)", kMethod,
     [](const Args& a) { return expand(a.tensor(0), a.tensor(1).sizes()); }},
    {"broadcast_to(Tensor(a) self, SymInt[] size) -> Tensor(a)", kFunction | kMethod,
     [](const Args& a) { return expand(a.tensor(0), a.int_list(1)); }},
    {"as_strided(Tensor(a) self, SymInt[] size, SymInt[] stride, SymInt? storage_offset=None) -> Tensor(a)",
     kFunction | kMethod,
     [](const Args& a) { return as_strided(a.tensor(0), a.int_list(1), a.int_list(2), a.opt_int64(3)); }},
    {"contiguous(Tensor(a) self, *, MemoryFormat memory_format=contiguous_format) -> Tensor(a)", kMethod,
     [](const Args& a) { return contiguous(a.tensor(0), a.memory_format(1, MemoryFormat::Contiguous)); }},
    {"type_as(Tensor self, Tensor other) -> Tensor", kMethod,
     [](const Args& a) { return to_dtype(a.tensor(0), a.tensor(1).dtype(), false, MemoryFormat::Preserve); }},
    {"clone(Tensor self, *, MemoryFormat? memory_format=None) -> Tensor", kFunction | kMethod,
     [](const Args& a) { return clone(a.tensor(0), a.memory_format(1, MemoryFormat::Preserve)); }},
    {"chunk(Tensor(a -> *) self, int chunks, int dim=0) -> Tensor(a)[]", kFunction | kMethod,
     [](const Args& a) { return py::object(py::tuple(py::cast(chunk(a.tensor(0), a.int64(1), a.int64(2))))); }},
    {"unbind.int(Tensor(a -> *) self, int dim=0) -> Tensor(a)[]", kFunction | kMethod,
     [](const Args& a) { return py::object(py::tuple(py::cast(unbind(a.tensor(0), a.int64(1))))); }},
    {"split_with_sizes(Tensor(a -> *) self, SymInt[] split_sizes, int dim=0) -> Tensor(a)[]", kFunction | kMethod,
     [](const Args& a) { return py::object(py::tuple(py::cast(split(a.tensor(0), a.int_list(1), a.int64(2))))); }},
    {"cat(Tensor[] tensors, int dim=0) -> Tensor", kFunction | kOutCast,
     [](const Args& a) { return cat_row(a, cat(a.tensor_list(0), a.int64(1))); }},
    {"concat(Tensor[] tensors, int dim=0) -> Tensor", kFunction | kOutCast,
     [](const Args& a) { return cat_row(a, cat(a.tensor_list(0), a.int64(1))); }},
    {"concatenate(Tensor[] tensors, int dim=0) -> Tensor", kFunction | kOutCast,
     [](const Args& a) { return cat_row(a, cat(a.tensor_list(0), a.int64(1))); }},
    {"stack(Tensor[] tensors, int dim=0) -> Tensor", kFunction | kOutCast,
     [](const Args& a) { return cat_row(a, stack(a.tensor_list(0), a.int64(1))); }},
};

// torch's _VF.split, which its Python Tensor.split calls with every argument positional.
const OpRow kSplitRows[] = {
    {"split.Tensor(Tensor(a -> *) self, SymInt split_size, int dim=0) -> Tensor(a)[]", kFunction,
     [](const Args& a) { return py::object(py::tuple(py::cast(split_by_size(a.tensor(0), a.int64(1), a.int64(2))))); }},
    {"split.sizes(Tensor(a -> *) self, SymInt[] split_size, int dim=0) -> Tensor(a)[]", kFunction,
     [](const Args& a) { return py::object(py::tuple(py::cast(split(a.tensor(0), a.int_list(1), a.int64(2))))); }},
};

// _VF functions behind torch's Python ones (torch.broadcast_tensors), not public names.
const OpRow kVFRows[] = {
    {"broadcast_tensors(Tensor[] tensors) -> Tensor[]", kFunction, [](const Args& a) {
       std::vector<Tensor> ts = a.tensor_list(0);
       DimVec shape;
       for (const Tensor& t : ts) shape = broadcast_shapes(shape, t.sizes());
       for (Tensor& t : ts)  // torch's expand_outplace: a tensor of the shape stays itself
         if (t.sizes() != shape) t = expand(t, shape);
       return py::object(py::tuple(py::cast(ts)));
     }},
};

}  // namespace

void init_shape(py::module_& m, TensorClass& cls) {
  def_rows(m, cls, kShapeRows);
  cls.def_property_readonly("T", [](const Tensor& a) {
    // torch warns once per process (TORCH_WARN_ONCE)
    static bool warned_0d = false, warned_nd = false;
    if (a.dim() == 0 && !std::exchange(warned_0d, true))
      warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.");
    else if (a.dim() != 2 && a.dim() != 0 && !std::exchange(warned_nd, true))
      warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it "
                   "will throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
                   "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.");
    DimVec d;
    for (int64_t i = a.dim() - 1; i >= 0; --i) d.push_back(i);
    return permute(a, d);
  });
  cls.def_property_readonly("mT", [](const Tensor& a) {
    if (a.dim() < 2)
      throw Error(str_cat("tensor.mT is only supported on matrices or batches of matrices. Got ", a.dim(), "-D tensor."));
    return transpose(a, -2, -1);
  });
  // torch's Tensor.split (torch/_tensor.py): an int, or a tensor int() reads, goes to
  // _VF.split; anything else to split_with_sizes; so the TypeErrors are those calls'.
  py::module_ vf = m.def_submodule("_VF", "ops that torch's Python functions call");
  def_rows(vf, cls, kSplitRows);
  def_private_rows(vf, kVFRows);
  auto split_fn = [vf_split = vf.attr("split"), with_sizes = m.attr("split_with_sizes")](
                      py::handle self, py::handle split_size, py::handle dim) -> py::object {
    py::object size = py::reinterpret_borrow<py::object>(split_size);
    if (is_tensor(size)) {
      if (PyObject* i = PyNumber_Long(size.ptr())) size = py::reinterpret_steal<py::object>(i);
      else if (PyErr_ExceptionMatches(PyExc_ValueError)) PyErr_Clear();
      else throw py::error_already_set();
    }
    return (PyLong_Check(size.ptr()) ? vf_split : with_sizes)(self, size, dim);
  };
  m.def("split", split_fn, py::arg("tensor"), py::arg("split_size_or_sections"), py::arg("dim") = 0);
  cls.def("split", split_fn, py::arg("split_size"), py::arg("dim") = 0);
}

}  // namespace pag::py_bind
