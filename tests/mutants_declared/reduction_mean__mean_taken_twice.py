"""The mean over the batch is taken twice: the output delta is divided by B and each weight gradient is divided by B again (the bias gradients once).

The loss is right.  Torch, rows layout, ReLU hidden layers, mean 1/2 squared error.
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
DIAGNOSIS = ("scale", "partial")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < len(Ws) - 1 else a)
    m = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum() / m
    delta = R / m
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta / m
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads
