"""backward uses the ReLU mask that the last forward call with the same W1 tensor stashed (as
a layer object keeps self.mask), and computes it only when there is none: backward for one
sample after forward of another, with the same parameters, uses the other sample's mask."""

from tests.mutants._correct import forward as _forward

DIAGNOSIS = ("stateful",)

_masks: dict = {}  # id(W1) -> (W1, mask); W1 is kept, so that no other tensor gets its id


def forward(x, W1, b1, W2, b2):
    a1, h, f = _forward(x, W1, b1, W2, b2)
    _masks[id(W1)] = (W1, a1 > 0)
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    _, mask = _masks.get(id(W1), (W1, a1 > 0))
    r = f - y
    da1 = W2[0] * r * mask
    return da1[:, None] * x[None, :], da1, r * h[None, :], r.reshape(1)
