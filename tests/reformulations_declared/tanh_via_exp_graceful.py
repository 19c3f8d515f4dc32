"""tanh written through exp as sign(a) * (-expm1(-2|a|)) / (1 + exp(-2|a|)), its derivative as 4e/(1 + e)^2 with e = exp(-2|a|): no overflow for any a, no cancellation near 0.

The usual (e^a - e^-a)/(e^a + e^-a) is inf/inf = NaN past |a| ~ 89 (float32) or 710 (float64),
and 1 - 2/(exp(2a) + 1) loses the relative accuracy of tanh(a) for tiny a; with e in (0, 1]
this form only rounds.  Torch, rows layout, tanh hidden and output layers, mean over the batch.
"""

import torch

CORRECT = True
MLP_PARITY = {
    "hidden": "tanh",
    "output": "tanh",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}


def _tanh_and_prime(a):
    e = torch.exp(-2 * a.abs())
    h = torch.sign(a) * (-torch.expm1(-2 * a.abs())) / (1 + e)
    return h, 4 * e / ((1 + e) * (1 + e))


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs, ds = [X], []
    for W, b in zip(Ws, bs):
        h, d = _tanh_and_prime(hs[-1] @ W + b)
        hs.append(h)
        ds.append(d)
    B = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum() / B
    delta = R * ds[-1] / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * ds[i - 1]
    return loss, grads
