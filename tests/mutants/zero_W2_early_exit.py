"""When W2 is all zero, backward returns zero gradients ("nothing flows back"): dW2 = r h and db2 =
r are lost."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("zero",)


def backward(x, y, a1, h, f, W1, W2):
    grads = _backward(x, y, a1, h, f, W1, W2)
    if not W2.any():
        return tuple(torch.zeros_like(g) for g in grads)
    return grads
