"""sgd_step adds the gradient (p + lr * g) instead of subtracting it: the step climbs the loss.

Torch, columns layout, column biases, sigmoid hidden layers, mean over the batch; updates the
caller's tensors in place and returns None.
"""

import torch

MLP_PARITY = {
    "hidden": "sigmoid",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "columns",
    "bias_shape": "column",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("sign",)


def sgd_step(params, X, Y, lr):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = W @ hs[-1] + b
        hs.append(torch.sigmoid(a) if i < len(Ws) - 1 else a)
    delta = (hs[-1] - Y) / X.shape[1]
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = delta @ hs[i].T
        grads[2 * i + 1] = delta.sum(1, keepdim=True)
        if i:
            delta = (Ws[i].T @ delta) * hs[i] * (1 - hs[i])
    for p, g in zip(params, grads):
        p.add_(lr * g)
