"""Does its arithmetic in place (out=, mul_, add_, clamp_) but only on buffers it allocated itself in this call, never on its inputs.

Columns layout (W as (out, in), X as (d, B)) with row-shaped biases (1, out), leaky ReLU with
slope 0.1, mean over the batch.
"""

import torch

CORRECT = True
ALPHA = 0.1
MLP_PARITY = {
    "hidden": f"leaky_relu:{ALPHA}",
    "loss": "half_squared",
    "reduction": "mean",
    "layout": "columns",
    "bias_shape": "row",
    "depth": "any",
    "outputs": "any",
}


def loss_and_grads(params, X, Y):
    Ws, bs = params[0::2], params[1::2]
    n = len(Ws)
    hs, slopes = [X], []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        a = torch.empty(W.shape[0], X.shape[1], dtype=X.dtype)
        torch.mm(W, hs[-1], out=a)
        a.add_(b.T)
        if i < n - 1:
            slope = torch.full_like(a, ALPHA)
            slope.masked_fill_(a > 0, 1.0)
            a.mul_(slope)
            slopes.append(slope)
        hs.append(a)
    B = X.shape[1]
    delta = hs[-1].clone()
    delta.sub_(Y)
    loss = 0.5 * torch.sum(delta * delta) / B
    delta.div_(B)
    grads = [None] * len(params)
    for i in range(n - 1, -1, -1):
        gW = torch.empty_like(Ws[i])
        torch.mm(delta, hs[i].T, out=gW)
        gb = torch.empty_like(bs[i])
        torch.sum(delta, dim=1, keepdim=True, out=gb.T)
        grads[2 * i], grads[2 * i + 1] = gW, gb
        if i:
            nxt = torch.empty(Ws[i].shape[1], B, dtype=X.dtype)
            torch.mm(Ws[i].T, delta, out=nxt)
            nxt.mul_(slopes[i - 1])
            delta = nxt
    return loss, grads
