"""Declaration mismatch: correct code for integer class labels y (N,), with "labels" left at its default "one_hot": handed (N, C) one-hot rows, it indexes with a float matrix and raises.

NumPy, rows layout, params dict, the CS231n softmax classifier. Given what it was written for
(y as class indices) it is right; with one-hot float rows `log_probs[np.arange(N), y]` raises
IndexError. Fits: "labels": "index".
"""

import numpy as np

MLP_PARITY = {
    "loss": "softmax_cross_entropy",
    "layout": "rows",
    "params": "dict",
    "outputs": "any",
    "framework": "numpy",
}

DIAGNOSIS = ("declaration", "crash", "shape")


def loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    hidden = np.maximum(0, X @ W1 + b1)
    scores = hidden @ W2 + b2
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].sum() / N

    dscores = np.exp(log_probs)
    dscores[np.arange(N), y] -= 1
    dscores /= N
    dhidden = (dscores @ W2.T) * (hidden > 0)
    return loss, {
        "W1": X.T @ dhidden,
        "b1": dhidden.sum(0),
        "W2": hidden.T @ dscores,
        "b2": dscores.sum(0),
    }
