"""dW1 is computed as outer(x, da1) and reshaped to W1's shape instead of transposed, scrambling its elements.

The shape comes out right, so nothing complains; with d = 1 or h = 1 the reshape happens to
equal the transpose, and the bug only shows on wider layers.
"""
import torch

CAUSE = "dW1 is formed as outer(x, da1).reshape(h, d) where a transpose belongs, so its elements are rearranged (right only when d = 1 or h = 1)."
EXPECTED = ("transposed",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    dW1 = torch.outer(x, da1).reshape(W1.shape)   # (d, h) "reshaped" to (h, d)
    return dW1, da1, r * h[None, :], r.reshape(1)
