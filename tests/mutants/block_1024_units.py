"""backward forms the hidden layer's gradients in blocks of 1024 units once the layer is
wider than that (one product otherwise) and leaves out a last, partial block: the gradients
of the last h mod 1024 units stay zero where h > 1024.

Right on every layer of at most 1024 units, and on any multiple of 1024."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("partial", "zero")

BLOCK = 1024


def backward(x, y, a1, h, f, W1, W2):
    n = a1.shape[0]
    if n <= BLOCK:
        return _backward(x, y, a1, h, f, W1, W2)
    r = f - y
    dW1, db1 = torch.zeros_like(W1), torch.zeros_like(a1)
    for s in range(0, n - n % BLOCK, BLOCK):
        da1 = W2[0, s : s + BLOCK] * r * (a1[s : s + BLOCK] > 0)
        dW1[s : s + BLOCK] = torch.outer(da1, x)
        db1[s : s + BLOCK] = da1
    return dW1, db1, r * h[None, :], r.reshape(1)
