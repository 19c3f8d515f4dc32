"""A no-bias network is run with code written for the "bias trick": the last row of every weight matrix is treated as a bias, so the last input unit of each layer is dropped and a bias is added that the network does not have.

Its gradients are consistent with that other network (the bias row gets delta.sum(0), the last
input's weights never see their input).  Torch, rows layout, tanh hidden layers, summed.
"""

import torch

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "bias": False,
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("extra-term", "missing-term")


def loss_and_grads(params, X, Y):
    hs = [X]
    for i, W in enumerate(params):
        a = hs[-1][:, :-1] @ W[:-1] + W[-1]
        hs.append(torch.tanh(a) if i < len(params) - 1 else a)
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum()
    delta = R
    grads = [None] * len(params)
    for i in range(len(params) - 1, -1, -1):
        g = torch.zeros_like(params[i])
        g[:-1] = hs[i][:, :-1].T @ delta
        g[-1] = delta.sum(0)
        grads[i] = g
        if i:
            back = torch.zeros_like(hs[i])
            back[:, :-1] = delta @ params[i][:-1].T
            delta = back * (1 - hs[i] ** 2)
    return loss, grads
