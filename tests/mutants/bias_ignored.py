"""The forward ignores b1: a1 = W1 x."""

import torch

from tests.mutants._correct import backward  # noqa: F401

DIAGNOSIS = ("missing-term",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x
    h = torch.relu(a1)
    return a1, h, (W2 @ h + b2)[0]
