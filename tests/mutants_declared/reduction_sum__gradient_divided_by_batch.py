"""The loss is summed over the batch but the gradients are divided by the batch size (mean), so they are B times too small.

A "normalised" delta = (f - y) / n left over from a mean-loss version.  NumPy, rows layout,
tanh hidden layers (scikit-learn style), summed 1/2 squared error.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("inconsistent", "scale", "declaration")


def loss_and_grads(params, X, y):
    coefs, intercepts = params[0::2], params[1::2]
    n = X.shape[0]
    acts = [X]
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        z = acts[-1] @ W + b
        acts.append(np.tanh(z) if i < len(coefs) - 1 else z)
    diff = acts[-1] - y
    loss = 0.5 * np.sum(diff**2)
    delta = diff / n
    grads = [None] * len(params)
    for i in range(len(coefs) - 1, -1, -1):
        grads[2 * i] = acts[i].T @ delta
        grads[2 * i + 1] = np.sum(delta, axis=0)
        if i:
            delta = (delta @ coefs[i].T) * (1 - acts[i] ** 2)
    return loss, grads
