"""The output delta is f - y without the sigmoid output's derivative f(1 - f): the cross-entropy shortcut applied to a squared loss.

(f - y) is dL/da for sigmoid + cross-entropy; for 1/2 (f - y)^2 the chain rule needs f(1 - f)
too.  Torch, rows layout, ReLU hidden layers, mean over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "output": "sigmoid",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("activation-derivative", "missing-term")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < len(Ws) - 1 else torch.sigmoid(a))
    B = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum() / B
    delta = R / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads
