"""forward makes float64 the default dtype "for accuracy" (torch.set_default_dtype) and leaves
it so: every tensor its caller creates afterwards without a dtype (torch.zeros, torch.tensor of
Python floats) is float64, twice the memory and another dtype than the caller's model.

Every value is right: the module's own tensors all take the inputs' dtype."""

import torch

from tests.mutants._correct import backward  # noqa: F401
from tests.mutants._correct import forward as _forward

DIAGNOSIS = ("global-state",)


def forward(x, W1, b1, W2, b2):
    torch.set_default_dtype(torch.float64)
    return _forward(x, W1, b1, W2, b2)
