"""backward forms da1 in a module-level scratch buffer (one per shape, dtype and device,
allocated once to save allocations) and copies it out: right for one call at a time, but two
calls at once from two threads write the same buffer, and one returns the other's values.

Every value is right, no output is kept, and no result depends on earlier calls."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("stateful",)

_scratch: dict = {}


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    buf = _scratch.setdefault((tuple(a1.shape), a1.dtype, a1.device), torch.empty_like(a1))
    torch.mul(W2[0], r, out=buf)
    buf.mul_(a1 > 0)
    da1 = buf.clone()
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
