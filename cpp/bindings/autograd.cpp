// Bindings for autograd: requires_grad / grad / grad_fn, backward and autograd.grad,
// grad modes, tensor hooks, and the node behind Python autograd.Function.
#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "bindings/common.h"

namespace pag::py_bind {

namespace {

int next_hook_id() {
  static int id = 0;
  return ++id;
}

// torch's name for a hook in its errors: its __name__ when that is a str.
std::string hook_name(py::handle fn) {
  if (PyObject_HasAttrString(fn.ptr(), "__name__")) {
    py::object name = fn.attr("__name__");
    if (py::isinstance<py::str>(name)) return name.cast<std::string>();
  }
  return "<unknown>";
}

// A Python callable as a gradient hook (runs with the GIL held). A named type, so
// the Tensor's GC traversal can find the callable inside a GradHook (Note [Tensor GC]).
// As torch's check_single_result: the hook may return None or a tensor of the
// gradient's type and size, nothing else.
struct PyHook {
  std::shared_ptr<py::object> fn;
  Tensor operator()(const Tensor& g) const {
    py::gil_scoped_acquire gil;
    py::object r = (*fn)(g);
    if (r.is_none()) return Tensor();
    if (!is_tensor(r))
      throw TypeError(str_cat("expected Variable, but hook returned '", Py_TYPE(r.ptr())->tp_name, "'"));
    Tensor t = r.cast<Tensor>();
    if (t.dtype() != g.dtype())
      throw Error(str_cat("hook '", hook_name(*fn), "' has changed the type of value (was ",
                          legacy_type_name(g.dtype()), " got ", legacy_type_name(t.dtype()), ")"));
    if (t.sizes() != g.sizes()) throw Error(str_cat("hook '", hook_name(*fn), "' has changed the size of value"));
    return t;
  }
};

GradHook py_hook(py::object fn) {
  auto holder = std::shared_ptr<py::object>(new py::object(std::move(fn)), [](py::object* o) {
    py::gil_scoped_acquire g;
    delete o;
  });
  return PyHook{std::move(holder)};
}

// Note [Python Function nodes]: the node owns the Python backward and ctx; the
// ctx reaches the node only through a weak reference, so no reference cycle
// crosses the C++/Python boundary. Saved tensors live in the node as
// SavedVariables (outputs saved without owning their grad_fn).
struct PyFunctionNode : Node {
  std::string fn_name;
  py::object backward_fn, ctx;
  std::vector<SavedVariable> saved;
  std::vector<DimVec> input_shapes;
  std::vector<Dtype> input_dtypes;
  std::vector<bool> input_is_tensor;
  // every forward output, tensor or not: backward gets one argument per output
  struct OutputInfo {
    bool is_tensor;
    DimVec sizes;
    Dtype dtype;
  };
  std::vector<OutputInfo> outputs;
  bool materialize_grads = true;

