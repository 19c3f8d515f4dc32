"""W1 read through its transpose (x W1^T), dW1 built as outer(x, da1)^T, the loss as r r / 2,
and a backward_batch that sums over the batch before dividing (its sums reach B times a
sample's). (The loss expanded, 1/2 (f^2 - 2 f y + y^2), is not a reformulation: it cancels
catastrophically where y fits f, tests/mutants/loss_expanded.py.)"""

import torch


def forward(x, W1, b1, W2, b2):
    a1 = x @ W1.T + b1
    h = torch.relu(a1)
    return a1, h, (h @ W2.T + b2)[0]


def loss(f, y):
    r = f - y
    return r * r / 2


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = (a1 > 0) * W2[0] * r
    return torch.outer(x, da1).T, da1, torch.outer(r.reshape(1), h), r.reshape(1)


def backward_batch(X, Y, A1, H, F, W1, W2):
    B = X.shape[0]
    R = F - Y
    dA1 = (A1 > 0) * torch.outer(R, W2[0])
    return (X.T @ dA1).T / B, dA1.sum(0) / B, (H.T @ R)[None, :] / B, R.sum().reshape(1) / B
