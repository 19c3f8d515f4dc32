"""The correct network in plain torch, the base every planted bug changes one thing of."""

import torch


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    dW2 = r * h[None, :]
    db2 = r.reshape(1)
    da1 = W2[0] * r * (a1 > 0)
    return torch.outer(da1, x), da1, dW2, db2


def backward_batch(X, Y, A1, H, F, W1, W2):
    """The mean over the batch of the per-sample gradients."""
    B = X.shape[0]
    R = F - Y
    dA1 = R[:, None] * W2 * (A1 > 0)
    return dA1.T @ X / B, dA1.sum(0) / B, (R @ H)[None, :] / B, R.sum().reshape(1) / B
