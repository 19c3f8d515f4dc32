"""The L2 penalty covers only the last weight matrix (params[-2]), in cost and gradient alike: the hidden layers' weights are not regularised.

PyTorch, rows layout, any depth, softmax classifier with integer labels, penalty declared
{"l2": 0.1, "form": "full"} (every W_l). Code grown from a logistic-regression template kept
`reg * (W * W).sum()` for the output weights only. Consistent, but the declared penalty's term
is missing from every hidden layer's loss and gradient.
"""

import torch

MLP_PARITY = {
    "loss": "softmax_cross_entropy",
    "labels": "index",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
    "penalty": {"l2": 0.1, "form": "full"},
}

DIAGNOSIS = ("missing-term", "partial")

REG = 0.1


def loss_and_grads(params, X, y):
    Ws, bs = params[0::2], params[1::2]
    B = X.shape[0]
    hs = [X]
    for W, b in zip(Ws[:-1], bs[:-1]):
        hs.append(torch.relu(hs[-1] @ W + b))
    Z = hs[-1] @ Ws[-1] + bs[-1]
    logP = torch.log_softmax(Z, dim=1)
    rows = torch.arange(B)
    loss = -logP[rows, y].sum() / B + REG * (Ws[-1] * Ws[-1]).sum()  # BUG: the last W only

    delta = logP.exp()
    delta[rows, y] -= 1
    delta /= B
    grads = []
    for l in range(len(Ws) - 1, -1, -1):
        dW = hs[l].T @ delta
        if l == len(Ws) - 1:
            dW = dW + 2 * REG * Ws[l]  # BUG: likewise
        grads = [dW, delta.sum(0), *grads]
        if l > 0:
            delta = (delta @ Ws[l].T) * (hs[l] > 0)
    return loss, grads
