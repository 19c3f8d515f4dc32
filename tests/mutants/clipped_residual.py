"""The residual is clipped to [-1, 1] (a Huber-like gradient): wrong only where |f - y| > 1."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("clipped", "partial")


def backward(x, y, a1, h, f, W1, W2):
    r = (f - y).clamp(-1, 1)
    da1 = W2[0] * r * (a1 > 0)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
