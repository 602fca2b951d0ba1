"""Parameters as one flat vector and back (torch.nn.utils.convert_parameters)."""
from ... import _C
from ..._functions import typename

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """The parameters flattened and concatenated into one vector (differentiable)."""
    return _C.cat([param.view(-1) for param in parameters])


def vector_to_parameters(vec, parameters):
    """Gives each parameter, as its .data, the next slice of vec, viewed in its shape."""
    if not isinstance(vec, _C.Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {typename(vec)}")
    pointer = 0
    for param in parameters:
        num_param = param.numel()
        param.data = vec[pointer:pointer + num_param].view_as(param).data
        pointer += num_param
