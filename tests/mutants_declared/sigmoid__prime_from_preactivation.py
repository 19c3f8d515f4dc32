"""sigmoid' is computed as a * (1 - a) from the pre-activation a instead of h * (1 - h) from the activation.

The formula s(1 - s) is right, the variable is wrong: the cached z is passed where the cached
sigmoid(z) belongs.  Torch, rows layout, sigmoid hidden layers, identity output, mean.
"""

import torch

MLP_PARITY = {
    "hidden": "sigmoid",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("activation-derivative", "partial")


def sigmoid_derivative(s):
    return s * (1 - s)


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs, zs = [X], []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        z = hs[-1] @ W + b
        zs.append(z)
        hs.append(torch.sigmoid(z) if i < len(Ws) - 1 else z)
    B = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum() / B
    delta = R / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * sigmoid_derivative(zs[i - 1])
    return loss, grads
