"""dW1 uses only the first two inputs: its columns from 2 on are zero (wrong only for d > 2)."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("partial", "zero")


def backward(x, y, a1, h, f, W1, W2):
    dW1, db1, dW2, db2 = _backward(x, y, a1, h, f, W1, W2)
    dW1 = torch.cat([dW1[:, :2], torch.zeros_like(dW1[:, 2:])], dim=1)
    return dW1, db1, dW2, db2
