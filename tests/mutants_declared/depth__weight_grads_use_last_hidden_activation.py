"""Every layer's weight gradient is formed with the last hidden activation (activations[-2]) instead of that layer's own input, an index kept from a one-hidden-layer template.

Right at depth 1; at depth 2 and 3 the hidden layers' dW are wrong (or the wrong shape).
NumPy, columns layout, column biases, sigmoid hidden layers, summed over the batch.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "sigmoid",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "columns",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("partial", "shape")


def sigmoid(a):
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    activations = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ activations[-1] + b
        activations.append(sigmoid(a) if i < len(Ws) - 1 else a)
    R = activations[-1] - Y
    loss = 0.5 * np.sum(R * R)
    delta = R
    grads = [None] * len(params)
    last = len(Ws) - 1
    for i in range(last, -1, -1):
        h_in = activations[-2] if i > 0 else activations[0]
        grads[2 * i] = delta @ h_in.T
        grads[2 * i + 1] = delta.sum(axis=1, keepdims=True)
        if i:
            h = activations[i]
            delta = (Ws[i].T @ delta) * h * (1 - h)
    return loss, grads
