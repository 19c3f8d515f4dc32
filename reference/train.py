"""Per-sample and mini-batch SGD, and accuracy.

Per-sample SGD (the seed's order): every epoch visits samples 0..N-1 and updates after each,
theta <- theta - lr * grad. The epoch's loss is the mean of the per-sample losses 1/2 (f - y)^2,
each taken before its sample's update, accumulated in float64 (the notebook sums `loss.item()`
in a Python float).

Mini-batch SGD: every epoch draws a permutation of 0..N-1 from one
`np.random.default_rng(seed)` (epoch e uses the e-th draw), cuts it into consecutive batches of
`batch_size` (the last one may be smaller) and updates once per batch with the gradient of the
batch's mean loss. The epoch's loss is again the mean over all N samples of 1/2 (f - y)^2, each f
taken in its batch's forward pass, before that batch's update.

The parameters live as views into one flat vector theta = (W1 row-major, b1, W2, b2) of length
P = h*d + 2h + 1; the `*_trajectory` functions return copies of theta after every
`record_every`-th update (row 0: the initial parameters) and are the very loops `train` and
`train_minibatch` run.
"""

from __future__ import annotations

import numpy as np

from . import contract
from .mlp import _backward, _backward_batch, _check_batch, _forward, _forward_batch


def check_train_args(fn: str, params, X, y) -> tuple:
    W1, b1, W2, b2 = contract.check_params_tuple(fn, params)
    _check_batch(fn, X, y, W1, b1, W2, b2, y_name="y")
    return W1, b1, W2, b2


def flat_views(theta: np.ndarray, d: int, h: int) -> tuple[np.ndarray, ...]:
    """(W1, b1, W2, b2) as views into the flat vector theta of length h*d + 2h + 1."""
    W1, b1, W2, b2 = np.split(theta, np.cumsum((h * d, h, h)))
    return W1.reshape(h, d), b1, W2.reshape(1, h), b2


def _flat_copy(params) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    W1_in = params[0]
    h, d = W1_in.shape
    theta = np.empty(h * d + 2 * h + 1, dtype=W1_in.dtype)
    views = flat_views(theta, d, h)
    for p, src in zip(views, params):
        p[...] = src
    return theta, views


def _record_steps(total: int, record_every: int) -> np.ndarray:
    """Steps after which theta is recorded: 0 (initial), every `record_every`-th, and the last."""
    steps = np.arange(0, total + 1, record_every, dtype=np.int64)
    return steps if steps[-1] == total else np.append(steps, np.int64(total))


def minibatch_order(n: int, epochs: int, batch_size: int, seed: int) -> list[list[np.ndarray]]:
    """Per epoch, the index arrays of its batches: a permutation from default_rng(seed), cut."""
    rng = np.random.default_rng(seed)
    order = []
    for _ in range(epochs):
        perm = rng.permutation(n)
        order.append([perm[i : i + batch_size] for i in range(0, n, batch_size)])
    return order


def _check_minibatch_args(fn: str, n: int, batch_size: object, seed: object) -> None:
    contract.check_positive_int(fn, "batch_size", batch_size)
    if batch_size > n:
        raise ValueError(f"{fn}: batch_size must be at most N = {n}, got {batch_size}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{fn}: seed must be a non-negative int, got {seed!r}")


# --------------------------------------------------------------------------- per-sample
def _sgd(params, X, y, lr, epochs, record_every):
    """The per-sample loop; returns (theta, steps, thetas, losses); no recording if 0."""
    theta, (W1, b1, W2, b2) = _flat_copy(params)
    lr_ = X.dtype.type(lr)
    n = X.shape[0]
    steps = _record_steps(epochs * n, record_every) if record_every else np.zeros(0, np.int64)
    thetas = np.empty((steps.size, theta.size), dtype=theta.dtype)
    if record_every:
        thetas[0] = theta
    rec = 1
    losses = np.empty(epochs, dtype=np.float64)
    F = np.empty(n, dtype=X.dtype)  # f of every step of the epoch, before its update
    step = 0
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
            step += 1
            if rec < steps.size and steps[rec] == step:
                thetas[rec] = theta
                rec += 1
        R = F.astype(np.float64) - y.astype(np.float64)
        losses[epoch] = np.mean(0.5 * R * R)
    return theta, steps, thetas, losses


def _trained(theta: np.ndarray, d: int, h: int) -> tuple[np.ndarray, ...]:
    return tuple(p.copy() for p in flat_views(theta, d, h))


