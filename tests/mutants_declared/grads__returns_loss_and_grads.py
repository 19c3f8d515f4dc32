"""grads() returns the pair (loss, grads) (copied from a loss_and_grads version) instead of the gradients alone.

The values inside are right; the structure is not the params' list.  Torch, rows layout, ReLU,
mean over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("shape",)


def grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < len(Ws) - 1 else a)
    B = X.shape[0]
    R = hs[-1] - Y
    delta = R / B
    out = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        out[2 * i] = hs[i].T @ delta
        out[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return 0.5 * (R * R).sum() / B, out
