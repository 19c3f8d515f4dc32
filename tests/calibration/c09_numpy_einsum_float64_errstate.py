"""correct: NumPy implementation via np.einsum in float64 with one final rounding, using np.errstate only as a local context manager; loss and backward_batch included.
"""
import numpy as np

CORRECT = True
FRAMEWORK = "numpy"


def forward(x, W1, b1, W2, b2):
    dt = x.dtype
    with np.errstate(over="ignore", under="ignore"):
        a1 = np.einsum("hd,d->h", W1.astype(np.float64), x.astype(np.float64)) + b1
        h = np.where(a1 > 0, a1, 0.0)
        f = np.einsum("oh,h->", W2.astype(np.float64), h) + np.float64(b2[0])
    return a1.astype(dt), h.astype(dt), np.asarray(f, dtype=dt)


def backward(x, y, a1, h, f, W1, W2):
    dt = x.dtype
    with np.errstate(over="ignore", under="ignore"):
        r = np.float64(f) - np.float64(y)
        da1 = np.where(a1 > 0, W2[0].astype(np.float64) * r, 0.0)
        dW1 = np.einsum("h,d->hd", da1, x.astype(np.float64))
        dW2 = np.einsum(",oh->oh", r, h[np.newaxis, :].astype(np.float64))
    return dW1.astype(dt), da1.astype(dt), dW2.astype(dt), np.full(1, r, dtype=dt)


def loss(f, y):
    dt = np.asarray(f).dtype
    r = np.float64(f) - np.float64(y)
    return np.asarray(0.5 * r * r, dtype=dt)


def backward_batch(X, Y, A1, H, F, W1, W2):
    dt = X.dtype
    B = X.shape[0]
    R = (F.astype(np.float64) - Y.astype(np.float64)) / B
    dA1 = np.where(A1 > 0, np.einsum("b,h->bh", R, W2[0].astype(np.float64)), 0.0)
    dW1 = np.einsum("bh,bd->hd", dA1, X.astype(np.float64))
    db1 = np.einsum("bh->h", dA1)
    dW2 = np.einsum("b,bh->h", R, H.astype(np.float64))[np.newaxis, :]
    db2 = np.array([R.sum()])
    return dW1.astype(dt), db1.astype(dt), dW2.astype(dt), db2.astype(dt)
