"""The tanh layer's derivative is h * (1 - h), sigmoid's formula pasted in place of 1 - h^2.

A network converted from sigmoid to tanh in the forward only.  Torch, dict params keyed "W1",
rows layout, summed over the batch, squared error without 1/2.
"""

import torch

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "params": "dict",
}
DIAGNOSIS = ("activation-derivative",)


def loss_and_grads(params, X, Y):
    n = len(params) // 2
    hs = [X]
    for i in range(1, n + 1):
        a = hs[-1] @ params[f"W{i}"] + params[f"b{i}"]
        hs.append(torch.tanh(a) if i < n else a)
    R = hs[-1] - Y
    loss = (R * R).sum()
    delta = 2 * R
    g = {}
    for i in range(n, 0, -1):
        g[f"W{i}"] = hs[i - 1].T @ delta
        g[f"b{i}"] = delta.sum(0)
        if i > 1:
            h = hs[i - 1]
            delta = (delta @ params[f"W{i}"].T) * h * (1 - h)
    return loss, g
