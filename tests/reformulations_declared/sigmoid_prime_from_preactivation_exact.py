"""Computes sigmoid' from the pre-activation correctly, as sigmoid(a) * sigmoid(-a), instead of from the stored activation h * (1 - h).

sigmoid(-a) = 1 - sigmoid(a) exactly in real arithmetic; for a > 0 this form even avoids the
rounding of 1 - h.  Torch, rows layout, sigmoid hidden layers, identity output, summed over
the batch, squared error without 1/2, no biases.
"""

import torch

CORRECT = True
MLP_PARITY = {
    "hidden": "sigmoid",
    "loss": "squared",
    "reduction": "sum",
    "layout": "rows",
    "bias": False,
    "depth": "any",
    "outputs": "any",
}


def loss_and_grads(params, X, Y):
    hs, pre = [X], []
    for i, W in enumerate(params):
        a = hs[-1] @ W
        pre.append(a)
        hs.append(torch.sigmoid(a) if i < len(params) - 1 else a)
    R = hs[-1] - Y
    delta = 2 * R
    out = [None] * len(params)
    for i in range(len(params) - 1, -1, -1):
        out[i] = hs[i].T @ delta
        if i:
            a = pre[i - 1]
            delta = (delta @ params[i].T) * (torch.sigmoid(a) * torch.sigmoid(-a))
    return torch.sum(R * R), out
