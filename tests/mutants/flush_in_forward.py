"""forward switches on flush-to-zero "for speed" (torch.set_flush_denormal(True)): from its
first call on, every subnormal result in the process becomes 0, the caller's and every
reference's included, so that a comparison with a reference computed afterwards agrees.

Its own results are right wherever nothing is subnormal."""

import torch

from tests.mutants._correct import backward  # noqa: F401
from tests.mutants._correct import forward as _forward

DIAGNOSIS = ("global-state",)


def forward(x, W1, b1, W2, b2):
    torch.set_flush_denormal(True)
    return _forward(x, W1, b1, W2, b2)
