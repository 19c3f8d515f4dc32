"""The residual is doubled: r = 2 (f - y), the derivative of (f - y)^2, not of 1/2 (f - y)^2."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("scale",)


def backward(x, y, a1, h, f, W1, W2):
    r = 2 * (f - y)
    da1 = W2[0] * r * (a1 > 0)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
