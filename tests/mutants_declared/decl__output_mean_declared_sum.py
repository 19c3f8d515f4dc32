"""Correct code for the mean over the k outputs (Keras's MSE), with output_reduction left at its default "sum": loss and gradients are exactly 1/k of the declared ones.

A declaration mismatch: declare "output_reduction": "mean".  Torch, rows layout, ReLU, three
outputs, mean over the batch, squared error.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "loss": "squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": 3,
}
DIAGNOSIS = ("declaration", "scale")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < len(Ws) - 1 else a)
    R = hs[-1] - Y
    loss = torch.mean(R * R)
    delta = 2 * R / R.numel()
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads
