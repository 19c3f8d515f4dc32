"""db1 is returned as zeros: the hidden bias gradient is forgotten."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("zero",)


def backward(x, y, a1, h, f, W1, W2):
    dW1, db1, dW2, db2 = _backward(x, y, a1, h, f, W1, W2)
    return dW1, torch.zeros_like(db1), dW2, db2
