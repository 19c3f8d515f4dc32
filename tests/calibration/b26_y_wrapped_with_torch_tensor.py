"""backward wraps a Python-float y with torch.tensor(y), which makes a float32 tensor: db2 comes back float32 for float16/bfloat16, and at float64 y is rounded to float32 first.

With y passed as a tensor of the right dtype everything is right; the bug only shows for the
Python-float form of y that the contract allows.
"""
import torch

CAUSE = "torch.tensor(y) on a Python float gives a float32 tensor (the default dtype), so r = f - y is promoted to float32 for half inputs (db2 dtype) and loses precision at float64."
EXPECTED = ("dtype", "precision")


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    if not torch.is_tensor(y):
        y = torch.tensor(y)             # "make sure y is a tensor"
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)
