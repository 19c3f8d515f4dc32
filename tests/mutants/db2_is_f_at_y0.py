"""Where the target is y = 0, backward skips the subtraction, r = f, and returns db2 as
f.reshape(1): a view of the caller's f, which changes when the caller changes f.

Every value is right."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("aliased-output",)


def backward(x, y, a1, h, f, W1, W2):
    r = f if bool(y == 0) else f - y
    da1 = W2[0] * r * (a1 > 0)
    return torch.outer(da1, x), da1, r * h[None, :], torch.as_tensor(r).reshape(1)
