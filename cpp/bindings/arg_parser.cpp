// The op table's argument parser (Note [Op table]); its messages are torch's
// (python_arg_parser.cpp for one signature, invalid_arguments.cpp for several).
#include "bindings/arg_parser.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "random/generator.h"

namespace pag::py_bind {

namespace {

std::string tp_name(PyObject* o) {
  if (is_tensor(o)) return Py_TYPE(o) == g_tensor_type ? "Tensor" : Py_TYPE(o)->tp_name;
  if (py::isinstance<PyDtype>(o)) return "torch.dtype";
  return Py_TYPE(o)->tp_name;
}

bool is_int(PyObject* o) {
  if (PyLong_Check(o)) return !PyBool_Check(o);  // of any size: unpacking reports an overflow
  int64_t v;
  if (!PyLong_Check(o) && !is_tensor(o) && PySequence_Check(o)) {  // a numpy array (not 0-dim) is no int
    if (PySequence_Size(o) >= 0) return false;
    PyErr_Clear();
  }
  return int_like(o, v);
}

// A Python number a Tensor argument takes (Note [Numbers as tensors]): what to_operand
// reads (bools, ints, floats, numpy scalars).
bool is_number(PyObject* o) {
  return PyLong_Check(o) || PyFloat_Check(o) ||
         (!PyUnicode_Check(o) && PyObject_HasAttrString(o, "dtype") && PyObject_HasAttrString(o, "item") &&
          !PyObject_HasAttrString(o, "shape"));
}

// torch's should_allow_numbers_as_tensors, for the ops the table has
bool allows_numbers(const std::string& name) {
  static const char* const names[] = {"add",  "sub",    "subtract",    "mul",          "multiply", "div",
                                      "div_", "divide", "true_divide", "floor_divide", "add_",     "sub_",
                                      "mul_", "copy_"};
  for (const char* n : names)
    if (name == n) return true;
  return false;
}

// torch's FunctionParameter::check. `failed` is set to the index of a list's first bad
// element (torch looks at the first element only) when the list itself is the problem.
// A tuple or list of Tensors with another element raises at once, as torch's does
// (`argnum`: the argument's index in the Python form).
bool check(const Param& p, PyObject* o, int& failed, size_t argnum) {
  failed = -1;
  switch (p.kind) {
    case ArgKind::Tensor: return is_tensor(o) || (p.numbers && is_number(o));
    case ArgKind::TensorList:  // Note [Tensor lists]
      if (!PyTuple_Check(o) && !PyList_Check(o)) return false;
      for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(o); ++k)
        if (PyObject* x = PySequence_Fast_GET_ITEM(o, k); !is_tensor(x))
          throw TypeError(str_cat("expected Tensor as element ", k, " in argument ", argnum, ", but got ",
                                  Py_TYPE(x)->tp_name));
      return true;
    case ArgKind::Int: return is_int(o);
    case ArgKind::Bool: return PyBool_Check(o) || std::string_view(Py_TYPE(o)->tp_name) == "numpy.bool";
    case ArgKind::Float:
    case ArgKind::Scalar:
      if (is_tensor(o)) return py::reinterpret_borrow<py::object>(o).cast<Tensor>().dim() == 0;
      if (PyComplex_Check(o)) return p.kind == ArgKind::Scalar;
      return PyFloat_Check(o) || PyLong_Check(o) || PyIndex_Check(o) ||
             (PyNumber_Check(o) && !PyUnicode_Check(o) && !PySequence_Check(o));
    case ArgKind::Dtype: {
      static PyTypeObject* dtype_type = reinterpret_cast<PyTypeObject*>(py::type::of<PyDtype>().ptr());
      return Py_TYPE(o) == dtype_type || o == (PyObject*)&PyFloat_Type || o == (PyObject*)&PyLong_Type ||
             o == (PyObject*)&PyBool_Type;  // Python's float, int, bool, as torch takes them
    }
    case ArgKind::Str: return PyUnicode_Check(o);
    case ArgKind::MemoryFormat: return py::isinstance<PyMemoryFormat>(o);
    case ArgKind::Device: {
      static PyObject* device_type = py::object(py::module_::import("pyautograd._device").attr("device")).release().ptr();
      return PyUnicode_Check(o) || (PyLong_Check(o) && !PyBool_Check(o)) || PyObject_IsInstance(o, device_type) == 1;
    }
    case ArgKind::Layout:  // pyautograd.strided is the string "torch.strided"
      return PyUnicode_Check(o) && PyUnicode_CompareWithASCIIString(o, "torch.strided") == 0;
    case ArgKind::Generator: return py::isinstance<Generator>(o);
    case ArgKind::IntList:
      if (PyTuple_Check(o) || PyList_Check(o)) {
        Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
        if (n == 0 || is_int(PySequence_Fast_GET_ITEM(o, 0))) return true;
        failed = 0;
        return false;
      }
      return p.list_size > 0 && is_int(o);
  }
  return false;
}

[[noreturn]] void unpack_error(const std::string& op, const Param& p, size_t i, PyObject* x) {
  throw TypeError(str_cat(op, "(): argument '", p.name, "' failed to unpack the object at pos ", i + 1,
                          " with error \"type must be tuple of ints,but got ", tp_name(x), "\""));
}

// The parameters a Python form sees (a method's self dropped, wherever the schema has it),
// without copying them.
struct ParamView {
  const Param* first;
  size_t n;
  size_t skip;  // the Args slot of a method's self; past the end for a function
  size_t size() const { return n; }
  size_t slot(size_t i) const { return i + (i >= skip); }  // the Args slot of params[i]
  const Param* operator[](size_t i) const { return first + slot(i); }
};

struct Form {  // one signature as a Python form sees it
  const Signature* sig;
  ParamView params;
  size_t min_args, max_pos_args;
  Form(const Signature& s)
      : sig(&s),
        params{s.params.data(), s.params.size() - (s.method ? 1 : 0), s.method ? (size_t)s.self_slot : s.params.size()},
        min_args(s.min_args),
        max_pos_args(s.max_pos_args) {}
  size_t max_args() const { return params.size(); }

