"""backward_batch divides the summed gradients by the number of hidden units, A1.shape[1] (h),
where the number of samples, A1.shape[0] (B), belongs: every batch gradient is B / h times the
mean.

Every per-sample gradient is right, and the batch wherever B = h."""

from tests.mutants._correct import backward, forward  # noqa: F401

DIAGNOSIS = ("scale",)


def backward_batch(X, Y, A1, H, F, W1, W2):
    n = A1.shape[1]
    R = F - Y
    dA1 = R[:, None] * W2 * (A1 > 0)
    return dA1.T @ X / n, dA1.sum(0) / n, (R @ H)[None, :] / n, R.sum().reshape(1) / n
