"""Returns the loss as a Python float (loss.item()) and scales by 2 at the very end, from a sum over the batch of three outputs, identity hidden layers.

The squared error without 1/2: gradients are accumulated as the 1/2 version and doubled once
on the way out.  Torch, rows layout.
"""

CORRECT = True
MLP_PARITY = {
    "hidden": "identity",
    "loss": "squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": 2,
    "outputs": 3,
}


def loss_and_grads(params, X, Y):
    W1, b1, W2, b2, W3, b3 = params
    H1 = X @ W1 + b1
    H2 = H1 @ W2 + b2
    F = H2 @ W3 + b3
    R = F - Y
    g3 = H2.T @ R
    gb3 = R.sum(0)
    D2 = R @ W3.T
    g2 = H1.T @ D2
    gb2 = D2.sum(0)
    D1 = D2 @ W2.T
    g1 = X.T @ D1
    gb1 = D1.sum(0)
    return (R * R).sum().item(), [2 * g for g in (g1, gb1, g2, gb2, g3, gb3)]
