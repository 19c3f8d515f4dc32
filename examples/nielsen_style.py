"""A per-sample network in the style of Nielsen's "Neural Networks and Deep Learning".

Column vectors (n, 1) throughout, sigmoid in every layer, the quadratic cost
1/2 ||a - y||^2 of one sample, `backprop(x, y)` returning (nabla_b, nabla_w) layer by layer.
Checked with:  mlp-parity check examples/nielsen_style.py
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


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


class Network:
    def __init__(self, weights, biases):
        self.weights, self.biases = weights, biases
        self.num_layers = len(weights) + 1

    def backprop(self, x, y):
        nabla_b = [np.zeros(b.shape, dtype=b.dtype) for b in self.biases]
        nabla_w = [np.zeros(w.shape, dtype=w.dtype) for w in self.weights]
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for layer in range(2, self.num_layers):
            z = zs[-layer]
            sp = sigmoid_prime(z)
            delta = np.dot(self.weights[-layer + 1].transpose(), delta) * sp
            nabla_b[-layer] = delta
            nabla_w[-layer] = np.dot(delta, activations[-layer - 1].transpose())
        return (nabla_b, nabla_w)

    def cost_derivative(self, output_activations, y):
        return output_activations - y


def grads(params, x, y):
    net = Network(params[0::2], params[1::2])
    nabla_b, nabla_w = net.backprop(x, y)
    return [g for pair in zip(nabla_w, nabla_b) for g in pair]
