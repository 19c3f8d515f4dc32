"""The wrong kink convention: the mask is a1 >= 0, so ReLU'(0) = 1."""

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("mask-wrong-at-kink",)


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 >= 0)
    return da1[:, None] * x[None, :], da1, r * h[None, :], r.reshape(1)
