"""Tensor printing, a port of torch/_tensor_str.py (strided CPU tensors of every dtype).

Note [Printing through numpy]: the values are read through a zero-copy numpy view of the
tensor, so slicing, summarizing and `tolist()` here cost no tensor ops and no autograd
bookkeeping. Formatting itself goes through Python floats/ints exactly as torch's does
(torch formats `tensor.tolist()` values with str.format), so the digits are the same."""
import builtins
import contextlib
import dataclasses
import math
import sys

import numpy as np

from . import _C


@dataclasses.dataclass
class __PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: "bool | None" = None


PRINT_OPTS = __PrinterOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    r"""Set options for printing, as torch.set_printoptions.

    Args:
        precision: digits after the point of floating point output (default 4).
        threshold: number of elements above which the repr is summarized (default 1000).
        edgeitems: items shown at the beginning and end of each summarized dimension (default 3).
        linewidth: characters per line for the purpose of inserting line breaks (default 80).
        profile: ``'default'``, ``'short'`` or ``'full'``; the other arguments override it.
        sci_mode: True / False force scientific notation on / off; None (default) chooses per tensor.
    """
    if profile is not None:
        if profile == "default":
            PRINT_OPTS.precision = 4
            PRINT_OPTS.threshold = 1000
            PRINT_OPTS.edgeitems = 3
            PRINT_OPTS.linewidth = 80
        elif profile == "short":
            PRINT_OPTS.precision = 2
            PRINT_OPTS.threshold = 1000
            PRINT_OPTS.edgeitems = 2
            PRINT_OPTS.linewidth = 80
        elif profile == "full":
            PRINT_OPTS.precision = 4
            PRINT_OPTS.threshold = math.inf
            PRINT_OPTS.edgeitems = 3
            PRINT_OPTS.linewidth = 80

    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current print options as a dict that can be passed to set_printoptions(**d)."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Context manager that temporarily changes the print options (same arguments as set_printoptions)."""
    old_kwargs = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old_kwargs)


def _extremes(vals):
    """The values whose formatted strings are the longest: for a fixed sign the length of
    '{:.Nf}' / '{:.0f}' grows with |v|, and that of '{:.Ne}' is largest at the smallest or the
    largest |v| (the exponent's digits), so the extremes of each sign cover every case."""
    pos = vals[vals > 0]
    neg = vals[vals < 0]
    out = []
    for part in (pos, neg):
        if part.size:
            out.extend((part.min().item(), part.max().item()))
    return out


class _Formatter:
    def __init__(self, values, floating):
        """values: a 1-D numpy array of the (possibly summarized) elements."""
        self.floating_dtype = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1

        if not self.floating_dtype:
            if values.size:
                if values.dtype == np.bool_:
                    cands = [builtins.bool(v) for v in np.unique(values)]
                else:
                    cands = [values.min().item(), values.max().item()]
                for value in cands:
                    self.max_width = max(self.max_width, len(f"{value}"))
            return

        nonzero_finite_vals = values[np.isfinite(values) & (values != 0)]
        if nonzero_finite_vals.size == 0:
            # no valid number, do nothing
            return

        nonzero_finite_abs = np.abs(nonzero_finite_vals)
        nonzero_finite_min = float(nonzero_finite_abs.min())
        nonzero_finite_max = float(nonzero_finite_abs.max())

        if np.any(nonzero_finite_vals != np.ceil(nonzero_finite_vals)):
            self.int_mode = False

        self.sci_mode = (
            nonzero_finite_max / nonzero_finite_min > 1000.0
            or nonzero_finite_max > 1.0e8
            or nonzero_finite_min < 1.0e-4
            if PRINT_OPTS.sci_mode is None
            else PRINT_OPTS.sci_mode
        )

        cands = _extremes(nonzero_finite_vals)
        if self.sci_mode:
            for value in cands:
                value_str = f"{{:.{PRINT_OPTS.precision}e}}".format(value)
                self.max_width = max(self.max_width, len(value_str))
        elif self.int_mode:
            # all numbers are integers: a decimal point is appended to show the dtype is floating
            for value in cands:
                value_str = f"{value:.0f}"
                self.max_width = max(self.max_width, len(value_str) + 1)
        else:
            for value in cands:
                value_str = f"{{:.{PRINT_OPTS.precision}f}}".format(value)
                self.max_width = max(self.max_width, len(value_str))

    def width(self):
        return self.max_width

    def format(self, value):
        if self.floating_dtype:
            if self.sci_mode:
                ret = f"{{:{self.max_width}.{PRINT_OPTS.precision}e}}".format(value)
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{{:.{PRINT_OPTS.precision}f}}".format(value)
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret



