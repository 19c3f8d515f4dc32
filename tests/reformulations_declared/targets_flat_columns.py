"""Flat (B,) targets in the columns layout, where the (1, B) output minus the (B,) targets broadcasts to (1, B) with no reshape at all.

Torch, identity hidden layer (a linear network), sigmoid output, mean over the batch, 1/2 the
squared error, column biases.
"""

import torch

CORRECT = True
MLP_PARITY = {
    "hidden": "identity",
    "output": "sigmoid",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "columns",
    "targets": "flat",
    "bias_shape": "column",
    "depth": "any",
}


def loss_and_grads(params, X, y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ hs[-1] + b
        hs.append(torch.sigmoid(a) if i == len(Ws) - 1 else a)
    f = hs[-1]
    r = f - y
    B = X.shape[1]
    loss = 0.5 * (r**2).sum() / B
    delta = r * f * (1 - f) / B
    out = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        out[2 * i] = delta @ hs[i].T
        out[2 * i + 1] = delta.sum(1, keepdim=True)
        if i:
            delta = Ws[i].T @ delta
    return loss, out
