"""dW2 comes back with shape (h,) instead of (1, h) (values right)."""

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("shape",)


def backward(x, y, a1, h, f, W1, W2):
    dW1, db1, dW2, db2 = _backward(x, y, a1, h, f, W1, W2)
    return dW1, db1, dW2[0], db2
