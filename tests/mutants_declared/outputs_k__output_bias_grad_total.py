"""The output bias gradient is the total delta.sum() broadcast to all k outputs (a scalar-output habit), instead of one sum per output column.

Right at k = 1; with three outputs every output bias gets the sum of all outputs' deltas.
Torch, rows layout, sigmoid hidden layers, mean over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "sigmoid",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": 3,
}
DIAGNOSIS = ("extra-term", "partial")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.sigmoid(a) if i < len(Ws) - 1 else a)
    B = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum() / B
    delta = R / B
    grads = [None] * len(params)
    last = len(Ws) - 1
    for i in range(last, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum() * torch.ones_like(bs[i]) if i == last else delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * hs[i] * (1 - hs[i])
    return loss, grads
