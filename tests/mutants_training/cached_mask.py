"""forward / backward (torch) whose backward keeps the ReLU mask of its first call."""

from __future__ import annotations

from impl.mlp import _backward, _forward

_state: dict = {}


def reset() -> None:
    _state.clear()


def forward(x, W1, b1, W2, b2):
    return _forward(x, W1, b1, W2, b2)


def backward(x, y, a1, h, f, W1, W2):
    mask = _state.setdefault("mask", a1 > 0)  # planted: the first sample's mask, forever
    return _backward(x, y, a1.abs() * (2 * mask - 1), h, f, W1, W2)
