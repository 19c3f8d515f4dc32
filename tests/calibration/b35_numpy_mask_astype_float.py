"""NumPy backward builds the ReLU mask with (a1 > 0).astype(float), i.e. float64, so da1, dW1 and db1 come back float64 for float32 and float16 inputs.

`float` in astype means float64; the values are fine (even a little more accurate) but the
gradients are not in the parameters' dtype.
"""
import numpy as np

FRAMEWORK = "numpy"
CAUSE = "The mask (a1 > 0).astype(float) is float64 and promotes da1, dW1 and db1 to float64 regardless of the input dtype."
EXPECTED = ("dtype",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = np.maximum(a1, 0)
    f = (W2 @ h + b2).reshape(())
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = np.asarray(f - y, dtype=x.dtype)
    mask = (a1 > 0).astype(float)
    da1 = W2[0] * r * mask
    return np.outer(da1, x), da1, r * h[np.newaxis, :], r.reshape(1).copy()
