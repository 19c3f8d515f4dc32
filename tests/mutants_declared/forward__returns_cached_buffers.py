"""forward() returns the module's cache buffers themselves (written in place on every call, kept for a later backward): activations a caller kept are overwritten by its next forward call.

The values of each call are right, and so are the gradients.  Torch, rows layout, sigmoid
hidden layers, summed over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "sigmoid",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("aliased-output",)

_CACHE = {}


def forward(params, X):
    Ws, bs = params[0::2], params[1::2]
    out, h = [], X
    for i, (W, b) in enumerate(zip(Ws, bs)):
        shape = (X.shape[0], W.shape[1])
        buf = _CACHE.get(i)
        if buf is None or tuple(buf.shape) != shape or buf.dtype != X.dtype:
            buf = _CACHE[i] = torch.empty(shape, dtype=X.dtype)
        torch.addmm(b, h, W, out=buf)
        if i < len(Ws) - 1:
            torch.sigmoid(buf, out=buf)
        out.append(buf)
        h = buf
    return out


def loss_and_grads(params, X, Y):
    Ws = params[0::2]
    hs = [X] + [h.clone() for h in forward(params, X)]
    R = hs[-1] - Y
    delta = R
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * hs[i] * (1 - hs[i])
    return 0.5 * (R * R).sum(), grads
