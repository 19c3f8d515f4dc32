"""The weight gradient is h_prev @ delta.T, the rows-layout (in, out) form, returned for a (out, in) weight: transposed on square layers, the wrong shape elsewhere.

Torch, columns layout, column biases, sigmoid hidden layers, summed over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "sigmoid",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "columns",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("transposed", "shape")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ hs[-1] + b
        hs.append(torch.sigmoid(a) if i < len(Ws) - 1 else a)
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum()
    delta = R
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i] @ delta.T
        grads[2 * i + 1] = delta.sum(1, keepdim=True)
        if i:
            delta = (Ws[i].T @ delta) * hs[i] * (1 - hs[i])
    return loss, grads
