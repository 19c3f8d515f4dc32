"""Softmax cross-entropy summed over the batch in NumPy's columns layout, the one-hot built with np.put_along_axis, the log-softmax as z - max - log(sum exp), and a "full" L1 penalty via np.sign.

NumPy, columns layout, column biases, list params, integer labels, reduction "sum", penalty
{"l1": 0.03, "form": "full"}: loss sum_b -log softmax(z_b)_{y_b} + 0.03 sum |W|, gradient
dW += 0.03 sign(W) (0 at W = 0).
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "reduction": "sum",
    "layout": "columns",
    "bias_shape": "column",
    "outputs": "any",
    "framework": "numpy",
    "penalty": {"l1": 0.03, "form": "full"},
}

CORRECT = True

LAM = 0.03


def loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params
    Z1 = W1 @ X + b1
    A1 = np.maximum(Z1, 0)
    Z2 = W2 @ A1 + b2
    Zs = Z2 - Z2.max(axis=0, keepdims=True)
    logP = Zs - np.log(np.sum(np.exp(Zs), axis=0, keepdims=True))
    T = np.zeros_like(Z2)
    np.put_along_axis(T, y[None, :], 1, axis=0)
    loss = -np.sum(T * logP) + LAM * (np.sum(np.abs(W1)) + np.sum(np.abs(W2)))

    dZ2 = np.exp(logP) - T
    dZ1 = (W2.T @ dZ2) * (Z1 > 0)
    return loss, [
        dZ1 @ X.T + LAM * np.sign(W1),
        dZ1.sum(axis=1, keepdims=True),
        dZ2 @ A1.T + LAM * np.sign(W2),
        dZ2.sum(axis=1, keepdims=True),
    ]
