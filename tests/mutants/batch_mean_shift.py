"""backward_batch takes the mean as a binary shift, the sum times 2^-floor(log2 B), written for
batches of 2^k samples: right for B = 1, 2, 4, 8, ..., and off by B / 2^floor(log2 B) (3/2 for
three samples, 5/4 for five) for every other batch size.

Every per-sample gradient is right."""

import math

from tests.mutants._correct import backward, forward  # noqa: F401

DIAGNOSIS = ("scale",)


def backward_batch(X, Y, A1, H, F, W1, W2):
    shift = 2.0 ** -math.floor(math.log2(X.shape[0]))
    R = F - Y
    dA1 = R[:, None] * W2 * (A1 > 0)
    return (
        dA1.T @ X * shift,
        dA1.sum(0) * shift,
        (R @ H)[None, :] * shift,
        R.sum().reshape(1) * shift,
    )
