"""The row-bias gradients are accumulated over the batch in float16 (delta.half().sum(0, keepdim=True)) and cast back: 11 bits, and inf past 65504.

Torch, rows layout, row biases, ReLU hidden layers, summed over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "bias_shape": "row",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("precision", "partial")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < len(Ws) - 1 else a)
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum()
    delta = R
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.half().sum(0, keepdim=True).to(delta.dtype)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads
