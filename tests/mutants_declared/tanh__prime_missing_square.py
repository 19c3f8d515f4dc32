"""tanh' is written 1 - h instead of 1 - h**2 (the square lost).

Torch, columns layout (W (out, in), X (d, B)), column biases, mean over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "columns",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("activation-derivative",)


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ hs[-1] + b
        hs.append(torch.tanh(a) if i < len(Ws) - 1 else a)
    m = X.shape[1]
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum() / m
    dZ = R / m
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = dZ @ hs[i].T
        grads[2 * i + 1] = dZ.sum(1, keepdim=True)
        if i:
            dZ = (Ws[i].T @ dZ) * (1 - hs[i])
    return loss, grads
