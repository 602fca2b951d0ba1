"""gradcheck / gradgradcheck: compare analytical gradients with central finite
differences (in float64), as torch.autograd.gradcheck does."""
import numpy as np

from .. import _C


class GradcheckError(RuntimeError):
    pass


def _inputs_list(inputs):
    return [inputs] if isinstance(inputs, _C.Tensor) else list(inputs)


def _outputs_list(out):
    return [out] if isinstance(out, _C.Tensor) else [o for o in out if isinstance(o, _C.Tensor)]


def _numerical_jacobian(func, inputs, idx, eps):
    x = inputs[idx]
    base = x.detach()
    flat = base.numpy().reshape(-1) if base.is_contiguous() else None
    cols = []
    for j in range(x.numel()):
        arr = np.array(base.numpy(), copy=True)
        orig = arr.reshape(-1)[j]
        outs = []
        for delta in (eps, -eps):
            arr.reshape(-1)[j] = orig + delta
            ins = list(inputs)
            ins[idx] = _C._from_numpy(arr.copy())
            from .grad_mode import no_grad
            with no_grad():
                outs.append([o.detach().numpy().astype(np.float64).reshape(-1).copy()
                             for o in _outputs_list(func(*ins))])
        cols.append(np.concatenate([(p - m) / (2 * eps) for p, m in zip(*outs)]) if outs[0] else np.zeros(0))
    del flat
    return np.stack(cols, axis=1) if cols else None  # [total_out, numel_in]


def _analytical_jacobian(func, inputs, diff_idx):
    from . import grad
    outs = _outputs_list(func(*inputs))
    total = sum(o.numel() for o in outs)
    jac = {i: np.zeros((total, inputs[i].numel())) for i in diff_idx}
    row = 0
    for o in outs:
        flat = o.reshape(-1)
        for k in range(o.numel()):
            if o.requires_grad:
                gs = grad(flat[k], [inputs[i] for i in diff_idx], retain_graph=True, allow_unused=True)
                for i, g in zip(diff_idx, gs):
                    if g is not None:
                        jac[i][row] = g.detach().numpy().reshape(-1)
            row += 1
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    inputs = _inputs_list(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, _C.Tensor) and x.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for i in diff_idx:
        if inputs[i].dtype != _C.float64:
            import warnings
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point. This check "
                          "will likely fail if all the inputs are not of double precision floating point.")
    analytical = _analytical_jacobian(func, inputs, diff_idx)
    for i in diff_idx:
        numerical = _numerical_jacobian(func, inputs, i, eps)
        a = analytical[i]
        if numerical is None:
            continue
        if not np.allclose(a, numerical, rtol=rtol, atol=atol):
            if raise_exception:
                raise GradcheckError(f"Jacobian mismatch for output 0 with respect to input {i},\n"
                                     f"numerical:{numerical}\nanalytical:{a}\n")
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Checks second derivatives: gradcheck of (inputs, grad_outputs) -> d(func)/d(inputs) . grad_outputs."""
    from . import grad
    inputs = _inputs_list(inputs)
    outs = _outputs_list(func(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [_C._from_numpy(rng.standard_normal(o.shape).astype(np.float64)).requires_grad_(True)
                        for o in outs]
    else:
        grad_outputs = _inputs_list(grad_outputs)
    n = len(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, _C.Tensor) and x.requires_grad]

    def first_grad(*args):
        ins, gos = list(args[:n]), list(args[n:])
        o = _outputs_list(func(*ins))
        gs = grad(o, [ins[i] for i in diff_idx], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grad, inputs + list(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
