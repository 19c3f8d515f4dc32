"""The tanh output's derivative is written 1 + f^2 (tan's sec^2 instead of tanh's sech^2 = 1 - f^2).

Torch, rows layout, ReLU hidden layers, mean over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "output": "tanh",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("activation-derivative", "sign")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < len(Ws) - 1 else torch.tanh(a))
    B = X.shape[0]
    f = hs[-1]
    R = f - Y
    loss = 0.5 * (R * R).sum() / B
    delta = R * (1 + f * f) / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads
