"""forward switches torch's grad mode off with torch.set_grad_enabled(False) (meaning "no
autograd in here") and never back on: after its first call the caller's own autograd records
nothing, and its loss.backward() raises.

Every value the module returns is right."""

import torch

from tests.mutants._correct import backward  # noqa: F401
from tests.mutants._correct import forward as _forward

DIAGNOSIS = ("global-state",)


def forward(x, W1, b1, W2, b2):
    torch.set_grad_enabled(False)
    return _forward(x, W1, b1, W2, b2)
