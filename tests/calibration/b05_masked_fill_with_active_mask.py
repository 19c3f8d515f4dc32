"""The ReLU mask is applied with masked_fill(a1 > 0, 0), which zeroes the active units and keeps the dead ones.

masked_fill fills where the condition is True; the author meant "zero the gradient of the
units that are not active" but passed the active mask.
"""
import torch

CAUSE = "masked_fill is given the active-unit mask (a1 > 0), so the gradient is zeroed on active units and passed through dead ones: the ReLU derivative is inverted."
EXPECTED = ("mask-inverted",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = (W2[0] * r).masked_fill(a1 > 0, 0)   # meant: zero the dead units
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
