"""The "numerically stable" sigmoid's negative branch is written 1 / (1 + exp(a)) instead of exp(a) / (1 + exp(a)): for a < 0 the output is sigmoid(-a).

The a >= 0 branch 1 / (1 + exp(-a)) is right, so only outputs with negative pre-activations
are wrong, in the forward and (through f(1 - f), symmetric) the loss and residual.  NumPy, rows.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "tanh",
    "output": "sigmoid",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("sign", "partial")


def stable_sigmoid(a):
    out = np.empty_like(a)
    pos = a >= 0
    out[pos] = 1 / (1 + np.exp(-a[pos]))
    out[~pos] = 1 / (1 + np.exp(a[~pos]))
    return out


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(np.tanh(a) if i < len(Ws) - 1 else stable_sigmoid(a))
    B = X.shape[0]
    f = hs[-1]
    R = f - Y
    loss = 0.5 * np.sum(R * R) / B
    delta = R * f * (1 - f) / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(axis=0)
        if i:
            delta = (delta @ Ws[i].T) * (1 - hs[i] ** 2)
    return loss, grads
