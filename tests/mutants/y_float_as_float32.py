"""backward turns a target given as a Python float into a tensor of the inputs' dtype with
torch.tensor(y).to(x.dtype): torch.tensor(y) takes torch's default dtype, float32, first, so
at float64 the target is rounded to 24 bits (a relative error up to 2^-25 in r = f - y, and in
every gradient), and a target below float32's range becomes 0.

Right for every dtype when y comes as a tensor, and for float32 and below when it is a float."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("precision",)


def backward(x, y, a1, h, f, W1, W2):
    if isinstance(y, float):
        y = torch.tensor(y).to(x.dtype)
    return _backward(x, y, a1, h, f, W1, W2)
