# buggy variant of nielsen_sgd.py -- see BUG below.
"""network2.py in the style of Michael Nielsen's "Neural Networks and Deep Learning", chapter 3:
sigmoid neurons, CrossEntropyCost (delta = a - y) and L2 regularisation as weight decay
(1 - eta * lmbda / n) * w, where n is the size of the whole training set, applied to the weights
only; mini-batch SGD through update_mini_batch(mini_batch, eta, lmbda, n), fed one example
(x, y) at a time as column vectors.
Per example the cost is C = -sum(y ln a + (1 - y) ln(1 - a)) + (lmbda / 2n) sum w^2, so the
declared penalty is l2 = lmbda / n, half form.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "sigmoid",
    "output": "sigmoid",
    "loss": "bce",
    "labels": "one_hot",
    "batch": "per-sample",
    "layout": "columns",
    "sample_shape": "column",
    "bias": True,
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "params": "list",
    "framework": "numpy",
    "penalty": {"l2": 5.0 / 1000, "form": "half"},
}
EXPECTED_VERDICT = "fail"
BUG = "the cross-entropy output error is multiplied by sigmoid_prime(z) (QuadraticCost.delta): that is not the derivative of the cross-entropy with respect to z"

LMBDA = 5.0
N_TRAINING = 1000


class CrossEntropyCost(object):
    @staticmethod
    def fn(a, y):
        """Return the cost associated with an output ``a`` and desired output ``y``."""
        return np.sum(np.nan_to_num(-y * np.log(a) - (1 - y) * np.log(1 - a)))

    @staticmethod
    def delta(z, a, y):
        """Return the error delta from the output layer.  Note that the parameter ``z``
        is not used by the method."""
        return (a - y) * sigmoid_prime(z)


class Network(object):
    def __init__(self, sizes, cost=CrossEntropyCost, weights=None, biases=None):
        self.num_layers = len(sizes)
        self.sizes = sizes
        if weights is None:
            self.default_weight_initializer()
        else:
            self.weights = list(weights)
            self.biases = list(biases)
        self.cost = cost

    def default_weight_initializer(self):
        self.biases = [np.random.randn(y, 1) for y in self.sizes[1:]]
        self.weights = [
            np.random.randn(y, x) / np.sqrt(x) for x, y in zip(self.sizes[:-1], self.sizes[1:])
        ]

    def update_mini_batch(self, mini_batch, eta, lmbda, n):
        """Update the network's weights and biases by applying gradient descent using
        backpropagation to a single mini batch.  ``mini_batch`` is a list of tuples
        ``(x, y)``, ``eta`` is the learning rate, ``lmbda`` is the regularization parameter,
        and ``n`` is the total size of the training data set."""
        nabla_b = [np.zeros(b.shape, dtype=b.dtype) for b in self.biases]
        nabla_w = [np.zeros(w.shape, dtype=w.dtype) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w)]
        self.weights = [
            (1 - eta * (lmbda / n)) * w - (eta / len(mini_batch)) * nw
            for w, nw in zip(self.weights, nabla_w)
        ]
        self.biases = [b - (eta / len(mini_batch)) * nb for b, nb in zip(self.biases, nabla_b)]

    def backprop(self, x, y):
        nabla_b = [np.zeros(b.shape, dtype=b.dtype) for b in self.biases]
        nabla_w = [np.zeros(w.shape, dtype=w.dtype) for w in self.weights]
        # feedforward
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        # backward pass
        delta = (self.cost).delta(zs[-1], activations[-1], y)
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):
            z = zs[-l]
            sp = sigmoid_prime(z)
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return (nabla_b, nabla_w)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


# ---- mlp-parity glue (no arithmetic) ----
def sgd_step(params, x, y, lr):
    weights, biases = params[0::2], params[1::2]
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    net = Network(sizes, weights=weights, biases=biases)
    net.update_mini_batch([(x, y)], lr, LMBDA, N_TRAINING)
    return [p for pair in zip(net.weights, net.biases) for p in pair]
