// Note [Op table]: each public op is one row: torch's schema string (as
// native_functions.yaml writes it), its variants (function, method) and the C++ call.
// One parser, written once here, reads the schemas and applies torch's argument rules
// to every call (torch/csrc/utils/python_arg_parser.cpp): a bool is not an int; an int
// list is a tuple, list or Size of ints (or one int where the schema gives a size, as
// int[1]); optional arguments take None; arguments after `*` are keyword-only; a
// single int list parameter also takes its ints as separate arguments (expand(2, 3)).
// When no overload fits, the TypeError is torch's, word for word (one signature: its
// first problem; several: every signature with the arguments that did not fit,
// invalid_arguments.cpp). Rows with the same name before the '.' are one Python
// callable with those overloads, tried in order.
//
//   const OpRow kRows[] = {
//       {"unsqueeze(Tensor(a) self, int dim) -> Tensor(a)", kFunction | kMethod,
//        [](const Args& a) { return unsqueeze(a.tensor(0), a.int64(1)); }},
//   };
//   def_rows(m, cls, kRows);
//
// In the C++ call, argument i is the schema's i-th in both variants. self is usually 0; a
// method's Python form skips it wherever it stands (a method whose self is not the
// schema's first argument, as where's, may instead get a row of its own with self first) (torch's deprecated
// `addmm(Scalar beta, Tensor self, ...)` has it at 1). An int default of `Mean` (the
// losses' reduction) is what torch's Python bindings make of it: their signature prints
// at::Reduction::Mean, which their parser reads (atol) as 0, no reduction.
//
// Rows of a private module (_nn, torch._C._nn's counterpart) are bound with
// def_private_rows: functions only, whose names stay out of table_functions().
//
// A Tensor[] argument is a tuple or list of Tensors; another element is torch's
// TypeError at once ("expected Tensor as element 1 in argument 0, but got int").
//
// Note [out= arguments]: a row marked kOut gives its function form torch's `out=`. The
// call runs as without it, then its result is written into `out` (resized as torch's
// resize_output does, with its warning when a non-empty tensor changes shape) and `out`
// itself is returned. As in torch: out's dtype must be the result's ("Expected out
// tensor to have dtype ..."), except where a row reads it as its dtype argument
// (Args::dtype_or_out: sum, mean, prod, cumsum); and no argument may require grad.
//
// Note [Numbers as tensors]: for the ops torch names in should_allow_numbers_as_tensors
// (python_arg_parser.cpp: add, sub, mul, div, their aliases and in-place forms, copy_), a Tensor argument also
// takes a Python number; Args::tensor gives it as a wrapped 0-dim tensor (to_operand).
// Messages still say "Tensor".
//
// Note [Tensor lists]: `Tensor[]` and `Tensor?[]` (index_put's indices) take a tuple or
// list of Tensors (Args::tensor_list); as torch's parser, a list holding anything else,
// None too, fails at once with "expected Tensor as element i in argument j".
//
// Note [Factory options]: a schema with torch's TensorOptions arguments (ScalarType?
// dtype, Layout? layout, Device? device, bool? pin_memory) is a factory's. As in torch's
// Python signatures, those four move to the end (after out=), dtype printed with default
// None and pin_memory with False, and `bool requires_grad=False` (which also takes None)
// follows them. The C++ call's slots follow that order; Args::options is dtype's slot.
// Args::options_dtype gives dtype= (else out='s dtype, else the op's default),
// Args::check_device applies pyautograd._device._check_device to device= (and refuses
// pin_memory=True, as torch without an accelerator), and
// Args::finish applies requires_grad=. A dtype also takes Python's float, int and bool;
// a device a str, an int or a pyautograd.device; a layout only pyautograd.strided.
//
// Keyword arguments also take numpy's names, as torch's parser does: axis for dim,
// keepdims for keepdim, x / a / x1 for input, x2 for other.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "bindings/common.h"

namespace pag {
class Generator;
}

namespace pag::py_bind {

enum class ArgKind : uint8_t { Tensor, TensorList, Int, IntList, Bool, Float, Scalar, Dtype, Str, MemoryFormat,
                              Device, Layout, Generator };

struct Param {
  ArgKind kind;
  std::string name;
  std::vector<std::string> numpy_names;  // keyword aliases: axis for dim, keepdims for keepdim, ...
  std::string type_name;     // as torch prints it: "int", "tuple of ints", "Tensor", ...
  std::string default_text;  // as printed ("0", "-1", "False", "None"); empty: required
  bool allow_none = false;   // `Type?` in the schema
  bool keyword_only = false;
  bool numbers = false;      // a Tensor that also takes a Python number (Note [Numbers as tensors])
  int list_size = 0;  // int[N]: N (a single int is taken for the list)
  // the parsed default
  int64_t default_int = 0;
  bool default_bool = false;
  double default_float = 0;
  bool optional() const { return !default_text.empty(); }
};

// The parsed arguments of one call: slot i holds the schema's i-th argument (a borrowed
// reference; null where it was not given, and None where None was given).
class Args {
 public:
  static constexpr int kMax = 12;
  const Param* params = nullptr;
  int n = 0;
  PyObject* v[kMax] = {};

