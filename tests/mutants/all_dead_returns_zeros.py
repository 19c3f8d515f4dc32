"""When no hidden unit is active (h all zero), backward returns four zero tensors ("nothing
flows back"), db2 included, which is f - y whatever the hidden layer does.

Right wherever some unit is active."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("zero",)


def backward(x, y, a1, h, f, W1, W2):
    if not bool(h.any()):
        return tuple(torch.zeros_like(p) for p in (W1, a1, W2, f.reshape(1)))
    return _backward(x, y, a1, h, f, W1, W2)