  TypeError extra_args(size_t nargs) const {
    const std::string& name = sig->name;
    if (min_args != max_pos_args)
      return TypeError(str_cat(name, "() takes from ", min_args, " to ", max_pos_args,
                               " positional arguments but ", nargs, " were given"));
    return TypeError(str_cat(name, "() takes ", max_pos_args, " positional argument", max_pos_args == 1 ? "" : "s",
                             " but ", nargs, " ", nargs == 1 ? "was" : "were", " given"));
  }

  // torch's FunctionSignature::parse: true when the call fits (filling out), else false
  // with `err` its first problem.
  // (err may be null: the first pass over the overloads builds no messages, as torch's.)
  bool parse(PyObject* const* args, size_t nargs, PyObject* kwargs, Args& out, std::string* err) const {
    const bool varargs = max_pos_args == 1 && params.size() >= 1 && params[0]->kind == ArgKind::IntList;
    if (nargs > max_pos_args && !(varargs && is_int(args[0]))) {
      if (err) *err = extra_args(nargs).what();
      return false;
    }
    size_t arg_pos = 0, used_kwargs = 0;
    for (size_t i = 0; i < params.size(); ++i) {
      const Param& p = *params[i];
      const int slot = (int)params.slot(i);
      const bool is_kwd = arg_pos >= nargs;
      PyObject* o = nullptr;
      if (!is_kwd) {
        if (p.keyword_only) {
          if (err) *err = extra_args(nargs).what();
          return false;
        }
        o = args[arg_pos];
      } else if (kwargs) {
        o = PyDict_GetItemString(kwargs, p.name.c_str());
        for (const std::string& alias : p.numpy_names) {
          if (o) break;
          o = PyDict_GetItemString(kwargs, alias.c_str());
        }
      }
      if ((!o && p.optional()) || (o == Py_None && p.allow_none)) {
        out.v[slot] = o;
      } else if (!o) {
        if (!err) return false;
        std::string names;
        size_t missing = 0;
        for (size_t j = i; j < params.size(); ++j)
          if (!params[j]->optional()) {
            names += (missing++ ? ", \"" : "\"") + params[j]->name + "\"";
          }
        // torch's message says "1 ... arguments" and "2 ... argument"
        *err = str_cat(sig->name, "() missing ", missing, " required positional argument", missing == 1 ? "s" : "",
                      ": ", names);
        return false;
      } else if (varargs && arg_pos == 0 && !is_kwd && is_int(o)) {
        if (nargs == 1) {  // view(6): Args::int_list takes the int itself
          out.v[slot] = o;
          ++arg_pos;
          continue;
        }
        // expand(2, 3) as expand((2, 3)): the positional arguments as one tuple
        out.packed = py::reinterpret_steal<py::tuple>(PyTuple_New((Py_ssize_t)nargs));
        for (size_t k = 0; k < nargs; ++k) {
          Py_INCREF(args[k]);
          PyTuple_SET_ITEM(out.packed.ptr(), (Py_ssize_t)k, args[k]);
        }
        out.v[slot] = out.packed.ptr();
        arg_pos = nargs;
        continue;
      } else {
        int failed;
        if (!check(p, o, failed, i)) {
          if (!err) return false;
          if (is_kwd)
            *err = str_cat(sig->name, "(): argument '", p.name, "' must be ", p.type_name, ", not ", tp_name(o));
          else if (failed != -1)
            *err = str_cat(sig->name, "(): argument '", p.name, "' (position ", arg_pos + 1, ") must be ", p.type_name,
                           ", but found element of type ", tp_name(PySequence_Fast_GET_ITEM(o, failed)), " at pos ",
                           failed);
          else
            *err = str_cat(sig->name, "(): argument '", p.name, "' (position ", arg_pos + 1, ") must be ", p.type_name,
                           ", not ", tp_name(o));
          return false;
        }
        out.v[slot] = o;
      }
      if (!is_kwd) ++arg_pos;
      else if (o) ++used_kwargs;
    }
    if (kwargs && used_kwargs < (size_t)PyDict_Size(kwargs)) {
      PyObject *key, *value;
      Py_ssize_t pos = 0;
      while (PyDict_Next(kwargs, &pos, &key, &value)) {
        std::string k = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : "";
        size_t idx = params.size();
        for (size_t j = 0; j < params.size(); ++j)
          if (params[j]->name == k) idx = j;  // not a numpy name: torch finds only its own
        if (idx == params.size()) {
          if (err) *err = str_cat(sig->name, "() got an unexpected keyword argument '", k, "'");
          return false;
        }
        if (idx < nargs) {
          if (err) *err = str_cat(sig->name, "() got multiple values for argument '", k, "'");
          return false;
        }
      }
    }
    return true;
  }

