"""backward_batch squeezes the (B, h) hidden gradient before summing over samples: for one sample
(or one unit) db1 collapses to a scalar."""

from tests.mutants._correct import backward, forward  # noqa: F401

DIAGNOSIS = ("shape",)


def backward_batch(X, Y, A1, H, F, W1, W2):
    B = X.shape[0]
    R = F - Y
    dA1 = R[:, None] * W2 * (A1 > 0)
    db1 = dA1.squeeze().sum(0) / B
    return dA1.T @ X / B, db1, (R @ H)[None, :] / B, R.sum().reshape(1) / B
