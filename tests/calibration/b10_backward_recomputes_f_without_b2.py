"""backward ignores the f it is given and recomputes the prediction as W2·h, without b2 (b2 is not an argument of backward), so the residual is off by b2.

Right whenever b2 = 0, as it is at the usual initialisation.
"""
import torch

CAUSE = "backward recomputes f as W2 @ h, omitting the output bias b2, so every gradient uses the residual (f - b2) - y."
EXPECTED = ("missing-term",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    pred = (W2 @ h)[0]          # "recompute the output from the cached activations"
    r = pred - y
    da1 = W2[0] * r * (a1 > 0)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
