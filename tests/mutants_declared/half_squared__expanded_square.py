"""The loss is computed from the expanded square 1/2 (f^2 - 2 f y + y^2), which cancels catastrophically when f is close to y (a fitted model).

Exact in real arithmetic; near a fit its value is rounding noise (even negative).  The gradients
use f - y and are right.  Torch, rows layout, tanh hidden layers, mean over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("precision",)


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.tanh(a) if i < len(Ws) - 1 else a)
    B = X.shape[0]
    f = hs[-1]
    loss = 0.5 * (f * f - 2 * f * Y + Y * Y).sum() / B
    delta = (f - Y) / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (1 - hs[i] ** 2)
    return loss, grads
