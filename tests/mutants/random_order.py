"""Nondeterministic: a1's sum over the inputs and b1 runs in a new random order on every call."""

import numpy as np
import torch

from tests.mutants._correct import backward  # noqa: F401

DIAGNOSIS = ("nondeterministic",)


def forward(x, W1, b1, W2, b2):
    terms = [W1[:, k] * x[k] for k in range(x.shape[0])] + [b1]
    a1 = torch.zeros_like(b1)
    for k in np.random.default_rng().permutation(len(terms)):  # planted: unseeded
        a1 = a1 + terms[k]
    h = torch.relu(a1)
    return a1, h, (W2 @ h + b2)[0]
