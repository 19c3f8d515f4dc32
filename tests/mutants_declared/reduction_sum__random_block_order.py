"""The batch is summed in blocks visited in a random order (a fresh unseeded generator each call), so the same inputs give different low bits from call to call.

Each block's gradient is right and float addition is commutative but not associative: the
result is nondeterministic at the last bits.  NumPy, rows layout, ReLU, summed over the batch.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("nondeterministic",)

BLOCK = 2


def _block(Ws, bs, X, Y):
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(np.maximum(a, 0) if i < len(Ws) - 1 else a)
    R = hs[-1] - Y
    delta = R
    g = [None] * (2 * len(Ws))
    for i in range(len(Ws) - 1, -1, -1):
        g[2 * i] = hs[i].T @ delta
        g[2 * i + 1] = delta.sum(axis=0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] > 0)
    return 0.5 * np.sum(R * R), g


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    starts = np.arange(0, X.shape[0], BLOCK)
    np.random.default_rng().shuffle(starts)
    loss, acc = 0.0, [np.zeros_like(p) for p in params]
    for s in starts:
        l, g = _block(Ws, bs, X[s : s + BLOCK], Y[s : s + BLOCK])
        loss += float(l)
        for a, gi in zip(acc, g):
            a += gi
    return loss, acc
