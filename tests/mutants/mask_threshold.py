"""The ReLU mask uses a threshold, 1[a1 > 1e-3]: units with 0 < a1 <= 1e-3 get no gradient."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("mask-wrong-at-kink",)

EPS = 1e-3


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > EPS)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
