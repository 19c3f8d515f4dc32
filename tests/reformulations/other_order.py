"""Another order of operations: sums by hand in reverse, products regrouped, f of shape (1,)."""

import torch


def forward(x, W1, b1, W2, b2):
    a1 = b1.clone()
    for k in reversed(range(x.shape[0])):
        a1 = W1[:, k] * x[k] + a1
    h = torch.clamp_min(a1, 0)
    f = b2 + (h * W2[0]).flip(0).sum()
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    mask = (a1 > 0).to(x.dtype)
    dW1 = (W2[0] * mask)[:, None] * ((f - y) * x)[None, :]
    db1 = (f - y) * (mask * W2[0])
    return dW1, db1, (h * (f - y))[None, :], (f - y).reshape(1)
