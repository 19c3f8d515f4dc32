"""The per-sample bias gradient is delta.sum(axis=0, keepdims=True), a batched habit: on one (n, 1) column it sums over the units, giving a (1, 1) array instead of the (n, 1) delta.

NumPy, per-sample column vectors, columns layout, column biases, sigmoid hidden and output.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "sigmoid",
    "output": "sigmoid",
    "loss": "half_squared",
    "batch": "per-sample",
    "layout": "columns",
    "sample_shape": "column",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("shape", "extra-term")


def sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def grads(params, x, y):
    weights, biases = params[0::2], params[1::2]
    activations = [x]
    for w, b in zip(weights, biases):
        activations.append(sigmoid(w @ activations[-1] + b))
    out = activations[-1]
    delta = (out - y) * out * (1 - out)
    nabla = [None] * len(params)
    for i in range(len(weights) - 1, -1, -1):
        nabla[2 * i] = delta @ activations[i].T
        nabla[2 * i + 1] = np.sum(delta, axis=0, keepdims=True)
        if i:
            h = activations[i]
            delta = (weights[i].T @ delta) * h * (1 - h)
    return nabla
