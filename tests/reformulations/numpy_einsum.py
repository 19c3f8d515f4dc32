"""NumPy with einsum: checked through --parity-impl=numpy:MODULE. f comes back as a Python float
only when the dtype is float64 (where that loses nothing)."""

import numpy as np


def forward(x, W1, b1, W2, b2):
    a1 = np.einsum("jk,k->j", W1, x) + b1
    h = np.where(a1 > 0, a1, np.zeros_like(a1))
    f = np.einsum("j,j->", W2[0], h) + b2[0]
    return a1, h, float(f) if f.dtype == np.float64 else f


def backward(x, y, a1, h, f, W1, W2):
    f = np.asarray(f, dtype=x.dtype)
    r = np.asarray(f - y, dtype=x.dtype)
    da1 = np.where(a1 > 0, W2[0] * r, np.zeros_like(a1))
    return np.einsum("j,k->jk", da1, x), da1, np.einsum(",j->j", r, h)[None, :], r.reshape(1)
