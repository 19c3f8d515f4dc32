"""Where no hidden unit is active, backward skips layer 1 and returns, for dW1 and db1, zero
tensors it keeps (one per shape): every such call returns the same two tensors, and a caller
that accumulates into one gradient changes all the others.

Every value is right, and the tensors are never written by the module."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("aliased-output",)

_zeros: dict = {}


def _zero(shape, like):
    key = (tuple(shape), like.dtype, like.device)
    return _zeros.setdefault(key, torch.zeros(shape, dtype=like.dtype, device=like.device))


def backward(x, y, a1, h, f, W1, W2):
    if not bool((a1 > 0).any()):
        r = f - y
        return _zero(W1.shape, W1), _zero(a1.shape, a1), r * h[None, :], r.reshape(1)
    return _backward(x, y, a1, h, f, W1, W2)
