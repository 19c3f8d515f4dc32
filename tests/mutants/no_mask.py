"""The ReLU mask is missing: da1 = W2^T r, also for inactive units."""

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("mask-missing",)


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r
    return da1[:, None] * x[None, :], da1, r * h[None, :], r.reshape(1)
