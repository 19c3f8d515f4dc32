"""A NumPy module whose forward writes h into the next of six preallocated arrays (a ring per
shape and dtype, np.maximum(a1, 0, out=...)) and returns it: a caller that keeps the hidden
activations of six or more samples finds the first overwritten.

Every value is right when it is returned."""

import numpy as np

KIND = "numpy"
DIAGNOSIS = ("aliased-output",)

RING = 6
_rings: dict = {}


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    ring = _rings.setdefault((a1.shape, a1.dtype), [0, [np.empty_like(a1) for _ in range(RING)]])
    h = np.maximum(a1, 0.0, out=ring[1][ring[0]])
    ring[0] = (ring[0] + 1) % RING
    return a1, h, (W2 @ h + b2)[0]


def backward(x, y, a1, h, f, W1, W2):
    r = np.asarray(f - y, dtype=x.dtype)  # y may come as a Python float (NumPy 1: float64)
    da1 = W2[0] * r * (a1 > 0)
    return np.outer(da1, x), da1, r * h[None, :], np.reshape(r, (1,))
