"""The ReLU mask is inverted: 1[a1 <= 0], so the inactive units get the gradient."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("mask-inverted",)


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 <= 0)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
