"""backward keeps the residual in a module-level variable ("the last residual, for logging")
and reads it back for each gradient: right for one call at a time, but a call in another
thread replaces it in between, and the gradients mix two samples' residuals.

Every value is right, no output is kept, and no result depends on earlier calls."""

from tests.mutants._correct import forward  # noqa: F401

DIAGNOSIS = ("stateful",)

last: dict = {}


def backward(x, y, a1, h, f, W1, W2):
    last["r"] = f - y
    da1 = W2[0] * last["r"] * (a1 > 0)
    dW1 = da1[:, None] * x[None, :]
    dW2 = last["r"] * h[None, :]
    return dW1, da1, dW2, last["r"].reshape(1).clone()
