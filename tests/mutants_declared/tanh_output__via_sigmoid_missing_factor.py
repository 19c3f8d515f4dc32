"""The tanh output is computed as 2 sigmoid(2a) - 1 (right), but its derivative as 2 sigmoid'(2a), missing the inner factor 2 of the chain rule (should be 4 sigmoid'(2a)).

So the output delta, and every gradient, is half what it should be.  Torch, rows layout, ReLU
hidden layers, summed over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "output": "tanh",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("scale", "activation-derivative")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < len(Ws) - 1 else a)
    s = torch.sigmoid(2 * hs[-1])
    f = 2 * s - 1
    hs[-1] = f
    R = f - Y
    loss = 0.5 * (R * R).sum()
    delta = R * 2 * s * (1 - s)
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads
