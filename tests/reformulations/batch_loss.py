"""A module with a function named loss of another signature, loss(params, X, Y), the mean loss
over a batch: the harness checks loss(f, y) only, and says it did not check this one."""

import torch


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    return a1, h, (W2 @ h + b2)[0]


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)


def loss(params, X, Y):
    W1, b1, W2, b2 = params
    F = torch.relu(X @ W1.T + b1) @ W2[0] + b2[0]
    return 0.5 * ((F - Y) ** 2).mean()
