"""The gradients are accumulated into np.zeros(shape) buffers, which are float64 by default: float32 and float16 parameters get float64 gradients.

The values are right (even more precise).  NumPy, rows layout, per-sample accumulation over
the batch, sigmoid hidden layers, summed.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "sigmoid",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("dtype",)


def _sigmoid(a):
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    acc = [np.zeros(p.shape) for p in params]
    loss = 0.0
    for x, y in zip(X, Y):
        hs = [x]
        for i, (W, b) in enumerate(zip(Ws, bs)):
            a = hs[-1] @ W + b
            hs.append(_sigmoid(a) if i < len(Ws) - 1 else a)
        r = hs[-1] - y
        loss += 0.5 * float(r @ r)
        delta = r
        for i in range(len(Ws) - 1, -1, -1):
            acc[2 * i] += np.outer(hs[i], delta)
            acc[2 * i + 1] += delta
            if i:
                delta = (Ws[i] @ delta) * hs[i] * (1 - hs[i])
    return loss, acc
