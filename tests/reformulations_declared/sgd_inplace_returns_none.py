"""sgd_step that computes every gradient first, then updates the caller's tensors in place with sub_ and returns None.

ReLU hidden layers, rows layout, mean over the batch of 1/2 ||f - y||^2, torch.
"""

import torch

CORRECT = True
MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}


@torch.no_grad()
def sgd_step(params, X, Y, lr):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < len(Ws) - 1 else a)
    delta = (hs[-1] - Y) / X.shape[0]
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    for p, g in zip(params, grads):
        p.sub_(lr * g)
    return None
