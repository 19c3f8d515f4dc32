# buggy variant of cs231n_two_layer.py -- see BUG below.
"""Two-layer softmax classifier in the style of CS231n assignment 1
(cs231n/classifiers/neural_net.py, TwoLayerNet.loss): params dict, rows layout
(X is N x D, W1 is D x H), ReLU hidden layer, softmax cross-entropy on integer labels,
mean over the batch, L2 regularisation written as reg * sum(W*W) (no 1/2).
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "output": "identity",
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "reduction": "mean",
    "batch": "batched",
    "layout": "rows",
    "bias": True,
    "bias_shape": "flat",
    "depth": 1,
    "outputs": "any",
    "relu_grad_at_zero": 0,
    "params": "dict",
    "framework": "numpy",
    "penalty": {"l2": 0.05, "form": "full"},
}
EXPECTED_VERDICT = "fail"
BUG = "softmax computed as exp(scores) / sum(exp(scores)) without subtracting the row maximum: exp overflows to inf (NaN loss and gradients) for logits above ~11 in float16, ~88 in float32, ~709 in float64, and -log(probs) is inf once a labelled class's probability underflows to 0"

REG = 0.05


class TwoLayerNet(object):
    """
    A two-layer fully-connected neural network. The net has an input dimension of
    D, a hidden layer dimension of H, and performs classification over C classes.
    We train the network with a softmax loss function and L2 regularization on the
    weight matrices. The network uses a ReLU nonlinearity after the first fully
    connected layer.

    input - fully connected layer - ReLU - fully connected layer - softmax
    """

    def __init__(self, input_size, hidden_size, output_size, std=1e-4, params=None):
        if params is not None:
            # weights handed in (e.g. restored from a checkpoint)
            self.params = dict(params)
            return
        self.params = {}
        self.params["W1"] = std * np.random.randn(input_size, hidden_size)
        self.params["b1"] = np.zeros(hidden_size)
        self.params["W2"] = std * np.random.randn(hidden_size, output_size)
        self.params["b2"] = np.zeros(output_size)

    def loss(self, X, y=None, reg=0.0):
        """
        Compute the loss and gradients for a two layer fully connected neural network.

        Inputs:
        - X: Input data of shape (N, D). Each X[i] is a training sample.
        - y: Vector of training labels. y[i] is the label for X[i], and each y[i] is
          an integer in the range 0 <= y[i] < C.
        - reg: Regularization strength.

        Returns:
        - loss: Loss (data loss and regularization loss) for this batch of training samples.
        - grads: Dictionary mapping parameter names to gradients of those parameters
          with respect to the loss function; has the same keys as self.params.
        """
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        N, D = X.shape

        # Compute the forward pass
        hidden_layer = np.maximum(0, X.dot(W1) + b1)
        scores = hidden_layer.dot(W2) + b2

        if y is None:
            return scores

        # compute the class probabilities
        exp_scores = np.exp(scores)
        probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
        # average cross-entropy loss
        correct_logprobs = -np.log(probs[np.arange(N), y])
        data_loss = np.sum(correct_logprobs) / N
        reg_loss = reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        loss = data_loss + reg_loss

        # Backward pass: compute gradients
        grads = {}
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        dscores /= N

        grads["W2"] = hidden_layer.T.dot(dscores) + 2 * reg * W2
        grads["b2"] = np.sum(dscores, axis=0)

        dhidden = dscores.dot(W2.T)
        dhidden[hidden_layer <= 0] = 0

        grads["W1"] = X.T.dot(dhidden) + 2 * reg * W1
        grads["b1"] = np.sum(dhidden, axis=0)

        return loss, grads


# ---- mlp-parity glue (no arithmetic) ----
def loss_and_grads(params, X, Y):
    net = TwoLayerNet(None, None, None, params=params)
    return net.loss(X, Y, reg=REG)
