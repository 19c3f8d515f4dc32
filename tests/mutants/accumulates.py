"""State kept between calls: dW2 accumulates into a buffer that is never zeroed."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("stateful",)

_acc = {}


def backward(x, y, a1, h, f, W1, W2):
    dW1, db1, dW2, db2 = _backward(x, y, a1, h, f, W1, W2)
    buf = _acc.setdefault((dW2.shape, dW2.dtype), torch.zeros_like(dW2))
    buf += dW2
    return dW1, db1, buf.clone(), db2
