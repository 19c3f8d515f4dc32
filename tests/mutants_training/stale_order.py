"""A per-sample trainer (torch) that updates W2 before back-propagating through it, so the
hidden layer's gradient uses the new W2: every single gradient formula is right."""

from __future__ import annotations

import numpy as np
import torch

from reference.train import _record_steps


def train_trajectory(params, X, y, lr, epochs, record_every=1):
    W1, b1, W2, b2 = (p.clone() for p in params)
    n = X.shape[0]
    steps = _record_steps(epochs * n, record_every)
    thetas = torch.empty(steps.size, W1.numel() + 2 * b1.numel() + 1, dtype=X.dtype)
    flat = lambda: torch.cat([W1.reshape(-1), b1, W2.reshape(-1), b2])  # noqa: E731
    thetas[0] = flat()
    losses, rec, step = np.empty(epochs), 1, 0
    for epoch in range(epochs):
        total = 0.0
        for i in range(n):
            x = X[i]
            a1 = W1 @ x + b1
            h = torch.clamp_min(a1, 0)
            r = W2[0] @ h + b2[0] - y[i]
            total += 0.5 * float(r) ** 2
            W2 -= lr * r * h  # planted: W2 updated before it is used below
            b2 -= lr * r
            da1 = W2[0] * r * (a1 > 0)
            W1 -= lr * torch.outer(da1, x)
            b1 -= lr * da1
            step += 1
            if rec < steps.size and steps[rec] == step:
                thetas[rec] = flat()
                rec += 1
        losses[epoch] = total / n
    return steps, thetas, losses
