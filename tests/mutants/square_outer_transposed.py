"""dW1 is built as outer(x, da1), (d, h), and transposed only when that shape does not fit W1:
wrong (transposed) for square layers.

Every shape check passes: for d == h the transposed matrix has W1's shape.
"""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("transposed",)


def backward(x, y, a1, h, f, W1, W2):
    _, db1, dW2, db2 = _backward(x, y, a1, h, f, W1, W2)
    dW1 = torch.outer(x, db1)
    if dW1.shape != W1.shape:
        dW1 = dW1.T
    return dW1, db1, dW2, db2
