"""backward reseeds torch's global random number generator (torch.manual_seed(0), "for
reproducibility") on every call: a caller that draws random numbers between its calls (data
shuffling, dropout, initialisation) gets the same numbers again and again.

Every value is right: the module itself draws nothing."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("global-state",)


def backward(x, y, a1, h, f, W1, W2):
    torch.manual_seed(0)
    return _backward(x, y, a1, h, f, W1, W2)
