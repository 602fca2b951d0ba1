"""torch's TypeErrors for calls that match none of an op's signatures.

Note [Argument errors]: torch parses arguments against a list of signatures
(torch/csrc/utils/python_arg_parser.cpp) and, when none matches, reports either the
one plausible signature's first problem ("argument 'dim' (position 1) must be int,
not str", "takes 2 positional arguments but 3 were given") or every signature with
the arguments that did not fit (invalid_arguments.cpp). The bindings reach this
module only after all their overloads refused a call (see def_arg_errors in
cpp/bindings/common.h), so it costs nothing on a call that succeeds. SIGNATURES
holds torch's printed signatures, methods without `self`."""
import numbers

import numpy as np

from . import _C

__all__ = ["SIGNATURES", "signature_error", "raise_for"]

_DIM_REDUCE = ("(*, torch.dtype dtype = None)",
               "(tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)")
_MAX_LIKE = ("()", "(Tensor other)", "(int dim, bool keepdim = False)")
_MAX_LIKE_F = ("(Tensor input, *, Tensor out = None)", "(Tensor input, Tensor other, *, Tensor out = None)",
               "(Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None)")
_ANY_LIKE = ("()", "(tuple of ints dim = None, bool keepdim = False)", "(int dim, bool keepdim = False)")
_ANY_LIKE_F = ("(Tensor input, *, Tensor out = None)",
               "(Tensor input, tuple of ints dim = None, bool keepdim = False, *, Tensor out = None)",
               "(Tensor input, int dim, bool keepdim = False, *, Tensor out = None)")
_VAR_LIKE = ("(tuple of ints dim, bool unbiased = True, bool keepdim = False)",
             "(tuple of ints dim = None, *, Number correction = None, bool keepdim = False)", "(bool unbiased = True)")
_VAR_LIKE_F = ("(Tensor input, tuple of ints dim, bool unbiased = True, bool keepdim = False, *, Tensor out = None)",
               "(Tensor input, tuple of ints dim = None, *, Number correction = None, bool keepdim = False, "
               "Tensor out = None)", "(Tensor input, bool unbiased = True)")

# name -> (method signatures, function signatures)
SIGNATURES = {
    "sum": (_DIM_REDUCE, ("(Tensor input, *, torch.dtype dtype = None)",
                          "(Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None, "
                          "Tensor out = None)")),
    "mean": (_DIM_REDUCE, ("(Tensor input, *, torch.dtype dtype = None, Tensor out = None)",
                           "(Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None, "
                           "Tensor out = None)")),
    "prod": (("(*, torch.dtype dtype = None)", "(int dim, bool keepdim = False, *, torch.dtype dtype = None)"),
             ("(Tensor input, *, torch.dtype dtype = None)",
              "(Tensor input, int dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)")),
    "max": (_MAX_LIKE, _MAX_LIKE_F),
    "min": (_MAX_LIKE, _MAX_LIKE_F),
    "any": (_ANY_LIKE, _ANY_LIKE_F),
    "all": (_ANY_LIKE, _ANY_LIKE_F),
    "var": (_VAR_LIKE, _VAR_LIKE_F),
    "std": (_VAR_LIKE, _VAR_LIKE_F),
    "amax": (("(tuple of ints dim = [], bool keepdim = False)",),
             ("(Tensor input, tuple of ints dim = [], bool keepdim = False, *, Tensor out = None)",)),
    "amin": (("(tuple of ints dim = [], bool keepdim = False)",),
             ("(Tensor input, tuple of ints dim = [], bool keepdim = False, *, Tensor out = None)",)),
    "argmax": (("(int dim = None, bool keepdim = False)",),
               ("(Tensor input, int dim = None, bool keepdim = False, *, Tensor out = None)",)),
    "argmin": (("(int dim = None, bool keepdim = False)",),
               ("(Tensor input, int dim = None, bool keepdim = False, *, Tensor out = None)",)),
    "logsumexp": (("(tuple of ints dim, bool keepdim = False)",),
                  ("(Tensor input, tuple of ints dim, bool keepdim = False, *, Tensor out = None)",)),
    "softmax": (("(int dim, torch.dtype dtype = None)",),
                ("(Tensor input, int dim, torch.dtype dtype = None, *, Tensor out = None)",)),
    "log_softmax": (("(int dim, torch.dtype dtype = None)",),
                    ("(Tensor input, int dim, torch.dtype dtype = None, *, Tensor out = None)",)),
    "cumsum": (("(int dim, *, torch.dtype dtype = None)",),
               ("(Tensor input, int dim, *, torch.dtype dtype = None, Tensor out = None)",)),
    "view": (("(torch.dtype dtype)", "(tuple of ints size)"), ()),
    "maximum": (("(Tensor other)",), ("(Tensor input, Tensor other, *, Tensor out = None)",)),
    "minimum": (("(Tensor other)",), ("(Tensor input, Tensor other, *, Tensor out = None)",)),
    "gather": (("(int dim, Tensor index, *, bool sparse_grad = False)",),
               ("(Tensor input, int dim, Tensor index, *, bool sparse_grad = False, Tensor out = None)",)),
    "index_select": (("(int dim, Tensor index)",), ("(Tensor input, int dim, Tensor index, *, Tensor out = None)",)),
}


