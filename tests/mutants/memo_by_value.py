"""backward memoises its gradients by the bytes of its arguments and returns the very tensors
it returned before when it sees the same values again: a caller that asks twice gets one
tensor twice, and whatever it does to the first (an in-place update, a zero_()) happens to the
second.

Every value is right, and the values never depend on earlier calls."""

import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("aliased-output",)

_memo: dict = {}


def _key(*tensors):
    return tuple((t.dtype, tuple(t.shape), t.double().cpu().numpy().tobytes()) for t in tensors)


def backward(x, y, a1, h, f, W1, W2):
    key = _key(*(torch.as_tensor(t) for t in (x, y, a1, h, f, W1, W2)))
    if key not in _memo:
        _memo[key] = _backward(x, y, a1, h, f, W1, W2)
    return _memo[key]
