"""Makes every input contiguous first (.contiguous()), then flattens and reshapes with .view,
which needs contiguous tensors."""

import torch


def forward(x, W1, b1, W2, b2):
    x, W1, b1, W2, b2 = (t.contiguous() for t in (x, W1, b1, W2, b2))
    h_, d = W1.shape
    a1 = (W1.view(-1) * x.repeat(h_)).view(h_, d).sum(1) + b1
    h = torch.relu(a1)
    return a1, h, (W2.view(-1) * h).sum() + b2.view(())


def backward(x, y, a1, h, f, W1, W2):
    x, a1, h, W2 = (t.contiguous() for t in (x, a1, h, W2))
    r = f - y
    da1 = W2.view(-1) * r * (a1 > 0)
    dW1 = (da1.view(-1, 1) * x.view(1, -1)).view(W1.shape)
    return dW1, da1, (r * h).view(1, -1), r.view(1)
