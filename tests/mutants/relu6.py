"""The network uses ReLU6: h = min(max(a1, 0), 6), masked 1[0 < a1 < 6]; wrong only for a1 > 6."""

import torch

DIAGNOSIS = ("clipped", "partial")


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = a1.clamp(0, 6)
    return a1, h, (W2 @ h + b2)[0]


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * ((a1 > 0) & (a1 < 6))
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
