"""An L-layer binary classifier in the style of the deeplearning.ai "Deep Neural Network"
assignment: columns layout (X (n_x, m), W (n_l, n_{l-1}), b (n_l, 1)), ReLU hidden layers,
a sigmoid output and the cross-entropy cost, caches kept for the backward pass and the
gradients in a dict keyed "dW1", "db1", ... with the "dA" entries beside them.

The cost is written from the logits, max(Z, 0) - Y Z + log(1 + e^-|Z|), and dZ_L = AL - Y:
the assignment's -(Y log AL + (1 - Y) log(1 - AL)) and dAL = -(Y / AL - (1 - Y) / (1 - AL))
lose every digit where the sigmoid rounds to 1 (inf and NaN in float32 from Z ~ 17).
Checked with:  mlp-parity check examples/dlai_style.py
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "output": "sigmoid",
    "loss": "bce",
    "reduction": "mean",
    "layout": "columns",
    "bias_shape": "column",
    "params": "dict",
    "depth": "any",
    "framework": "numpy",
}


def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        Z = parameters["W" + str(l)] @ A + parameters["b" + str(l)]
        caches.append((A, Z))
        A = np.maximum(0, Z)
    ZL = parameters["W" + str(L)] @ A + parameters["b" + str(L)]
    caches.append((A, ZL))
    AL = 1 / (1 + np.exp(-ZL))
    return AL, ZL, caches


def compute_cost(ZL, Y):
    m = Y.shape[1]
    logits_cost = np.maximum(ZL, 0) - Y * ZL + np.log1p(np.exp(-np.abs(ZL)))
    return np.sum(logits_cost) / m


def L_model_backward(AL, Y, caches, parameters):
    grads = {}
    L = len(caches)
    m = AL.shape[1]
    dZ = AL - Y
    for l in reversed(range(1, L + 1)):
        A_prev, _ = caches[l - 1]
        W = parameters["W" + str(l)]
        grads["dW" + str(l)] = dZ @ A_prev.T / m
        grads["db" + str(l)] = np.sum(dZ, axis=1, keepdims=True) / m
        grads["dA" + str(l - 1)] = W.T @ dZ
        if l > 1:
            _, Z_prev = caches[l - 2]
            dZ = grads["dA" + str(l - 1)] * (Z_prev > 0)
    return grads


def loss_and_grads(parameters, X, Y):
    with np.errstate(over="ignore"):  # exp(-Z) of a large negative Z: 1 / inf = 0, right
        AL, ZL, caches = L_model_forward(X, parameters)
    return compute_cost(ZL, Y), L_model_backward(AL, Y, caches, parameters)