  bool given(int i) const { return v[i] && v[i] != Py_None; }
  Tensor tensor(int i) const;  // a Tensor, or a number as a wrapped 0-dim tensor
  std::vector<Tensor> tensor_list(int i) const;  // Tensor[] (Note [Tensor lists])
  std::string str(int i) const;  // "" when not given or None
  int64_t int64(int i) const;
  std::optional<int64_t> opt_int64(int i) const;
  DimVec int_list(int i) const;
  bool boolean(int i) const;
  double float64(int i) const;
  std::optional<Dtype> dtype(int i) const;
  MemoryFormat memory_format(int i, MemoryFormat dflt) const;
  // The dtype argument i, else the dtype of the out= tensor (torch's reductions with a
  // dtype compute in out's dtype), else nullopt.
  std::optional<Dtype> dtype_or_out(int i) const;
  py::handle obj(int i) const { return v[i] ? py::handle(v[i]) : py::none(); }
  Generator* generator(int i) const;  // null when not given or None
  // Note [Factory options]
  Dtype options_dtype(Dtype dflt) const;
  void check_device() const;
  void check_device(int i) const;  // the Device argument i (to()'s device=)
  Tensor finish(Tensor t) const;
  int options = -1;  // the slot of a factory's dtype, -1 if none
  const char* op = "";  // for messages
  int out = -1;         // the slot of out= (function forms of rows with kOut), -1 if none
  py::object packed;  // int-list varargs (expand(2, 3)) packed into one tuple
};

struct Signature {
  std::string name;          // the Python name ("unsqueeze")
  std::vector<Param> params;  // self first (the method form skips it)
  bool method = false;
  size_t min_args = 0, max_pos_args = 0;  // of the Python form
  int out_slot = -1;                      // the index of out= in params, -1 if none
  int self_slot = 0;                      // the index of the Tensor self in params
  bool hidden = false;                    // kHidden: tried, never listed in messages
  int options_slot = -1;                  // Note [Factory options]: dtype's index, -1 if none
  // torch's printed signature of the Python form: "(int dim)" or "(Tensor input, int dim)".
  std::string text() const;
};

// Parses "name.overload(Type arg, ..., *, Type arg=default) -> Ret"; with_out appends
// the keyword-only out= of torch's function form (a tuple of Tensors for a tuple return).
Signature parse_schema(std::string_view schema, bool method, bool with_out = false);

// An op's overloads in one Python form (method or function).
struct Overloads {
  std::string name;
  std::vector<Signature> sigs;
  // The index of the first overload that fits (args after self for a method), with
  // `out` filled; raises torch's TypeError when none does.
  int parse(PyObject* self, PyObject* const* args, size_t nargs, PyObject* kwargs, Args& out) const;
  void warn_deprecated(const Signature& sig) const;
};

using OpFn = Tensor (*)(const Args&);
using PyOpFn = py::object (*)(const Args&);  // for ops returning several tensors (a return_types tuple)
// kOut: the function form also takes torch's keyword-only `out=` (Note [out= arguments]).
// kHidden: a deprecated overload (torch's deprecated.yaml): tried in its place, left out
// of every message, and warned about when a call takes it: once per process, for all ops
// together (torch's one TORCH_WARN_ONCE in PythonArgParser::raw_parse).
// kNoGrad: the op is not differentiable (nonzero), so out= takes arguments that require grad.
// kOutCast: out= may have any dtype the result casts to safely (TensorIterator ops that
// cast their common dtype to the output: "result type Float can't be cast to the desired
// output type Long"); kOutSameDtype: out's dtype must be the result's, with the message of
// TensorIterator's all-same-dtype check ("Found dtype Double but expected Float"). A row
// with kOut alone has the message of torch's check_out_type_matches.
enum : uint8_t { kFunction = 1, kMethod = 2, kOut = 4, kHidden = 8, kNoGrad = 16, kOutCast = 4 | 32, kOutSameDtype = 4 | 64 };

struct OpRow {
  const char* schema;
  uint8_t variants;
  OpFn fn = nullptr;
  PyOpFn py_fn = nullptr;
  OpRow(const char* s, uint8_t v, OpFn f) : schema(s), variants(v), fn(f) {}
  OpRow(const char* s, uint8_t v, PyOpFn f) : schema(s), variants(v), py_fn(f) {}
};

// Runs op(args...) without the GIL when the first argument is a large tensor (the
// arguments are read from Python first, with it).
template <typename F, typename... A>
Tensor nogil(F op, const Tensor& first, A&&... rest) {
  return release_gil_if(gil_worth_releasing(first), [&] { return op(first, rest...); });
}

// Binds every row: one Python callable per name and variant.
void def_rows(py::module_& m, TensorClass& cls, const OpRow* rows, size_t n);
template <size_t N>
void def_rows(py::module_& m, TensorClass& cls, const OpRow (&rows)[N]) {
  def_rows(m, cls, rows, N);
}

// Binds function-only rows into a private submodule (Note [Op table]).
void def_private_rows(py::module_& m, const OpRow* rows, size_t n);
template <size_t N>
void def_private_rows(py::module_& m, const OpRow (&rows)[N]) {
  def_private_rows(m, rows, N);
}

// The names the op table exports as functions (pyautograd's public namespace takes these).
const std::vector<std::string>& table_functions();

// Note [Op ids]: each bound op (one name in one form, function or method, with all its
// overloads) has an id, its index in the order the rows were bound. Every call enters
// through one function, call_row, which knows that id: the single place where a step
// recorder or a per-op profiler sits. `_C._op_table()` lists (id, module, name, form, schemas);
// `_C.__all__` is the table's function names, which pyautograd's namespace imports.
// Runs after every def_rows.
void init_op_table(py::module_& m);

}  // namespace pag::py_bind
