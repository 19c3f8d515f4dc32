"""In the columns layout the softmax is taken over dim=1 (the batch) instead of dim=0 (the classes), a rows-layout habit.

PyTorch, columns layout: Z is (k, B), so torch.softmax(Z, dim=1) normalises each class across
the samples. Loss and gradient both use the wrong normalisation (and the gradient P - T is not
even the gradient of that loss). Right only by accident (B = 1 and k = 1 never occur together).
"""

import torch

MLP_PARITY = {
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "layout": "columns",
    "outputs": "any",
}

DIAGNOSIS = ("transposed", "inconsistent")


def loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params
    B = X.shape[1]
    A1 = W1 @ X + b1[:, None]
    H1 = torch.relu(A1)
    Z = W2 @ H1 + b2[:, None]
    logP = torch.log_softmax(Z, dim=1)  # BUG: dim=0 holds the classes here
    T = torch.zeros_like(Z)
    T[y, torch.arange(B)] = 1
    loss = -(T * logP).sum() / B

    dZ = (logP.exp() - T) / B
    dA1 = (W2.T @ dZ) * (A1 > 0)
    return loss, [dA1 @ X.T, dA1.sum(1), dZ @ H1.T, dZ.sum(1)]