  // torch checks only an int list's first element when matching; unpacking it afterwards
  // fails on any later element that is not an int.
  void check_unpack(const Args& out) const {
    for (size_t i = 0; i < params.size(); ++i) {
      const Param& p = *params[i];
      PyObject* o = out.v[params.slot(i)];
      if (p.kind != ArgKind::IntList || !o || !(PyTuple_Check(o) || PyList_Check(o))) continue;
      for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(o); ++k)  // past the first, a bool unpacks as an int
        if (!is_int(PySequence_Fast_GET_ITEM(o, k)) && !(k > 0 && PyBool_Check(PySequence_Fast_GET_ITEM(o, k))))
          unpack_error(sig->name, p, (size_t)k, PySequence_Fast_GET_ITEM(o, k));
    }
  }
};

// ---------------------------------------------------------------- invalid_arguments.cpp
std::string desc_type(PyObject* o) {
  if (PyTuple_Check(o) || PyList_Check(o)) {
    std::string inner;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    for (Py_ssize_t i = 0; i < n; ++i) inner += (i ? ", " : "") + tp_name(PySequence_Fast_GET_ITEM(o, i));
    if (PyTuple_Check(o)) return tp_name(o) + " of (" + inner + (n == 1 ? "," : "") + ")";
    return tp_name(o) + " of [" + inner + "]";
  }
  return tp_name(o);
}

// invalid_arguments.cpp reads a printed signature back: every ', '-separated piece (the
// '*' too) is an argument whose type is all before its last space. So an argument with a
// default ("Tensor max = None") reads as type "Tensor max =" named "None": no value
// matches it, and no keyword names it.
std::vector<std::pair<std::string, std::string>> option_args(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string inner = text.substr(1, text.size() - 2);
  size_t start = 0;
  while (true) {
    size_t end = inner.find(", ", start);
    std::string decl = inner.substr(start, end == std::string::npos ? std::string::npos : end - start);
    size_t sp = decl.rfind(' ');
    if (sp == std::string::npos) out.push_back({"", decl});
    else out.push_back({decl.substr(0, sp), decl.substr(sp + 1)});
    if (end == std::string::npos) break;
    start = end + 2;
  }
  return out;
}

bool matches(const std::string& type_name, PyObject* o) {
  std::string t = tp_name(o);
  if (type_name == "float") return t == "float" || t == "int" || t == "long";
  if (type_name == "int") return t == "int" || t == "long";
  return t == type_name;
}

struct CallArgs {
  PyObject* const* args;
  size_t nargs;
  std::vector<std::pair<std::string, PyObject*>> kwargs;
  size_t size() const { return nargs + kwargs.size(); }
};

std::string formatted_arg_desc(const std::vector<std::pair<std::string, std::string>>& option, const CallArgs& c) {
  std::string out;
  for (size_t i = 0; i < c.size(); ++i) {
    const bool is_kwarg = i >= c.nargs;
    PyObject* o;
    if (is_kwarg) {
      o = c.kwargs[i - c.nargs].second;
      if (i < option.size())
        for (auto& [k, v] : c.kwargs)
          if (k == option[i].second) o = v;
    } else {
      o = c.args[i];
    }
    const bool ok = i < option.size() && matches(option[i].first, o);
    std::string s = (is_kwarg && i < option.size() ? option[i].second + "=" : "") + desc_type(o);
    out += (i ? ", " : "") + (ok ? s : "!" + s + "!");
  }
  if (!c.nargs && c.size()) out += ", ";
  return "(" + out + ")";
}

std::string arg_desc(const CallArgs& c) {
  std::string out;
  for (size_t i = 0; i < c.nargs; ++i) out += (i ? ", " : "") + tp_name(c.args[i]);
  for (size_t i = 0; i < c.kwargs.size(); ++i)
    out += (c.nargs || i ? ", " : "") + c.kwargs[i].first + "=" + tp_name(c.kwargs[i].second);
  if (!c.nargs && c.size()) out += ", ";
  return "(" + out + ")";
}

