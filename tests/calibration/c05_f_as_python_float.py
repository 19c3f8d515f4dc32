"""correct: forward returns f as a Python float (allowed by the contract) and backward applies the residual last, dW1 = outer(W2 ⊙ mask, x) · r.
"""
import torch

CORRECT = True


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0].item()     # exactly the dtype-rounded value
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = torch.as_tensor(f, dtype=x.dtype, device=x.device) - y
    if r.dtype != x.dtype:
        r = r.to(x.dtype)
    g = W2[0] * (a1 > 0)
    dW1 = torch.outer(g, x) * r
    db1 = g * r
    dW2 = (h * r).reshape(1, -1)
    db2 = r.reshape(1).clone()
    return dW1, db1, dW2, db2
