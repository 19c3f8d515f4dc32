"""backward memoises its gradients by the addresses of x and the parameters (keeping those
tensors alive, so that no other tensor gets their addresses): a caller that refills its
buffers and updates its parameters in place gets the gradients of the first values."""

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("stateful",)

_memo: dict = {}


def backward(x, y, a1, h, f, W1, W2):
    key = (x.data_ptr(), W1.data_ptr(), W2.data_ptr(), x.dtype)
    if key not in _memo:
        _memo[key] = ((x, W1, W2), _backward(x, y, a1, h, f, W1, W2))
    return tuple(g.clone() for g in _memo[key][1])
