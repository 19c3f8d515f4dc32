"""Correct code for the convention ReLU'(0) = 1 (mask a >= 0), with relu_grad_at_zero left at its default 0: the gradients differ only where a pre-activation is exactly 0.

A declaration mismatch: declare "relu_grad_at_zero": 1.  Torch, rows layout, mean over the
batch.
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
DIAGNOSIS = ("declaration", "mask-wrong-at-kink")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs, pre = [X], []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        pre.append(a)
        hs.append(torch.clamp(a, min=0) if i < len(Ws) - 1 else a)
    B = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum() / B
    delta = R / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (pre[i - 1] >= 0)
    return loss, grads
