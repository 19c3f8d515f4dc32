"""backward writes dW1 into the next of 64 module-level buffers (a ring, one per shape,
dtype and device) and returns that buffer: a caller that keeps 65 or more per-sample
gradients finds the first of them overwritten by the 65th.

Every value is right when it is returned."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("aliased-output",)

RING = 64
_rings: dict = {}


def backward(x, y, a1, h, f, W1, W2):
    dW1, db1, dW2, db2 = _backward(x, y, a1, h, f, W1, W2)
    key = (tuple(W1.shape), W1.dtype, W1.device)
    ring = _rings.setdefault(
        key, {"next": 0, "buffers": [torch.empty_like(dW1) for _ in range(RING)]}
    )
    out = ring["buffers"][ring["next"]]
    ring["next"] = (ring["next"] + 1) % RING
    return out.copy_(dW1), db1, dW2, db2
