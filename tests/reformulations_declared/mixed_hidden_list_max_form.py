"""A per-layer list of hidden activations (leaky ReLU 0.2, then tanh), the leaky ReLU written as np.maximum(a, 0.2 a), in NumPy.

max(a, alpha a) is leaky ReLU for 0 < alpha < 1; its derivative is taken from a > 0, so at
a = 0 it is alpha (relu_grad_at_zero = 0).  Rows layout, sum over the batch, row biases.
"""

import numpy as np

CORRECT = True
ALPHA = 0.2
MLP_PARITY = {
    "hidden": [f"leaky_relu:{ALPHA}", "tanh"],
    "output": "identity",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "bias_shape": "row",
    "depth": 2,
    "outputs": 2,
    "framework": "numpy",
}


def loss_and_grads(params, X, Y):
    W1, b1, W2, b2, W3, b3 = params
    A1 = X @ W1 + b1
    H1 = np.maximum(A1, ALPHA * A1)
    H2 = np.tanh(H1 @ W2 + b2)
    F = H2 @ W3 + b3
    R = F - Y
    loss = 0.5 * np.sum(R * R)
    gW3, gb3 = H2.T @ R, R.sum(0, keepdims=True)
    D2 = (R @ W3.T) * (1 - H2 * H2)
    gW2, gb2 = H1.T @ D2, D2.sum(0, keepdims=True)
    D1 = (D2 @ W2.T) * np.where(A1 > 0, 1, ALPHA).astype(A1.dtype)
    gW1, gb1 = X.T @ D1, D1.sum(0, keepdims=True)
    return loss, [gW1, gb1, gW2, gb2, gW3, gb3]
