"""backward_batch counts the samples as len(X.squeeze()): for one sample of d > 1 inputs it divides
by d, not by 1."""

from tests.mutants._correct import backward, forward  # noqa: F401

# Right for every batch of two or more: wrong only at a batch of one, there 1/d x expected.
DIAGNOSIS = ("partial", "scale", "crash")


def backward_batch(X, Y, A1, H, F, W1, W2):
    n = len(X.squeeze())
    R = F - Y
    dA1 = R[:, None] * W2 * (A1 > 0)
    return dA1.T @ X / n, dA1.sum(0) / n, (R @ H)[None, :] / n, R.sum().reshape(1) / n
