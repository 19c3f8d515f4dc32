"""forward caches W1 x + b1 by the identity of x, W1 and b1 (keeping them alive, so that no
other tensor gets their ids): a caller that updates its parameters in place, as the seed
notebook's SGD loop does, gets the activations of the parameters it started with."""

import torch

from tests.mutants._correct import backward  # noqa: F401

DIAGNOSIS = ("stateful",)

_cache: dict = {}


def forward(x, W1, b1, W2, b2):
    key = (id(x), id(W1), id(b1))
    if key not in _cache:
        _cache[key] = ((x, W1, b1), W1 @ x + b1)
    a1 = _cache[key][1].clone()
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f
