"""backward keeps a float64 copy of W2's row, keyed by W2's memory address (data_ptr()): a W2
updated in place keeps its stale copy, and a new W2 at a freed address gets another tensor's
weights, of another shape where the networks differ (a shape error then).

Right on the first call for every W2."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("stateful",)

_rows: dict = {}


def backward(x, y, a1, h, f, W1, W2):
    row = _rows.setdefault(W2.data_ptr(), W2[0].to(torch.float64))
    r = f - y
    da1 = (row * r.double() * (a1 > 0)).to(x.dtype)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
