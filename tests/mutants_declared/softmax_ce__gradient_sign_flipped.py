"""The softmax-CE output delta is (T - P)/B, the gradient of the log-likelihood to be maximised, returned as the gradient of the loss to be minimised.

PyTorch, rows layout, one-hot targets. The derivation was done for the log-likelihood (ascent),
the loss returned is its negative: every gradient has the wrong sign, and gradient descent
walks uphill.
"""

import torch

MLP_PARITY = {
    "loss": "softmax_cross_entropy",
    "labels": "one_hot",
    "layout": "rows",
    "outputs": "any",
}

DIAGNOSIS = ("sign", "inconsistent")


def loss_and_grads(params, X, T):
    W1, b1, W2, b2 = params
    B = X.shape[0]
    A1 = X @ W1 + b1
    H1 = torch.relu(A1)
    Z = H1 @ W2 + b2
    lse = torch.logsumexp(Z, dim=1, keepdim=True)
    loss = (T * (lse - Z)).sum() / B

    P = torch.exp(Z - lse)
    delta = (T - P) / B  # BUG: the ascent direction
    dA1 = (delta @ W2.T) * (A1 > 0)
    return loss, [X.T @ dA1, dA1.sum(0), H1.T @ delta, delta.sum(0)]
