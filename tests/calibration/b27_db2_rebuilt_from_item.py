"""db2 is rebuilt as torch.tensor([r.item()], dtype=...) without a device, so on a GPU it comes back on the CPU (and the .item() forces a device sync).

On CPU every value, dtype and shape is right; only the device is lost.
"""
import torch

CAUSE = "db2 is re-created from a Python float with torch.tensor(..., dtype=...) and no device=, so it is always a CPU tensor."
EXPECTED = ("device",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    db2 = torch.tensor([r.item()], dtype=x.dtype)
    return torch.outer(da1, x), da1, r * h[None, :], db2
