"""The delta is sent back through W instead of W.T (delta @ W, the columns-layout habit): it only runs when the layer is square, and there it uses the transposed weights.

Square hidden layers hide the shape error; the gradients are then wrong.  On other widths
the matmul raises.  Torch, rows layout, tanh hidden layers, k = "any".
"""

import torch

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("crash", "transposed")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.tanh(a) if i < len(Ws) - 1 else a)
    B = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum() / B
    delta = R / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i]) * (1 - hs[i] ** 2)
    return loss, grads
