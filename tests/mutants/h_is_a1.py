"""forward returns a1 itself as h when no activation is negative (ReLU is then the identity):
h and a1 are one tensor, and a caller that changes one changes the other."""

import torch

from tests.mutants._correct import backward  # noqa: F401

DIAGNOSIS = ("aliased-output",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = a1 if bool((a1 >= 0).all()) else torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f
