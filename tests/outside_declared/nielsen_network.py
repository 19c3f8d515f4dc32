"""network.py in the style of Michael Nielsen's "Neural Networks and Deep Learning", chapter 1-2:
one training example at a time, column vectors x (n, 1) and y (k, 1), weights[l] (n_out, n_in),
biases[l] (n_out, 1), sigmoid neurons everywhere, quadratic cost C = 1/2 ||a - y||^2, and
backprop(x, y) returning (nabla_b, nabla_w) layer by layer.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "sigmoid",
    "output": "sigmoid",
    "loss": "half_squared",
    "batch": "per-sample",
    "layout": "columns",
    "sample_shape": "column",
    "bias": True,
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "params": "list",
    "framework": "numpy",
}
EXPECTED_VERDICT = "pass"


class Network(object):
    def __init__(self, sizes, weights=None, biases=None):
        """The list ``sizes`` contains the number of neurons in the respective layers of
        the network.  Weights and biases are drawn from a standard Gaussian unless given."""
        self.num_layers = len(sizes)
        self.sizes = sizes
        if weights is None:
            self.biases = [np.random.randn(y, 1) for y in sizes[1:]]
            self.weights = [np.random.randn(y, x) for x, y in zip(sizes[:-1], sizes[1:])]
        else:
            self.weights = list(weights)
            self.biases = list(biases)

    def feedforward(self, a):
        """Return the output of the network if ``a`` is input."""
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def backprop(self, x, y):
        """Return a tuple ``(nabla_b, nabla_w)`` representing the gradient for the cost
        function C_x.  ``nabla_b`` and ``nabla_w`` are layer-by-layer lists of numpy arrays,
        similar to ``self.biases`` and ``self.weights``."""
        nabla_b = [np.zeros(b.shape, dtype=b.dtype) for b in self.biases]
        nabla_w = [np.zeros(w.shape, dtype=w.dtype) for w in self.weights]
        # feedforward
        activation = x
        activations = [x]  # list to store all the activations, layer by layer
        zs = []  # list to store all the z vectors, layer by layer
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        # backward pass
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        # l = 1 means the last layer of neurons, l = 2 is the second-last layer, and so on.
        for l in range(2, self.num_layers):
            z = zs[-l]
            sp = sigmoid_prime(z)
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return (nabla_b, nabla_w)

    def cost_derivative(self, output_activations, y):
        """Return the vector of partial derivatives \\partial C_x / \\partial a for the
        output activations."""
        return output_activations - y


#### Miscellaneous functions
def sigmoid(z):
    """The sigmoid function."""
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    """Derivative of the sigmoid function."""
    return sigmoid(z) * (1 - sigmoid(z))


# ---- mlp-parity glue (no arithmetic) ----
def grads(params, x, y):
    weights, biases = params[0::2], params[1::2]
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    net = Network(sizes, weights, biases)
    nabla_b, nabla_w = net.backprop(x, y)
    return [g for pair in zip(nabla_w, nabla_b) for g in pair]
