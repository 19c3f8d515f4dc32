"""BCE with class-index labels: the targets one-hot encoded by scatter with the declared width, the loss value from F.binary_cross_entropy_with_logits (no autograd), the gradient by hand.

PyTorch, rows layout, params dict, labels "index" (y (B,), each sample's target row e_y over the
k sigmoid outputs), outputs "any". binary_cross_entropy_with_logits is the stable softplus form.
"""

import torch
import torch.nn.functional as F

MLP_PARITY = {
    "hidden": "relu",
    "output": "sigmoid",
    "loss": "bce",
    "labels": "index",
    "layout": "rows",
    "params": "dict",
    "outputs": "any",
}

CORRECT = True


def loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    B, k = X.shape[0], W2.shape[1]
    A1 = X @ W1 + b1
    H1 = torch.relu(A1)
    Z = H1 @ W2 + b2
    Y = torch.zeros(B, k, dtype=Z.dtype).scatter_(1, y[:, None], 1.0)
    loss = F.binary_cross_entropy_with_logits(Z, Y, reduction="sum") / B

    dZ = (torch.sigmoid(Z) - Y) / B
    dA1 = (dZ @ W2.T) * (A1 > 0)
    return loss, {"W1": X.T @ dA1, "b1": dA1.sum(0), "W2": H1.T @ dZ, "b2": dZ.sum(0)}
