"""The hidden-layer delta is built from the error y - f while the output layer uses f - y, so dW1 and db1 have the wrong sign.

A learner who reads "delta = target - output" in one textbook and "dL/df = f - y" in another
mixes the two conventions: dW2 and db2 are right, the gradient that flows into the first layer
points uphill.
"""
import torch

CAUSE = "The first-layer delta uses the error (y - f) instead of dL/df = f - y, flipping the sign of dW1 and db1 only."
EXPECTED = ("sign",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y                      # dL/df for the output layer
    err = y - f                    # "the error signal sent back to the hidden layer"
    delta = W2[0] * err * (a1 > 0)
    dW1 = torch.outer(delta, x)
    db1 = delta
    dW2 = r * h[None, :]
    db2 = r.reshape(1)
    return dW1, db1, dW2, db2
