"""A NumPy module that silences NumPy's floating-point warnings for the whole process
(np.seterr(all="ignore"), once per forward call, to keep its own output quiet): a caller that
relies on overflow or invalid-value warnings, or turns them into errors, never sees them again.

Every value is right."""

import numpy as np

KIND = "numpy"
DIAGNOSIS = ("global-state",)


def forward(x, W1, b1, W2, b2):
    np.seterr(all="ignore")
    a1 = W1 @ x + b1
    h = np.maximum(a1, 0.0)
    return a1, h, (W2 @ h + b2)[0]


def backward(x, y, a1, h, f, W1, W2):
    r = np.asarray(f - y, dtype=x.dtype)  # y may come as a Python float (NumPy 1: float64)
    da1 = W2[0] * r * (a1 > 0)
    return np.outer(da1, x), da1, r * h[None, :], np.reshape(r, (1,))
