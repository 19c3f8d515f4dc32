"""NumPy: outputs allocated with np.empty_like (which keeps a Fortran-ordered W1's order) and
filled by out= ufuncs and np.outer; checked through numpy:MODULE."""

import numpy as np


def forward(x, W1, b1, W2, b2):
    a1 = np.empty_like(b1)
    np.matmul(W1, x, out=a1)
    np.add(a1, b1, out=a1)
    h = np.empty_like(a1)
    np.maximum(a1, 0, out=h)
    return a1, h, np.asarray(W2[0] @ h + b2[0])


def backward(x, y, a1, h, f, W1, W2):
    r = np.asarray(f - y, dtype=x.dtype)
    da1 = np.empty_like(a1)
    np.multiply(W2[0] * r, a1 > 0, out=da1)
    dW1 = np.empty_like(W1)
    np.outer(da1, x, out=dW1)
    dW2 = np.empty_like(W2)
    np.multiply(h, r, out=dW2[0])
    return dW1, da1, dW2, r.reshape(1).copy()
