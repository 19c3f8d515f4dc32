"""For a zero-initialised network (W1 and W2 both all zero) backward returns W1 itself as dW1:
dW1 = W2 r x^T is zero there, and so is W1, so "the gradient is W1". The caller's update
W1 -= lr * dW1 then writes into its own gradient.

Every value is right."""

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("aliased-output",)


def backward(x, y, a1, h, f, W1, W2):
    dW1, db1, dW2, db2 = _backward(x, y, a1, h, f, W1, W2)
    if not bool(W1.any()) and not bool(W2.any()):
        dW1 = W1
    return dW1, db1, dW2, db2
