"""correct: forward and backward loop over hidden units in blocks of 32 and backward_batch over samples in blocks of 3, every loop with its partial last block handled (batch accumulators in float32 for half dtypes, rounded once).
"""
import torch

CORRECT = True

HBLOCK = 32
BBLOCK = 3


def forward(x, W1, b1, W2, b2):
    nh = W1.shape[0]
    a1 = torch.empty(nh, dtype=x.dtype, device=x.device)
    for s in range(0, nh, HBLOCK):
        e = min(s + HBLOCK, nh)
        a1[s:e] = W1[s:e] @ x + b1[s:e]
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    nh, d = W1.shape
    r = f - y
    dW1 = torch.empty(nh, d, dtype=x.dtype, device=x.device)
    db1 = torch.empty(nh, dtype=x.dtype, device=x.device)
    for s in range(0, nh, HBLOCK):
        e = min(s + HBLOCK, nh)
        g = W2[0, s:e] * r * (a1[s:e] > 0)
        db1[s:e] = g
        dW1[s:e] = torch.outer(g, x)
    return dW1, db1, r * h[None, :], r.reshape(1)


def backward_batch(X, Y, A1, H, F, W1, W2):
    B = X.shape[0]
    nh, d = W1.shape
    dt = X.dtype
    acc = torch.float32 if dt in (torch.float16, torch.bfloat16) else dt
    kw = dict(dtype=acc, device=X.device)
    dW1 = torch.zeros(nh, d, **kw)
    db1 = torch.zeros(nh, **kw)
    dW2 = torch.zeros(1, nh, **kw)
    db2 = torch.zeros(1, **kw)
    for s in range(0, B, BBLOCK):
        e = min(s + BBLOCK, B)
        R = (F[s:e] - Y[s:e]) / B
        dA1 = (torch.outer(R, W2[0]) * (A1[s:e] > 0)).to(acc)
        dW1 += dA1.T @ X[s:e].to(acc)
        db1 += dA1.sum(0)
        dW2 += (R.to(acc) @ H[s:e].to(acc))[None, :]
        db2 += R.to(acc).sum()
    return dW1.to(dt), db1.to(dt), dW2.to(dt), db2.to(dt)
