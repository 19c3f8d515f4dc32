"""Where f = y exactly (zero residual), backward returns the four zero gradients as views of one
zero (a 0-d tensor expanded to each shape, allocated once per call): every element of every
gradient is that one number, and a caller that updates one of them in place changes all.

Every value is right."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("aliased-output",)


def backward(x, y, a1, h, f, W1, W2):
    if bool(f == y):
        z = torch.zeros((), dtype=W1.dtype, device=W1.device)
        return z.expand(W1.shape), z.expand(a1.shape), z.expand(W2.shape), z.expand(1)
    return _backward(x, y, a1, h, f, W1, W2)
