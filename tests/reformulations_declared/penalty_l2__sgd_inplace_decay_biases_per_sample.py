"""An sgd_step that applies the L2 penalty as an in-place decay p *= 1 - lr*lam/B before the data step, on weights and biases, per sample (divided by B), and returns None.

PyTorch, columns layout, list params, sigmoid outputs with BCE on one-hot/probability rows,
penalty {"l2": 0.1, "form": "half", "per_sample": True, "biases": True}: the step
p - lr (g_data + lam p / B) written as (1 - lr lam / B) p - lr g_data, with the data gradient
computed from the parameters before any of them is touched.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "output": "sigmoid",
    "loss": "bce",
    "layout": "columns",
    "outputs": "any",
    "penalty": {"l2": 0.1, "form": "half", "per_sample": True, "biases": True},
}

CORRECT = True

LAM = 0.1


def sgd_step(params, X, Y, lr):
    W1, b1, W2, b2 = params
    B = X.shape[1]
    A1 = W1 @ X + b1[:, None]
    H1 = torch.relu(A1)
    dZ = (torch.sigmoid(W2 @ H1 + b2[:, None]) - Y) / B
    dA1 = (W2.T @ dZ) * (A1 > 0)
    grads = [dA1 @ X.T, dA1.sum(1), dZ @ H1.T, dZ.sum(1)]
    for p, g in zip(params, grads):
        p.mul_(1 - lr * LAM / B).sub_(lr * g)
    return None
