"""backward_batch divides the batch sum by X.shape[1] (the input width d) instead of X.shape[0] (the batch size B).

forward and backward are right; the batched gradients are off by the factor B / d, which is
invisible whenever the batch happens to be as wide as the input.
"""
import torch

CAUSE = "backward_batch normalises the summed gradients by X.shape[1] (d) rather than the batch size X.shape[0], scaling every batched gradient by B/d."
EXPECTED = ("scale",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)


def backward_batch(X, Y, A1, H, F, W1, W2):
    n = X.shape[1]                 # intended: number of samples
    R = (F - Y) / n
    dW2 = (R @ H)[None, :]
    db2 = R.sum().reshape(1)
    dA1 = torch.outer(R, W2[0]) * (A1 > 0)
    dW1 = dA1.T @ X
    db1 = dA1.sum(0)
    return dW1, db1, dW2, db2
