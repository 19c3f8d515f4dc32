"""backward_batch writes dW1 through .reshape(-1) of a buffer allocated like W1: for a W1
stored column-major the reshape is a copy, the write is lost and dW1 stays zero.

The per-sample backward is right in every layout; only the batch path has the flat write."""

import torch

from tests.mutants._correct import backward, forward  # noqa: F401

DIAGNOSIS = ("layout", "zero")


def backward_batch(X, Y, A1, H, F, W1, W2):
    B = X.shape[0]
    R = F - Y
    dA1 = R[:, None] * W2 * (A1 > 0)
    dW1 = torch.zeros_like(W1)
    dW1.reshape(-1)[:] = (dA1.T @ X / B).reshape(-1)
    return dW1, dA1.sum(0) / B, (R @ H)[None, :] / B, R.sum().reshape(1) / B
