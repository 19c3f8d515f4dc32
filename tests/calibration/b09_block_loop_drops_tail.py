"""The blocked loop over hidden units runs max(1, h // 32) blocks, so when h > 32 is not a multiple of 32 the last h % 32 units get no dW1/db1.

The max(1, ...) was added so that small layers (h < 32) work, which hides the bug on every
small test network; forward is blocked the same way but with the tail handled.
"""
import torch

CAUSE = "The backward block loop uses floor(h / 32) blocks (at least one), dropping the trailing h mod 32 hidden units' dW1 and db1 when h > 32."
EXPECTED = ("partial",)

BLOCK = 32


def forward(x, W1, b1, W2, b2):
    nh = W1.shape[0]
    a1 = torch.empty(nh, dtype=x.dtype, device=x.device)
    for s in range(0, nh, BLOCK):
        e = min(s + BLOCK, nh)
        a1[s:e] = W1[s:e] @ x + b1[s:e]
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    nh, d = W1.shape
    r = f - y
    dW1 = torch.zeros(nh, d, dtype=x.dtype, device=x.device)
    db1 = torch.zeros(nh, dtype=x.dtype, device=x.device)
    nblocks = max(1, nh // BLOCK)
    for i in range(nblocks):
        s, e = i * BLOCK, min((i + 1) * BLOCK, nh)
        g = W2[0, s:e] * r * (a1[s:e] > 0)
        db1[s:e] = g
        dW1[s:e] = torch.outer(g, x)
    return dW1, db1, r * h[None, :], r.reshape(1)
