"""For bfloat16 inputs, backward computes in float32 and converts back by dropping the low 16
bits (the bit-mask conversion, rounding toward zero) instead of rounding to nearest: each
gradient comes back up to one bfloat16 unit in the last place smaller in magnitude.

Right for every other dtype."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("rounding-mode",)


def _truncate(t):
    bits = t.contiguous().view(torch.int32) & -65536  # 0xFFFF0000: the bfloat16 half
    return bits.view(torch.float32).to(torch.bfloat16)  # exact: the low bits are 0


def backward(x, y, a1, h, f, W1, W2):
    if x.dtype != torch.bfloat16:
        return _backward(x, y, a1, h, f, W1, W2)
    grads = _backward(*(torch.as_tensor(t, dtype=torch.float32) for t in (x, y, a1, h, f, W1, W2)))
    return tuple(_truncate(g) for g in grads)
