"""BCE computed from the logit as max(a, 0) - y a + log1p(exp(-|a|)) in the columns layout with flat targets (B,), two hidden layers of different activations, the delta p - y.

PyTorch, columns layout, targets "flat" (one sigmoid output, Y of shape (B,)), hidden
["tanh", "relu"]. The softplus form never takes the log of a rounded probability, so it is
exact to the last digits for every logit; the output delta sigma(a) - y needs no sigma'.
"""

import torch

MLP_PARITY = {
    "hidden": ["tanh", "relu"],
    "output": "sigmoid",
    "loss": "bce",
    "layout": "columns",
    "targets": "flat",
}

CORRECT = True


def loss_and_grads(params, X, y):
    W1, b1, W2, b2, W3, b3 = params
    B = X.shape[1]
    H1 = torch.tanh(W1 @ X + b1[:, None])
    A2 = W2 @ H1 + b2[:, None]
    H2 = torch.where(A2 > 0, A2, torch.zeros_like(A2))
    a = (W3 @ H2 + b3[:, None])[0]
    loss = (torch.clamp(a, min=0) - y * a + torch.log1p(torch.exp(-a.abs()))).sum() / B

    d3 = ((torch.sigmoid(a) - y) / B)[None, :]
    d2 = (W3.T @ d3) * (A2 > 0)
    d1 = (W2.T @ d2) * (1 - H1 * H1)
    return loss, [d1 @ X.T, d1.sum(1), d2 @ H1.T, d2.sum(1), d3 @ H2.T, d3.sum(1)]
