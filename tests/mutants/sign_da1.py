"""The hidden layer's gradient has the wrong sign: da1 = W2^T (y - f) masked (dW1, db1 negated)."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("sign",)


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * (y - f) * (a1 > 0)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
