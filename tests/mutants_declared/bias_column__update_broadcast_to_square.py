"""sgd_step subtracts a flat (n,) bias gradient from a column bias (n, 1): b - lr * db broadcasts to an (n, n) matrix, returned as the new bias.

NumPy, columns layout, column biases, tanh hidden layers, mean over the batch; right when
n = 1 (the output bias of a one-output network), wrong shape elsewhere.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "columns",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("shape",)


def sgd_step(params, X, Y, lr):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ hs[-1] + b
        hs.append(np.tanh(a) if i < len(Ws) - 1 else a)
    m = X.shape[1]
    delta = (hs[-1] - Y) / m
    new = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        dW, db = delta @ hs[i].T, delta.sum(axis=1)
        if i:
            delta = (Ws[i].T @ delta) * (1 - hs[i] ** 2)
        new[2 * i] = Ws[i] - lr * dW
        new[2 * i + 1] = bs[i] - lr * db
    return new
