"""An all-zero b1 is taken for "no bias": forward notes it, and backward then returns db1 = 0.

The notebook starts from b1 = 0, so this module never trains its hidden bias.
"""

import torch

from tests.mutants import _correct

DIAGNOSIS = ("zero",)
_bias = {"in use": True}


def forward(x, W1, b1, W2, b2):
    _bias["in use"] = bool(b1.any())
    return _correct.forward(x, W1, b1, W2, b2)


def backward(x, y, a1, h, f, W1, W2):
    dW1, db1, dW2, db2 = _correct.backward(x, y, a1, h, f, W1, W2)
    if not _bias["in use"]:
        db1 = torch.zeros_like(db1)
    return dW1, db1, dW2, db2
