"""For bfloat16 the gradients are computed in float32 and converted by dropping the low 16 bits (truncation toward zero) instead of rounding to nearest.

The bit trick is the old "free" float32 -> bfloat16 conversion; other dtypes go through the
ordinary round-to-nearest cast and are right.
"""
import torch

CAUSE = "The float32 -> bfloat16 conversion masks off the low 16 bits, i.e. rounds toward zero instead of to nearest even."
EXPECTED = ("rounding-mode",)

_HIGH16 = -65536  # 0xFFFF0000 as a signed 32-bit integer


def _round(t32, dtype):
    if dtype == torch.bfloat16:
        bits = t32.contiguous().view(torch.int32) & _HIGH16
        return bits.view(torch.float32).to(torch.bfloat16)
    return t32.to(dtype)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    dt = x.dtype
    up = torch.float64 if dt == torch.float64 else torch.float32
    r = f.to(up) - (y.to(up) if torch.is_tensor(y) else y)
    da1 = W2[0].to(up) * r * (a1 > 0)
    dW1 = torch.outer(da1, x.to(up))
    dW2 = r * h.to(up)[None, :]
    return _round(dW1, dt), _round(da1, dt), _round(dW2, dt), _round(r.reshape(1), dt)
