"""torch.outer, torch.where and addmv instead of matmuls and a multiplied mask."""

import torch


def forward(x, W1, b1, W2, b2):
    a1 = torch.addmv(b1, W1, x)
    h = torch.where(a1 > 0, a1, torch.zeros_like(a1))
    return a1, h, torch.addmv(b2, W2, h).reshape(())


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = torch.where(a1 > 0, W2[0] * r, torch.zeros_like(a1))
    return torch.outer(da1, x), da1, torch.outer(r.reshape(1), h), r.reshape(1)
