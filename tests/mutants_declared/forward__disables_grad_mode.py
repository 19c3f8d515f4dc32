"""forward() switches autograd off for speed with torch.set_grad_enabled(False) and never switches it back: after the first call the caller's process has grad mode disabled.

torch.no_grad() as a context manager or decorator would have restored it.  The values are
right.  Torch, rows layout, ReLU hidden layers, mean over the batch.
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
DIAGNOSIS = ("global-state",)


def forward(params, X):
    torch.set_grad_enabled(False)
    Ws, bs = params[0::2], params[1::2]
    out, h = [], X
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = h @ W + b
        h = torch.relu(a) if i < len(Ws) - 1 else a
        out.append(h)
    return out


def loss_and_grads(params, X, Y):
    Ws = params[0::2]
    hs = [X, *forward(params, X)]
    B = X.shape[0]
    R = hs[-1] - Y
    delta = R / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return 0.5 * (R * R).sum() / B, grads
