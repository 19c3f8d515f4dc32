"""Zero entries of W1 are taken for pruned connections: dW1 is masked by W1 != 0, so a zero weight
never moves."""

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("zero",)


def backward(x, y, a1, h, f, W1, W2):
    dW1, db1, dW2, db2 = _backward(x, y, a1, h, f, W1, W2)
    return dW1 * (W1 != 0), db1, dW2, db2
