"""The gradient arrays are module-level buffers allocated once per shape and filled in place by each call: every gradient a caller kept is overwritten by the next call.

A speed-minded Nielsen-style port: `nabla_w = [np.zeros(w.shape) ...]` hoisted out of backprop
into a cache keyed by the shapes, then written with `out=`. One call alone is right; the
per-sample gradients a mini-batch collects before averaging all end up equal to the last
sample's.  NumPy, per-sample columns, sigmoid hidden layers, identity output.
"""

import numpy as np

MLP_PARITY = {
    "hidden": "sigmoid",
    "loss": "half_squared",
    "batch": "per-sample",
    "layout": "columns",
    "sample_shape": "column",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
    "framework": "numpy",
}
DIAGNOSIS = ("aliased-output", "stateful")

_BUFFERS: dict = {}


def _buffers(params):
    key = tuple((p.shape, p.dtype.str) for p in params)
    if key not in _BUFFERS:
        _BUFFERS[key] = [np.zeros_like(p) for p in params]
    return _BUFFERS[key]


def grads(params, x, y):
    weights, biases = params[0::2], params[1::2]
    activations = [x]
    for i, (w, b) in enumerate(zip(weights, biases)):
        z = w @ activations[-1] + b
        activations.append(1 / (1 + np.exp(-z)) if i < len(weights) - 1 else z)
    delta = activations[-1] - y
    nabla = _buffers(params)
    for i in range(len(weights) - 1, -1, -1):
        np.matmul(delta, activations[i].T, out=nabla[2 * i])
        nabla[2 * i + 1][...] = delta
        if i:
            a = activations[i]
            delta = (weights[i].T @ delta) * (a * (1 - a))
    return nabla
