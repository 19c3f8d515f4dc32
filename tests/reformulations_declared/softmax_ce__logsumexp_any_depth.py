"""Softmax cross-entropy whose loss is logsumexp(z) - z_y (torch.logsumexp), with the one-hot matrix taken by indexing an identity, torch.eye(k)[y], at any depth.

PyTorch, rows layout, list params, integer labels, depth "any". logsumexp subtracts the
maximum internally, so the loss is finite for any logits; p = exp(z - lse) never overflows.
"""

import torch

MLP_PARITY = {
    "hidden": "relu",
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}

CORRECT = True


def loss_and_grads(params, X, y):
    Ws, bs = params[0::2], params[1::2]
    B, k = X.shape[0], Ws[-1].shape[1]
    hs = [X]
    for W, b in zip(Ws[:-1], bs[:-1]):
        hs.append(torch.relu(hs[-1] @ W + b))
    Z = hs[-1] @ Ws[-1] + bs[-1]
    lse = torch.logsumexp(Z, dim=1, keepdim=True)
    T = torch.eye(k, dtype=Z.dtype)[y]
    loss = ((lse - Z) * T).sum() / B

    delta = (torch.exp(Z - lse) - T) / B
    grads = [None] * len(params)
    for l in reversed(range(len(Ws))):
        grads[2 * l] = hs[l].T @ delta
        grads[2 * l + 1] = delta.sum(0)
        if l:
            delta = (delta @ Ws[l].T) * (hs[l] > 0)
    return loss, grads