std::vector<std::string> unmatched_kwargs(const std::vector<std::pair<std::string, std::string>>& option,
                                          const CallArgs& c) {
  size_t start = option.size() > c.kwargs.size() ? option.size() - c.kwargs.size() : 0;
  std::vector<std::string> out;
  for (auto& [k, v] : c.kwargs) {
    bool found = false;
    for (size_t i = start; i < option.size(); ++i) found = found || option[i].second == k;
    if (!found) out.push_back(k);
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out;
}

std::string format_invalid_args(const std::string& name, const std::vector<std::string>& options, const CallArgs& c) {
  std::string msg = name + "() received an invalid combination of arguments - ";
  if (options.size() == 1) {
    auto option = option_args(options[0]);
    auto unmatched = c.kwargs.empty() ? std::vector<std::string>{} : unmatched_kwargs(option, c);
    if (!unmatched.empty()) return msg + "got unrecognized keyword arguments: " + join(unmatched);
    bool count_ok = c.size() == option.size();
    return msg + "got " + (count_ok ? formatted_arg_desc(option, c) : arg_desc(c)) + ", but expected " + options[0];
  }
  msg += "got " + arg_desc(c) + ", but expected one of:\n";
  for (const auto& text : options) {
    auto option = option_args(text);
    msg += " * " + text + "\n";
    if (c.size() == option.size()) {
      auto unmatched = c.kwargs.empty() ? std::vector<std::string>{} : unmatched_kwargs(option, c);
      if (!unmatched.empty())
        msg += "      didn't match because some of the keywords were incorrect: " + join(unmatched) + "\n";
      else
        msg += "      didn't match because some of the arguments have invalid types: " + formatted_arg_desc(option, c) +
               "\n";
    }
  }
  return msg;
}

// ---------------------------------------------------------------- schema strings
std::string trim(std::string_view s) {
  size_t a = s.find_first_not_of(' '), b = s.find_last_not_of(' ');
  return a == std::string_view::npos ? "" : std::string(s.substr(a, b - a + 1));
}

Param parse_param(std::string decl, bool keyword_only, bool method) {
  Param p;
  p.keyword_only = keyword_only;
  size_t eq = decl.find('=');
  std::string dflt;
  if (eq != std::string::npos) {
    dflt = trim(std::string_view(decl).substr(eq + 1));
    decl = trim(std::string_view(decl).substr(0, eq));
  }
  size_t sp = decl.rfind(' ');
  if (sp == std::string::npos) throw std::logic_error("op table: bad schema argument '" + decl + "'");
  std::string type = decl.substr(0, sp);
  // torch calls a Tensor self "input" in the function form (a Scalar self stays "self";
  // where's self comes second)
  p.name = decl.substr(sp + 1);
  if (p.name == "self" && !method && type.rfind("Tensor", 0) == 0) p.name = "input";
  // numpy's names for the same argument, which torch's parser also takes as keywords
  if (p.name == "dim") p.numpy_names = {"axis"};
  else if (p.name == "keepdim") p.numpy_names = {"keepdims"};
  else if (p.name == "input") p.numpy_names = {"x", "a", "x1"};
  else if (p.name == "other") p.numpy_names = {"x2"};
  if (size_t paren = type.find('('); paren != std::string::npos) {  // Tensor(a) -> Tensor
    size_t close = type.find(')', paren);
    type = type.substr(0, paren) + type.substr(close + 1);
  }
  if (!type.empty() && type.back() == '?') {
    p.allow_none = true;
    type.pop_back();
  }
  if (type == "Tensor") {
    p.kind = ArgKind::Tensor, p.type_name = "Tensor";
  } else if (type == "Tensor[]" || type == "Tensor?[]") {
    p.kind = ArgKind::TensorList, p.type_name = "tuple of Tensors";
  } else if (type == "int" || type == "SymInt") {
    p.kind = ArgKind::Int, p.type_name = "int";
  } else if (type.rfind("int[", 0) == 0 || type.rfind("SymInt[", 0) == 0) {
    p.kind = ArgKind::IntList, p.type_name = "tuple of ints";
    std::string n = type.substr(type.find('[') + 1);
    p.list_size = n.size() > 1 ? std::stoi(n) : 0;
  } else if (type == "bool") {
    p.kind = ArgKind::Bool, p.type_name = "bool";
  } else if (type == "float") {
    p.kind = ArgKind::Float, p.type_name = "float";
  } else if (type == "Scalar") {
    p.kind = ArgKind::Scalar, p.type_name = "Number";
  } else if (type == "ScalarType") {
    p.kind = ArgKind::Dtype, p.type_name = "torch.dtype";
  } else if (type == "str") {
    p.kind = ArgKind::Str, p.type_name = "str";
  } else if (type == "MemoryFormat") {
    p.kind = ArgKind::MemoryFormat, p.type_name = "torch.memory_format";
  } else if (type == "Device") {
    p.kind = ArgKind::Device, p.type_name = "torch.device";
  } else if (type == "Layout") {
    p.kind = ArgKind::Layout, p.type_name = "torch.layout";
  } else if (type == "Generator") {
    p.kind = ArgKind::Generator, p.type_name = "torch.Generator";
  } else {
    throw std::logic_error("op table: unknown schema type '" + type + "'");
  }
  // An int list with a default also takes None, for that default (torch.amax(x, None)).
  if (p.kind == ArgKind::IntList && !dflt.empty()) p.allow_none = true;
  if (!dflt.empty()) {
    if (dflt == "None") {
      p.default_text = "None";
    } else if (p.kind == ArgKind::Bool) {
      p.default_bool = dflt == "True";
      p.default_text = dflt;
    } else if (p.kind == ArgKind::Int && dflt == "Mean") {
      // torch's bindings print at::Reduction::Mean and read it with atol: 0
      p.default_text = "at::Reduction::Mean";
    } else if (p.kind == ArgKind::Int) {
      p.default_int = std::stoll(dflt);
      p.default_text = dflt;
    } else if (p.kind == ArgKind::Float || p.kind == ArgKind::Scalar) {
      p.default_float = std::stod(dflt);
      p.default_text = dflt;
    } else if (p.kind == ArgKind::MemoryFormat) {
      p.default_text = "torch." + dflt;  // printed as torch.contiguous_format
    } else {
      p.default_text = dflt;
    }
  }
  return p;
}

}  // namespace

