"""Correct code for leaky ReLU with slope 0.01, declared "leaky_relu:0.2": forward and backward consistently use the other slope.

A declaration mismatch: declare "hidden": "leaky_relu:0.01".  Torch, rows layout, mean over
the batch.
"""

import torch
import torch.nn.functional as F

MLP_PARITY = {
    "hidden": "leaky_relu:0.2",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("declaration", "activation-derivative")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs, pre = [X], []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        pre.append(a)
        hs.append(F.leaky_relu(a) if i < len(Ws) - 1 else a)
    B = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum() / B
    delta = R / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            a = pre[i - 1]
            delta = (delta @ Ws[i].T) * torch.where(a > 0, 1.0, 0.01).to(a.dtype)
    return loss, grads
