"""The k outputs' residuals are summed before squaring: the loss is 1/2 sum_b (sum_k (f_k - y_k))^2, which adds cross terms between outputs (right only at k = 1).

Its gradients are consistent with that loss (every output gets the summed residual).  Torch,
rows layout, ReLU, three outputs, mean over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": 3,
}
DIAGNOSIS = ("extra-term",)


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < len(Ws) - 1 else a)
    B = X.shape[0]
    s = (hs[-1] - Y).sum(1, keepdim=True)
    loss = 0.5 * (s * s).sum() / B
    delta = s.expand_as(hs[-1]) / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads
