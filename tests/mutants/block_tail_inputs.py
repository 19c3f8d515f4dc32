"""backward forms dW1 in blocks of 32 input columns and leaves out a last, partial block: the
last d mod 32 columns of dW1 stay zero where d > 32.

Right wherever d is a multiple of 32, or at most 32."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("partial", "zero")

BLOCK = 32


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    dW1 = torch.zeros_like(W1)
    d = x.shape[0]
    for s in range(0, d - d % BLOCK if d > BLOCK else d, BLOCK):
        dW1[:, s : s + BLOCK] = torch.outer(da1, x[s : s + BLOCK])
    return dW1, da1, r * h[None, :], r.reshape(1)
