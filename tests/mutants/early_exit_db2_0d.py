"""Where f = y exactly, backward takes an early exit ("nothing to learn") and returns the
residual itself for db2: a 0-d tensor where every other path returns shape (1,), so a caller
that stacks or concatenates the gradients of a batch fails on that sample only.

Every value is right, and every form is right wherever f != y."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("shape",)


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    if bool(r == 0):
        return torch.zeros_like(W1), torch.zeros_like(a1), torch.zeros_like(W2), r
    return _backward(x, y, a1, h, f, W1, W2)
