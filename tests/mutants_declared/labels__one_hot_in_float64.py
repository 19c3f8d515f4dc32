"""The one-hot matrix is built with np.eye(C) (float64 by default), so float32 and float16 parameters get float64 gradients.

NumPy, columns layout (deeplearning.ai style: column biases, grads keyed dW1), integer labels
turned into a (C, m) one-hot matrix by np.eye(C)[:, y]. The values are right; AL - Y promotes
to float64 and so does every gradient (the loss too, which is allowed; the gradients are not).
"""

import numpy as np

MLP_PARITY = {
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "layout": "columns",
    "bias_shape": "column",
    "params": "dict",
    "outputs": "any",
    "framework": "numpy",
}

DIAGNOSIS = ("dtype", "precision")


def loss_and_grads(parameters, X, y):
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    m = X.shape[1]
    C = W2.shape[0]
    Y = np.eye(C)[:, y]  # BUG: float64, whatever the parameters' dtype
    Z1 = W1 @ X + b1
    A1 = np.maximum(0, Z1)
    Z2 = W2 @ A1 + b2
    Zs = Z2 - Z2.max(axis=0, keepdims=True)
    logAL = Zs - np.log(np.exp(Zs).sum(axis=0, keepdims=True))
    cost = -np.sum(Y * logAL) / m

    dZ2 = (np.exp(logAL) - Y) / m
    grads = {"dW2": dZ2 @ A1.T, "db2": dZ2.sum(axis=1, keepdims=True)}
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (Z1 > 0)
    grads["dW1"] = dZ1 @ X.T
    grads["db1"] = dZ1.sum(axis=1, keepdims=True)
    grads["dA1"] = dA1
    return cost, grads
