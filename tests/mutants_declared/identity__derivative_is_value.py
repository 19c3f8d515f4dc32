"""The identity activation's "derivative" function returns its argument (the identity itself) instead of ones, so delta is multiplied by a.

ACTIVATIONS / DERIVATIVES tables in the scikit-learn manner, with DERIVATIVES["identity"] =
lambda a: a.  NumPy, rows layout, summed over the batch.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "identity",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("activation-derivative",)

ACTIVATIONS = {"identity": lambda a: a}
DERIVATIVES = {"identity": lambda a: a}


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs, pre = [X], []
    for W, b in zip(Ws, bs):
        a = hs[-1] @ W + b
        pre.append(a)
        hs.append(ACTIVATIONS["identity"](a))
    R = hs[-1] - Y
    loss = 0.5 * np.sum(R * R)
    delta = R
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(axis=0)
        if i:
            delta = (delta @ Ws[i].T) * DERIVATIVES["identity"](pre[i - 1])
    return loss, grads
