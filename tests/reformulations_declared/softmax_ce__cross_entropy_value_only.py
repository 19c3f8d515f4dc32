"""Softmax cross-entropy whose loss value comes from torch.nn.functional.cross_entropy (no autograd: nothing requires grad), gradients by hand with a one-hot built by scatter.

PyTorch, columns layout (Z is (k, B), so the functional gets Z.T), params dict, integer labels.
F.cross_entropy is log_softmax + nll_loss, stable for any logits; the gradient is
softmax(Z, dim=0) - one_hot, the one-hot by zeros.scatter(0, y[None], 1).
"""

import torch
import torch.nn.functional as F

MLP_PARITY = {
    "hidden": "relu",
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "layout": "columns",
    "params": "dict",
    "outputs": "any",
}

CORRECT = True


def loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    B = X.shape[1]
    A1 = W1 @ X + b1[:, None]
    H1 = torch.relu(A1)
    Z = W2 @ H1 + b2[:, None]
    loss = F.cross_entropy(Z.T, y, reduction="mean")

    T = torch.zeros_like(Z).scatter(0, y[None, :], 1.0)
    dZ = (torch.softmax(Z, dim=0) - T) / B
    dA1 = (W2.T @ dZ) * (A1 > 0)
    return loss, {"W1": dA1 @ X.T, "b1": dA1.sum(1), "W2": dZ @ H1.T, "b2": dZ.sum(1)}
