"""forward returns (h, a1, f), the activation before the pre-activation, where (a1, h, f)
belongs: both have shape (h,), so every shape is right, and they differ only where a1 < 0.

Every value is right."""

from tests.mutants._correct import backward  # noqa: F401
from tests.mutants._correct import forward as _forward

DIAGNOSIS = ("wrong-order",)


def forward(x, W1, b1, W2, b2):
    a1, h, f = _forward(x, W1, b1, W2, b2)
    return h, a1, f
