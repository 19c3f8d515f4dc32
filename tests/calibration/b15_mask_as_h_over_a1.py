"""The ReLU derivative is computed as h / a1 (relu(a)/a), which is 1 or 0 everywhere except at a1 = 0, where it is 0/0 = NaN.

A common "vectorised derivative" trick; it poisons dW1 and db1 with NaN exactly at the kink.
"""
import torch

CAUSE = "The mask is formed as relu(a1) / a1, which is NaN (0/0) where a1 == 0 instead of ReLU'(0) = 0."
EXPECTED = ("not-finite", "mask-wrong-at-kink")


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    drelu = h / a1                 # 1 where a1 > 0, 0 where a1 < 0
    da1 = W2[0] * r * drelu
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
