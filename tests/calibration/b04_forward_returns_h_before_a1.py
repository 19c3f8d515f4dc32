"""forward returns (h, a1, f) instead of (a1, h, f); backward is right, so a caller that unpacks forward's result feeds it swapped.

Every value is computed correctly; only the tuple order breaks the contract.
"""
import torch

CAUSE = "forward returns its outputs in the order (h, a1, f) instead of the contract's (a1, h, f)."
EXPECTED = ("order",)


def forward(x, W1, b1, W2, b2):
    pre = W1 @ x + b1
    act = torch.relu(pre)
    out = (W2 @ act + b2)[0]
    return act, pre, out


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
