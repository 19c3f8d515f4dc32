"""A no-bias network whose sgd_step keeps a hidden "phantom" bias per layer in module state, starting at zero, updates it every step and adds it in the forward: the first step is right, later steps use a bias the model does not have.

Declared "bias": False; the parameters are [W1, W2, ...] only.  Torch, rows layout, ReLU.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "bias": False,
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("stateful", "extra-term")

_BIAS = {}


def sgd_step(params, X, Y, lr):
    biases = []
    for i, W in enumerate(params):
        b = _BIAS.get(i)
        if b is None or b.shape[0] != W.shape[1] or b.dtype != W.dtype:
            b = torch.zeros(W.shape[1], dtype=W.dtype)
        biases.append(b)
    hs = [X]
    for i, (W, b) in enumerate(zip(params, biases)):
        a = hs[-1] @ W + b
        hs.append(torch.relu(a) if i < len(params) - 1 else a)
    delta = (hs[-1] - Y) / X.shape[0]
    new = [None] * len(params)
    for i in range(len(params) - 1, -1, -1):
        new[i] = params[i] - lr * (hs[i].T @ delta)
        _BIAS[i] = biases[i] - lr * delta.sum(0)
        if i:
            delta = (delta @ params[i].T) * (hs[i] > 0)
    return new
