"""backward works through the hidden units in blocks of 64 (bounded memory) and leaves out a
last, partial block: the gradients of the last h mod 64 units stay zero where h > 64.

Right wherever h is a multiple of 64, or at most 64."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("partial", "zero")

BLOCK = 64


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    dW1, db1 = torch.zeros_like(W1), torch.zeros_like(a1)
    n = a1.shape[0]
    for s in range(0, n - n % BLOCK if n > BLOCK else n, BLOCK):
        da1 = W2[0, s : s + BLOCK] * r * (a1[s : s + BLOCK] > 0)
        dW1[s : s + BLOCK] = torch.outer(da1, x)
        db1[s : s + BLOCK] = da1
    return dW1, db1, r * h[None, :], r.reshape(1)
