"""A two-layer softmax classifier in the style of CS231n's TwoLayerNet (assignment 1).

Parameters in a dict {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}, samples by rows,
integer labels y (N,), the softmax loss averaged over the batch plus the L2 penalty
reg * sum(W^2) (the "full" form: its gradient is 2 reg W), `loss(X, y)` returning
(loss, grads) as the assignment's class does. Checked with:
    mlp-parity check examples/cs231n_style.py
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "reduction": "mean",
    "layout": "rows",
    "params": "dict",
    "outputs": "any",
    "framework": "numpy",
    "penalty": {"l2": 0.05, "form": "full"},
}


class TwoLayerNet:
    def __init__(self, params, reg=0.05):
        self.params = params
        self.reg = reg

    def loss(self, X, y):
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        N = X.shape[0]
        hidden = np.maximum(0, X.dot(W1) + b1)
        scores = hidden.dot(W2) + b2
        shifted = scores - np.max(scores, axis=1, keepdims=True)
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        loss = -np.sum(log_probs[np.arange(N), y]) / N
        loss += self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

        grads = {}
        dscores = np.exp(log_probs)
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads["W2"] = hidden.T.dot(dscores) + 2 * self.reg * W2
        grads["b2"] = np.sum(dscores, axis=0)
        dhidden = dscores.dot(W2.T)
        dhidden[hidden <= 0] = 0
        grads["W1"] = X.T.dot(dhidden) + 2 * self.reg * W1
        grads["b1"] = np.sum(dhidden, axis=0)
        return loss, grads


def loss_and_grads(params, X, y):
    return TwoLayerNet(params).loss(X, y)
