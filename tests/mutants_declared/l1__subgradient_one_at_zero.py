"""The L1 subgradient is torch.where(W >= 0, 1, -1): +1 at W = 0 exactly, where sign(0) = 0 is the declared subgradient.

PyTorch, rows layout, softmax classifier with one-hot targets, penalty declared
{"l1": 0.02, "form": "half"}. Right for every nonzero weight; each weight at exactly 0 gets a
spurious lambda/2 push, so zero weights never stay at zero (the point of L1) and the gradient
differs from the declared one wherever a weight is 0.
"""

import torch

MLP_PARITY = {
    "loss": "softmax_cross_entropy",
    "labels": "one_hot",
    "layout": "rows",
    "outputs": "any",
    "penalty": {"l1": 0.02, "form": "half"},
}

DIAGNOSIS = ("partial", "extra-term", "sign")

LAM = 0.02


def l1_subgradient(W):
    one = torch.ones_like(W)
    return torch.where(W >= 0, one, -one)  # BUG: sign(0) = 0


def loss_and_grads(params, X, T):
    W1, b1, W2, b2 = params
    B = X.shape[0]
    A1 = X @ W1 + b1
    H1 = torch.relu(A1)
    Z = H1 @ W2 + b2
    logP = torch.log_softmax(Z, dim=1)
    loss = -(T * logP).sum() / B + 0.5 * LAM * (W1.abs().sum() + W2.abs().sum())

    dZ = (logP.exp() - T) / B
    dA1 = (dZ @ W2.T) * (A1 > 0)
    dW1 = X.T @ dA1 + 0.5 * LAM * l1_subgradient(W1)
    dW2 = H1.T @ dZ + 0.5 * LAM * l1_subgradient(W2)
    return loss, [dW1, dA1.sum(0), dW2, dZ.sum(0)]
