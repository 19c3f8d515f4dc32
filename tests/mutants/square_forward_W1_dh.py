"""The forward reads W1 as (d, h) whenever that fits: a1 = W1^T x + b1 for square layers.

A module written for either orientation that tries (d, h) first: for d != h only (h, d) fits,
so it is right there.
"""

from tests.mutants._correct import backward  # noqa: F401
from tests.mutants._correct import forward as _forward

DIAGNOSIS = ("transposed",)


def forward(x, W1, b1, W2, b2):
    if W1.shape[0] == x.shape[0]:  # W1 stored (d, h)?
        W1 = W1.T
    return _forward(x, W1, b1, W2, b2)
