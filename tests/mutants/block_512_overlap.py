"""forward sums W1 x in blocks of 512 inputs once there are more than 512 (one product
otherwise), and takes the partial last block as the last 512 inputs, which overlap the block
before it: the inputs in the overlap are counted twice in a1 where d > 512 and d is not a
multiple of 512.

Right on every network of at most 512 inputs, and on any multiple of 512."""

import torch

from tests.mutants._correct import backward  # noqa: F401
from tests.mutants._correct import forward as _forward

DIAGNOSIS = ("partial",)

BLOCK = 512


def forward(x, W1, b1, W2, b2):
    d = x.shape[0]
    if d <= BLOCK:
        return _forward(x, W1, b1, W2, b2)
    a1 = b1.clone()
    for s in range(0, d - d % BLOCK, BLOCK):
        a1 = a1 + W1[:, s : s + BLOCK] @ x[s : s + BLOCK]
    if d % BLOCK:
        a1 = a1 + W1[:, d - BLOCK :] @ x[d - BLOCK :]  # the tail, read as a full block
    h = torch.relu(a1)
    return a1, h, (W2 @ h + b2)[0]
