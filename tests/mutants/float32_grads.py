"""The gradients come back as float32 whatever the inputs' dtype (values otherwise right)."""

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("dtype", "precision")


def backward(x, y, a1, h, f, W1, W2):
    return tuple(g.float() for g in _backward(x, y, a1, h, f, W1, W2))
