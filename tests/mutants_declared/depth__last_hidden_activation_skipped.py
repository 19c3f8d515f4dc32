"""The activation is applied to hidden layers 1 .. L-1 only (loop bound off by one): the last hidden layer stays linear, in the forward and in the backward.

for i in range(len(Ws) - 2) where len(Ws) - 1 was meant; at depth 1 the only hidden layer is
linear.  Torch, rows layout, ReLU, mean over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("missing-term", "activation-derivative")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    n_act = len(Ws) - 2
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < n_act else a)
    B = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum() / B
    delta = R / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = delta @ Ws[i].T
            if i - 1 < n_act:
                delta = delta * (hs[i] > 0)
    return loss, grads
