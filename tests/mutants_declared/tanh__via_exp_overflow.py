"""tanh is written (exp(a) - exp(-a)) / (exp(a) + exp(-a)), which is inf/inf = NaN for |a| past ~89 (float32) or ~710 (float64).

Right for moderate inputs; a saturated unit turns h, and then every gradient, into NaN (and
for tiny |a| the difference e^a - e^-a cancels).  Torch, rows layout, tanh hidden layers.
"""

import torch

MLP_PARITY = {
    "hidden": "tanh",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("not-finite", "precision")


def tanh(a):
    ep, en = torch.exp(a), torch.exp(-a)
    return (ep - en) / (ep + en)


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs = [X]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        hs.append(tanh(a) if i < len(Ws) - 1 else a)
    B = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum() / B
    delta = R / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (1 - hs[i] * hs[i])
    return loss, grads
