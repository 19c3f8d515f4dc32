"""dW1 is built as outer(x, da1), (d, h), and reshaped to W1's (h, d) where a transpose
belongs: the values are right but read back in the wrong order (transposed, on square layers).

Every shape check passes, for every shape.
"""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("transposed",)


def backward(x, y, a1, h, f, W1, W2):
    _, db1, dW2, db2 = _backward(x, y, a1, h, f, W1, W2)
    dW1 = torch.outer(x, db1).reshape(W1.shape)
    return dW1, db1, dW2, db2
