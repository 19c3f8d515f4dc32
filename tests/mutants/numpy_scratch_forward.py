"""A NumPy module whose forward accumulates W1 x + b1 in a module-level scratch array (one per
shape and dtype, np.matmul(..., out=) then +=) and copies it out: right for one call at a
time, wrong when two threads call at once.

Every value is right, no output is kept, and no result depends on earlier calls."""

import numpy as np

KIND = "numpy"
DIAGNOSIS = ("stateful",)

_scratch: dict = {}


def forward(x, W1, b1, W2, b2):
    buf = _scratch.setdefault((W1.shape[0], x.dtype), np.empty(W1.shape[0], dtype=x.dtype))
    np.matmul(W1, x, out=buf)
    buf += b1
    a1 = buf.copy()
    h = np.maximum(a1, 0.0)
    return a1, h, (W2 @ h + b2)[0]


def backward(x, y, a1, h, f, W1, W2):
    r = np.asarray(f - y, dtype=x.dtype)  # y may come as a Python float (NumPy 1: float64)
    da1 = W2[0] * r * (a1 > 0)
    return np.outer(da1, x), da1, r * h[None, :], np.reshape(r, (1,))
