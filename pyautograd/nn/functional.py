"""pyautograd.nn.functional: torch.nn.functional's names and arguments. Argument
parsing lives here; the work is one call into the C++ ops (pyautograd._C._nn for
the fused losses and activations)."""
import warnings

from .. import _C
from . import _reduction as _Reduction

Tensor = _C.Tensor
_nn = _C._nn

__all__ = ["relu", "relu_", "leaky_relu", "leaky_relu_", "elu", "elu_", "gelu", "sigmoid", "tanh", "softmax",
           "log_softmax", "softmin", "linear", "dropout", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "one_hot",
           "pad"]

def _scalar_type_name(dtype):
    return dtype._scalar_type


def _reduction_enum(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        return _Reduction.legacy_get_enum(size_average, reduce)
    return _Reduction.get_enum(reduction)


def _warn_size_mismatch(input, target):
    if target.size() != input.size():
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). "
                      "This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def _broadcast_shapes(*shapes):
    """torch.broadcast_shapes, with its error message."""
    common = []
    for arg_idx, shape in enumerate(shapes):
        dims = list(shape)
        if len(dims) > len(common):
            common = [1] * (len(dims) - len(common)) + common
        for idx in range(-1, -len(dims) - 1, -1):
            if dims[idx] == 1 or dims[idx] == common[idx]:
                continue
            if common[idx] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {dims[idx]} at {idx}! Mismatching "
                                   f"argument at index {arg_idx} had {shape!r}; but expected shape should be "
                                   f"broadcastable to {common}")
            common[idx] = dims[idx]
    return common


# ---------------------------------------------------------------- activations
def relu(input, inplace=False):
    return _C.relu_(input) if inplace else input.relu()


