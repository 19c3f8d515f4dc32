"""The integer labels are read as 1-based (y - 1, a MATLAB/Octave habit): every class is shifted by one, class 0 wraps to the last.

NumPy, rows layout, params dict, integer labels 0..C-1 as declared. Code ported from a course
whose labels ran 1..C subtracts 1 before indexing; with 0-based labels, label 0 becomes -1,
which NumPy reads as the last class. Loss and gradients are those of the shifted labels.
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

DIAGNOSIS = ("labels",)


def loss_and_grads(params, X, y):
    y = y - 1  # BUG: the labels are already 0-based
    N = X.shape[0]
    a1 = X @ params["W1"] + params["b1"]
    h1 = np.maximum(a1, 0)
    s = h1 @ params["W2"] + params["b2"]
    s = s - s.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(N), y].mean()

    ds = np.exp(logp)
    ds[np.arange(N), y] -= 1
    ds /= N
    dh = ds @ params["W2"].T
    dh[a1 <= 0] = 0
    return loss, {"W1": X.T @ dh, "b1": dh.sum(0), "W2": h1.T @ ds, "b2": ds.sum(0)}
