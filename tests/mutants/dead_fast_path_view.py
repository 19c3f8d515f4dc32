"""Where every hidden unit is dead, backward takes a fast path that makes dW1's zeros with
W1.view(-1).mul(0).view(W1.shape): on a W1 stored column-major (or any non-contiguous W1)
.view raises, on that path only.

Every value is right, and every layout works wherever a unit is active."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("layout", "crash")


def backward(x, y, a1, h, f, W1, W2):
    if not bool((a1 > 0).any()):
        r = f - y
        dW1 = W1.view(-1).mul(0).view(W1.shape)
        return dW1, torch.zeros_like(a1), r * h[None, :], r.reshape(1)
    return _backward(x, y, a1, h, f, W1, W2)
