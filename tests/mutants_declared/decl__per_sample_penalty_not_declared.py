"""Declaration mismatch: correct scikit-learn-style code whose L2 penalty is alpha/(2B) sum W^2 (divided by the batch size), declared without "per_sample": true.

NumPy, rows layout, sigmoid outputs with BCE (multi-label, as MLPClassifier's logistic output),
scikit-learn's convention: loss += 0.5 * alpha * sum(W^2) / n_samples and coef_grads += alpha *
W / n_samples. Loss and gradients agree; the penalty's part of both is 1/B of the declared one.
Fits: "penalty": {"l2": 0.25, "form": "half", "per_sample": True}.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "output": "sigmoid",
    "loss": "bce",
    "layout": "rows",
    "outputs": "any",
    "framework": "numpy",
    "penalty": {"l2": 0.25, "form": "half"},  # the code divides by n_samples
}

DIAGNOSIS = ("declaration", "scale")

ALPHA = 0.25


def loss_and_grads(params, X, Y):
    coefs, intercepts = params[0::2], params[1::2]
    n_samples = X.shape[0]
    activations = [X]
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        z = activations[-1] @ W + b
        activations.append(np.maximum(z, 0) if i < len(coefs) - 1 else z)
    z = activations[-1]
    with np.errstate(over="ignore"):
        y_prob = 1 / (1 + np.exp(-z))
    loss = np.sum(np.maximum(z, 0) - Y * z + np.log1p(np.exp(-np.abs(z)))) / n_samples
    loss += (0.5 * ALPHA) * sum(np.dot(s.ravel(), s.ravel()) for s in coefs) / n_samples

    delta = (y_prob - Y) / n_samples
    grads = [None] * len(params)
    for i in range(len(coefs) - 1, -1, -1):
        grads[2 * i] = activations[i].T @ delta + ALPHA * coefs[i] / n_samples
        grads[2 * i + 1] = delta.sum(axis=0)
        if i > 0:
            delta = (delta @ coefs[i].T) * (activations[i] > 0)
    return loss, grads
