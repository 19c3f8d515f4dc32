"""backward forms the residual's sign and size apart, r = sign * |r| with sign = r / |r| (to
"keep the direction exact"): 0 / 0 is NaN, so where f = y exactly every gradient is NaN
instead of 0.

Right wherever f != y."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("not-finite",)


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    size = r.abs()
    r = (r / size) * size
    da1 = W2[0] * r * (a1 > 0)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
