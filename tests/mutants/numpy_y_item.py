"""A NumPy module whose backward reads the target with y.item(): a 0-d array and a NumPy
scalar have .item(), a Python float, which the README admits for y, does not (AttributeError).

Every value is right whenever y comes as an array or a NumPy scalar."""

import numpy as np

KIND = "numpy"
DIAGNOSIS = ("crash",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = np.maximum(a1, 0.0)
    return a1, h, (W2 @ h + b2)[0]


def backward(x, y, a1, h, f, W1, W2):
    r = f - x.dtype.type(y.item())
    da1 = W2[0] * r * (a1 > 0)
    return np.outer(da1, x), da1, r * h[None, :], np.reshape(r, (1,)).astype(x.dtype)
