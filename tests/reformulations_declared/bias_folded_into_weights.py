"""The "bias trick": appends a row of ones to every layer's input and the bias as an extra column of W, runs one matrix product per layer, and splits the gradient back into W and b.

Columns layout in torch (W (out, in), X (d, B)), flat biases, sigmoid hidden layers, identity
output, mean over the batch of the squared error without 1/2.
"""

import torch

CORRECT = True
MLP_PARITY = {
    "hidden": "sigmoid",
    "loss": "squared",
    "reduction": "mean",
    "layout": "columns",
    "depth": "any",
    "outputs": "any",
}


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    B = X.shape[1]
    ones = torch.ones(1, B, dtype=X.dtype)
    aug = [torch.cat([W, b[:, None]], dim=1) for W, b in zip(Ws, bs)]
    ins, h = [], X
    for i, Wa in enumerate(aug):
        hin = torch.cat([h, ones], dim=0)
        ins.append(hin)
        a = Wa @ hin
        h = torch.sigmoid(a) if i < len(aug) - 1 else a
    R = h - Y
    loss = (R * R).sum() / B
    delta = 2 * R / B
    grads = [None] * len(params)
    for i in range(len(aug) - 1, -1, -1):
        G = delta @ ins[i].T
        grads[2 * i] = G[:, :-1].contiguous()
        grads[2 * i + 1] = G[:, -1].contiguous()
        if i:
            hprev = ins[i][:-1]
            delta = (Ws[i].T @ delta) * hprev * (1 - hprev)
    return loss, grads
