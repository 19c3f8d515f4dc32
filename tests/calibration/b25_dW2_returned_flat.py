"""dW2 is returned with shape (h,) instead of W2's shape (1, h), because it is written r * h without the leading axis.

The values are right; an optimiser doing W2 -= lr * dW2 even works by broadcasting, which is
why this survives, but the contract (gradients in the parameters' shapes) is broken.
"""
import torch

CAUSE = "dW2 is computed as r * h with shape (h,) instead of (1, h)."
EXPECTED = ("shape",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    return torch.outer(da1, x), da1, r * h, r.reshape(1)
