"""The L1 penalty's cost is lambda sum |W| but its gradient is 2 lambda sign(W), the factor 2 carried over from the L2 penalty's derivative.

PyTorch, columns layout, sigmoid output with BCE, penalty declared {"l1": 0.05, "form": "full"}.
Written beside an L2 term whose gradient is 2 lambda W, the L1 gradient got the same 2: it is
twice the gradient of the cost the code returns (the textbook bug that a gradient check with
the penalties switched off never sees).
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "output": "sigmoid",
    "loss": "bce",
    "layout": "columns",
    "outputs": "any",
    "penalty": {"l1": 0.05, "form": "full"},
}

DIAGNOSIS = ("inconsistent", "scale")

L1 = 0.05


def loss_and_grads(params, X, Y):
    W1, b1, W2, b2 = params
    m = X.shape[1]
    Z1 = W1 @ X + b1[:, None]
    A1 = torch.relu(Z1)
    Z2 = W2 @ A1 + b2[:, None]
    cost = (torch.clamp(Z2, min=0) - Y * Z2 + torch.log1p(torch.exp(-Z2.abs()))).sum() / m
    cost = cost + L1 * (W1.abs().sum() + W2.abs().sum())

    dZ2 = (torch.sigmoid(Z2) - Y) / m
    dZ1 = (W2.T @ dZ2) * (Z1 > 0)
    dW1 = dZ1 @ X.T + 2 * L1 * torch.sign(W1)  # BUG: d|W|/dW = sign(W), no 2
    dW2 = dZ2 @ A1.T + 2 * L1 * torch.sign(W2)
    return cost, [dW1, dZ1.sum(1), dW2, dZ2.sum(1)]
