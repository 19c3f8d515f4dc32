"""With both penalties declared, the L1 term's gradient uses the L2 strength (lam2 * sign(W) instead of lam1 * sign(W)), a copy-paste slip; the cost uses each lambda right.

PyTorch, rows layout, params dict, softmax classifier with integer labels, penalty declared
per kind: {"l2": {"lambda": 0.1, "form": "half"}, "l1": {"lambda": 0.01, "form": "full"}}.
The returned loss is the declared one; the L1 part of every weight gradient is 10 times too large.
"""

import torch

MLP_PARITY = {
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "layout": "rows",
    "params": "dict",
    "outputs": "any",
    "penalty": {"l2": {"lambda": 0.1, "form": "half"}, "l1": {"lambda": 0.01, "form": "full"}},
}

DIAGNOSIS = ("inconsistent", "scale")

LAM2, LAM1 = 0.1, 0.01


def loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    B = X.shape[0]
    A1 = X @ W1 + b1
    H1 = torch.relu(A1)
    Z = H1 @ W2 + b2
    logP = torch.log_softmax(Z, dim=1)
    rows = torch.arange(B)
    penalty = sum(0.5 * LAM2 * (W * W).sum() + LAM1 * W.abs().sum() for W in (W1, W2))
    loss = -logP[rows, y].mean() + penalty

    dZ = logP.exp()
    dZ[rows, y] -= 1
    dZ /= B
    dA1 = (dZ @ W2.T) * (A1 > 0)
    grads = {"W1": X.T @ dA1, "b1": dA1.sum(0), "W2": H1.T @ dZ, "b2": dZ.sum(0)}
    for name, W in (("W1", W1), ("W2", W2)):
        grads[name] = grads[name] + LAM2 * W + LAM2 * torch.sign(W)  # BUG: LAM1 * torch.sign(W)
    return loss, grads
