"""Softmax cross-entropy on probability-row (soft) targets, loss by F.log_softmax, gradient p * sum(t) - t (exact even for rows that do not sum to 1), plus a "half" L2 penalty.

PyTorch, rows layout, one_hot labels given as probability rows, penalty {"l2": 0.05, "form":
"half"}: loss -(1/B) sum t log softmax(z) + (0.05/2) sum W^2, gradient dW += 0.05 W. The
general form of the gradient, softmax(z) * sum_k t_k - t, reduces to p - t for one-hot rows.
"""

import torch
import torch.nn.functional as F

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "softmax_cross_entropy",
    "labels": "one_hot",
    "layout": "rows",
    "outputs": "any",
    "penalty": {"l2": 0.05, "form": "half"},
}

CORRECT = True

LAM = 0.05


def loss_and_grads(params, X, T):
    W1, b1, W2, b2 = params
    B = X.shape[0]
    H1 = torch.tanh(X @ W1 + b1)
    Z = H1 @ W2 + b2
    logP = F.log_softmax(Z, dim=1)
    loss = -(T * logP).sum() / B + 0.5 * LAM * (W1.square().sum() + W2.square().sum())

    dZ = (logP.exp() * T.sum(1, keepdim=True) - T) / B
    dA1 = (dZ @ W2.T) * (1 - H1 * H1)
    return loss, [X.T @ dA1 + LAM * W1, dA1.sum(0), H1.T @ dZ + LAM * W2, dZ.sum(0)]
