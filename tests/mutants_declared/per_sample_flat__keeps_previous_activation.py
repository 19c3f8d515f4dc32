"""A per-sample model object keeps the previous call's hidden activations and uses them in this call's weight gradients (it updates its cache after the backward pass).

The first call on a fresh module is right; every later call mixes in the last sample's h.
Module-level state, torch, flat vectors, rows layout, sigmoid hidden layers.
"""

import torch

MLP_PARITY = {
    "hidden": "sigmoid",
    "loss": "half_squared",
    "batch": "per-sample",
    "layout": "rows",
    "sample_shape": "flat",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("stateful",)


class _Model:
    def __init__(self):
        self.cache = None

    def loss_and_grads(self, params, x, y):
        Ws, bs = params[0::2], params[1::2]
        hs = [x]
        for i, (W, b) in enumerate(zip(Ws, bs)):
            a = hs[-1] @ W + b
            hs.append(torch.sigmoid(a) if i < len(Ws) - 1 else a)
        used = (
            hs
            if self.cache is None
            or len(self.cache) != len(hs)
            or any(c.shape != h.shape or c.dtype != h.dtype for c, h in zip(self.cache, hs))
            else [x, *self.cache[1:]]
        )
        r = hs[-1] - y
        delta = r
        grads = [None] * len(params)
        for i in range(len(Ws) - 1, -1, -1):
            grads[2 * i] = torch.outer(used[i], delta)
            grads[2 * i + 1] = delta.clone()
            if i:
                delta = (Ws[i] @ delta) * hs[i] * (1 - hs[i])
        self.cache = [h.clone() for h in hs]
        return 0.5 * (r * r).sum(), grads


_MODEL = _Model()


def loss_and_grads(params, x, y):
    return _MODEL.loss_and_grads(params, x, y)
