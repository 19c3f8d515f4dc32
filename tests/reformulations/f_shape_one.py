"""forward returns f of shape (1,), and backward is written for that f: it indexes the
residual as a vector (r[:, None]), which a 0-d f would not allow."""

import torch


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    return a1, h, W2 @ h + b2  # (1,)


def backward(x, y, a1, h, f, W1, W2):
    r = f - y  # (1,)
    dW2 = r[:, None] * h[None, :]
    da1 = (W2 * r[:, None])[0] * (a1 > 0)
    return torch.outer(da1, x), da1, dW2, r.clone()
