"""The mask uses a tiny threshold instead of zero: a1 > 1e-6."""

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("mask-wrong-at-kink",)


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > 1e-6)
    return da1[:, None] * x[None, :], da1, r * h[None, :], r.reshape(1)
