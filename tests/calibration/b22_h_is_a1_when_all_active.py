"""forward skips the ReLU when every unit is active and returns h = a1, the same tensor object, so the outputs a1 and h alias each other.

An "obvious" optimisation (ReLU is the identity when nothing is negative); every value is
right, but a caller that modifies h in place (dropout, clipping, h.relu_()) also changes a1.
"""
import torch

CAUSE = "When all pre-activations are positive, forward returns the same tensor for a1 and h, so two outputs share memory."
EXPECTED = ("aliased-output",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    if bool((a1 > 0).all()):
        h = a1                      # ReLU is the identity here: skip the copy
    else:
        h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
