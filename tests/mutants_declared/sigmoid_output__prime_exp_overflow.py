"""The sigmoid output's derivative is computed as exp(-a) / (1 + exp(-a))**2, which is inf/inf = NaN for a below ~ -89 (float32) or -710 (float64).

The forward uses torch.sigmoid and is fine; the derivative should be 0 there, not NaN.  Torch,
rows layout, ReLU hidden layers, mean over the batch.
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
DIAGNOSIS = ("not-finite",)


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < len(Ws) - 1 else a)
    a_out = hs[-1]
    f = torch.sigmoid(a_out)
    B = X.shape[0]
    R = f - Y
    loss = 0.5 * (R * R).sum() / B
    e = torch.exp(-a_out)
    delta = R * (e / (1 + e) ** 2) / B
    hs[-1] = f
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return loss, grads
