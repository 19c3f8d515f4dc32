"""correct: forward and backward are written in batch-of-one matrix form ((1, d) rows, (h, 1) columns, broadcasting outer products) and backward_batch accumulates per-sample contributions in a Python loop.
"""
import torch

CORRECT = True


def forward(x, W1, b1, W2, b2):
    A1 = x[None, :] @ W1.T + b1      # batch of one, (1, h)
    H = torch.relu(A1)
    F = H @ W2.T + b2                # (1, 1)
    return A1[0].clone(), H[0].clone(), F.reshape(()).clone()


def backward(x, y, a1, h, f, W1, W2):
    r = (f - y).reshape(1, 1)                  # (1, 1)
    dA1 = (r * W2) * (a1 > 0)[None, :]         # (1, h)
    dW1 = dA1.T * x[None, :]                   # (h, 1) * (1, d): column times row
    dW2 = r * h[None, :]                       # (1, h)
    return dW1, dA1.reshape(-1), dW2, r.reshape(1)


def backward_batch(X, Y, A1, H, F, W1, W2):
    B = X.shape[0]
    nh, d = W1.shape
    kw = dict(dtype=X.dtype, device=X.device)
    dW1 = torch.zeros(nh, d, **kw)
    db1 = torch.zeros(nh, **kw)
    dW2 = torch.zeros(1, nh, **kw)
    db2 = torch.zeros(1, **kw)
    for i in range(B):
        ri = (F[i] - Y[i]) / B
        gi = W2[0] * ri * (A1[i] > 0)
        dW1 += torch.outer(gi, X[i])
        db1 += gi
        dW2[0] += ri * H[i]
        db2 += ri
    return dW1, db1, dW2, db2
