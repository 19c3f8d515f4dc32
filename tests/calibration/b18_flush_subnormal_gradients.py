"""Gradients smaller in magnitude than the dtype's smallest normal number are flushed to zero ("denormals are slow"), losing subnormal but legitimate values.

Right for every value in the normal range; wrong for tiny gradients.
"""
import torch

CAUSE = "Gradients with |g| < finfo(dtype).tiny are set to zero, so subnormal gradient values are lost (flush-to-zero)."
EXPECTED = ("partial", "precision")


def _ftz(t):
    return torch.where(t.abs() < torch.finfo(t.dtype).tiny, torch.zeros_like(t), t)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    return _ftz(torch.outer(da1, x)), _ftz(da1), _ftz(r * h[None, :]), _ftz(r.reshape(1))