Signature parse_schema(std::string_view schema, bool method, bool with_out) {
  Signature s;
  s.method = method;
  size_t open = schema.find('('), close = open;
  for (int depth = 0; close < schema.size(); ++close) {  // the parenthesis matching `open`
    depth += schema[close] == '(' ? 1 : schema[close] == ')' ? -1 : 0;
    if (depth == 0) break;
  }
  std::string full(schema.substr(0, open));
  s.name = full.substr(0, full.find('.'));
  std::string_view inner = schema.substr(open + 1, close - open - 1);
  bool keyword_only = false;
  size_t start = 0;
  while (start <= inner.size() && !inner.empty()) {
    size_t end = inner.find(',', start);
    std::string piece = trim(inner.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (piece == "*") {
      keyword_only = true;
    } else if (!piece.empty()) {
      s.params.push_back(parse_param(piece, keyword_only, method));
      if (s.params.back().name == "self" && s.params.back().kind == ArgKind::Tensor)
        s.self_slot = (int)s.params.size() - 1;
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (allows_numbers(s.name))
    for (Param& p : s.params) p.numbers = p.kind == ArgKind::Tensor;
  // Note [Factory options]: dtype, layout, device, pin_memory go last, after out=
  std::vector<Param> options;
  auto layout = std::find_if(s.params.begin(), s.params.end(), [](const Param& p) { return p.kind == ArgKind::Layout; });
  if (layout != s.params.end()) {
    for (const char* name : {"dtype", "layout", "device", "pin_memory"}) {
      auto it = std::find_if(s.params.begin(), s.params.end(), [&](const Param& p) { return p.name == name; });
      if (it == s.params.end()) throw std::logic_error("op table: a factory without " + std::string(name));
      options.push_back(std::move(*it));
      s.params.erase(it);
    }
    options[0].default_text = "None";   // randint's dtype=long prints as None, as in torch
    options[3].default_text = "False";  // pin_memory
    options.push_back(parse_param("bool requires_grad=False", true, method));
    options.back().allow_none = true;
  }
  if (with_out) {
    size_t arrow = schema.find("->", close);
    bool tuple = arrow != std::string_view::npos && schema.find('(', arrow) != std::string_view::npos;
    s.params.push_back(parse_param(tuple ? "Tensor[]? out=None" : "Tensor? out=None", true, method));
    s.out_slot = (int)s.params.size() - 1;
  }
  if (!options.empty()) {
    s.options_slot = (int)s.params.size();
    for (Param& p : options) s.params.push_back(std::move(p));
  }
  if (s.params.size() > (size_t)Args::kMax) throw std::logic_error("op table: too many arguments in " + s.name);
  for (size_t i = 0; i < s.params.size(); ++i) {
    if (method && (int)i == s.self_slot) continue;
    s.min_args += !s.params[i].optional();
    s.max_pos_args += !s.params[i].keyword_only;
  }
  return s;
}

std::string Signature::text() const {
  std::string out;
  bool star = false;
  for (size_t i = 0; i < params.size(); ++i) {
    if (method && (int)i == self_slot) continue;
    const Param& p = params[i];
    if (!out.empty()) out += ", ";
    if (p.keyword_only && !star) {
      out += "*, ";
      star = true;
    }
    out += p.type_name + " " + p.name;
    if (p.optional()) out += " = " + p.default_text;
  }
  return "(" + out + ")";
}

namespace {
bool g_deprecation_warned = false;  // kHidden: once per process, whichever op
}  // namespace

// torch's warning for a deprecated signature (PythonArgParser::raw_parse)
void Overloads::warn_deprecated(const Signature& sig) const {
  g_deprecation_warned = true;
  std::string msg = str_cat("This overload of ", name, " is deprecated:\n\t", name, sig.text());
  bool first = true;
  for (const auto& s : sigs) {
    if (s.hidden) continue;
    if (first) msg += "\nConsider using one of the following signatures instead:";
    first = false;
    msg += "\n\t" + name + s.text();
  }
  if (PyErr_WarnEx(PyExc_UserWarning, msg.c_str(), 1) < 0) throw py::error_already_set();
}

int Overloads::parse(PyObject* self, PyObject* const* args, size_t nargs, PyObject* kwargs, Args& out) const {
  for (size_t i = 0; i < sigs.size(); ++i) {
    Form f(sigs[i]);
    // Note [Per-op cost]: an overload whose first positional Tensor cannot take the first
    // argument (fill_.Tensor for x.fill_(1)) is passed over before any set-up.
    if (nargs > 0 && f.params.size() > 0) {
      const Param& p = *f.params[0];
      if (p.kind == ArgKind::Tensor && !p.keyword_only && !p.numbers && !is_tensor(args[0]) &&
          !(p.allow_none && args[0] == Py_None))
        continue;
    }
    out.params = sigs[i].params.data();
    out.n = (int)sigs[i].params.size();
    out.op = name.c_str();
    out.out = sigs[i].out_slot;
    out.options = sigs[i].options_slot;
    std::fill(out.v, out.v + Args::kMax, nullptr);
    if (self) out.v[sigs[i].self_slot] = self;
    if (f.parse(args, nargs, kwargs, out, nullptr)) {
      f.check_unpack(out);
      if (sigs[i].hidden && !g_deprecation_warned) warn_deprecated(sigs[i]);
      return (int)i;
    }
  }
  // No overload fits: parse again, keeping each one's first problem for the message.
  std::vector<std::string> errs;
  for (const auto& sig : sigs) {
    Args scratch;
    if (self) scratch.v[sig.self_slot] = self;
    std::string err;
    Form(sig).parse(args, nargs, kwargs, scratch, &err);
    errs.push_back(std::move(err));
  }
  if (sigs.size() == 1) throw TypeError(errs[0]);
  CallArgs c{args, nargs, {}};
  if (kwargs) {  // in the order of torch's std::unordered_map of them
    std::unordered_map<std::string, PyObject*> by_name;
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(kwargs, &pos, &key, &value)) by_name.emplace(PyUnicode_AsUTF8(key), value);
    for (auto& kv : by_name) c.kwargs.push_back(kv);
  }
  int plausible = -1, count = 0;
  for (size_t i = 0; i < sigs.size(); ++i) {
    Form f(sigs[i]);
    if (!sigs[i].hidden && f.min_args <= c.size() && c.size() <= f.max_args()) {
      plausible = (int)i;
      ++count;
    }
  }
  if (count == 1) throw TypeError(errs[plausible]);
  std::vector<std::string> texts;
  for (const auto& s : sigs)
    if (!s.hidden) texts.push_back(s.text());
  throw TypeError(format_invalid_args(name, texts, c));
}

// ---------------------------------------------------------------- Args
Tensor Args::tensor(int i) const {
  Tensor t;
  if (load_tensor(v[i], t)) return t;
  if (!to_operand(v[i], t))  // the parser let only tensors and numbers through
    throw TypeError(str_cat(op, "(): argument '", params[i].name, "' must be Tensor, not ", tp_name(v[i])));
  return t;
}

std::vector<Tensor> Args::tensor_list(int i) const {
  std::vector<Tensor> out;
  for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(v[i]); ++k) {
    Tensor t;
    load_tensor(PySequence_Fast_GET_ITEM(v[i], k), t);  // the parser let only tensors through
    out.push_back(std::move(t));
  }
  return out;
}

std::string Args::str(int i) const {
  if (!given(i)) return "";
  return py::reinterpret_borrow<py::object>(v[i]).cast<std::string>();
}

int64_t Args::int64(int i) const {
  if (!v[i]) return params[i].default_int;
  int64_t out;
  int_like(v[i], out);
  return out;
}

std::optional<int64_t> Args::opt_int64(int i) const {
  if (!given(i)) return std::nullopt;
  return int64(i);
}

DimVec Args::int_list(int i) const {
  PyObject* o = v[i];
  // torch's unpack of an int past int64 (its message then carries a C++ backtrace)
  auto overflow = [&](Py_ssize_t k, PyObject* item) {
    int big = 0;
    if (PyLong_Check(item) && (PyLong_AsLongLongAndOverflow(item, &big), big))
      throw TypeError(str_cat(op, "(): argument '", params[i].name, "' failed to unpack the object at pos ", k + 1,
                              " with error \"Overflow when unpacking long long\""));
  };
  int64_t x;
  overflow(0, o);
  if (int_like(o, x)) return DimVec{x};
  DimVec out;
  for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(o); ++k) {
    PyObject* item = PySequence_Fast_GET_ITEM(o, k);
    overflow(k, item);
    if (PyBool_Check(item)) x = item == Py_True;
    else int_like(item, x);
    out.push_back(x);
  }
  return out;
}

