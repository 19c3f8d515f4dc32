"""A scikit-learn-style regressor: rows layout, tanh hidden layers, summed squared loss.

The network and its backward pass are written the way scikit-learn's MLPRegressor writes
them (`_forward_pass` fills a list of activations, `_backprop` walks the deltas back),
on NumPy arrays of shape (n_samples, n_features) with coefs stored as (n_in, n_out).
Checked with:  mlp-parity check examples/sklearn_style.py
"""

import numpy as np

MLP_PARITY = {
    "hidden": "tanh",
    "output": "identity",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}


class Regressor:
    def __init__(self, coefs, intercepts):
        self.coefs_ = coefs
        self.intercepts_ = intercepts
        self.n_layers_ = len(coefs) + 1

    def _forward_pass(self, activations):
        for i in range(self.n_layers_ - 1):
            activations[i + 1] = activations[i] @ self.coefs_[i] + self.intercepts_[i]
            if i + 1 != self.n_layers_ - 1:
                activations[i + 1] = np.tanh(activations[i + 1])
        return activations

    def _backprop(self, X, y):
        activations = self._forward_pass([X] + [None] * (self.n_layers_ - 1))
        deltas = [None] * (self.n_layers_ - 1)
        coef_grads = [None] * (self.n_layers_ - 1)
        intercept_grads = [None] * (self.n_layers_ - 1)
        last = self.n_layers_ - 2
        deltas[last] = activations[-1] - y
        loss = 0.5 * np.sum(deltas[last] ** 2)
        for i in range(last, -1, -1):
            coef_grads[i] = activations[i].T @ deltas[i]
            intercept_grads[i] = np.sum(deltas[i], axis=0)
            if i:
                deltas[i - 1] = (deltas[i] @ self.coefs_[i].T) * (1 - activations[i] ** 2)
        return loss, coef_grads, intercept_grads


def loss_and_grads(params, X, Y):
    net = Regressor(params[0::2], params[1::2])
    loss, coef_grads, intercept_grads = net._backprop(X, Y)
    return loss, [g for pair in zip(coef_grads, intercept_grads) for g in pair]
