"""Every contraction written as torch.einsum (forward, deltas, weight and bias gradients), any depth and any k.

Rows layout, tanh hidden layers, identity output, mean over the batch of 1/2 ||f - y||^2;
the bias gradient is an einsum against a vector of ones rather than a sum.
"""

import torch

CORRECT = True
MLP_PARITY = {
    "hidden": "tanh",
    "output": "identity",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = torch.einsum("bi,io->bo", hs[-1], W) + b
        hs.append(torch.tanh(a) if i < len(Ws) - 1 else a)
    B = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * torch.einsum("bk,bk->", R, R) / B
    ones = torch.ones(B, dtype=X.dtype)
    delta = R / B
    out = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        out[2 * i] = torch.einsum("bi,bo->io", hs[i], delta)
        out[2 * i + 1] = torch.einsum("b,bo->o", ones, delta)
        if i:
            delta = torch.einsum("bo,io->bi", delta, Ws[i]) * (1 - hs[i] * hs[i])
    return loss, out
