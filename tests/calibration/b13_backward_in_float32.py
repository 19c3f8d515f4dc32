"""backward casts everything to float32, computes, and casts back, so float64 gradients carry only float32 precision.

For float16 and bfloat16 this is harmless (float32 inside, one rounding at the end); at float64
each gradient has a relative error around 1e-8 instead of 1e-16.
"""
import torch

CAUSE = "backward computes in float32 internally regardless of the input dtype, so float64 gradients are only float32-accurate."
EXPECTED = ("precision",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    dt = x.dtype
    x32, a32, h32, W2_32 = x.float(), a1.float(), h.float(), W2.float()
    r = torch.as_tensor(f, device=x.device).float() - (y.float() if torch.is_tensor(y) else float(y))
    da1 = W2_32[0] * r * (a32 > 0)
    dW1 = torch.outer(da1, x32)
    dW2 = r * h32[None, :]
    return dW1.to(dt), da1.to(dt), dW2.to(dt), r.reshape(1).to(dt)
