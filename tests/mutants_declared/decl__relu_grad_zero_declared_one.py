"""Correct code for ReLU'(0) = 0 (mask a > 0, PyTorch's convention), declared "relu_grad_at_zero": 1: the gradients differ only at exact kinks.

A declaration mismatch: declare "relu_grad_at_zero": 0 (the default).  NumPy, columns layout,
column biases, summed over the batch.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "columns",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "relu_grad_at_zero": 1,
    "framework": "numpy",
}
DIAGNOSIS = ("declaration", "mask-wrong-at-kink")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs, pre = [X], []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ hs[-1] + b
        pre.append(a)
        hs.append(np.maximum(a, 0) if i < len(Ws) - 1 else a)
    R = hs[-1] - Y
    loss = 0.5 * np.sum(R * R)
    delta = R
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = delta @ hs[i].T
        grads[2 * i + 1] = delta.sum(axis=1, keepdims=True)
        if i:
            delta = (Ws[i].T @ delta) * (pre[i - 1] > 0)
    return loss, grads
