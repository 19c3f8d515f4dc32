"""sgd_step updates each layer's weights as soon as its gradient is known, then sends the delta back through the already-updated weights: the earlier layers' steps use W - lr * dW instead of W.

The last layer's step is right; every earlier layer's is off by a term of order lr.  NumPy,
rows layout, tanh hidden layers, summed over the batch.
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
DIAGNOSIS = ("partial", "extra-term")


def sgd_step(params, X, Y, lr):
    Ws = [W.copy() for W in params[0::2]]
    bs = [b.copy() for b in params[1::2]]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(np.tanh(a) if i < len(Ws) - 1 else a)
    delta = hs[-1] - Y
    for i in range(len(Ws) - 1, -1, -1):
        Ws[i] -= lr * (hs[i].T @ delta)
        bs[i] -= lr * delta.sum(axis=0)
        if i:
            delta = (delta @ Ws[i].T) * (1 - hs[i] ** 2)
    return [p for pair in zip(Ws, bs) for p in pair]
