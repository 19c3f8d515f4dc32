"""The backward's derivative helper uses its default slope 0.01 while the declared and forward slope is 0.2.

leaky_relu_prime(a, alpha=0.01) is called without passing ALPHA; the forward passes it.  Torch,
rows layout, summed over the batch, any depth.
"""

import torch

ALPHA = 0.2
MLP_PARITY = {
    "hidden": f"leaky_relu:{ALPHA}",
    "loss": "half_squared",
    "reduction": "sum",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("activation-derivative", "scale", "partial")


def leaky_relu(a, alpha=0.01):
    return torch.where(a > 0, a, alpha * a)


def leaky_relu_prime(a, alpha=0.01):
    return torch.where(a > 0, torch.ones_like(a), torch.full_like(a, alpha))


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    hs, pre = [X], []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = hs[-1] @ W + b
        pre.append(a)
        hs.append(leaky_relu(a, ALPHA) if i < len(Ws) - 1 else a)
    R = hs[-1] - Y
    loss = 0.5 * (R * R).sum()
    delta = R
    grads = [None] * len(params)
    for i in range(len(Ws) - 1, -1, -1):
        grads[2 * i] = hs[i].T @ delta
        grads[2 * i + 1] = delta.sum(0)
        if i:
            delta = (delta @ Ws[i].T) * leaky_relu_prime(pre[i - 1])
    return loss, grads
