"""Declaration mismatch: BCE code that clips its probabilities to [1e-7, 1 - 1e-7] before the log (Keras's epsilon), declared without "clip".

NumPy, rows layout, params dict, flat targets (k = 1). The gradient is the unclipped p - y, as
clipping code computes it; the loss differs from the declared one wherever p passes the clip
(|a| > 16.1), where it is capped near 16.1 per sample. Fits: "clip": 1e-7 in float64 and
float32; in float16 the clip itself rounds (1 - 1e-7 is 1) and the loss from p loses its
digits, so even under the fitting declaration the large-logit float16 loss is off by 4%.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "tanh",
    "output": "sigmoid",
    "loss": "bce",
    "layout": "rows",
    "targets": "flat",
    "params": "dict",
    "framework": "numpy",
}

DIAGNOSIS = ("declaration", "precision")

EPSILON = 1e-7


def loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = X.shape[0]
    h = np.tanh(X @ W1 + b1)
    z = (h @ W2 + b2)[:, 0]
    with np.errstate(over="ignore"):
        p = 1 / (1 + np.exp(-z))
    pc = np.clip(p, EPSILON, 1 - EPSILON)
    loss = -np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc))

    dz = ((p - y) / n)[:, None]
    dh = (dz @ W2.T) * (1 - h * h)
    return loss, {"W1": X.T @ dh, "b1": dh.sum(0), "W2": h.T @ dz, "b2": dz.sum(0)}
