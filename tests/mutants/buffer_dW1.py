"""backward returns a module-level buffer as dW1, reused (overwritten) by every later call: a
caller that keeps per-sample gradients finds them all equal to the last one."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("aliased-output",)

_buffers: dict = {}


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    key = (tuple(W1.shape), W1.dtype, W1.device)
    dW1 = _buffers.setdefault(key, torch.empty(W1.shape, dtype=W1.dtype, device=W1.device))
    torch.outer(da1, x, out=dW1)
    return dW1, da1, r * h[None, :], r.reshape(1)
