"""Only the first 8 hidden units are masked: for h > 8, units 8 on get no ReLU mask."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("partial", "mask-missing")

BLOCK = 8


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    mask = (a1 > 0).to(a1.dtype)
    mask[BLOCK:] = 1
    da1 = W2[0] * r * mask
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
