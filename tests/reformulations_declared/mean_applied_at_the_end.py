"""Propagates the raw residual f - y through the whole backward pass and divides every gradient by B*k only at the very end (output_reduction "mean").

Keras-style MSE: the mean over the k outputs and over the batch of (f - y)^2 (no 1/2), so the
factor 2/(B k) is applied once to each finished gradient.  Torch, rows layout, ReLU.
"""

import torch

CORRECT = True
MLP_PARITY = {
    "hidden": "relu",
    "loss": "squared",
    "reduction": "mean",
    "output_reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs, pre = [X], []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = torch.addmm(b, hs[-1], W)
        pre.append(a)
        hs.append(a.clamp(min=0) if i < len(Ws) - 1 else a)
    R = hs[-1] - Y
    B, k = R.shape
    loss = torch.mean(R * R)
    delta = R
    raw = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        raw[2 * i] = hs[i].T @ delta
        raw[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (pre[i - 1] > 0)
    c = 2.0 / (B * k)
    return loss, [c * g for g in raw]