bool Args::boolean(int i) const { return v[i] ? PyObject_IsTrue(v[i]) == 1 : params[i].default_bool; }

double Args::float64(int i) const {
  if (!v[i]) return params[i].default_float;
  return py::reinterpret_borrow<py::object>(v[i]).cast<double>();
}

std::optional<Dtype> Args::dtype(int i) const {
  if (!given(i)) return std::nullopt;
  if (v[i] == (PyObject*)&PyFloat_Type) return Dtype::Float64;
  if (v[i] == (PyObject*)&PyLong_Type) return Dtype::Int64;
  if (v[i] == (PyObject*)&PyBool_Type) return Dtype::Bool;
  return py::reinterpret_borrow<py::object>(v[i]).cast<PyDtype&>().d;
}

MemoryFormat Args::memory_format(int i, MemoryFormat dflt) const { return memory_format_arg(obj(i), op, dflt); }

std::optional<Dtype> Args::dtype_or_out(int i) const {
  if (given(i)) return dtype(i);
  if (out >= 0 && given(out)) return tensor(out).dtype();
  return std::nullopt;
}

Generator* Args::generator(int i) const { return given(i) ? py::handle(v[i]).cast<Generator*>() : nullptr; }

Dtype Args::options_dtype(Dtype dflt) const {
  const bool has_out = out >= 0 && given(out);
  if (given(options)) {
    Dtype d = *dtype(options);
    if (has_out && tensor(out).dtype() != d)  // torch's check_out_type_matches
      throw Error(str_cat("dtype ", scalar_type_name(d), " does not match dtype of out parameter (",
                          scalar_type_name(tensor(out).dtype()), ")"));
    return d;
  }
  return has_out ? tensor(out).dtype() : dflt;
}

void Args::check_device() const {
  if (boolean(options + 3))
    throw Error("pin_memory=True requires a CUDA or other accelerator backend; no pinned memory allocator is "
                "available on this system.");
  check_device(options + 2);
}

