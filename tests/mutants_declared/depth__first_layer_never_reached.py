"""The backward loop stops one layer early (range(L, 0, -1) over 0-based layers), so the first layer's gradients stay at their initial zeros.

Torch, dict params and grads keyed "dW1"/"db1", rows layout, tanh hidden layers, mean.
"""

import torch

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "params": "dict",
}
DIAGNOSIS = ("zero", "partial")


def grads(params, X, Y):
    n = len(params) // 2
    Ws = [params[f"W{i}"] for i in range(1, n + 1)]
    bs = [params[f"b{i}"] for i in range(1, n + 1)]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.tanh(a) if i < n - 1 else a)
    g = {f"d{k}": torch.zeros_like(v) for k, v in params.items()}
    delta = (hs[-1] - Y) / X.shape[0]
    for i in range(n - 1, 0, -1):
        g[f"dW{i + 1}"] = hs[i].T @ delta
        g[f"db{i + 1}"] = delta.sum(0)
        delta = (delta @ Ws[i].T) * (1 - hs[i] ** 2)
    return g
