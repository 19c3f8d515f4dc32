"""sgd_step updates the caller's tensors in place and then also returns p - lr * g computed from the already-updated tensors: the returned parameters have taken two steps.

A caller that uses the return value (or the in-place result) sees a different step.  Torch,
rows layout, ReLU hidden layers, mean over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("scale", "extra-term")


def _grads(params, X, Y):
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
    return grads


def sgd_step(params, X, Y, lr):
    grads = _grads(params, X, Y)
    with torch.no_grad():
        for p, g in zip(params, grads):
            p -= lr * g
    return [p - lr * g for p, g in zip(params, grads)]
