"""backward_batch forms the residuals in place, F -= Y: the caller's F (its forward's outputs,
kept for the next step) now holds F - Y.

backward, forward and the batch gradients themselves are all right."""

from tests.mutants._correct import backward, forward  # noqa: F401

DIAGNOSIS = ("mutates-input",)


def backward_batch(X, Y, A1, H, F, W1, W2):
    B = X.shape[0]
    R = F.sub_(Y)
    dA1 = R[:, None] * W2 * (A1 > 0)
    return dA1.T @ X / B, dA1.sum(0) / B, (R @ H)[None, :] / B, R.sum().reshape(1) / B
