"""autograd.Function: user-defined forward/backward pairs. The graph node lives in
C++ (Note [Python Function nodes] in cpp/bindings/autograd.cpp); Python runs
only the user's forward and backward."""
from .. import _C
from .grad_mode import no_grad


class FunctionCtx:
    def __init__(self):
        self._to_save = ()
        self._non_differentiable = ()
        self._dirty = ()
        self._materialize = True
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, _C.Tensor):
                raise TypeError("save_for_backward can only save variables, but argument 0 is of type "
                                f"{type(t).__name__}")
        self._to_save = tensors

    @property
    def saved_tensors(self):
        node = getattr(self, "_node", None)
        if node is None:
            return tuple(self._to_save)
        return node.saved_tensors()

    def mark_non_differentiable(self, *args):
        self._non_differentiable = args

    def mark_dirty(self, *args):
        self._dirty = args

    def set_materialize_grads(self, value):
        self._materialize = bool(value)


class FunctionMeta(type):
    pass


class Function(metaclass=FunctionMeta):
    """Subclass with static forward(ctx, *args) and backward(ctx, *grads); call with .apply(*args)."""

    def __init__(self, *args, **kwargs):
        pass

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        if kwargs:
            raise TypeError(f"{cls.__name__}.apply() does not take keyword arguments")
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, _C.Tensor) and a.requires_grad for a in args)
        custom_setup = getattr(cls.setup_context, "__func__", cls.setup_context) is not _BASE_SETUP
        with no_grad():
            if custom_setup:  # the newer style: forward(*args) plus setup_context(ctx, inputs, output)
                out = cls.forward(*args)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args)
        is_tuple = isinstance(out, tuple)
        outs = list(out) if is_tuple else [out]
        res = _C._function_record(cls.__name__ + "Backward", cls.backward, ctx, list(args), outs,
                                  [t for t in ctx._to_save], list(ctx._non_differentiable), ctx._materialize)
        # The node holds the saved tensors now (and frees them after backward); the ctx must
        # not keep them too: it would keep them past backward, and a saved output would
        # close a cycle output -> node -> ctx -> output.
        ctx._to_save = ctx._non_differentiable = ctx._dirty = ()
        return tuple(res) if is_tuple else res[0]

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")


_BASE_SETUP = Function.__dict__["setup_context"].__func__


def once_differentiable(fn):
    return fn
