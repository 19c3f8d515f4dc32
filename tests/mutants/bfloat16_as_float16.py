"""The forward computes bfloat16 inputs in float16 and casts the results back: more bits, but
float16's range (inf above 65504, 0 below 6e-8)."""

import torch

from tests.mutants import _correct
from tests.mutants._correct import backward  # noqa: F401

DIAGNOSIS = ("precision",)


def forward(x, W1, b1, W2, b2):
    dt = x.dtype
    low = torch.float16 if dt == torch.bfloat16 else dt
    outs = _correct.forward(*(a.to(low) for a in (x, W1, b1, W2, b2)))
    return tuple(o.to(dt) for o in outs)