def _tp_name(obj):
    """CPython's tp_name of obj's type, as torch's messages print it ('str', 'numpy.float64', 'Tensor')."""
    if isinstance(obj, _C.Tensor):
        return "Tensor" if type(obj) is _C.Tensor else type(obj).__name__
    tp = type(obj)
    return tp.__name__ if tp.__module__ in ("builtins", None) else f"{tp.__module__}.{tp.__name__}"


def _is_int(x):
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, (int, np.integer)):
        return True
    return isinstance(x, _C.Tensor) and x.dim() == 0 and not x.dtype.is_floating_point and x.dtype != _C.bool


def _is_number(x):
    if isinstance(x, _C.Tensor):
        return x.dim() == 0
    return isinstance(x, (numbers.Number, np.generic)) and not isinstance(x, (str, bytes))


def _check(type_name, obj):
    """torch's FunctionParameter::check: (matches, index of the first bad element of a list or -1)."""
    if type_name == "Tensor":
        return isinstance(obj, _C.Tensor), -1
    if type_name == "int":
        return _is_int(obj), -1
    if type_name == "bool":
        return isinstance(obj, (bool, np.bool_)), -1
    if type_name in ("float", "Number"):
        return _is_number(obj) and not (type_name == "float" and isinstance(obj, complex)), -1
    if type_name == "torch.dtype":
        return isinstance(obj, _C.dtype), -1
    if type_name == "tuple of ints":
        if _is_int(obj):
            return True, -1
        if isinstance(obj, (tuple, list)):
            if not obj or _is_int(obj[0]):  # torch looks at the first element only
                return True, -1
            return False, 0
        return False, -1
    if type_name == "tuple of Tensors":
        return isinstance(obj, (tuple, list)) and all(isinstance(t, _C.Tensor) for t in obj), -1
    return False, -1


class _Param:
    def __init__(self, text, keyword_only):
        decl, eq, default = text.partition(" = ")
        self.type_name, _, self.name = decl.rpartition(" ")
        self.optional = bool(eq)
        self.allow_none = default == "None"
        self.keyword_only = keyword_only


