"""The target is truncated to an integer: r = f - trunc(y)."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("extra-term",)


def backward(x, y, a1, h, f, W1, W2):
    r = f - torch.trunc(y)
    da1 = W2[0] * r * (a1 > 0)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
