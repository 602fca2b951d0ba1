import pyautograd as pag
import torch
from helpers import helper_test_op, helper_test_exception


def test_add_broadcast():
    helper_test_op([(3, 4), (4,)], lambda x, y: x + y)


def test_mul_noncontig():
    helper_test_op([(3, 4), (3, 4)], lambda x, y: x * y, noncontig=True)


def test_shape_error():
    helper_test_exception(lambda: torch.ones(2, 3) + torch.ones(4), lambda: pag.ones(2, 3) + pag.ones(4))
