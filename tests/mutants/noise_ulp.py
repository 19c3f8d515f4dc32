"""Nondeterministic: every gradient element moves 1 ulp up or down, by an unseeded generator."""

import numpy as np
import torch

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("nondeterministic",)


def _jitter(g):
    rng = np.random.default_rng()  # planted: no seed, a different draw on every call
    up = torch.from_numpy(rng.random(tuple(g.shape)) < 0.5).to(g.device)
    inf = torch.full_like(g, float("inf"))
    return torch.nextafter(g, torch.where(up, inf, -inf))


def backward(x, y, a1, h, f, W1, W2):
    return tuple(_jitter(g) for g in _backward(x, y, a1, h, f, W1, W2))
