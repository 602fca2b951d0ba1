"""Printing (temporary minimal version)."""
import numpy as np


def _str(self, tensor_contents=None):
    s = "tensor(" + np.array2string(self.detach().numpy(), precision=4, separator=", ") + ")"
    return s
