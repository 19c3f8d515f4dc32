"""The L2 penalty's gradient lambda p is added to every parameter's gradient, biases included, while the cost penalises the weights only.

PyTorch, rows layout, softmax classifier with one-hot targets, penalty declared
{"l2": 0.2, "form": "half"} (weights only). The cost sums W^2 over params[0::2]; the gradient
loop `for g, p in zip(grads, params): g += lam * p` also decays the biases.
"""

import torch

MLP_PARITY = {
    "loss": "softmax_cross_entropy",
    "labels": "one_hot",
    "layout": "rows",
    "outputs": "any",
    "penalty": {"l2": 0.2, "form": "half"},
}

DIAGNOSIS = ("inconsistent", "extra-term")

LAM = 0.2


def loss_and_grads(params, X, T):
    W1, b1, W2, b2 = params
    B = X.shape[0]
    A1 = X @ W1 + b1
    H1 = torch.relu(A1)
    Z = H1 @ W2 + b2
    logP = torch.log_softmax(Z, dim=1)
    loss = -(T * logP).sum() / B + 0.5 * LAM * sum((W * W).sum() for W in params[0::2])

    dZ = (logP.exp() - T) / B
    dA1 = (dZ @ W2.T) * (A1 > 0)
    grads = [X.T @ dA1, dA1.sum(0), H1.T @ dZ, dZ.sum(0)]
    for g, p in zip(grads, params):  # BUG: params[0::2] only
        g += LAM * p
    return loss, grads