def relu_(input):
    return _C.relu_(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _nn.leaky_relu_(input, negative_slope) if inplace else _nn.leaky_relu(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return _nn.leaky_relu_(input, negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return _nn.elu_(input, alpha) if inplace else _nn.elu(input, alpha)


def elu_(input, alpha=1.0):
    return _nn.elu_(input, alpha)


def gelu(input, approximate="none"):
    return _nn.gelu(input, approximate=approximate)


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def _get_softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  "Change the call to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    return input.softmax(dim) if dtype is None else input.softmax(dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    return input.log_softmax(dim) if dtype is None else input.log_softmax(dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("softmin", input.dim(), _stacklevel)
    return (-input).softmax(dim) if dtype is None else (-input).softmax(dim, dtype=dtype)


# ---------------------------------------------------------------- linear and dropout
linear = _nn.linear  # torch's F.linear is torch._C._nn.linear


def dropout(input, p=0.5, training=True, inplace=False):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        zero = _C._scalar_tensor(0, input.dtype)
        return input.mul_(zero) if inplace else input * zero
    # torch's CPU dropout: a Bernoulli(1 - p) mask scaled by 1 / (1 - p), then one multiply.
    noise = _C._empty(list(input.shape), input.dtype).bernoulli_(1 - p)
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


# ---------------------------------------------------------------- regression losses
def _weighted_reduce(loss, weight, input, reduction):
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    weighted = loss * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean":
        return weighted.sum() / weight.sum()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _warn_size_mismatch(input, target)
    if size_average is not None or reduce is not None:
        reduction = _Reduction.legacy_get_string(size_average, reduce)
    input, target = _C._VF.broadcast_tensors((input, target))  # as torch: a 0-d target promotes
    if weight is not None:
        return _weighted_reduce(_nn.mse_loss(input, target, _Reduction.NONE), weight, input, reduction)
    return _nn.mse_loss(input, target, _Reduction.get_enum(reduction))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _warn_size_mismatch(input, target)
    if size_average is not None or reduce is not None:
        reduction = _Reduction.legacy_get_string(size_average, reduce)
    input, target = _C._VF.broadcast_tensors((input, target))
    if weight is not None:
        return _weighted_reduce((input - target).abs(), weight, input, reduction)
    return _nn.l1_loss(input, target, _Reduction.get_enum(reduction))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    _warn_size_mismatch(input, target)
    if size_average is not None or reduce is not None:
        reduction = _Reduction.legacy_get_string(size_average, reduce)
    red = _Reduction.get_enum(reduction)
    input, target = _C._VF.broadcast_tensors((input, target))
    if beta == 0.0:
        return _nn.l1_loss(input, target, red)
    return _nn.smooth_l1_loss(input, target, red, beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _warn_size_mismatch(input, target)
    if weight is None:
        return _nn.huber_loss(input, target, _Reduction.get_enum(reduction), delta)
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    loss = _nn.huber_loss(input, target, _Reduction.NONE, delta) * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


# ---------------------------------------------------------------- classification losses
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    return _nn.nll_loss_nd(input, target, weight, _reduction_enum(size_average, reduce, reduction), ignore_index)


def _class_weight_view(weight, ndim, class_dim):
    # A (C,) weight shaped to broadcast along the class dim of an ndim-dim input.
    if ndim <= 1:
        return weight
    shape = [1] * ndim
    shape[class_dim] = weight.shape[0]
    return weight.view(shape)


def _ce_prob_target(input, target, weight, red, label_smoothing):
    class_dim = 0 if input.dim() == 1 else 1
    n_classes = input.shape[class_dim]
    if weight is not None and not (weight.dim() == 1 and weight.numel() == n_classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {n_classes} classes or "
                           f"no classes but got weight tensor of shape: {list(weight.shape)}")
    logp = input.log_softmax(class_dim)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    prod = logp * target
    if weight is not None:
        prod = prod * _class_weight_view(weight, logp.dim(), 1)
    if red == _Reduction.MEAN:
        if input.numel() == 0:
            return (-prod.sum()).fill_(float("nan"))
        return _nn._div_scalar(-prod.sum(), input.numel() // n_classes)
    if red == _Reduction.SUM:
        return -prod.sum()
    return -prod.sum(class_dim)


def _ce_label_smoothing(input, target, weight, red, ignore_index, label_smoothing):
    class_dim = 0 if input.dim() == 1 else 1
    logp = input.log_softmax(class_dim)
    nll = _nn.nll_loss_nd(logp, target, weight, red, ignore_index)
    n_classes = logp.shape[class_dim]
    if weight is not None:
        smooth = -(logp * _class_weight_view(weight, logp.dim(), class_dim)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    ignored = target == ignore_index
    smooth.masked_fill_(ignored, 0.0)
    if red == _Reduction.MEAN:
        if weight is not None:
            # The mean is normalized by the weights of the non-ignored targets, as nll_loss's is.
            ret = smooth.sum() / weight.gather(0, target.masked_select(ignored.logical_not()).flatten()).sum()
        else:
            ret = smooth.sum() / ignored.logical_not().sum()
    elif red == _Reduction.SUM:
        ret = smooth.sum()
    else:
        ret = smooth
    # torch scales both terms by C++ numbers: MulBackward1 nodes
    return _nn._mul_scalar(nll, 1 - label_smoothing) + _nn._mul_scalar(ret, label_smoothing / n_classes)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    red = _reduction_enum(size_average, reduce, reduction)
    if input.shape == target.shape:
        # Same shapes: the target holds class probabilities.
        if not target.is_floating_point():
            raise RuntimeError("Expected floating point type for target with class probabilities, got "
                               f"{_scalar_type_name(target.dtype)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _ce_prob_target(input, target, weight, red, label_smoothing)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")
        return _ce_label_smoothing(input, target, weight, red, ignore_index, label_smoothing)
    class_dim = 0 if input.dim() == 1 else 1
    return _nn.nll_loss_nd(input.log_softmax(class_dim), target, weight, red, ignore_index)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    red = _reduction_enum(size_average, reduce, reduction)
    if target.size() != input.size():
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    if weight is not None:
        weight = weight.expand(_broadcast_shapes(target.size(), weight.size()))
    return _nn.binary_cross_entropy(input, target, weight, red)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    red = _reduction_enum(size_average, reduce, reduction)
    if not (target.size() == input.size()):
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    return _C.binary_cross_entropy_with_logits(input, target, weight, pos_weight, red)


# ---------------------------------------------------------------- misc
def one_hot(tensor, num_classes=-1):
    return _nn.one_hot(tensor, num_classes)


def pad(input, pad, mode="constant", value=None):
    if len(pad) % 2 != 0:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.dim()}")
    if mode != "constant":
        raise NotImplementedError(f"pad: mode '{mode}' is not implemented; pyautograd implements mode='constant'")
    return _C.constant_pad_nd(input, list(pad), 0.0 if value is None else value)
