"""A no-bias network returns its gradients in the with-bias layout [dW1, db1, dW2, db2, ...] with zero placeholders for the biases it does not have: twice as many entries as parameters.

The weight gradients are right but sit at the wrong positions of the list.  NumPy, rows layout,
squared error, ReLU.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "squared",
    "reduction": "mean",
    "layout": "rows",
    "bias": False,
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("shape", "extra-term")


def loss_and_grads(params, X, Y):
    hs = [X]
    for i, W in enumerate(params):
        a = hs[-1] @ W
        hs.append(np.maximum(a, 0) if i < len(params) - 1 else a)
    n = X.shape[0]
    R = hs[-1] - Y
    loss = np.sum(R * R) / n
    delta = 2 * R / n
    grads = [None] * (2 * len(params))
    for i in range(len(params) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = np.zeros(params[i].shape[1], dtype=params[i].dtype)
        if i:
            delta = (delta @ params[i].T) * (hs[i] > 0)
    return loss, grads
