"""autograd.functional: jacobian built on autograd.grad."""
from .. import _C


def jacobian(func, inputs, create_graph=False, strict=False):
    from . import grad
    single = isinstance(inputs, _C.Tensor)
    ins = [inputs] if single else list(inputs)
    ins = [x.detach().requires_grad_(True) for x in ins]
    out = func(*ins)
    rows = []
    flat = out.reshape(-1)
    for i in range(flat.numel()):
        g = grad(flat.select(0, i), ins, retain_graph=True, create_graph=create_graph, allow_unused=True)
        rows.append([(gi if gi is not None else _C._full(list(x.shape), 0, x.dtype)) for gi, x in zip(g, ins)])
    res = []
    for k, x in enumerate(ins):
        stacked = _C.stack([r[k].reshape(-1) for r in rows]) if rows else _C._full([0, x.numel()], 0, x.dtype)
        res.append(stacked.reshape(list(out.shape) + list(x.shape)))
    return res[0] if single else tuple(res)
