"""NumPy forward flattens W1 with ravel(order="K") ("no copy") and reshapes to (h, d) assuming row-major order, so a column-major W1 is read transposed.

Right for every C-ordered W1 (and for most strided views); wrong for a Fortran-ordered W1,
e.g. one that came out of a transpose or from Fortran/LAPACK code.
"""
import numpy as np

FRAMEWORK = "numpy"
CAUSE = "W1.ravel(order='K') returns elements in memory order, and reshaping that to (h, d) assumes C order, so forward's result depends on W1's memory layout."
EXPECTED = ("layout",)


def forward(x, W1, b1, W2, b2):
    nh, d = W1.shape
    w = W1.ravel(order="K").reshape(nh, d)    # "avoid the copy ravel() would make"
    a1 = w @ x + b1
    h = np.maximum(a1, 0)
    f = (W2 @ h + b2).reshape(())
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = np.asarray(f - y, dtype=x.dtype)
    da1 = W2[0] * r * (a1 > 0)
    return np.outer(da1, x), da1, r * h[np.newaxis, :], r.reshape(1).copy()
