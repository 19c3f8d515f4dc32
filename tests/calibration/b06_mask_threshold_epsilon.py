"""The ReLU derivative uses a1 > 1e-6 "to stay away from the kink", so small positive activations get zero gradient.

Everything is right for activations well away from 0; units with 0 < a1 <= 1e-6 (and every
unit of a network whose values are all small) lose their gradient.
"""
import torch

CAUSE = "The ReLU mask is a threshold a1 > 1e-6 instead of a1 > 0, dropping the gradient of small positive activations."
EXPECTED = ("mask-wrong-at-kink", "partial")

_EPS = 1e-6


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    active = a1 > _EPS              # "numerically safe" derivative
    da1 = W2[0] * r * active
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