void Args::check_device(int i) const {
  if (!given(i)) return;
  static PyObject* check = py::object(py::module_::import("pyautograd._device").attr("_check_device")).release().ptr();
  PyObject* r = PyObject_CallOneArg(check, v[i]);
  if (!r) throw py::error_already_set();
  Py_DECREF(r);
}

Tensor Args::finish(Tensor t) const {
  if (!boolean(options + 4)) return t;
  if (!is_floating(t.dtype())) throw Error("Only Tensors of floating point and complex dtype can require gradients");
  t.impl()->meta().requires_grad = true;
  return t;
}

// ---------------------------------------------------------------- binding the rows
namespace {

std::vector<std::string>& function_names() {
  static std::vector<std::string> names;
  return names;
}

struct Bound;
std::vector<const Bound*>& bound_ops() {
  static std::vector<const Bound*> ops;
  return ops;
}

struct Bound {
  int id = -1;  // the op's id: its index in bound_ops() (Note [Op ids])
  std::string module;  // where the function lives ("pyautograd._C", "pyautograd._C._nn")
  Overloads ov;
  std::vector<const OpRow*> rows;  // one per overload
  bool method = false;
  bool no_args = false;  // a method whose only overload takes nothing but self
  PyMethodDef def{};
};

// torch's resize_output: a tensor that is neither empty nor of the right shape warns.
void resize_output(const Tensor& out, const DimVec& shape) {
  if (out.sizes() == shape) return;
  if (out.numel() != 0) {
    std::string msg = str_cat(
        "An output with one or more elements was resized since it had shape ", shape_str(out.sizes()),
        ", which does not match the required output shape ", shape_str(shape),
        ". This behavior is deprecated, and in a future PyTorch release outputs will not be resized unless they have "
        "zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
        "t.resize_(0).");
    if (PyErr_WarnEx(PyExc_UserWarning, msg.c_str(), 1) < 0) throw py::error_already_set();
  }
  resize_(out, shape);
}

// A call with out= (Note [out= arguments]).
py::object call_with_out(const OpRow& row, const Args& a) {
  py::handle out_obj = a.obj(a.out);
  const bool several = !is_tensor(out_obj.ptr());
  std::vector<Tensor> outs;
  if (several)
    for (py::handle o : py::reinterpret_borrow<py::sequence>(out_obj)) outs.push_back(o.cast<Tensor>());
  else
    outs.push_back(out_obj.cast<Tensor>());
  if (GradMode::is_enabled() && !(row.variants & kNoGrad)) {
    bool any = false;
    for (int i = 0; i < a.n; ++i)
      if (a.params[i].kind == ArgKind::Tensor && a.given(i)) {
        any = any || a.tensor(i).requires_grad();
      } else if (a.params[i].kind == ArgKind::TensorList && a.given(i) && i != a.out) {
        for (const Tensor& t : a.tensor_list(i)) any = any || t.requires_grad();
      }
    for (const Tensor& o : outs) any = any || o.requires_grad();
    if (any)
      throw Error(str_cat(a.options >= 0 ? "aten::" : "", a.op,  // a factory's check is the dispatcher's
                          "(): functions with out=... arguments don't support automatic differentiation, but "
                          "one of the arguments requires grad."));
  }
  py::object result = row.fn ? py::cast(row.fn(a)) : row.py_fn(a);
  std::vector<Tensor> results;
  if (several)
    for (py::handle r : py::reinterpret_borrow<py::tuple>(result)) results.push_back(r.cast<Tensor>());
  else
    results.push_back(result.cast<Tensor>());
  if (outs.size() != results.size())
    throw TypeError(str_cat("expected tuple of ", results.size(), " elements but got ", outs.size()));
  for (size_t i = 0; i < outs.size(); ++i) {
    const Dtype want = results[i].dtype(), got = outs[i].dtype();
    if (got == want) continue;
    if ((row.variants & kOutCast) == kOutCast) {
      if (can_cast(want, got)) continue;
      throw Error(str_cat("result type ", scalar_type_name(want), " can't be cast to the desired output type ",
                          scalar_type_name(got)));
    }
    if ((row.variants & kOutSameDtype) == kOutSameDtype)
      throw Error(str_cat("Found dtype ", scalar_type_name(got), " but expected ", scalar_type_name(want)));
    throw Error(str_cat("Expected out tensor to have dtype ", cpp_type_name(want), ", but got ", cpp_type_name(got),
                        " instead"));
  }
  for (size_t i = 0; i < outs.size(); ++i) {
    resize_output(outs[i], results[i].sizes());
    AutoGradMode no(false);
    copy_(outs[i], results[i]);
  }
  if (a.options >= 0) a.finish(outs[0]);  // a factory's requires_grad= applies to out
  if (!several) return py::reinterpret_borrow<py::object>(out_obj);
  // the op's out return type (torch.return_types.max_out, ...) holding the out tensors
  py::tuple items(outs.size());
  for (size_t i = 0; i < outs.size(); ++i) items[i] = py::cast(outs[i]);
  py::tuple args = py::make_tuple(items);
  py::object cls = py::module_::import("pyautograd.return_types").attr(str_cat(a.op, "_out").c_str());
  PyObject* o = PyTuple_Type.tp_new(reinterpret_cast<PyTypeObject*>(cls.ptr()), args.ptr(), nullptr);
  if (!o) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(o);
}

// The one entry point of every table op (METH_FASTCALL): `capsule` holds the Bound; a
// method's tensor comes first in args (the function is an instancemethod on Tensor).
PyObject* call_row(PyObject* capsule, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  const Bound* b = static_cast<const Bound*>(PyCapsule_GetPointer(capsule, nullptr));
  try {
    const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    py::object kwargs;  // only when keywords were given
    if (nkw) {
      kwargs = py::reinterpret_steal<py::object>(PyDict_New());
      for (Py_ssize_t k = 0; k < nkw; ++k)
        if (PyDict_SetItem(kwargs.ptr(), PyTuple_GET_ITEM(kwnames, k), args[nargs + k]) < 0)
          throw py::error_already_set();
    }
    Args a;
    PyObject* self = b->method ? args[0] : nullptr;
    const size_t skip = b->method ? 1 : 0;
    if (b->no_args) {  // torch binds these methods as METH_NOARGS: CPython's messages
      if (nkw) throw TypeError(str_cat("TensorBase.", b->ov.name, "() takes no keyword arguments"));
      if (nargs > 1) throw TypeError(str_cat("TensorBase.", b->ov.name, "() takes no arguments (", nargs - 1, " given)"));
    }
    int k = b->ov.parse(self, args + skip, (size_t)nargs - skip, kwargs.ptr(), a);
    const OpRow& row = *b->rows[k];
    if (a.out >= 0 && a.given(a.out)) return call_with_out(row, a).release().ptr();
    if (row.fn) return py::cast(row.fn(a)).release().ptr();
    return row.py_fn(a).release().ptr();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (...) {
    py::detail::try_translate_exceptions();
  }
  return nullptr;
}

// cls is null for a private module's rows (def_private_rows).
void bind_rows(py::module_& m, TensorClass* cls, const OpRow* rows, size_t n) {
  // name -> (function form, method form), keeping the rows' order within each
  std::vector<std::string> order;
  std::map<std::string, std::pair<Bound*, Bound*>> by_name;
  for (size_t i = 0; i < n; ++i) {
    for (uint8_t variant : {kFunction, kMethod}) {
      if (!(rows[i].variants & variant)) continue;
      if (variant == kMethod && !cls) throw std::logic_error(str_cat("op table: private row ", rows[i].schema, " is a method"));
      Signature s = parse_schema(rows[i].schema, variant == kMethod, variant == kFunction && (rows[i].variants & kOut));
      s.hidden = rows[i].variants & kHidden;
      auto& slot = by_name[s.name];
      if (!slot.first && !slot.second) order.push_back(s.name);
      Bound*& b = variant == kMethod ? slot.second : slot.first;
      if (!b) {
        b = new Bound();  // lives as long as the process (the functions point at it)
        b->id = (int)bound_ops().size();
        bound_ops().push_back(b);
        b->ov.name = s.name;
        b->module = py::str(m.attr("__name__"));
        b->method = variant == kMethod;
      }
      b->ov.sigs.push_back(std::move(s));
      b->rows.push_back(&rows[i]);
    }
  }
  py::object module_name = m.attr("__name__");  // the functions' __module__, as pybind11 sets it
  for (const auto& name : order) {
    auto [fn_form, method_form] = by_name[name];
    for (Bound* b : {fn_form, method_form}) {
      if (!b) continue;
      b->no_args = b->method && b->ov.sigs.size() == 1 && b->ov.sigs[0].params.size() == 1;
      b->def.ml_name = b->ov.name.c_str();
      b->def.ml_meth = reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&call_row));
      b->def.ml_flags = METH_FASTCALL | METH_KEYWORDS;
      py::capsule cap(static_cast<void*>(b));
      py::object f = py::reinterpret_steal<py::object>(PyCFunction_NewEx(&b->def, cap.ptr(), module_name.ptr()));
      if (!f) throw py::error_already_set();
      if (b->method) {
        py::object meth = py::reinterpret_steal<py::object>(PyInstanceMethod_New(f.ptr()));
        if (!meth) throw py::error_already_set();
        cls->attr(name.c_str()) = meth;
      } else {
        if (cls) function_names().push_back(name);
        m.attr(name.c_str()) = f;
      }
    }
  }
}

}  // namespace

void def_rows(py::module_& m, TensorClass& cls, const OpRow* rows, size_t n) { bind_rows(m, &cls, rows, n); }

void def_private_rows(py::module_& m, const OpRow* rows, size_t n) { bind_rows(m, nullptr, rows, n); }

const std::vector<std::string>& table_functions() { return function_names(); }

void init_op_table(py::module_& m) {
  // `from pyautograd._C import *` takes exactly the table's functions.
  py::list all;
  for (const auto& name : function_names()) all.append(py::str(name));
  m.attr("__all__") = all;
  m.def("_op_table", [] {
    py::list rows;
    for (const Bound* b : bound_ops()) {
      py::list schemas;
      for (const OpRow* r : b->rows) schemas.append(py::str(r->schema));
      rows.append(py::make_tuple(b->id, b->module, b->ov.name, b->method ? "method" : "function", schemas));
    }
    return rows;
  });
}

}  // namespace pag::py_bind
