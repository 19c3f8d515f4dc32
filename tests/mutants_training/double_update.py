"""forward / backward (torch) that doubles every EVERY-th gradient: that update is applied
twice."""

from __future__ import annotations

from impl.mlp import _backward, _forward

EVERY = 97
_state = {"calls": 0}


def reset() -> None:
    _state["calls"] = 0


def forward(x, W1, b1, W2, b2):
    return _forward(x, W1, b1, W2, b2)


def backward(x, y, a1, h, f, W1, W2):
    _state["calls"] += 1
    grads = _backward(x, y, a1, h, f, W1, W2)
    if _state["calls"] % EVERY == 0:  # planted
        return tuple(2 * g for g in grads)
    return grads
