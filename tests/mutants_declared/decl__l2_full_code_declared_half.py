"""Declaration mismatch: correct code for the L2 penalty lambda sum W^2 (form "full", gradient 2 lambda W), declared "form": "half".

PyTorch, rows layout, softmax classifier with integer labels. Loss and gradients agree with
each other; the penalty's part of both is exactly twice the declared (lambda/2) sum W^2's.
Fits: "penalty": {"l2": 0.1, "form": "full"}.
"""

import torch

MLP_PARITY = {
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "layout": "rows",
    "outputs": "any",
    "penalty": {"l2": 0.1, "form": "half"},  # the code is "full"
}

DIAGNOSIS = ("declaration", "scale")

REG = 0.1


def loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params
    B = X.shape[0]
    A1 = X @ W1 + b1
    H1 = torch.relu(A1)
    Z = H1 @ W2 + b2
    lse = torch.logsumexp(Z, dim=1)
    rows = torch.arange(B)
    loss = (lse - Z[rows, y]).mean() + REG * ((W1 * W1).sum() + (W2 * W2).sum())

    dZ = torch.exp(Z - lse[:, None])
    dZ[rows, y] -= 1
    dZ /= B
    dA1 = (dZ @ W2.T) * (A1 > 0)
    return loss, [X.T @ dA1 + 2 * REG * W1, dA1.sum(0), H1.T @ dZ + 2 * REG * W2, dZ.sum(0)]
