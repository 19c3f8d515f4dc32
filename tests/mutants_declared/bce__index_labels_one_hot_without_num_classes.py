"""Index labels for BCE are one-hot encoded with F.one_hot(y) without num_classes: the width is y.max() + 1, wrong whenever the batch lacks the last class.

PyTorch, rows layout, k sigmoid outputs, labels given as class indices (B,). When the batch
holds every class the result is right; a batch of one sample with label 0 gives a (1, 1)
target that broadcasts against the (1, k) probabilities (every output trained towards 1), and
other batches without the last class raise a shape error.
"""

import torch
import torch.nn.functional as F

MLP_PARITY = {
    "hidden": "relu",
    "output": "sigmoid",
    "loss": "bce",
    "labels": "index",
    "layout": "rows",
    "outputs": 3,
}

DIAGNOSIS = ("shape", "crash", "labels")


def loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params
    B = X.shape[0]
    Y = F.one_hot(y).to(W2.dtype)  # BUG: num_classes=W2.shape[1] missing
    A1 = X @ W1 + b1
    H1 = torch.relu(A1)
    Z = H1 @ W2 + b2
    loss = (torch.clamp(Z, min=0) - Y * Z + torch.log1p(torch.exp(-Z.abs()))).sum() / B

    dZ = (torch.sigmoid(Z) - Y) / B
    dA1 = (dZ @ W2.T) * (A1 > 0)
    return loss, [X.T @ dA1, dA1.sum(0), H1.T @ dZ, dZ.sum(0)]
