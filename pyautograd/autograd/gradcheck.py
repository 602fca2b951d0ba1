"""gradcheck / gradgradcheck: compare analytical gradients (vector-Jacobian products
with one-hot vectors) with central finite differences, as torch.autograd.gradcheck does."""
import numpy as np

from .. import _C


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return (x,) if isinstance(x, _C.Tensor) else tuple(x)


def _differentiable_outputs(out):
    return tuple(o for o in _as_tuple(out) if isinstance(o, _C.Tensor) and o.requires_grad)


def _to_numpy(t):
    return np.array(t.detach().numpy(), dtype=np.float64).reshape(-1)


def _numerical_jacobians(func, inputs, i, n_outputs, eps):
    """For input i: one [numel_in, numel_out] array per output."""
    x = inputs[i]
    base = np.array(x.detach().numpy(), copy=True)
    flat = base.reshape(-1)
    cols = [[] for _ in range(n_outputs)]
    for j in range(flat.size):
        orig = flat[j]
        outs = []
        for delta in (eps, -eps):
            flat[j] = orig + delta
            ins = list(inputs)
            ins[i] = _C._from_numpy(base.copy()).requires_grad_(x.requires_grad)
            outs.append([_to_numpy(o) for o in _differentiable_outputs(func(*ins))][:n_outputs])
        flat[j] = orig
        for k in range(n_outputs):
            cols[k].append((outs[0][k] - outs[1][k]) / (2 * eps))
    return [np.stack(c, axis=0) if c else np.zeros((0, 0)) for c in cols]


def _analytical_jacobians(outputs, inputs, diff_idx):
    """jac[(k, i)]: [numel_in, numel_out] for output k and input i."""
    from . import grad
    jac = {}
    for k, o in enumerate(outputs):
        for i in diff_idx:
            jac[(k, i)] = np.zeros((inputs[i].numel(), o.numel()))
        for e in range(o.numel()):
            onehot = np.zeros(o.numel(), dtype=np.float64)
            onehot[e] = 1.0
            go = _C._from_numpy(onehot.reshape(tuple(o.shape))).to(o.dtype)
            gs = grad([o], [inputs[i] for i in diff_idx], [go], retain_graph=True, allow_unused=True)
            for i, g in zip(diff_idx, gs):
                if g is not None:
                    jac[(k, i)][:, e] = _to_numpy(g)
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, _C.Tensor) and x.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for i in diff_idx:
        if inputs[i].dtype != _C.float64:
            import warnings
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          "This check will likely fail if all the inputs are not of double precision floating point "
                          "or complex. ")
    outputs = _differentiable_outputs(func(*inputs))
    analytical = _analytical_jacobians(outputs, inputs, diff_idx)
    for i in diff_idx:
        numerical = _numerical_jacobians(func, inputs, i, len(outputs), eps)
        for k in range(len(outputs)):
            a, n = analytical[(k, i)], numerical[k]
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                from .._creation import tensor
                raise GradcheckError(f"Jacobian mismatch for output {k} with respect to input {i},\n"
                                     f"numerical:{tensor(n, dtype=_C.float64)}\n"
                                     f"analytical:{tensor(a, dtype=_C.float64)}\n")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Checks second derivatives: gradcheck of (inputs, grad_outputs) -> the vector-Jacobian product."""
    from . import grad
    inputs = _as_tuple(inputs)
    outputs = _differentiable_outputs(func(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(_C._from_numpy(rng.standard_normal(tuple(o.shape))).to(o.dtype).requires_grad_(True)
                             for o in outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, _C.Tensor) and x.requires_grad]

    def first_grad(*args):
        ins, gos = list(args[:n]), list(args[n:])
        outs = _differentiable_outputs(func(*ins))
        gs = grad(outs, [ins[i] for i in diff_idx], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grad, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
