"""NumPy forward silences float16 overflow warnings with np.seterr(over="ignore", invalid="ignore"), changing NumPy's error handling for the whole process.

Values are right; afterwards the caller's own overflow/invalid warnings (or raise settings) are
gone. np.errstate(...) as a context manager was meant.
"""
import numpy as np

FRAMEWORK = "numpy"
CAUSE = "np.seterr(...) is called at call time and never restored, changing NumPy's process-wide floating-point error state."
EXPECTED = ("global-state",)


def forward(x, W1, b1, W2, b2):
    np.seterr(over="ignore", invalid="ignore")     # quiet float16 warnings
    a1 = W1 @ x + b1
    h = np.maximum(a1, 0)
    f = (W2 @ h + b2).reshape(())
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = np.asarray(f - y, dtype=x.dtype)
    da1 = W2[0] * r * (a1 > 0)
    return np.outer(da1, x), da1, r * h[np.newaxis, :], r.reshape(1).copy()
