"""BCE's output delta is (p - y) * p(1 - p): the sigmoid's derivative, which the cross-entropy cancels, is multiplied in as for the squared error.

PyTorch, rows layout, a params dict, any depth, sigmoid hidden layers. Code adapted from a
squared-error network switched its loss to cross-entropy but kept delta = (f - y) * sigma'(a)
at the output (Nielsen, ch. 3, explains why the factor disappears). Every gradient is too small,
vanishing where the output saturates.
"""

import torch

MLP_PARITY = {
    "hidden": "sigmoid",
    "output": "sigmoid",
    "loss": "bce",
    "layout": "rows",
    "params": "dict",
    "depth": "any",
}

DIAGNOSIS = ("activation-derivative", "extra-term")


def loss_and_grads(params, X, Y):
    L = len(params) // 2
    B = X.shape[0]
    hs = [X]
    for l in range(1, L):
        hs.append(torch.sigmoid(hs[-1] @ params[f"W{l}"] + params[f"b{l}"]))
    Z = hs[-1] @ params[f"W{L}"] + params[f"b{L}"]
    P = torch.sigmoid(Z)
    loss = (torch.clamp(Z, min=0) - Y * Z + torch.log1p(torch.exp(-Z.abs()))).sum() / B

    delta = (P - Y) * P * (1 - P) / B  # BUG: * P * (1 - P) belongs to the squared error
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = hs[l - 1].T @ delta
        grads[f"b{l}"] = delta.sum(0)
        if l > 1:
            h = hs[l - 1]
            delta = (delta @ params[f"W{l}"].T) * h * (1 - h)
    return loss, grads
