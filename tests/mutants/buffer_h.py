"""forward writes h into a module-level buffer (torch.clamp_min(..., out=)) and returns that
buffer: the next forward call overwrites the h a caller kept."""

import torch

from tests.mutants._correct import backward  # noqa: F401

DIAGNOSIS = ("aliased-output",)

_buffers: dict = {}


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    key = (tuple(a1.shape), a1.dtype, a1.device)
    h = _buffers.setdefault(key, torch.empty_like(a1))
    torch.clamp_min(a1, 0, out=h)
    f = (W2 @ h + b2)[0]
    return a1, h, f
