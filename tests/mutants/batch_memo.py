"""backward_batch memoises its result by the batch's shape and the identity of W1 and W2:
a training loop that refills one batch buffer and updates its parameters in place gets the
first batch's gradients for ever.

Every call on fresh tensors is right."""

from tests.mutants._correct import backward, forward  # noqa: F401
from tests.mutants._correct import backward_batch as _batch

DIAGNOSIS = ("stateful",)

_memo: dict = {}


def backward_batch(X, Y, A1, H, F, W1, W2):
    key = (tuple(X.shape), id(W1), id(W2))
    if key not in _memo:
        _memo[key] = (W1, W2, tuple(g.clone() for g in _batch(X, Y, A1, H, F, W1, W2)))
    return tuple(g.clone() for g in _memo[key][2])  # W1, W2 kept alive: their ids stay theirs
