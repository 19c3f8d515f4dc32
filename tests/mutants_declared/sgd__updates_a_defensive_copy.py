"""sgd_step copies the parameters "defensively", updates the copies in place and returns None: the caller's parameters never change (a step of zero).

Either returning the copies or updating the originals would be right.  Torch, rows layout,
leaky ReLU hidden layers, mean over the batch.
"""

import torch

ALPHA = 0.01
MLP_PARITY = {
    "hidden": f"leaky_relu:{ALPHA}",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("zero",)


def sgd_step(params, X, Y, lr):
    params = [p.clone() for p in params]
    Ws, bs = params[0::2], params[1::2]
    hs, pre = [X], []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        pre.append(a)
        hs.append(torch.where(a > 0, a, ALPHA * a) if i < len(Ws) - 1 else a)
    delta = (hs[-1] - Y) / X.shape[0]
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            a = pre[i - 1]
            delta = (delta @ Ws[i].T) * torch.where(a > 0, 1.0, ALPHA).to(a.dtype)
    for p, g in zip(params, grads):
        p.sub_(lr * g)
    return None
