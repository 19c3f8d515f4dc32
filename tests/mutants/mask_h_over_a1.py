"""backward takes ReLU's derivative as h / a1 (1 where a1 > 0, 0 where a1 < 0), which is
0 / 0 = NaN exactly at the kink, a1 = 0: the gradients of a unit at the kink are NaN where
ReLU'(0) = 0 makes them 0.

Right wherever no activation is exactly 0."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("not-finite",)


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (h / a1)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
