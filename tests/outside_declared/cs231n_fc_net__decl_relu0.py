# declaration-mismatch variant of cs231n_fc_net.py -- see BUG below.
"""Fully-connected net of arbitrary depth in the style of CS231n assignment 2
(cs231n/layers.py affine_forward/affine_backward, relu_forward/relu_backward, softmax_loss;
cs231n/classifiers/fc_net.py FullyConnectedNet.loss): {affine - relu} x (L - 1) - affine - softmax,
params dict W1..WL / b1..bL, rows layout, caches per layer, integer labels, mean over the batch,
L2 regularisation 0.5 * reg * sum(W**2) on the weights only.
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
    "depth": "any",
    "outputs": "any",
    "relu_grad_at_zero": 0,
    "params": "dict",
    "framework": "numpy",
    "penalty": {"l2": 0.1, "form": "half"},
}
EXPECTED_VERDICT = "fail"
BUG = "declaration mismatch: relu_backward uses (x >= 0), i.e. ReLU'(0) = 1, but relu_grad_at_zero 0 is declared"
MISMATCH = {"relu_grad_at_zero": 1}

REG = 0.1


# ------------------------------------------------------------------ layers.py
def affine_forward(x, w, b):
    """
    Inputs:
    - x: A numpy array containing input data, of shape (N, d_1, ..., d_k)
    - w: A numpy array of weights, of shape (D, M)
    - b: A numpy array of biases, of shape (M,)
    Returns a tuple of:
    - out: output, of shape (N, M)
    - cache: (x, w, b)
    """
    out = x.reshape(x.shape[0], -1).dot(w) + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """
    Inputs:
    - dout: Upstream derivative, of shape (N, M)
    - cache: Tuple of (x, w, b)
    Returns a tuple of dx (N, d1, ..., d_k), dw (D, M), db (M,)
    """
    x, w, b = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def relu_forward(x):
    out = np.maximum(0, x)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    x = cache
    dx = dout * (x >= 0)
    return dx


def softmax_loss(x, y):
    """
    Computes the loss and gradient for softmax classification.
    - x: Input data, of shape (N, C) where x[i, j] is the score for the jth class
      for the ith input.
    - y: Vector of labels, of shape (N,) where y[i] is the label for x[i] and
      0 <= y[i] < C
    """
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(Z)
    probs = np.exp(log_probs)
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx


# ------------------------------------------------------------------ layer_utils.py
def affine_relu_forward(x, w, b):
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    return out, cache


def affine_relu_backward(dout, cache):
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db


# ------------------------------------------------------------------ fc_net.py
class FullyConnectedNet(object):
    """
    A fully-connected neural network with an arbitrary number of hidden layers,
    ReLU nonlinearities, and a softmax loss function.
    {affine - relu} x (L - 1) - affine - softmax
    """

    def __init__(
        self,
        hidden_dims,
        input_dim=3 * 32 * 32,
        num_classes=10,
        reg=0.0,
        weight_scale=1e-2,
        dtype=np.float32,
        params=None,
    ):
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        if params is not None:
            self.params = dict(params)
        else:
            self.params = {}
            dims = [input_dim] + list(hidden_dims) + [num_classes]
            for i in range(self.num_layers):
                self.params["W%d" % (i + 1)] = weight_scale * np.random.randn(dims[i], dims[i + 1])
                self.params["b%d" % (i + 1)] = np.zeros(dims[i + 1])
        # Cast all parameters to the correct datatype
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """
        Compute loss and gradient for the fully-connected net.
        Returns (loss, grads) with grads[k] the gradient for self.params[k].
        """
        X = X.astype(self.dtype)
        caches = {}
        out = X
        for i in range(1, self.num_layers):
            out, caches[i] = affine_relu_forward(
                out, self.params["W%d" % i], self.params["b%d" % i]
            )
        L = self.num_layers
        scores, caches[L] = affine_forward(out, self.params["W%d" % L], self.params["b%d" % L])

        if y is None:
            return scores

        loss, grads = 0.0, {}
        data_loss, dscores = softmax_loss(scores, y)
        reg_loss = 0.0
        for i in range(1, L + 1):
            W = self.params["W%d" % i]
            reg_loss += 0.5 * self.reg * np.sum(W * W)
        loss = data_loss + reg_loss

        dout, dW, db = affine_backward(dscores, caches[L])
        grads["W%d" % L] = dW + self.reg * self.params["W%d" % L]
        grads["b%d" % L] = db
        for i in range(L - 1, 0, -1):
            dout, dW, db = affine_relu_backward(dout, caches[i])
            grads["W%d" % i] = dW + self.reg * self.params["W%d" % i]
            grads["b%d" % i] = db

        return loss, grads


# ---- mlp-parity glue (no arithmetic) ----
def loss_and_grads(params, X, Y):
    hidden_dims = [params["b%d" % i].shape[0] for i in range(1, len(params) // 2)]
    net = FullyConnectedNet(hidden_dims, reg=REG, dtype=params["W1"].dtype, params=params)
    return net.loss(X, Y)
