"""Nielsen-style per-sample code on (n, 1) column vectors whose weight gradients come from broadcasting delta * a.T instead of a matrix product, with a tanh hidden layer and sigmoid output.

Columns layout W (out, in), column biases (out, 1), x (d, 1), y (k, 1), the squared error
without 1/2.  grads() returns [W1, b1, W2, b2, ...].
"""

import numpy as np

CORRECT = True
MLP_PARITY = {
    "hidden": "tanh",
    "output": "sigmoid",
    "loss": "squared",
    "batch": "per-sample",
    "layout": "columns",
    "sample_shape": "column",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}


def grads(params, x, y):
    weights, biases = params[0::2], params[1::2]
    activation, activations = x, [x]
    for i, (w, b) in enumerate(zip(weights, biases)):
        z = np.dot(w, activation) + b
        if i < len(weights) - 1:
            activation = np.tanh(z)
        else:
            e = np.exp(-np.abs(z))
            activation = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
        activations.append(activation)
    out = activations[-1]
    delta = 2 * (out - y) * out * (1 - out)
    nabla = [None] * len(params)
    for i in range(len(weights) - 1, -1, -1):
        nabla[2 * i] = delta * activations[i].T
        nabla[2 * i + 1] = delta.copy()
        if i:
            h = activations[i]
            delta = np.dot(weights[i].T, delta) * (1 - h * h)
    return nabla
