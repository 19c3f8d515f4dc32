"""A per-sample loop over the batch assigns the loss (loss = ...) instead of accumulating it (loss += ...): the returned loss is the last sample's.

The gradients are accumulated correctly.  Torch, rows layout, ReLU hidden layers, summed.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("partial", "missing-term")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    grads = [torch.zeros_like(p) for p in params]
    loss = torch.zeros((), dtype=X.dtype)
    for x, y in zip(X, Y):
        hs = [x]
        for i, (W, b) in enumerate(zip(Ws, bs)):
            a = hs[-1] @ W + b
            hs.append(torch.relu(a) if i < len(Ws) - 1 else a)
        r = hs[-1] - y
        loss = 0.5 * (r * r).sum()
        delta = r
        for i in range(len(Ws) - 1, -1, -1):
            grads[2 * i] += torch.outer(hs[i], delta)
            grads[2 * i + 1] += delta
            if i:
                delta = (Ws[i] @ delta) * (hs[i] > 0)
    return loss, grads
