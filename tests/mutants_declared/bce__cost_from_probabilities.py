"""BCE is computed as -y log(sigmoid(a)) - (1 - y) log(1 - sigmoid(a)): every digit is lost where sigmoid(a) rounds to 1, and the loss becomes inf or NaN (0 * -inf).

PyTorch, rows layout, k outputs. The gradient (p - y)/B is the sound one; the loss is the
textbook formula on the probabilities. log(1 - p) has no correct digit once p rounds to 1
(a > 16.6 in float32, 7.6 in float16, 36.7 in float64) and is -inf there: the loss is inf for
y < 1 and NaN (0 * -inf) for y = 1. The fix: max(a, 0) - y a + log1p(exp(-|a|)).
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "output": "sigmoid",
    "loss": "bce",
    "layout": "rows",
    "outputs": "any",
}

DIAGNOSIS = ("not-finite", "precision")


def loss_and_grads(params, X, Y):
    W1, b1, W2, b2 = params
    B = X.shape[0]
    A1 = X @ W1 + b1
    H1 = torch.relu(A1)
    P = torch.sigmoid(H1 @ W2 + b2)
    loss = -(Y * torch.log(P) + (1 - Y) * torch.log(1 - P)).sum() / B  # BUG: unstable form

    dZ = (P - Y) / B
    dA1 = (dZ @ W2.T) * (A1 > 0)
    return loss, [X.T @ dA1, dA1.sum(0), H1.T @ dZ, dZ.sum(0)]