class _Signature:
    def __init__(self, name, text):
        self.name = name
        self.params = []
        keyword_only = False
        for part in text[1:-1].split(", ") if text != "()" else ():
            if part == "*":
                keyword_only = True
            else:
                self.params.append(_Param(part, keyword_only))
        self.min_args = sum(not p.optional for p in self.params)
        self.max_args = len(self.params)
        self.max_pos_args = sum(not p.keyword_only for p in self.params)

    def _extra_args(self, nargs):
        if self.min_args != self.max_pos_args:
            return TypeError(f"{self.name}() takes from {self.min_args} to {self.max_pos_args} positional arguments "
                             f"but {nargs} were given")
        return TypeError(f"{self.name}() takes {self.max_pos_args} positional argument"
                         f"{'' if self.max_pos_args == 1 else 's'} but {nargs} {'was' if nargs == 1 else 'were'} given")

    def parse(self, args, kwargs):
        """torch's FunctionSignature::parse: (None, the int lists bound) when the call fits,
        else (the TypeError for its first problem, None)."""
        nargs = len(args)
        varargs = self.max_pos_args == 1 and self.params[0].type_name == "tuple of ints"
        if nargs > self.max_pos_args and not (varargs and _is_int(args[0])):
            return self._extra_args(nargs), None
        lists = []
        arg_pos = 0
        used = 0
        for i, p in enumerate(self.params):
            is_kwd = arg_pos >= nargs
            if not is_kwd:
                if p.keyword_only:
                    return self._extra_args(nargs), None
                obj = args[arg_pos]
            else:
                obj = kwargs.get(p.name, _MISSING)
            if (obj is _MISSING and p.optional) or (obj is None and p.allow_none):
                pass
            elif obj is _MISSING:
                missing = [f'"{q.name}"' for q in self.params[i:] if not q.optional]
                # torch's message says "1 ... arguments" and "2 ... argument"
                return TypeError(f"{self.name}() missing {len(missing)} required positional argument"
                                 f"{'s' if len(missing) == 1 else ''}: {', '.join(missing)}"), None
            elif varargs and arg_pos == 0 and not is_kwd and nargs > 1 and _is_int(obj):
                lists.append((p, tuple(args)))  # expand(2, 3) as expand((2, 3))
                arg_pos = nargs
                continue
            else:
                ok, failed = _check(p.type_name, obj)
                if ok:
                    lists.append((p, obj))
                elif is_kwd:
                    return TypeError(f"{self.name}(): argument '{p.name}' must be {p.type_name}, not "
                                     f"{_tp_name(obj)}"), None
                elif failed != -1:
                    return TypeError(f"{self.name}(): argument '{p.name}' (position {arg_pos + 1}) must be "
                                     f"{p.type_name}, but found element of type {_tp_name(obj[failed])} at pos "
                                     f"{failed}"), None
                else:
                    return TypeError(f"{self.name}(): argument '{p.name}' (position {arg_pos + 1}) must be "
                                     f"{p.type_name}, not {_tp_name(obj)}"), None
            if not is_kwd:
                arg_pos += 1
            elif obj is not _MISSING:
                used += 1
        if used < len(kwargs):
            names = [p.name for p in self.params]
            for k in kwargs:
                if k not in names:
                    return TypeError(f"{self.name}() got an unexpected keyword argument '{k}'"), None
                if names.index(k) < nargs:
                    return TypeError(f"{self.name}() got multiple values for argument '{k}'"), None
        return None, lists


_MISSING = object()


def _unpack_error(name, lists):
    """torch checks only an int list's first element when it matches a signature; unpacking
    the list afterwards fails on any other element that is not an int."""
    for p, obj in lists:
        if p.type_name != "tuple of ints" or not isinstance(obj, (tuple, list)):
            continue
        for i, x in enumerate(obj):
            if not _is_int(x):
                return TypeError(f"{name}(): argument '{p.name}' failed to unpack the object at pos {i + 1} with "
                                 f"error \"type must be tuple of ints,but got {_tp_name(x)}\"")
    return None


# ---------------------------------------------------------------- invalid_arguments.cpp
def _desc_type(obj):
    if isinstance(obj, (tuple, list)):
        inner = ", ".join(_tp_name(x) for x in obj)
        if isinstance(obj, tuple):
            return f"{_tp_name(obj)} of ({inner}{',' if len(obj) == 1 else ''})"
        return f"{_tp_name(obj)} of [{inner}]"
    return _tp_name(obj)


