"""backward_batch divides by the batch size through a float32 reciprocal (1 / B rounded to
float32, then cast to the inputs' dtype): exact wherever B is a power of two, wrong by up to
2^-25 relative at float64 for any other batch size (1/3, 1/5, 1/7 are not float32 numbers).

Every per-sample gradient is right, and so is every batch of 1, 2, 4 or 8 samples."""

import torch

from tests.mutants._correct import backward, forward  # noqa: F401


def backward_batch(X, Y, A1, H, F, W1, W2):
    inv = torch.tensor(1.0 / X.shape[0], dtype=torch.float32).to(X.dtype)
    R = F - Y
    dA1 = R[:, None] * W2 * (A1 > 0)
    return dA1.T @ X * inv, dA1.sum(0) * inv, (R @ H)[None, :] * inv, R.sum().reshape(1) * inv


DIAGNOSIS = ("precision",)
