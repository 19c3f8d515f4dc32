"""State kept between calls: the ReLU mask of the first call is reused by every later one."""

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("stateful",)

_mask = {}


def backward(x, y, a1, h, f, W1, W2):
    mask = _mask.setdefault(tuple(a1.shape), a1 > 0)
    r = f - y
    da1 = W2[0] * r * mask
    return da1[:, None] * x[None, :], da1, r * h[None, :], r.reshape(1)
