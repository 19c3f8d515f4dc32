"""sigmoid_prime is applied to the stored activation h = sigmoid(z) instead of to z, giving sigmoid(h)(1 - sigmoid(h)).

Nielsen-style code whose sigmoid_prime(z) takes z, called with activations[-l] instead of
zs[-l].  Per-sample column vectors, NumPy, sigmoid hidden and output layers.
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
DIAGNOSIS = ("activation-derivative",)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


def grads(params, x, y):
    weights, biases = params[0::2], params[1::2]
    activation, activations, zs = x, [x], []
    for w, b in zip(weights, biases):
        z = np.dot(w, activation) + b
        zs.append(z)
        activation = sigmoid(z)
        activations.append(activation)
    delta = (activations[-1] - y) * sigmoid_prime(activations[-1])
    nabla_w, nabla_b = [None] * len(weights), [None] * len(weights)
    nabla_b[-1], nabla_w[-1] = delta, np.dot(delta, activations[-2].T)
    for l in range(2, len(weights) + 1):
        sp = sigmoid_prime(activations[-l])
        delta = np.dot(weights[-l + 1].T, delta) * sp
        nabla_b[-l], nabla_w[-l] = delta, np.dot(delta, activations[-l - 1].T)
    return [g for pair in zip(nabla_w, nabla_b) for g in pair]
