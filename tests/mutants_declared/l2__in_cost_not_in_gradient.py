"""The L2 penalty lambda sum W^2 is added to the cost, but its gradient 2 lambda W is never added to dW.

PyTorch, columns layout, sigmoid output with BCE, penalty declared {"l2": 0.05, "form": "full"}.
The regularisation shows in the reported loss and does nothing to the training: the returned
gradients are those of the unregularised loss.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "output": "sigmoid",
    "loss": "bce",
    "layout": "columns",
    "outputs": "any",
    "penalty": {"l2": 0.05, "form": "full"},
}

DIAGNOSIS = ("inconsistent", "missing-term")

LAMBDA = 0.05


def loss_and_grads(params, X, Y):
    W1, b1, W2, b2 = params
    m = X.shape[1]
    Z1 = W1 @ X + b1[:, None]
    A1 = torch.relu(Z1)
    Z2 = W2 @ A1 + b2[:, None]
    cost = (torch.clamp(Z2, min=0) - Y * Z2 + torch.log1p(torch.exp(-Z2.abs()))).sum() / m
    cost = cost + LAMBDA * ((W1 * W1).sum() + (W2 * W2).sum())

    dZ2 = (torch.sigmoid(Z2) - Y) / m
    dZ1 = (W2.T @ dZ2) * (Z1 > 0)
    # BUG: + 2 * LAMBDA * W missing from both weight gradients
    return cost, [dZ1 @ X.T, dZ1.sum(1), dZ2 @ A1.T, dZ2.sum(1)]
