"""db1 is never filled: `db1[active] == da1[active]` compares instead of assigning, so db1 is always zero.

dW1, dW2 and db2 are right; the statement with no effect is easy to read past.
"""
import torch

CAUSE = "A comparison (==) is written where an assignment (=) was meant, so db1 stays the zero tensor it was initialised to."
EXPECTED = ("zero",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    active = a1 > 0
    da1 = W2[0] * r * active
    dW1 = torch.outer(da1, x)
    db1 = torch.zeros_like(a1)
    db1[active] == da1[active]      # noqa: B015  (meant "=")
    return dW1, db1, r * h[None, :], r.reshape(1)
