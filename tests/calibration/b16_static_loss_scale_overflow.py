"""backward applies a fixed "loss scale" of 1024 to the residual in the input dtype and divides it out at the end, so large gradients overflow to inf in float16 (and float32).

Static loss scaling is meant to protect small float16 gradients from underflow; applied
unconditionally it turns every gradient above max/1024 into inf, though the true value fits.
"""
import torch

CAUSE = "The residual is multiplied by a fixed scale of 1024 before the products and divided afterwards, so gradients above dtype max / 1024 overflow to inf."
EXPECTED = ("not-finite",)

LOSS_SCALE = 1024.0


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    rs = (f - y) * LOSS_SCALE
    da1 = W2[0] * rs * (a1 > 0)
    dW1 = torch.outer(da1, x) / LOSS_SCALE
    db1 = da1 / LOSS_SCALE
    dW2 = rs * h[None, :] / LOSS_SCALE
    db2 = rs.reshape(1) / LOSS_SCALE
    return dW1, db1, dW2, db2
