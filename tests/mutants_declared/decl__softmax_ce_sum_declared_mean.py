"""Declaration mismatch: correct code for the softmax cross-entropy summed over the batch, declared "reduction": "mean".

PyTorch, columns layout, one-hot (or probability-row) targets. Loss and gradients agree with
each other and are exactly B times the declared mean's. Fits: "reduction": "sum".
"""

import torch

MLP_PARITY = {
    "loss": "softmax_cross_entropy",
    "labels": "one_hot",
    "reduction": "mean",  # the code sums
    "layout": "columns",
    "outputs": "any",
}

DIAGNOSIS = ("declaration", "scale")


def loss_and_grads(params, X, T):
    W1, b1, W2, b2 = params
    A1 = W1 @ X + b1[:, None]
    H1 = torch.relu(A1)
    Z = W2 @ H1 + b2[:, None]
    logP = torch.log_softmax(Z, dim=0)
    loss = -(T * logP).sum()

    dZ = logP.exp() * T.sum(0, keepdim=True) - T
    dA1 = (W2.T @ dZ) * (A1 > 0)
    return loss, [dA1 @ X.T, dA1.sum(1), dZ @ H1.T, dZ.sum(1)]
