"""tanh' is computed as 1 - a^2 from the pre-activation instead of 1 - h^2 from the activation.

scikit-learn-style NumPy code whose inplace derivative is handed the pre-activation list:
rows layout, tanh hidden layers, summed over the batch.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "tanh",
    "output": "identity",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("activation-derivative",)


def loss_and_grads(params, X, y):
    coefs, intercepts = params[0::2], params[1::2]
    activations, pre = [X], []
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        z = activations[-1] @ W + b
        pre.append(z)
        activations.append(np.tanh(z) if i < len(coefs) - 1 else z)
    delta = activations[-1] - y
    loss = 0.5 * np.sum(delta**2)
    grads = [None] * len(params)
    for i in range(len(coefs) - 1, -1, -1):
        grads[2 * i] = activations[i].T @ delta
        grads[2 * i + 1] = np.sum(delta, axis=0)
        if i:
            delta = (delta @ coefs[i].T) * (1 - pre[i - 1] ** 2)
    return loss, grads
