"""The softmax-CE gradient is the softmax probabilities alone: the one-hot subtraction (p - t) is missing.

CS231n-style two-layer classifier (numpy, rows, params dict, integer labels). The loss is
right; dscores = probs / N forgets `dscores[range(N), y] -= 1`, so every gradient pushes all
logits down and the true class's is never pulled up. Wrong at every case, float64 included.
"""

import numpy as np

MLP_PARITY = {
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "layout": "rows",
    "params": "dict",
    "outputs": "any",
    "framework": "numpy",
}

DIAGNOSIS = ("missing-term", "inconsistent")


def loss_and_grads(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    hidden = np.maximum(0, X @ W1 + b1)
    scores = hidden @ W2 + b2
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].sum() / N

    dscores = np.exp(log_probs) / N  # BUG: dscores[np.arange(N), y] -= 1 is missing
    grads = {"W2": hidden.T @ dscores, "b2": dscores.sum(axis=0)}
    dhidden = dscores @ W2.T
    dhidden[hidden <= 0] = 0
    grads["W1"] = X.T @ dhidden
    grads["b1"] = dhidden.sum(axis=0)
    return loss, grads
