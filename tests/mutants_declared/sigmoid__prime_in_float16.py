"""sigmoid' is computed as (1 - h) * h in float16 (to "save memory") and cast back: 11 significant bits in every backward step of a float32 or float64 module.

Torch, rows layout, sigmoid hidden layers, identity output, mean over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "sigmoid",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("precision",)


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
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            h16 = hs[i].half()
            prime = ((1 - h16) * h16).to(X.dtype)
            delta = (delta @ Ws[i].T) * prime
    return loss, grads
