"""backward calls x.squeeze() "to accept column vectors", which turns a one-feature input (d = 1) into a 0-d tensor, and torch.outer then raises.

Right for every d > 1.
"""
import torch

CAUSE = "x.squeeze() removes the only axis when d = 1, so torch.outer(da1, x) gets a 0-d tensor and raises (backward crashes for single-feature inputs)."
EXPECTED = ("crash", "shape")


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    x = x.squeeze()                # accept x of shape (d, 1) too
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
