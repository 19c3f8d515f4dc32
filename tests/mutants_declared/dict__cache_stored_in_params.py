"""The forward stores its cache (Z1, A1, ...) in the caller's params dict, Andrew-Ng-course style: the gradients are right but the input dict gains entries.

NumPy, dict params, columns layout, column biases, ReLU hidden layers, mean over the batch.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "columns",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "params": "dict",
    "framework": "numpy",
}
DIAGNOSIS = ("mutates-input",)


def grads(params, X, Y):
    L = len([k for k in params if k.startswith("W")])
    A = X
    params["A0"] = X
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = np.maximum(Z, 0) if l < L else Z
        params[f"Z{l}"], params[f"A{l}"] = Z, A
    m = X.shape[1]
    dZ = (A - Y) / m
    g = {}
    for l in range(L, 0, -1):
        g[f"dW{l}"] = dZ @ params[f"A{l - 1}"].T
        g[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dZ = (params[f"W{l}"].T @ dZ) * (params[f"Z{l - 1}"] > 0)
    return g
