"""float16 inputs are computed in bfloat16 and the results cast back: 8 significant bits instead of
11."""

import torch

from tests.mutants import _correct

DIAGNOSIS = ("precision",)


def _in(fn, *args):
    dt = args[0].dtype
    low = torch.bfloat16 if dt == torch.float16 else dt
    dev = args[0].device  # (y may come as a Python float)
    return tuple(o.to(dt) for o in fn(*(torch.as_tensor(a, dtype=low, device=dev) for a in args)))


def forward(x, W1, b1, W2, b2):
    return _in(_correct.forward, x, W1, b1, W2, b2)


def backward(x, y, a1, h, f, W1, W2):
    return _in(_correct.backward, x, y, a1, h, f, W1, W2)