def _vector_str(a, indent, summarize, formatter):
    # length includes spaces and comma between elements
    element_length = formatter.width() + 2
    elements_per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    fmt = formatter.format
    edge = PRINT_OPTS.edgeitems

    if summarize and not edge:
        data = ["..."]
    elif summarize and a.shape[0] > 2 * edge:
        data = [fmt(v) for v in a[:edge].tolist()] + [" ..."] + [fmt(v) for v in a[-edge:].tolist()]
    else:
        data = [fmt(v) for v in a.tolist()]

    data_lines = [data[i:i + elements_per_line] for i in range(0, len(data), elements_per_line)]
    lines = [", ".join(line) for line in data_lines]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with_formatter(a, indent, summarize, formatter):
    dim = a.ndim
    if dim == 0:
        return formatter.format(a.item())
    if dim == 1:
        return _vector_str(a, indent, summarize, formatter)

    edge = PRINT_OPTS.edgeitems
    n = a.shape[0]
    if summarize and n > 2 * edge:
        slices = ([_tensor_str_with_formatter(a[i], indent + 1, summarize, formatter) for i in range(edge)]
                  + ["..."]
                  + [_tensor_str_with_formatter(a[i], indent + 1, summarize, formatter) for i in range(n - edge, n)])
    else:
        slices = [_tensor_str_with_formatter(a[i], indent + 1, summarize, formatter) for i in range(n)]

    tensor_str = ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices)
    return "[" + tensor_str + "]"


def _summarized_data(a):
    """torch's get_summarized_data on a numpy array: the elements a summarized print shows."""
    dim = a.ndim
    edge = PRINT_OPTS.edgeitems
    if dim == 0:
        return a
    if dim == 1:
        if a.shape[0] > 2 * edge:
            # a[-0:] is all of `a`, as in torch: with edgeitems=0 the whole row feeds the formatter
            return np.concatenate((a[:edge], a[-edge:]))
        return a
    if not edge:
        return np.empty([0] * dim, a.dtype)
    n = a.shape[0]
    rows = list(range(edge)) + list(range(n - edge, n)) if n > 2 * edge else range(n)
    return np.stack([_summarized_data(a[i]) for i in rows])


def _numpy_view(t):
    return _C.Tensor.numpy(t, True)


def _tensor_str(t, indent):
    """The bracketed contents of tensor `t` as torch prints them, indented for a prefix of `indent` chars."""
    if t.numel() == 0:
        return "[]"
    if t.dtype is _C.float16 or t.dtype is _C.bfloat16:  # torch formats these through float32
        t = t.detach()._to_dtype(_C.float32, False)
    a = _numpy_view(t)
    summarize = a.size > PRINT_OPTS.threshold
    formatter = _Formatter((_summarized_data(a) if summarize else a).reshape(-1), t.dtype.is_floating_point)
    return _tensor_str_with_formatter(a, indent, summarize, formatter)


def _add_suffixes(tensor_str, suffixes, indent, force_newline):
    tensor_strs = [tensor_str]
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        suffix_len = len(suffix)
        if force_newline or last_line_len + suffix_len + 2 > PRINT_OPTS.linewidth:
            tensor_strs.append(",\n" + " " * indent + suffix)
            last_line_len = indent + suffix_len
            force_newline = False
        else:
            tensor_strs.append(", " + suffix)
            last_line_len += suffix_len + 2
    tensor_strs.append(")")
    return "".join(tensor_strs)


def _parameter_class():
    # Parameter lives in pyautograd.nn; if that is not imported, no Parameter can exist.
    return getattr(sys.modules.get("pyautograd.nn"), "Parameter", None)


def _str_intern(inp, *, tensor_contents=None):
    Parameter = _parameter_class()
    is_plain_tensor = type(inp) is _C.Tensor or (Parameter is not None and type(inp) is Parameter)
    prefix = "tensor(" if is_plain_tensor else f"{type(inp).__name__}("
    indent = len(prefix)
    suffixes = []
    custom_contents_provided = tensor_contents is not None
    if custom_contents_provided:
        tensor_str = tensor_contents

    self = inp
    default_dtype = _C.get_default_dtype()
    dtype = self.dtype
    has_default_dtype = dtype in (default_dtype, _C.int64, _C.bool)
    if self.numel() == 0:
        # Explicitly print the shape if it is not (0,), to match NumPy behavior
        if self.dim() != 1:
            suffixes.append("size=" + str(tuple(self.shape)))
        # In an empty tensor, there are no elements to infer if the dtype
        # should be int64, so it must be shown explicitly.
        if dtype != default_dtype:
            suffixes.append("dtype=" + str(dtype))
        if not custom_contents_provided:
            tensor_str = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(tuple(self.shape)))
        if not has_default_dtype:
            suffixes.append("dtype=" + str(dtype))
        if not custom_contents_provided:
            tensor_str = _tensor_str(self, indent)

    grad_fn = inp.grad_fn
    grad_fn_name = None
    if grad_fn is not None:
        grad_fn_name = type(grad_fn).__name__
        if isinstance(grad_fn, _C.Node):
            # C++ nodes share one Python type and carry their name (torch's CppFunction case)
            grad_fn_name = grad_fn.name().rsplit("::", 1)[-1]

    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif inp.requires_grad:
        suffixes.append("requires_grad=True")

    string_repr = _add_suffixes(prefix + tensor_str, suffixes, indent, force_newline=False)

    # A Parameter subclass prints as Parameter(<Subclass>(...)), as in torch.
    if Parameter is not None and isinstance(self, Parameter) and not is_plain_tensor:
        string_repr = f"Parameter({string_repr})"
    return string_repr


def _str(self, *, tensor_contents=None):
    """repr(tensor) / str(tensor), exactly as torch prints them."""
    return _str_intern(self, tensor_contents=tensor_contents)
