"""backward uses the h and the ReLU mask that the last forward call stored in a module-level
dict, not its own arguments: right whenever backward follows the forward of the same sample,
wrong (or a crash, or another shape or dtype) after a forward of another sample, shape or dtype.
"""

import torch

_cache: dict = {}

DIAGNOSIS = ("stateful",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    _cache["h"], _cache["mask"] = h, a1 > 0
    return a1, h, (W2 @ h + b2)[0]


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    h, mask = _cache.get("h", h), _cache.get("mask", a1 > 0)
    da1 = W2[0] * r * mask
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)


def reset() -> None:
    _cache.clear()
