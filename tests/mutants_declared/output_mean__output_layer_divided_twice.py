"""The output layer's gradients are divided by k a second time (dW_out = H.T @ delta / k after delta already carries 1/k); the hidden layers' gradients are right.

Torch, rows layout, ReLU hidden layers, mean over the batch, squared error, any k.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "loss": "squared",
    "reduction": "mean",
    "output_reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": 3,
}
DIAGNOSIS = ("partial", "scale")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < len(Ws) - 1 else a)
    B, k = Y.shape
    R = hs[-1] - Y
    loss = (R * R).sum() / (B * k)
    delta = 2 * R / (B * k)
    grads = [None] * len(params)
    last = len(Ws) - 1
    for i in range(last, -1, -1):
        scale = 1 / k if i == last else 1
        grads[2 * i] = hs[i].T @ delta * scale
        grads[2 * i + 1] = delta.sum(0) * scale
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads
