"""The gradients are divided by the number of outputs k (a mean over outputs) while the loss, as declared, sums over them: k times too small, invisible at k = 1.

Torch, rows layout, tanh hidden layers, mean over the batch.
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
DIAGNOSIS = ("inconsistent", "scale", "declaration")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.tanh(a) if i < len(Ws) - 1 else a)
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum() / X.shape[0]
    delta = R / R.numel()
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (1 - hs[i] ** 2)
    return loss, grads
