"""The gradients are written into module-level arrays (allocated once per shape and reused with out=): the dict a caller kept from one call is overwritten by the next call.

Each call's values are right.  NumPy, dict params, rows layout, tanh hidden layers, summed.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "params": "dict",
    "framework": "numpy",
}
DIAGNOSIS = ("aliased-output",)

_BUF = {}


def _buffer(key, like):
    b = _BUF.get(key)
    if b is None or b.shape != like.shape or b.dtype != like.dtype:
        b = _BUF[key] = np.empty_like(like)
    return b


def grads(params, X, Y):
    n = len(params) // 2
    hs = [X]
    for i in range(1, n + 1):
        a = hs[-1] @ params[f"W{i}"] + params[f"b{i}"]
        hs.append(np.tanh(a) if i < n else a)
    delta = hs[-1] - Y
    out = {}
    for i in range(n, 0, -1):
        out[f"dW{i}"] = np.matmul(hs[i - 1].T, delta, out=_buffer(f"dW{i}", params[f"W{i}"]))
        out[f"db{i}"] = np.sum(delta, axis=0, out=_buffer(f"db{i}", params[f"b{i}"]))
        if i > 1:
            delta = (delta @ params[f"W{i}"].T) * (1 - hs[i - 1] ** 2)
    return out
