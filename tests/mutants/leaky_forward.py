"""The forward uses a leaky ReLU (slope 0.01 below 0); the backward still masks as for ReLU."""

import torch

from tests.mutants._correct import backward  # noqa: F401

DIAGNOSIS = ("mask-missing",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.nn.functional.leaky_relu(a1, 0.01)
    return a1, h, (W2 @ h + b2)[0]
