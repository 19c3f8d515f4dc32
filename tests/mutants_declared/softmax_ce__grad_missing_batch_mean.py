"""The softmax-CE loss is averaged over the batch but its gradient is not: delta = P - T without the 1/B.

PyTorch, rows layout, any depth, one-hot (or probability-row) targets. The loss divides by B,
the output delta does not, so every gradient is exactly B times the gradient of the loss the
code returns (right only at B = 1).
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "loss": "softmax_cross_entropy",
    "labels": "one_hot",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}

DIAGNOSIS = ("inconsistent", "scale", "declaration")


def loss_and_grads(params, X, T):
    Ws, bs = params[0::2], params[1::2]
    B = X.shape[0]
    hs = [X]
    for W, b in zip(Ws[:-1], bs[:-1]):
        hs.append(torch.relu(hs[-1] @ W + b))
    Z = hs[-1] @ Ws[-1] + bs[-1]
    logp = torch.log_softmax(Z, dim=1)
    loss = -(T * logp).sum() / B

    delta = torch.softmax(Z, dim=1) - T  # BUG: / B missing
    grads = []
    for l in range(len(Ws) - 1, -1, -1):
        grads = [hs[l].T @ delta, delta.sum(0), *grads]
        if l > 0:
            delta = (delta @ Ws[l].T) * (hs[l] > 0)
    return loss, grads
