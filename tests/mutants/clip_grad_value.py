"""Every gradient element is clipped to [-100, 100] (as torch.nn.utils.clip_grad_value_(.., 100)
would): wrong wherever an element of the gradient is larger than that.

Right wherever every gradient element is within 100."""

from tests.mutants._correct import backward as _backward
from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("clipped",)

LIMIT = 100.0


def backward(x, y, a1, h, f, W1, W2):
    return tuple(g.clamp(-LIMIT, LIMIT) for g in _backward(x, y, a1, h, f, W1, W2))