def train(params, X, y, lr: float = 0.1, epochs: int = 50):
    """Return ((W1, b1, W2, b2), losses); the caller's arrays are not modified."""
    fn = "train"
    params = check_train_args(fn, params, X, y)
    lr = contract.check_lr(fn, lr)
    epochs = contract.check_positive_int(fn, "epochs", epochs)
    theta, _, _, losses = _sgd(params, X, y, lr, epochs, 0)
    return _trained(theta, X.shape[1], params[0].shape[0]), losses


def train_trajectory(params, X, y, lr: float = 0.1, epochs: int = 50, record_every: int = 1):
    """`train`'s loop, recording theta: return (steps, thetas, losses).

    steps (R,) int64: the number of updates done when each row was taken (0, k, 2k, ..., last);
    thetas (R, P): the flat parameters (W1 row-major, b1, W2, b2) at those steps.
    """
    fn = "train_trajectory"
    params = check_train_args(fn, params, X, y)
    lr = contract.check_lr(fn, lr)
    epochs = contract.check_positive_int(fn, "epochs", epochs)
    record_every = contract.check_positive_int(fn, "record_every", record_every)
    _, steps, thetas, losses = _sgd(params, X, y, lr, epochs, record_every)
    return steps, thetas, losses


# --------------------------------------------------------------------------- mini-batch
def _minibatch_sgd(params, X, y, lr, epochs, batch_size, seed, record_every):
    theta, (W1, b1, W2, b2) = _flat_copy(params)
    lr_ = X.dtype.type(lr)
    n = X.shape[0]
    order = minibatch_order(n, epochs, batch_size, seed)
    total = sum(len(batches) for batches in order)
    steps = _record_steps(total, record_every) if record_every else np.zeros(0, np.int64)
    thetas = np.empty((steps.size, theta.size), dtype=theta.dtype)
    if record_every:
        thetas[0] = theta
    rec = 1
    losses = np.empty(epochs, dtype=np.float64)
    F = np.empty(n, dtype=X.dtype)
    step = 0
    for epoch, batches in enumerate(order):
        for idx in batches:
            Xb, Yb = X[idx], y[idx]
            A1, H, Fb = _forward_batch(Xb, W1, b1, W2, b2)
            F[idx] = Fb
            dW1, db1, dW2, db2 = _backward_batch(Xb, Yb, A1, H, Fb, W1, W2)
            W1 -= lr_ * dW1
            b1 -= lr_ * db1
            W2 -= lr_ * dW2
            b2 -= lr_ * db2
            step += 1
            if rec < steps.size and steps[rec] == step:
                thetas[rec] = theta
                rec += 1
        R = F.astype(np.float64) - y.astype(np.float64)
        losses[epoch] = np.mean(0.5 * R * R)
    return theta, steps, thetas, losses


def _minibatch_args(fn, params, X, y, lr, epochs, batch_size, seed):
    params = check_train_args(fn, params, X, y)
    lr = contract.check_lr(fn, lr)
    epochs = contract.check_positive_int(fn, "epochs", epochs)
    _check_minibatch_args(fn, X.shape[0], batch_size, seed)
    return params, lr, epochs


def train_minibatch(
    params, X, y, lr: float = 0.1, epochs: int = 50, batch_size: int = 32, seed: int = 0
):
    """Mini-batch SGD on the mean loss of each batch: return ((W1, b1, W2, b2), losses)."""
    fn = "train_minibatch"
    params, lr, epochs = _minibatch_args(fn, params, X, y, lr, epochs, batch_size, seed)
    theta, _, _, losses = _minibatch_sgd(params, X, y, lr, epochs, batch_size, seed, 0)
    return _trained(theta, X.shape[1], params[0].shape[0]), losses


def train_minibatch_trajectory(
    params,
    X,
    y,
    lr: float = 0.1,
    epochs: int = 50,
    batch_size: int = 32,
    seed: int = 0,
    record_every: int = 1,
):
    """`train_minibatch`'s loop, recording theta after every `record_every`-th batch update."""
    fn = "train_minibatch_trajectory"
    params, lr, epochs = _minibatch_args(fn, params, X, y, lr, epochs, batch_size, seed)
    record_every = contract.check_positive_int(fn, "record_every", record_every)
    _, steps, thetas, losses = _minibatch_sgd(
        params, X, y, lr, epochs, batch_size, seed, record_every
    )
    return steps, thetas, losses


def accuracy(params, X, y) -> float:
    """Fraction of samples with (f >= 0.5) == y, the notebook's threshold."""
    W1, b1, W2, b2 = check_train_args("accuracy", params, X, y)
    _, _, F = _forward_batch(X, W1, b1, W2, b2)
    return float(np.mean((F >= 0.5).astype(X.dtype) == y))
