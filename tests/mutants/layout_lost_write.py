"""dW1 is written through .reshape(-1) of a buffer allocated like W1: for a W1 stored
column-major the reshape is a copy, the write is lost and dW1 stays zero.

The buffer follows W1's strides (torch.zeros_like keeps a dense layout), so on the contiguous
W1 every other check hands over, the reshape is a view and the write lands.
"""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("layout", "zero")


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    dW1 = torch.zeros_like(W1)
    dW1.reshape(-1)[:] = torch.outer(da1, x).reshape(-1)
    return dW1, da1, r * h[None, :], r.reshape(1)
