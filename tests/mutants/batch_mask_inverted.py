"""backward_batch masks with A1 <= 0 where A1 > 0 belongs (the per-sample backward is right):
the batch gradients of the first layer come from the inactive units only.

Every per-sample gradient is right, and so are the batch's dW2 and db2."""

from tests.mutants._correct import backward, forward  # noqa: F401

DIAGNOSIS = ("mask-inverted",)


def backward_batch(X, Y, A1, H, F, W1, W2):
    B = X.shape[0]
    R = F - Y
    dA1 = R[:, None] * W2 * (A1 <= 0)
    return dA1.T @ X / B, dA1.sum(0) / B, (R @ H)[None, :] / B, R.sum().reshape(1) / B
