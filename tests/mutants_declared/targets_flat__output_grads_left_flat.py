"""The output is squeezed to (B,) to match the flat targets, and the output layer's gradients are built from the flat residual: dW_out comes back (n,) instead of (n, 1) and db_out as a 0-d tensor instead of (1,).

The values are right, the shapes are not.  Torch, rows layout, tanh hidden layers, summed.
"""

import torch

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "targets": "flat",
    "depth": "any",
}
DIAGNOSIS = ("shape",)


def loss_and_grads(params, X, y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.tanh(a) if i < len(Ws) - 1 else a)
    f = hs[-1].squeeze(1)
    r = f - y
    loss = 0.5 * (r * r).sum()
    grads = [None] * len(params)
    last = len(Ws) - 1
    grads[2 * last] = hs[last].T @ r
    grads[2 * last + 1] = r.sum()
    delta = r[:, None]
    for i in range(last - 1, -1, -1):
        delta = (delta @ Ws[i + 1].T) * (1 - hs[i + 1] ** 2)
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
    return loss, grads
