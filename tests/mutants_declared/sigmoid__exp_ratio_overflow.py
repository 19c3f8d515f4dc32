"""sigmoid is written exp(a) / (1 + exp(a)), which is inf/inf = NaN once exp(a) overflows (a > 88.7 in float32, a > 709.8 in float64).

Mathematically equal to 1/(1 + exp(-a)) and right for moderate inputs; a saturated unit
poisons the whole gradient with NaN.  NumPy, rows layout, sigmoid hidden layers.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "sigmoid",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("not-finite",)


def sigmoid(a):
    e = np.exp(a)
    return e / (1 + e)


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(sigmoid(a) if i < len(Ws) - 1 else a)
    R = hs[-1] - Y
    loss = 0.5 * np.sum(R * R)
    delta = R
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(axis=0)
        if i:
            delta = (delta @ Ws[i].T) * hs[i] * (1 - hs[i])
    return loss, grads
