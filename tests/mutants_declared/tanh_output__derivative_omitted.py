"""The tanh output's derivative 1 - f^2 is left out of the output delta (delta = f - y, as for a linear output).

NumPy, columns layout, column biases, sigmoid hidden layers, summed over the batch.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "sigmoid",
    "output": "tanh",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "columns",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("activation-derivative", "missing-term")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ hs[-1] + b
        if i < len(Ws) - 1:
            e = np.exp(-np.abs(a))
            hs.append(np.where(a >= 0, 1 / (1 + e), e / (1 + e)))
        else:
            hs.append(np.tanh(a))
    R = hs[-1] - Y
    loss = 0.5 * np.sum(R * R)
    delta = R
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = delta @ hs[i].T
        grads[2 * i + 1] = delta.sum(axis=1, keepdims=True)
        if i:
            delta = (Ws[i].T @ delta) * hs[i] * (1 - hs[i])
    return loss, grads