  ~PyFunctionNode() override {
    py::gil_scoped_acquire g;
    backward_fn = py::object();
    ctx = py::object();
  }
  std::string name() const override { return fn_name; }
  // As torch's PyNode: once freed, ctx.saved_tensors raises even when nothing was saved.
  void release_saved() override {
    for (auto& s : saved) s.reset();
    released = true;
  }
  tensor_list apply(tensor_list&& grads) override {
    py::gil_scoped_acquire gil;
    py::tuple args(outputs.size() + 1);
    args[0] = ctx;
    for (size_t i = 0; i < outputs.size(); ++i) {
      Tensor g = i < grads.size() ? grads[i] : Tensor();
      if (!g.defined() && materialize_grads && outputs[i].is_tensor) g = zeros(outputs[i].sizes, outputs[i].dtype);
      args[i + 1] = py::cast(g);
    }
    py::object res = backward_fn(*args);
    py::tuple rt = py::isinstance<py::tuple>(res) ? res.cast<py::tuple>() : py::make_tuple(res);
    // torch's PyNode::apply: trailing Nones beyond the inputs are dropped, then the
    // count must match and each entry be None or, for a tensor input, a Tensor.
    size_t n_in = input_is_tensor.size(), n_out = rt.size();
    if (n_out > n_in) {
      bool all_none = true;
      for (size_t i = n_in; all_none && i < n_out; ++i) all_none = rt[i].is_none();
      if (all_none) n_out = n_in;
    }
    if (n_out != n_in)
      throw Error(str_cat("function ", fn_name, " returned an incorrect number of gradients (expected ", n_in,
                          ", got ", n_out, ")"));
    tensor_list out;
    for (size_t i = 0; i < n_in; ++i) {
      py::handle h = rt[i];
      if (!input_is_tensor[i]) {
        if (!h.is_none())
          throw Error(str_cat("function ", fn_name, " returned a gradient different than None at position ", i + 1,
                              ", but the corresponding forward input was not a Variable"));
        continue;
      }
      if (!h.is_none() && !is_tensor(h))
        throw Error(str_cat("expected Variable or None (got ", Py_TYPE(h.ptr())->tp_name, ")"));
      out.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
    }
    // torch's validate_outputs: a gradient whose input's shape expands to it is summed
    // back to that shape, any other shape is an error; other dtypes are cast.
    for (size_t k = 0; k < out.size(); ++k) {
      Tensor& g = out[k];
      if (!g.defined() || !next_edges[k].valid()) continue;
      const DimVec& want = input_shapes[k];
      if (g.sizes() != want) {
        bool expandable = want.size() <= g.sizes().size();
        for (size_t d = 1; expandable && d <= want.size(); ++d) {
          int64_t w = want[want.size() - d], have = g.sizes()[g.sizes().size() - d];
          expandable = w == have || w == 1;
        }
        if (!expandable)
          throw Error(str_cat("Function ", fn_name, " returned an invalid gradient at index ", k, " - got ",
                              shape_str(g.sizes()), " but expected shape compatible with ", shape_str(want)));
        g = sum_to(g, want);
      }
      if (g.dtype() != input_dtypes[k]) g = to_dtype(g, input_dtypes[k]);
    }
    return out;
  }
};

struct FunctionNodeRef {
  std::weak_ptr<PyFunctionNode> node;
};

void check_inference_requires_grad(const Tensor& t, bool v) {  // Note [Inference tensors]
  if (v && t.impl()->is_inference && !InferenceMode::is_enabled())
    throw Error("Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.");
}

}  // namespace

void init_autograd(py::module_& m, TensorClass& cls) {
  // The raw graph node; Python sees it through pyautograd.autograd.graph, which
  // gives each node a class named after it (MulBackward0, ...) as torch does.
  py::class_<Node, std::shared_ptr<Node>>(m, "Node")
      .def("name", &Node::name)
      .def("_id", [](const Node& n) { return reinterpret_cast<uintptr_t>(&n); })
      .def("__repr__", [](py::handle self) -> py::str {
        // torch's repr uses the class name: "torch::autograd::AccumulateGrad" prints as AccumulateGrad
        std::string name = self.cast<const Node&>().name();
        auto pos = name.rfind("::");
        if (pos != std::string::npos) name = name.substr(pos + 2);
        return py::str(str_cat("<", name, " object at 0x", std::hex, (uintptr_t)self.ptr(), ">"));
      })
      .def_property_readonly("next_functions", [](const Node& n) {
        py::tuple r(n.next_edges.size());
        for (size_t i = 0; i < n.next_edges.size(); ++i) {
          const Edge& e = n.next_edges[i];
          r[i] = py::make_tuple(e.fn ? py::cast(e.fn) : py::none(), e.input_nr);
        }
        return r;
      })
      .def_property_readonly("variable", [](const Node& n) -> py::object {
        if (!n.is_accumulate_grad()) throw py::attribute_error("'Node' object has no attribute 'variable'");
        return py::cast(Tensor(static_cast<const AccumulateGrad&>(n).variable));
      });

  cls.def_property("requires_grad", [](const Tensor& t) { return t.requires_grad(); },
                   [](const Tensor& t, py::handle value) {
                     if (!PyBool_Check(value.ptr())) throw Error("requires_grad must be a bool");
                     bool v = value.ptr() == Py_True;
                     check_inference_requires_grad(t, v);
                     if (!t.is_leaf()) {
                       if (!v)
                         throw Error("you can only change requires_grad flags of leaf variables. If you want to use a "
                                     "computed variable in a subgraph that doesn't require differentiation use "
                                     "var_no_grad = var.detach().");
                       return;
                     }
                     if (v && !is_floating(t.dtype()))
                       throw Error("only Tensors of floating point and complex dtype can require gradients");
                     t.impl()->meta().requires_grad = v;
                   })
      .def("requires_grad_", [](py::object self, py::handle value) {
        if (!PyBool_Check(value.ptr()))
          throw TypeError(str_cat("requires_grad_(): argument 'requires_grad' (position 1) must be bool, not ",
                                  Py_TYPE(value.ptr())->tp_name));
        bool v = value.ptr() == Py_True;
        Tensor t = self.cast<Tensor>();
        check_inference_requires_grad(t, v);
        if (!t.is_leaf() && !v)
          throw Error("you can only change requires_grad flags of leaf variables. If you want to use a computed "
                      "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().");
        if (t.is_leaf()) {
          if (v && !is_floating(t.dtype()))
            throw Error("only Tensors of floating point dtype can require gradients");
          t.impl()->meta().requires_grad = v;
        }
        return self;
      }, py::arg("requires_grad") = py::bool_(true))
      .def_property_readonly("is_leaf", [](const Tensor& t) { return t.is_leaf(); })
      .def_property_readonly("_grad_fn", [](const Tensor& t) -> py::object {
        if (!t.grad_fn()) return py::none();
        return py::cast(t.grad_fn());
      })
      .def_property_readonly("output_nr", [](const Tensor& t) { return t.output_nr(); })
      .def_property("grad", [](const Tensor& t) {
        if (!t.is_leaf() && !(t.impl()->autograd && t.impl()->autograd->retains_grad) && !t.grad().defined())
          warn("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                       "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
                       "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
                       "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
                       "github.com/pytorch/pytorch/pull/30531 for more information.");
        return t.grad();
      },
                    [](const Tensor& t, py::object g) {
                      if (g.is_none()) {
                        if (t.impl()->autograd) t.impl()->autograd->grad.reset();
                        return;
                      }
                      if (!is_tensor(g))
                        throw TypeError(str_cat("assigned grad expected to be a Tensor or None but got grad of type ",
                                                type_name(g)));
                      Tensor gt = g.cast<Tensor>();
                      if (gt.dtype() != t.dtype())
                        throw Error(str_cat("attempting to assign a gradient with dtype '", cpp_type_name(gt.dtype()),
                                            "' to a tensor with grad_dtype '", scalar_type_name(t.dtype()),
                                            "'. The gradient must match the tensor's grad_dtype (defaults to the "
                                            "tensor's dtype). You can set the tensor's grad_dtype attribute with a "
                                            "specific dtype, or None to allow any dtype. Set grad_dtype with caution. "
                                            "Diverging the dtypes of a tensor and its gradient may break downstream "
                                            "systems that assume they match."));
                      if (gt.sizes() != t.sizes())
                        throw Error(str_cat("attempting to assign a gradient of size '", shape_str(gt.sizes()),
                                            "' to a tensor of size '", shape_str(t.sizes()),
                                            "'. Please ensure that the gradient and the tensor are the same size"));
                      t.impl()->meta().grad = gt.impl_ptr();
                    })
      .def_property("data", [](const Tensor& t) { return alias_data(t); },
                    [](const Tensor& t, const Tensor& d) { share_data(*t.impl(), d); })
      .def("detach", [](const Tensor& t) { return detach(t); })
      .def("detach_", [](py::object self) {
        Tensor t = self.cast<Tensor>();
        if (t.is_view())
          throw Error("Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                      "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
                      "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please "
                      "refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.");
        if (t.impl()->autograd) {
          t.impl()->autograd->grad_fn.reset();
          t.impl()->autograd->requires_grad = false;
        }
        return self;
      })
      .def("retain_grad", [](const Tensor& t) {
        if (t.is_leaf()) {
          if (!t.requires_grad()) throw Error("can't retain_grad on Tensor that has requires_grad=False");
          return;
        }
        auto& meta = t.impl()->meta();
        if (meta.retains_grad) return;
        meta.retains_grad = true;
        std::weak_ptr<TensorImpl> weak = t.impl_ptr();
        t.grad_fn()->retain_grad_hooks.emplace_back(t.output_nr(), [weak](const Tensor& g) -> Tensor {
          if (auto impl = weak.lock()) {
            auto& m = impl->meta();
            if (!m.grad) m.grad = clone(g).impl_ptr();
            else m.grad = add(Tensor(m.grad), g).impl_ptr();
          }
          return Tensor();
        });
      })
      .def_property_readonly("retains_grad", [](const Tensor& t) {
        return t.impl()->autograd && t.impl()->autograd->retains_grad;
      })
      .def("_register_hook", [](const Tensor& t, py::object fn) -> py::object {
        if (!t.requires_grad())
          throw Error("cannot register a hook on a tensor that doesn't require gradient");
        int id = next_hook_id();
        if (t.is_leaf()) {
          t.impl()->meta().leaf_hooks.emplace_back(id, py_hook(fn));
          std::weak_ptr<TensorImpl> weak = t.impl_ptr();
          return py::cpp_function([weak, id] {
            if (auto impl = weak.lock()) {
              auto& hooks = impl->meta().leaf_hooks;
              hooks.erase(std::remove_if(hooks.begin(), hooks.end(), [id](auto& h) { return h.first == id; }),
                          hooks.end());
            }
          });
        }
        t.grad_fn()->pre_hooks.emplace_back(id, t.output_nr(), py_hook(fn));
        std::weak_ptr<Node> weak = t.grad_fn();
        return py::cpp_function([weak, id] {
          if (auto n = weak.lock()) {
            auto& hooks = n->pre_hooks;
            hooks.erase(std::remove_if(hooks.begin(), hooks.end(), [id](auto& h) { return std::get<0>(h) == id; }),
                        hooks.end());
          }
        });
      });

  // roots, grads, retain_graph, create_graph, inputs, allow_unused, accumulate
  m.def("_run_backward", [](const std::vector<Tensor>& roots, const std::vector<py::object>& grads, bool keep_graph,
                            bool create_graph, const std::vector<Tensor>& inputs, bool allow_unused,
                            bool accumulate) {
    if (grads.size() != roots.size())
      throw Error(str_cat("got ", roots.size(), " tensors and ", grads.size(), " gradients"));
    tensor_list g;
    for (size_t i = 0; i < roots.size(); ++i) {
      const py::object& go = grads[i];
      const Tensor& r = roots[i];
      if (go.is_none()) {
        // torch's _make_grads: an implicit gradient only for outputs that require grad
        if (r.requires_grad()) {
          if (r.numel() != 1) throw Error("grad can be implicitly created only for scalar outputs");
          if (!is_floating(r.dtype()))
            throw Error(str_cat("grad can be implicitly created only for real scalar outputs but got torch.",
                                dtype_name(r.dtype())));
          g.push_back(ones(r.sizes(), r.dtype()));
        } else {
          g.push_back(Tensor());
        }
      } else if (is_tensor(go)) {
        g.push_back(go.cast<Tensor>());
      } else {
        throw TypeError(str_cat("gradients can be either Tensors or None, but got ",
                                type_name(go)));
      }
    }
    tensor_list res;
    {
      // Note [GIL release]: hooks and Python Function nodes take it back while they run.
      py::gil_scoped_release nogil;
      res = run_backward(roots, g, keep_graph, create_graph, inputs, allow_unused, accumulate);
    }
    py::tuple out(res.size());
    for (size_t i = 0; i < res.size(); ++i) out[i] = py::cast(res[i]);
    return out;
  });

  m.def("is_grad_enabled", [] { return GradMode::is_enabled(); });
  m.def("_set_grad_enabled", [](bool v) { GradMode::set_enabled(v); });
  m.def("is_inference_mode_enabled", [] { return InferenceMode::is_enabled(); });
  m.def("_set_inference_mode", [](bool v) { InferenceMode::set_enabled(v); });
  cls.def("is_inference", [](const Tensor& t) { return t.impl()->is_inference; });

  // ---- autograd.Function support
  py::class_<FunctionNodeRef>(m, "_FunctionNodeRef")
      .def("saved_tensors", [](const FunctionNodeRef& r) {
        auto n = r.node.lock();
        if (!n) throw Error("the graph of this Function has been freed");
        if (n->released) {
          SavedVariable dead;
          dead.reset();
          dead.unpack(n);  // throws torch's "backward through the graph a second time"
        }
        py::tuple out(n->saved.size());
        for (size_t i = 0; i < n->saved.size(); ++i) out[i] = py::cast(n->saved[i].unpack(n));
        return out;
      })
      .def("set_materialize_grads", [](const FunctionNodeRef& r, bool v) {
        if (auto n = r.node.lock()) n->materialize_grads = v;
      });

  // Records a Python Function's node. inputs: the forward's positional args (non-tensors as None).
  m.def("_function_record", [](const std::string& name, py::object backward_fn, py::object ctx,
                               const std::vector<py::object>& inputs, const std::vector<py::object>& outputs,
                               const std::vector<py::object>& to_save, const std::vector<py::object>& non_diff,
                               bool materialize) -> py::tuple {
    tensor_list in_tensors;
    std::vector<bool> is_t;
    for (auto& o : inputs) {
      bool t = is_tensor(o);
      is_t.push_back(t);
      if (t) in_tensors.push_back(o.cast<Tensor>());
    }
    bool needs = any_requires_grad(in_tensors);
    py::tuple result(outputs.size());
    std::shared_ptr<PyFunctionNode> node;
    if (needs) {
      node = std::make_shared<PyFunctionNode>();
      node->fn_name = name;
      node->backward_fn = backward_fn;
      node->ctx = ctx;
      node->input_is_tensor = is_t;
      node->materialize_grads = materialize;
      for (auto& t : in_tensors) {
        node->next_edges.push_back(gradient_edge(t));
        node->input_shapes.push_back(t.sizes());
        node->input_dtypes.push_back(t.dtype());
      }
    }
    auto is_non_diff = [&](const Tensor& t) {
      for (auto& o : non_diff)
        if (is_tensor(o) && o.cast<Tensor>().same(t)) return true;
      return false;
    };
    tensor_list outs;
    for (size_t i = 0; i < outputs.size(); ++i) {
      if (!is_tensor(outputs[i])) {
        result[i] = outputs[i];
        outs.push_back(Tensor());
        if (node) node->outputs.push_back({false, DimVec(), Dtype::Float32});
        continue;
      }
      Tensor t = outputs[i].cast<Tensor>();
      if (node) node->outputs.push_back({true, t.sizes(), t.dtype()});
      bool is_input = false;
      for (auto& x : in_tensors) is_input = is_input || x.same(t);
      if (needs && !is_non_diff(t) && is_floating(t.dtype())) {
        if (is_input || t.is_view()) t = detach(t);  // an input returned as-is becomes a new alias
        set_history(t, node, (uint32_t)i);
      }
      outs.push_back(t);
      result[i] = py::cast(t);
    }
    if (node) {
      for (auto& o : to_save) {
        if (o.is_none()) { node->saved.emplace_back(); continue; }
        Tensor t = o.cast<Tensor>();
        bool is_out = false;
        Tensor match;
        for (auto& x : outs)
          if (x.defined() && x.storage() == t.storage() && x.sizes() == t.sizes() && x.strides() == t.strides() &&
              x.offset() == t.offset() && x.grad_fn() == node) { is_out = true; match = x; }
        node->saved.emplace_back(is_out ? match : t, is_out);
      }
      ctx.attr("_node") = py::cast(FunctionNodeRef{node});
    }
    return result;
  });
}

// Note [Tensor GC]: Python objects that a tensor reaches only through C++ (its hooks,
// the backward and ctx of the Python Function that made it) would hide reference
// cycles from Python's collector: a hook closure that uses its own tensor, a ctx that
// keeps the Function's output. As torch's THPVariable_traverse does, Tensor's
// tp_traverse visits them, but only along references this Python object owns alone
// (it holds the only reference to the TensorImpl, the impl the only one to its
// grad_fn, the hook the only one to its callable), so the collector's count of
// references from inside the garbage stays exact. tp_clear drops the same ones.
namespace {

// The TensorImpl behind `self` when `self` holds the only reference to it.
TensorImpl* owned_impl(PyObject* self) {
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  auto vh = inst->get_value_and_holder(nullptr, false);
  if (!vh || !vh.holder_constructed()) return nullptr;
  const auto& holder = vh.holder<std::shared_ptr<TensorImpl>>();
  return holder.use_count() == 1 ? holder.get() : nullptr;
}

// The callable of a hook that owns it alone, else null.
PyObject* owned_callable(const GradHook& h) {
  const PyHook* p = h.target<PyHook>();
  return p && p->fn && p->fn.use_count() == 1 ? p->fn->ptr() : nullptr;
}

// The grad_fn of `impl` when the impl holds the only reference to it.
Node* owned_grad_fn(TensorImpl* impl) {
  if (!impl->autograd) return nullptr;
  const auto& fn = impl->autograd->grad_fn;
  return fn && fn.use_count() == 1 ? fn.get() : nullptr;
}

int tensor_traverse(PyObject* self, visitproc visit, void* arg) {
  if (int r = py::detail::pybind11_traverse(self, visit, arg)) return r;  // __dict__ and the type
  TensorImpl* impl = owned_impl(self);
  if (!impl || !impl->autograd) return 0;
  for (const auto& hook : impl->autograd->leaf_hooks) Py_VISIT(owned_callable(hook.second));
  if (Node* fn = owned_grad_fn(impl)) {
    for (const auto& hook : fn->pre_hooks) Py_VISIT(owned_callable(std::get<2>(hook)));
    if (auto* py_fn = dynamic_cast<PyFunctionNode*>(fn)) {
      Py_VISIT(py_fn->backward_fn.ptr());
      Py_VISIT(py_fn->ctx.ptr());
    }
  }
  return 0;
}

int tensor_clear(PyObject* self) {
  py::detail::pybind11_clear(self);
  TensorImpl* impl = owned_impl(self);
  if (!impl || !impl->autograd) return 0;
  // Everything is moved out first and released at the end: releasing a Python object
  // may run Python code (a __del__) that looks at this tensor.
  std::vector<GradHook> dropped;
  py::object backward_fn, ctx;
  auto take = [&](auto& hooks, auto get) {
    for (auto it = hooks.begin(); it != hooks.end();) {
      if (owned_callable(get(*it))) {
        dropped.push_back(std::move(get(*it)));
        it = hooks.erase(it);
      } else {
        ++it;
      }
    }
  };
  take(impl->autograd->leaf_hooks, [](auto& h) -> GradHook& { return h.second; });
  if (Node* fn = owned_grad_fn(impl)) {
    take(fn->pre_hooks, [](auto& h) -> GradHook& { return std::get<2>(h); });
    if (auto* py_fn = dynamic_cast<PyFunctionNode*>(fn)) {
      backward_fn = std::move(py_fn->backward_fn);
      ctx = std::move(py_fn->ctx);
    }
  }
  return 0;
}

}  // namespace

void tensor_type_setup(PyHeapTypeObject* heap_type) {
  PyTypeObject* type = &heap_type->ht_type;
  type->tp_flags |= Py_TPFLAGS_HAVE_GC;
  type->tp_traverse = tensor_traverse;
  type->tp_clear = tensor_clear;
  tensor_object_setup(type);
}

}  // namespace pag::py_bind
