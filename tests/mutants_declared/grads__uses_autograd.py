"""grads() does not backpropagate by hand: it rebuilds the loss with requires_grad copies and calls torch.autograd.grad.

The values are right; the point of a hand-written backward (and the declared protocol) is
that no autograd is used.  Torch, rows layout, sigmoid hidden layers, mean over the batch.
"""

import torch

MLP_PARITY = {
    "hidden": "sigmoid",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "rows",
    "depth": "any",
    "outputs": "any",
}
DIAGNOSIS = ("uses-autograd",)


def grads(params, X, Y):
    ps = [p.detach().clone().requires_grad_(True) for p in params]
    with torch.enable_grad():
        h = X
        for i in range(0, len(ps), 2):
            a = h @ ps[i] + ps[i + 1]
            h = torch.sigmoid(a) if i < len(ps) - 2 else a
        loss = 0.5 * ((h - Y) ** 2).sum() / X.shape[0]
        g = torch.autograd.grad(loss, ps)
    return [x.detach() for x in g]