def _option_args(text):
    """invalid_arguments.cpp's reading of a printed signature: every ', '-separated piece
    (the '*' too) is an argument whose type is all before its last space."""
    inner = text[1:-1]
    out = []
    for piece in inner.split(", "):
        head, _, name = piece.rpartition(" ")
        out.append((head, name))
    return out


def _matches(type_name, obj):
    names = {"float": ("float", "int", "long"), "int": ("int", "long")}.get(type_name, (type_name,))
    return _tp_name(obj) in names


def _formatted_arg_desc(option, args, kwargs):
    """Each argument's type, !marked! where the option's type at its place differs
    (kwargs are named by the option's arguments at their places, as in torch)."""
    parts = []
    for i in range(len(args) + len(kwargs)):
        is_kwarg = i >= len(args)
        obj = kwargs.get(option[i][1], list(kwargs.values())[i - len(args)]) if is_kwarg else args[i]
        ok = i < len(option) and _matches(option[i][0], obj)
        s = (f"{option[i][1]}=" if is_kwarg else "") + _desc_type(obj)
        parts.append(s if ok else f"!{s}!")
    out = ", ".join(parts)
    if not args and parts:
        out += ", "
    return f"({out})"


def _arg_desc(args, kwargs):
    parts = [_tp_name(a) for a in args] + [f"{k}={_tp_name(v)}" for k, v in kwargs.items()]
    out = ", ".join(parts)
    if not args and parts:
        out += ", "
    return f"({out})"


def _unmatched_kwargs(option, kwargs):
    start = max(len(option) - len(kwargs), 0)
    names = [n for _, n in option[start:]]
    return [k for k in kwargs if k not in names]


def _format_invalid_args(name, options, args, kwargs):
    msg = f"{name}() received an invalid combination of arguments - "
    if len(options) == 1:
        option = _option_args(options[0])
        unmatched = _unmatched_kwargs(option, kwargs) if kwargs else []
        if unmatched:
            return msg + "got unrecognized keyword arguments: " + ", ".join(unmatched)
        count_ok = len(args) + len(kwargs) == len(option)
        return (msg + "got " + (_formatted_arg_desc(option, args, kwargs) if count_ok else _arg_desc(args, kwargs))
                + ", but expected " + options[0])
    msg += "got " + _arg_desc(args, kwargs) + ", but expected one of:\n"
    for text in options:
        option = _option_args(text)
        msg += f" * {text}\n"
        if len(args) + len(kwargs) == len(option):
            unmatched = _unmatched_kwargs(option, kwargs) if kwargs else []
            if unmatched:
                msg += "      didn't match because some of the keywords were incorrect: " + ", ".join(unmatched) + "\n"
            else:
                msg += ("      didn't match because some of the arguments have invalid types: "
                        + _formatted_arg_desc(option, args, kwargs) + "\n")
    return msg


def signature_error(name, signatures, args, kwargs):
    """torch's TypeError for name(*args, **kwargs) against `signatures` (None if the call is valid)."""
    sigs = [_Signature(name, s) for s in signatures]
    parsed = [s.parse(args, kwargs) for s in sigs]
    if len(sigs) == 1 and parsed[0][0] is not None:
        return parsed[0][0]
    for err, lists in parsed:
        if err is None:
            return _unpack_error(name, lists)
    n = len(args) + len(kwargs)
    plausible = [err for s, (err, _) in zip(sigs, parsed) if s.min_args <= n <= s.max_args]
    if len(plausible) == 1:
        return plausible[0]
    return TypeError(_format_invalid_args(name, list(signatures), args, kwargs))


def raise_for(name, is_method, args, kwargs):
    """Raises torch's TypeError for a call of `name` (a Tensor method when is_method, with
    self left out of args) that none of the binding's overloads accepted."""
    method, function = SIGNATURES[name]
    args, kwargs = tuple(args), dict(kwargs)
    err = signature_error(name, method if is_method else function, args, kwargs)
    if err is None:
        err = TypeError(f"{name}(): torch accepts the arguments {_arg_desc(args, kwargs)}, pyautograd does not")
    raise err
