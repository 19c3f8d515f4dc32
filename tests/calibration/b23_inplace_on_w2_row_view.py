"""backward takes da1 = W2[0] (a view) and scales it in place, which overwrites the caller's W2 with the gradient and returns db1 aliasing W2.

`da1 = W2[0]; da1 *= r` reads like a copy in NumPy-trained eyes; the first call's values are
right, the caller's W2 is destroyed.
"""
import torch

CAUSE = "In-place multiplication on the view W2[0] writes the hidden delta into the caller's W2 (and db1 is returned as that view)."
EXPECTED = ("mutates-input", "aliased-output")


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0]
    da1 *= r
    da1 *= (a1 > 0)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
