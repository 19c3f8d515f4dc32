"""The leaky ReLU derivative is computed as the ratio h / a, which is 0/0 = NaN wherever a pre-activation is exactly 0.

h / a equals 1 or alpha everywhere else, so the gradients are right until a unit sits at its
kink (a dead input, a zero weight row).  Torch, rows layout, mean over the batch.
"""

import torch

ALPHA = 0.01
MLP_PARITY = {
    "hidden": f"leaky_relu:{ALPHA}",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("not-finite", "mask-wrong-at-kink", "activation-derivative")


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs, pre = [X], []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        pre.append(a)
        hs.append(torch.where(a > 0, a, ALPHA * a) if i < len(Ws) - 1 else a)
    B = X.shape[0]
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum() / B
    delta = R / B
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * (hs[i] / pre[i - 1])
    return loss, grads
