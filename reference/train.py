"""Per-sample SGD in the seed's order, and accuracy.

Every epoch visits samples 0..N-1 and updates after each: theta <- theta - lr * grad.
The epoch's loss is the mean of the per-sample losses 1/2 (f - y)^2, each taken before its
sample's update, accumulated in float64 (the notebook sums `loss.item()` in a Python float).
"""

from __future__ import annotations

import numpy as np

from reference import contract
from reference.mlp import _backward, _check_batch, _forward, _forward_batch


def check_train_args(fn: str, params, X, y) -> tuple:
    W1, b1, W2, b2 = contract.check_params_tuple(fn, params)
    _check_batch(fn, X, y, W1, b1, W2, b2, y_name="y")
    return W1, b1, W2, b2


def train(params, X, y, lr: float = 0.1, epochs: int = 50):
    """Return ((W1, b1, W2, b2), losses); the caller's arrays are not modified."""
    fn = "train"
    W1, b1, W2, b2 = (p.copy() for p in check_train_args(fn, params, X, y))
    lr_ = X.dtype.type(contract.check_lr(fn, lr))
    epochs = contract.check_positive_int(fn, "epochs", epochs)
    n = X.shape[0]
    losses = np.empty(epochs, dtype=np.float64)
    F = np.empty(n, dtype=X.dtype)  # f of every step of the epoch, before its update
    for epoch in range(epochs):
        for i in range(n):
            x, yi = X[i], y[i]
            a1, h, f = _forward(x, W1, b1, W2, b2)
            F[i] = f
            dW1, db1, dW2, db2 = _backward(x, yi, a1, h, f, W1, W2)
            W1 -= lr_ * dW1
            b1 -= lr_ * db1
            W2 -= lr_ * dW2
            b2 -= lr_ * db2
        R = F.astype(np.float64) - y.astype(np.float64)
        losses[epoch] = np.mean(0.5 * R * R)
    return (W1, b1, W2, b2), losses


def accuracy(params, X, y) -> float:
    """Fraction of samples with (f >= 0.5) == y, the notebook's threshold."""
    W1, b1, W2, b2 = check_train_args("accuracy", params, X, y)
    _, _, F = _forward_batch(X, W1, b1, W2, b2)
    return float(np.mean((F >= 0.5).astype(X.dtype) == y))
