"""Andrew-Ng-course style: dict params, a grads dict keyed "dW1"/"db1" that also carries the cache entries "dA1", "dZ1", "A1" (fresh arrays), columns layout with column biases.

ReLU hidden layers, sigmoid output (written exp(-|z|)-stable), mean over the batch of 1/2 the
squared error.  The extra entries are ignored by a checker that follows the contract.
"""

import numpy as np

CORRECT = True
MLP_PARITY = {
    "hidden": "relu",
    "output": "sigmoid",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "columns",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "params": "dict",
    "framework": "numpy",
}


def sigmoid(Z):
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1 / (1 + e), e / (1 + e))


def forward_propagation(X, parameters):
    L = len(parameters) // 2
    caches, A = [], X
    for l in range(1, L + 1):
        Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"]
        caches.append((A, Z))
        A = np.maximum(Z, 0) if l < L else sigmoid(Z)
    return A, caches


def grads(params, X, Y):
    L = len(params) // 2
    AL, caches = forward_propagation(X, params)
    m = X.shape[1]
    g = {}
    dA = AL - Y
    for l in range(L, 0, -1):
        A_prev, Z = caches[l - 1]
        dZ = dA * AL * (1 - AL) if l == L else dA * (Z > 0)
        g[f"dZ{l}"] = dZ.copy()
        g[f"dW{l}"] = dZ @ A_prev.T / m
        g[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
        dA = params[f"W{l}"].T @ dZ
        g[f"dA{l - 1}"] = dA.copy()
        if l > 1:
            g[f"A{l - 1}"] = A_prev.copy()
    return g
