"""A precision downgrade: float64 inputs are computed in float32 inside and cast back."""

import torch

from tests.mutants import _correct

DIAGNOSIS = ("precision",)


def _in32(fn, *args):
    dt = args[0].dtype
    low = torch.float32 if dt == torch.float64 else dt
    dev = args[0].device  # (y may come as a Python float)
    return tuple(o.to(dt) for o in fn(*(torch.as_tensor(a, dtype=low, device=dev) for a in args)))


def forward(x, W1, b1, W2, b2):
    return _in32(_correct.forward, x, W1, b1, W2, b2)


def backward(x, y, a1, h, f, W1, W2):
    return _in32(_correct.backward, x, y, a1, h, f, W1, W2)
