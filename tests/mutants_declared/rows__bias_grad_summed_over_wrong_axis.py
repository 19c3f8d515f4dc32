"""In the rows layout the bias gradient is summed over axis 1 (the units) instead of axis 0 (the samples): a (B,) vector instead of (n,).

delta.sum(1) where delta is (B, n); the weight gradients are right.  Torch, ReLU hidden
layers, mean over the batch.
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
DIAGNOSIS = ("shape",)


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < len(Ws) - 1 else a)
    B = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum() / B
    delta = R / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(1)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads
