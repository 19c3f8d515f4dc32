"""The forward ignores b2: f = W2 h."""

import torch

from tests.mutants._correct import backward  # noqa: F401

DIAGNOSIS = ("missing-term",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    return a1, h, (W2 @ h)[0]
