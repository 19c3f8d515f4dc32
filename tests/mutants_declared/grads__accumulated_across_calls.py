"""grads() adds into module-level accumulators that are never zeroed (PyTorch's .grad habit without zero_grad()): each call returns the sum of the gradients of every call so far.

The first call is right.  Torch, rows layout, tanh hidden layers, summed over the batch;
returns copies, so only the values show it.
"""

import torch

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("stateful",)

_ACC = {}


def grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.tanh(a) if i < len(Ws) - 1 else a)
    delta = hs[-1] - Y
    fresh = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        fresh[2 * i] = hs[i].T @ delta
        fresh[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (1 - hs[i] ** 2)
    key = tuple((tuple(p.shape), p.dtype) for p in params)
    if key not in _ACC:
        _ACC[key] = [torch.zeros_like(p) for p in params]
    for acc, g in zip(_ACC[key], fresh):
        acc += g
    return [acc.clone() for acc in _ACC[key]]
