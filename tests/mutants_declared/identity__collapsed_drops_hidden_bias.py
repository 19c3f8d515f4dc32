"""A linear (identity-hidden) network "optimised" into one matrix W1 @ W2 forgets the hidden bias: f = X (W1 W2) + b2, without the b1 W2 term, and b1's gradient is zero.

The collapse is exact only with b1 W2 added; the code's loss and gradients are those of a
different network.  Torch, rows layout, depth 1, mean over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "identity",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": 1,
    "outputs": "any",
}
DIAGNOSIS = ("missing-term", "zero")


def loss_and_grads(params, X, Y):
    W1, b1, W2, b2 = params
    M = W1 @ W2
    F = X @ M + b2
    B = X.shape[0]
    R = F - Y
    loss = 0.5 * (R * R).sum() / B
    dF = R / B
    dM = X.T @ dF
    return loss, [dM @ W2.T, torch.zeros_like(b1), W1.T @ dM, dF.sum(0)]
