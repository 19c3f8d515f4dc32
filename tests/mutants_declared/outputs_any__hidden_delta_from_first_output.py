"""The delta sent back to the hidden layer uses only the first output's column (delta[:, :1] @ W[:, :1].T), a one-output template: the other outputs' error never reaches the hidden layers.

Right at k = 1; the output layer's own gradients are right for every k.  Torch, rows layout,
ReLU hidden layers, summed over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("partial", "missing-term")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < len(Ws) - 1 else a)
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum()
    delta = R
    grads = [None] * len(params)
    last = len(Ws) - 1
    for i in range(last, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i == last:
            delta = (delta[:, :1] @ Ws[i][:, :1].T) * (hs[i] > 0)
        elif i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads
