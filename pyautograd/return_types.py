"""torch.return_types: the named tuples that reductions return as (values, indices)."""
import builtins as _builtins

__all__ = ["max", "min", "max_out", "min_out"]


class _ValuesIndices(tuple):
    """A 2-tuple with .values and .indices that prints like torch's structseq."""
    __slots__ = ()
    n_fields = n_sequence_fields = 2
    n_unnamed_fields = 0

    def __new__(cls, seq):
        seq = tuple(seq)
        if len(seq) != 2:
            raise TypeError(f"torch.return_types.{cls.__name__} takes a 2-sequence ({len(seq)}-sequence given)")
        return tuple.__new__(cls, seq)

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])

    def __repr__(self):
        return f"torch.return_types.{type(self).__name__}(\nvalues={self[0]!r},\nindices={self[1]!r})"

    def __reduce__(self):
        return (type(self), (tuple(self),))


class max(_ValuesIndices):
    __slots__ = ()


class min(_ValuesIndices):
    __slots__ = ()


# what max(..., out=(values, indices)) returns, as torch names it
class max_out(_ValuesIndices):
    __slots__ = ()


class min_out(_ValuesIndices):
    __slots__ = ()
