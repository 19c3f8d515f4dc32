"""backward_batch returns a module-level buffer as dW1, overwritten by its next call: a caller
that keeps the gradients of one batch (gradient accumulation, a log) finds the next batch's.

Every value it returns is right when it returns it."""

import torch

from tests.mutants._correct import backward, forward  # noqa: F401

DIAGNOSIS = ("aliased-output",)

_buffers: dict = {}


def backward_batch(X, Y, A1, H, F, W1, W2):
    B = X.shape[0]
    R = F - Y
    dA1 = R[:, None] * W2 * (A1 > 0)
    key = (tuple(W1.shape), W1.dtype, W1.device)
    dW1 = _buffers.setdefault(key, torch.empty(W1.shape, dtype=W1.dtype, device=W1.device))
    torch.matmul(dA1.T, X, out=dW1)
    return dW1.div_(B), dA1.sum(0) / B, (R @ H)[None, :] / B, R.sum().reshape(1) / B
