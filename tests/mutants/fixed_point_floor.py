"""backward stores each gradient on a fixed-point grid of 2^-12 (an int16 optimizer state, say)
by flooring, torch.floor(g * 2^12) / 2^12, where rounding to nearest would halve the error:
every element comes back up to one grid step below its value.

Right wherever a gradient element is a multiple of 2^-12."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("rounding-mode",)

STEP = 2.0**-12


def backward(x, y, a1, h, f, W1, W2):
    return tuple(torch.floor(g / STEP) * STEP for g in _backward(x, y, a1, h, f, W1, W2))
