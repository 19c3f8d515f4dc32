"""The mean over the k outputs is applied to the loss but not to the gradient: the gradients are k times too large (right only at k = 1).

Keras-style MSE (mean over outputs) computed with .mean(axis=1) for the loss, while the delta
is (f - y) / B.  Torch, rows layout, ReLU hidden layers, mean over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "output_reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": 3,
}
DIAGNOSIS = ("inconsistent", "scale", "declaration")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < len(Ws) - 1 else a)
    B = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * (R * R).mean(dim=1).mean()
    delta = R / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads
