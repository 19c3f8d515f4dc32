"""Computes everything in float64 whatever the parameters' dtype and rounds each gradient once at the end; the loss stays float64.

Sigmoid hidden and output layers, params and grads as dicts keyed "W1"/"b1" (no "d" prefix),
rows layout, summed over the batch.  The float64 loss for float32 / half inputs is more
precise than the inputs, which the contract allows.
"""

import torch

CORRECT = True
MLP_PARITY = {
    "hidden": "sigmoid",
    "output": "sigmoid",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "params": "dict",
}


def loss_and_grads(params, X, Y):
    dtype = params["W1"].dtype
    n = sum(1 for k in params if k.startswith("W"))
    Ws = [params[f"W{i}"].to(torch.float64) for i in range(1, n + 1)]
    bs = [params[f"b{i}"].to(torch.float64) for i in range(1, n + 1)]
    hs = [X.to(torch.float64)]
    for W, b in zip(Ws, bs):
        hs.append(torch.sigmoid(hs[-1] @ W + b))
    R = hs[-1] - Y.to(torch.float64)
    loss = 0.5 * (R * R).sum()
    delta = R * hs[-1] * (1 - hs[-1])
    grads = {}
    for i in range(n, 0, -1):
        grads[f"W{i}"] = (hs[i - 1].T @ delta).to(dtype)
        grads[f"b{i}"] = delta.sum(0).to(dtype)
        if i > 1:
            delta = (delta @ Ws[i - 1].T) * hs[i - 1] * (1 - hs[i - 1])
    return loss, grads
