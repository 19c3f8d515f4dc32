"""The gradients are clipped to a total norm of 1e3, as torch.nn.utils.clip_grad_norm_ would: wrong
whenever their norm exceeds it."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

# The clip factor 1e3 / |g| differs from sample to sample, and is 1 below the norm: wrong
# only on the large gradients, each scaled by its own factor.
DIAGNOSIS = ("partial", "scale")
MAX_NORM = 1e3


def backward(x, y, a1, h, f, W1, W2):
    grads = _backward(x, y, a1, h, f, W1, W2)
    norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    coef = torch.clamp(MAX_NORM / (norm + 1e-6), max=1.0)
    return tuple(g * coef for g in grads)
