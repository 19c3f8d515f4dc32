"""backward reseeds Python's random module (random.seed(1234)) on every call, as a script that
wanted repeatable runs would at its top: a caller's random.shuffle of its data between steps
shuffles the same way every epoch.

Every value is right."""

import random

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("global-state",)


def backward(x, y, a1, h, f, W1, W2):
    random.seed(1234)
    return _backward(x, y, a1, h, f, W1, W2)
