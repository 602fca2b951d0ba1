// Bindings for ops/nn.cpp, as the private module pyautograd._C._nn (torch._C._nn's
// counterpart): nn.functional parses strings and defaults, these run the ops.
#include "bindings/arg_parser.h"
#include "bindings/common.h"
#include "ops/nn.h"

namespace pag::py_bind {

namespace {

Tensor opt_tensor(const Args& a, int i) { return a.given(i) ? a.tensor(i) : Tensor(); }

// Note [Op table]: torch._C._nn's rows (python_module: nn in native_functions.yaml), in
// the private module only: torch has torch._C._nn.mse_loss but no torch.mse_loss.
const OpRow kNnRows[] = {
    {"leaky_relu(Tensor self, Scalar negative_slope=0.01) -> Tensor", kFunction | kOut,
     [](const Args& a) { return leaky_relu(a.tensor(0), a.float64(1)); }},
    {"leaky_relu_(Tensor(a!) self, Scalar negative_slope=0.01) -> Tensor(a!)", kFunction,
     [](const Args& a) {
       Tensor t = a.tensor(0);
       leaky_relu_(t, a.float64(1));
       return t;
     }},
    {"elu(Tensor self, Scalar alpha=1, Scalar scale=1, Scalar input_scale=1) -> Tensor", kFunction | kOut,
     [](const Args& a) { return elu(a.tensor(0), a.float64(1), a.float64(2), a.float64(3)); }},
    {"elu_(Tensor(a!) self, Scalar alpha=1, Scalar scale=1, Scalar input_scale=1) -> Tensor(a!)", kFunction,
     [](const Args& a) {
       Tensor t = a.tensor(0);
       elu_(t, a.float64(1), a.float64(2), a.float64(3));
       return t;
     }},
    {"gelu(Tensor self, *, str approximate='none') -> Tensor", kFunction | kOut,
     [](const Args& a) { return gelu(a.tensor(0), a.given(1) ? a.str(1) : "none"); }},
    {"mse_loss(Tensor self, Tensor target, int reduction=Mean) -> Tensor", kFunction | kOut,
     [](const Args& a) { return mse_loss(a.tensor(0), a.tensor(1), a.int64(2)); }},
    {"l1_loss(Tensor self, Tensor target, int reduction=Mean) -> Tensor", kFunction,
     [](const Args& a) { return l1_loss(a.tensor(0), a.tensor(1), a.int64(2)); }},
    {"smooth_l1_loss(Tensor self, Tensor target, int reduction=Mean, float beta=1.0) -> Tensor", kFunction | kOut,
     [](const Args& a) { return smooth_l1_loss(a.tensor(0), a.tensor(1), a.int64(2), a.float64(3)); }},
    {"huber_loss(Tensor self, Tensor target, int reduction=Mean, float delta=1.0) -> Tensor", kFunction | kOut,
     [](const Args& a) { return huber_loss(a.tensor(0), a.tensor(1), a.int64(2), a.float64(3)); }},
    {"binary_cross_entropy(Tensor self, Tensor target, Tensor? weight=None, int reduction=Mean) -> Tensor",
     kFunction | kOut,
     [](const Args& a) { return binary_cross_entropy(a.tensor(0), a.tensor(1), opt_tensor(a, 2), a.int64(3)); }},
    {"nll_loss(Tensor self, Tensor target, Tensor? weight=None, int reduction=Mean, SymInt ignore_index=-100) -> "
     "Tensor", kFunction | kOut,
     [](const Args& a) { return nll_loss(a.tensor(0), a.tensor(1), opt_tensor(a, 2), a.int64(3), a.int64(4)); }},
    {"nll_loss2d(Tensor self, Tensor target, Tensor? weight=None, int reduction=Mean, SymInt ignore_index=-100) -> "
     "Tensor", kFunction | kOut,
     [](const Args& a) { return nll_loss2d(a.tensor(0), a.tensor(1), opt_tensor(a, 2), a.int64(3), a.int64(4)); }},
    {"nll_loss_nd(Tensor self, Tensor target, Tensor? weight=None, int reduction=Mean, SymInt ignore_index=-100) -> "
     "Tensor", kFunction,
     [](const Args& a) { return nll_loss_nd(a.tensor(0), a.tensor(1), opt_tensor(a, 2), a.int64(3), a.int64(4)); }},
    {"one_hot(Tensor self, int num_classes=-1) -> Tensor", kFunction,
     [](const Args& a) { return one_hot(a.tensor(0), a.int64(1)); }},
    // nn.functional.linear is this function, as torch's is
    {"linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor", kFunction | kOut,
     [](const Args& a) {
       Tensor x = a.tensor(0), w = a.tensor(1), b = opt_tensor(a, 2);
       return release_gil_if(gil_worth_releasing(x) || gil_worth_releasing(w),
                             [&] { return linear(x, w, b.defined() ? &b : nullptr); });
     }},
};

// The nn ops that torch binds in its public namespace instead (torch.constant_pad_nd).
// Their out= overloads are generated (autogen), and torch's Python takes none.
const OpRow kNnPublicRows[] = {
    {"binary_cross_entropy_with_logits(Tensor self, Tensor target, Tensor? weight=None, Tensor? pos_weight=None, "
     "int reduction=Mean) -> Tensor", kFunction,
     [](const Args& a) {
       return binary_cross_entropy_with_logits(a.tensor(0), a.tensor(1), opt_tensor(a, 2), opt_tensor(a, 3),
                                               a.int64(4));
     }},
    {"constant_pad_nd(Tensor self, SymInt[] pad, Scalar value=0) -> Tensor", kFunction,
     [](const Args& a) { return constant_pad_nd(a.tensor(0), a.int_list(1), a.float64(2)); }},
};

}  // namespace

void init_nn(py::module_& m, TensorClass& cls) {
  py::module_ nn = m.def_submodule("_nn", "nn kernels (fused losses and activations)");
  def_private_rows(nn, kNnRows);
  def_rows(m, cls, kNnPublicRows);
  // nn.functional's scalings by C++ numbers (torch's MulBackward1 / DivBackward1 nodes)
  nn.def("_div_scalar", [](const Tensor& x, double s) { return div_scalar(x, s); });
  nn.def("_mul_scalar", [](const Tensor& x, double s) { return mul_scalar(x, s); });
}

}  // namespace pag::py_bind
