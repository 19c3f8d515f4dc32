"""impl.train's parameters, but each epoch's loss taken after the epoch's updates: the
parameters are right, the reported losses are not."""

from __future__ import annotations

import torch

import impl


def train_trajectory(params, X, y, lr, epochs, record_every=1):
    steps, thetas, _ = impl.train_trajectory(params, X, y, lr, epochs, record_every)
    n, P = X.shape[0], thetas.shape[1]
    h = (P - 1) // (X.shape[1] + 2)
    losses = torch.empty(epochs, dtype=torch.float64)
    at = {int(s): k for k, s in enumerate(steps)}
    for epoch in range(epochs):
        theta = thetas[at[(epoch + 1) * n]]  # planted: after the epoch, not before each step
        W1, b1 = theta[: h * X.shape[1]].view(h, -1), theta[h * X.shape[1] : h * X.shape[1] + h]
        W2, b2 = theta[-h - 1 : -1], theta[-1]
        _, _, F = impl.mlp._forward_batch(X, W1, b1, W2.view(1, h), b2.view(1))
        losses[epoch] = 0.5 * ((F.double() - y.double()) ** 2).mean()
    return steps, thetas, losses
