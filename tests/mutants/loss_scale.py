"""A fixed loss scale of 2^8 in the inputs' dtype: the residual is multiplied by 256 and the
gradients divided by 256 at the end, so they overflow once they exceed max / 256."""

import torch

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("not-finite", "precision")
SCALE = 256.0


def backward(x, y, a1, h, f, W1, W2):
    r = (f - y) * SCALE  # the residual of the scaled loss SCALE * L
    dW2 = r * h[None, :]
    db2 = r.reshape(1)
    da1 = W2[0] * r * (a1 > 0)
    grads = (torch.outer(da1, x), da1, dW2, db2)
    return tuple(g / SCALE for g in grads)
