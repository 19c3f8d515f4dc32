"""Per-sample SGD as one compiled loop (numba): the speed of light of this workload.

The whole training run, every epoch and every sample, is a single machine-code loop over
NumPy arrays: no interpreter, no dispatcher, no allocation per step. Per step, with
r = f - y and every quantity in the data's dtype (float32 or float64):

    a1_j = b1_j + sum_k W1_jk x_k;   h_j = max(a1_j, 0);   f = b2 + sum_j W2_j h_j
    for each j with a1_j > 0 (ReLU'(0) = 0):
        g = W2_j r                      (W2_j before its update)
        W1_jk -= lr (g x_k);  b1_j -= lr g
    W2_j -= lr (r h_j);  b2 -= lr r

The epoch loss is the mean of 1/2 r^2 accumulated in float64. Install with
`pip install -e ".[fast]"`; the first call compiles (cached on disk afterwards).
"""

from __future__ import annotations

import numpy as np

try:
    import numba
except ImportError as exc:  # pragma: no cover - exercised where numba is absent
    raise ImportError(
        "impl.fused needs numba, an optional dependency: pip install -e '.[fast]' "
        "(or pip install numba)"
    ) from exc

from reference import contract
from reference.train import _record_steps, check_train_args

DTYPES = ("float32", "float64")


@numba.njit(cache=True, nogil=True)
def _sgd_kernel(
    W1, b1, w2, b2, X, y, lr, zero, epochs, rec_steps, thetas, losses
):  # pragma: no cover
    n, d = X.shape
    h = W1.shape[0]
    a1 = np.empty(h, dtype=W1.dtype)
    hid = np.empty(h, dtype=W1.dtype)
    step = 0
    rec = 1
    for epoch in range(epochs):
        acc = 0.0
        for i in range(n):
            f = b2[0]
            for j in range(h):
                s = b1[j]
                for k in range(d):
                    s += W1[j, k] * X[i, k]
                a1[j] = s
                hid[j] = s if s > zero else zero
                f += w2[j] * hid[j]
            r = f - y[i]
            acc += np.float64(r) * np.float64(r)
            for j in range(h):
                if a1[j] > zero:
                    g = w2[j] * r
                    for k in range(d):
                        W1[j, k] -= lr * (g * X[i, k])
                    b1[j] -= lr * g
                w2[j] -= lr * (r * hid[j])
            b2[0] -= lr * r
            step += 1
            if rec < rec_steps.size and rec_steps[rec] == step:
                _record(W1, b1, w2, b2, thetas[rec])
                rec += 1
        losses[epoch] = 0.5 * acc / n


@numba.njit(cache=True, nogil=True)
def _record(W1, b1, w2, b2, out):  # pragma: no cover
    h, d = W1.shape
    for j in range(h):
        for k in range(d):
            out[j * d + k] = W1[j, k]
        out[h * d + j] = b1[j]
        out[h * d + h + j] = w2[j]
    out[h * d + 2 * h] = b2[0]


def _run(fn: str, params, X, y, lr, epochs, record_every: int):
    W1, b1, W2, b2 = (np.array(p, order="C", copy=True) for p in check_train_args(fn, params, X, y))
    if X.dtype.name not in DTYPES:
        raise TypeError(f"{fn}: dtype must be one of {', '.join(DTYPES)}, got {X.dtype.name}")
    lr = contract.check_lr(fn, lr)
    epochs = contract.check_positive_int(fn, "epochs", epochs)
    n = X.shape[0]
    steps = _record_steps(epochs * n, record_every) if record_every else np.zeros(1, np.int64)
    thetas = np.empty((steps.size, W1.size + 2 * b1.size + 1), dtype=X.dtype)
    w2 = W2[0]
    _record(W1, b1, w2, b2, thetas[0])
    losses = np.empty(epochs, dtype=np.float64)
    t = X.dtype.type
    _sgd_kernel(
        W1, b1, w2, b2, np.ascontiguousarray(X), y, t(lr), t(0), epochs, steps, thetas, losses
    )
    return (W1, b1, W2, b2), steps, thetas, losses


def train_fused(params, X, y, lr: float = 0.1, epochs: int = 50):
    """Per-sample SGD in the seed's order: return ((W1, b1, W2, b2), losses), NumPy arrays."""
    trained, _, _, losses = _run("train_fused", params, X, y, lr, epochs, 0)
    return trained, losses


def train_fused_trajectory(params, X, y, lr: float = 0.1, epochs: int = 50, record_every: int = 1):
    """`train_fused`'s loop recording theta: (steps, thetas, losses) as `train_trajectory`."""
    fn = "train_fused_trajectory"
    record_every = contract.check_positive_int(fn, "record_every", record_every)
    _, steps, thetas, losses = _run(fn, params, X, y, lr, epochs, record_every)
    return steps, thetas, losses
