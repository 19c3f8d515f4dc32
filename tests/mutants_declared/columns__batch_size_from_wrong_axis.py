"""The batch size is read as X.shape[0], which in the columns layout (X is (d, B)) is the number of features: the mean divides by d instead of B.

Right only when d == B.  Torch, columns layout, tanh hidden layers, mean over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "columns",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("scale",)


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    m = X.shape[0]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ hs[-1] + b[:, None]
        hs.append(torch.tanh(a) if i < len(Ws) - 1 else a)
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum() / m
    delta = R / m
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = delta @ hs[i].T
        grads[2 * i + 1] = delta.sum(1)
        if i:
            delta = (Ws[i].T @ delta) * (1 - hs[i] ** 2)
    return loss, grads
