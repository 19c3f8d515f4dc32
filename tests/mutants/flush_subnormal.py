"""Subnormal gradients are flushed to zero (values below the dtype's smallest normal number), as a
flush-to-zero CPU mode would."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("partial", "zero", "precision")


def backward(x, y, a1, h, f, W1, W2):
    grads = _backward(x, y, a1, h, f, W1, W2)
    tiny = torch.finfo(x.dtype).tiny
    return tuple(torch.where(g.abs() < tiny, torch.zeros_like(g), g) for g in grads)
