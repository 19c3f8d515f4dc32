"""When every hidden unit is inactive, backward returns all-zero gradients "because nothing can flow back", but db2 = f − y is not zero then.

dW1, db1 and dW2 are indeed zero with all units dead; the output bias still has a gradient.
"""
import torch

CAUSE = "An early return of four zero tensors when no unit is active skips db2, which equals f - y regardless of the hidden layer."
EXPECTED = ("zero", "partial")


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    active = a1 > 0
    if not bool(active.any()):
        return (torch.zeros_like(W1), torch.zeros_like(a1), torch.zeros_like(W2),
                torch.zeros(1, dtype=W2.dtype, device=W2.device))
    r = f - y
    da1 = W2[0] * r * active
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
