"""The gradient dict is keyed by a counter that runs forward while the backward loop runs from the last layer down: "dW1" holds the last layer's gradient, "dW2" the one before, and so on.

At every depth the layers' keys come out reversed: a shape mismatch, or on square layers
another layer's values.  Torch, dict params, rows layout, ReLU.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "params": "dict",
}
DIAGNOSIS = ("shape", "partial")


def grads(params, X, Y):
    n = len(params) // 2
    hs = [X]
    for i in range(1, n + 1):
        a = hs[-1] @ params[f"W{i}"] + params[f"b{i}"]
        hs.append(torch.relu(a) if i < n else a)
    delta = (hs[-1] - Y) / X.shape[0]
    out = {}
    for j, i in enumerate(range(n, 0, -1), start=1):
        out[f"dW{j}"] = hs[i - 1].T @ delta
        out[f"db{j}"] = delta.sum(0)
        if i > 1:
            delta = (delta @ params[f"W{i}"].T) * (hs[i - 1] > 0)
    return out
