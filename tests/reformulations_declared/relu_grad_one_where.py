"""ReLU with the declared derivative 1 at zero: the mask is a >= 0, the forward torch.where(a >= 0, a, 0), and the backward multiplies by the mask as a float of the layer's dtype.

relu_grad_at_zero = 1 is a convention (TensorFlow's relu, some textbooks), not a bug.  Torch,
rows layout, summed over the batch, two outputs.
"""

import torch

CORRECT = True
MLP_PARITY = {
    "hidden": "relu",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": 2,
    "relu_grad_at_zero": 1,
}


def grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs, masks = [X], []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        if i < len(Ws) - 1:
            m = (a >= 0).to(a.dtype)
            masks.append(m)
            hs.append(torch.where(a >= 0, a, torch.zeros_like(a)))
        else:
            hs.append(a)
    delta = hs[-1] - Y
    out = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        out[2 * i] = hs[i].T @ delta
        out[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * masks[i - 1]
    return out
