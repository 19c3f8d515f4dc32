"""An input is modified in place: backward scales W2 by the mask (a1 > 0) to save memory."""

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("mutates-input",)


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    W2[0].mul_(a1 > 0)
    da1 = W2[0] * r
    return da1[:, None] * x[None, :], da1, r * h[None, :], r.reshape(1)
