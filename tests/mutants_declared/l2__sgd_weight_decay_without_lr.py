"""sgd_step applies the L2 penalty as weight decay W <- (1 - lambda) W, without the learning rate: the penalty's step is lambda W instead of lr * lambda W.

NumPy, rows layout, sigmoid output with BCE, penalty declared {"l2": 0.01, "form": "half"},
checked through sgd_step (p - lr * dL/dp). The data gradient's step is right; "weight decay"
written as a decay factor forgot that the decay is the penalty gradient times lr. Right only at
lr = 1.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "tanh",
    "output": "sigmoid",
    "loss": "bce",
    "layout": "rows",
    "framework": "numpy",
    "penalty": {"l2": 0.01, "form": "half"},
}

DIAGNOSIS = ("scale", "partial")

DECAY = 0.01


def sgd_step(params, X, Y, lr):
    W1, b1, W2, b2 = params
    B = X.shape[0]
    h = np.tanh(X @ W1 + b1)
    a = h @ W2 + b2
    with np.errstate(over="ignore"):
        p = 1 / (1 + np.exp(-a))
    da = (p - Y) / B
    dh = (da @ W2.T) * (1 - h * h)
    grads = [X.T @ dh, dh.sum(0), h.T @ da, da.sum(0)]
    new = []
    for i, (q, g) in enumerate(zip(params, grads)):
        if i % 2 == 0:
            q = (1 - DECAY) * q  # BUG: (1 - lr * DECAY) * q
        new.append(q - lr * g)
    return new
