"""Python's view of the recorded graph: each C++ node is shown through a small
proxy whose class is named after the node (MulBackward0, AccumulateGrad, ...),
so `type(t.grad_fn).__name__` and reprs read as in torch. Proxies are cached
per node, so `t.grad_fn is t.grad_fn`."""
import weakref

from .. import _C

_classes = {}
_proxies = weakref.WeakValueDictionary()


class Node:
    """Base class of every grad_fn (torch.autograd.graph.Node)."""

    __slots__ = ("_cnode", "__weakref__")

    def name(self):
        return self._cnode.name()

    @property
    def next_functions(self):
        return tuple((_wrap(n), i) for n, i in self._cnode.next_functions)

    @property
    def variable(self):
        return self._cnode.variable

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def __eq__(self, other):
        return isinstance(other, Node) and other._cnode._id() == self._cnode._id()

    def __hash__(self):
        return hash(self._cnode._id())


def _class_for(name):
    short = name.rsplit("::", 1)[-1]
    cls = _classes.get(short)
    if cls is None:
        cls = type(short, (Node,), {"__slots__": (), "__module__": "pyautograd.autograd.graph"})
        _classes[short] = cls
    return cls


def _wrap(cnode):
    """The proxy of a C++ node (None stays None)."""
    if cnode is None:
        return None
    key = cnode._id()
    p = _proxies.get(key)
    if p is None:
        cls = _class_for(cnode.name())
        p = object.__new__(cls)
        p._cnode = cnode  # holds the node alive, so its address cannot be reused while cached
        _proxies[key] = p
    return p
