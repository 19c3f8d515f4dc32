"""backward returns the gradients layer by layer from the output back, (dW2, db2, dW1, db1),
where the contract's order is (dW1, db1, dW2, db2).

Every value is right: each is the gradient of another parameter than the one it stands for."""

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("wrong-order",)


def backward(x, y, a1, h, f, W1, W2):
    dW1, db1, dW2, db2 = _backward(x, y, a1, h, f, W1, W2)
    return dW2, db2, dW1, db1
