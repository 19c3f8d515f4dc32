"""cost_derivative(output, y) computes y -= output; y *= -1 and returns y: the caller's target column is overwritten with the residual.

The gradients are right (the residual is f - y); the input y is modified.  Nielsen-style NumPy,
per-sample columns, tanh hidden layers, identity output.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "batch": "per-sample",
    "layout": "columns",
    "sample_shape": "column",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("mutates-input",)


def cost_derivative(output_activations, y):
    y -= output_activations
    y *= -1
    return y


def grads(params, x, y):
    weights, biases = params[0::2], params[1::2]
    activations = [x]
    for i, (w, b) in enumerate(zip(weights, biases)):
        z = w @ activations[-1] + b
        activations.append(np.tanh(z) if i < len(weights) - 1 else z)
    delta = cost_derivative(activations[-1], y)
    nabla = [None] * len(params)
    for i in range(len(weights) - 1, -1, -1):
        nabla[2 * i] = delta @ activations[i].T
        nabla[2 * i + 1] = delta.copy()
        if i:
            delta = (weights[i].T @ delta) * (1 - activations[i] ** 2)
    return nabla
