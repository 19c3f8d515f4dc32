"""Gradients smaller than 1e-30 in magnitude are flushed to zero."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("partial", "zero", "precision")
THRESHOLD = 1e-30


def backward(x, y, a1, h, f, W1, W2):
    grads = _backward(x, y, a1, h, f, W1, W2)
    return tuple(torch.where(g.abs() < THRESHOLD, torch.zeros_like(g), g) for g in grads)
