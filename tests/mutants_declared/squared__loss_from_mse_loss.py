"""The loss value comes from torch.nn.functional.mse_loss, whose default reduction is the mean over all B*k entries, while the declared loss (and the gradients returned) are the sum.

The gradients are right; the loss returned is (B*k) times too small.  Torch, rows layout, ReLU.
"""

import torch
import torch.nn.functional as F

MLP_PARITY = {
    "hidden": "relu",
    "loss": "squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("scale", "declaration")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < len(Ws) - 1 else a)
    loss = F.mse_loss(hs[-1], Y)
    delta = 2 * (hs[-1] - Y)
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads
