"""Every gradient is clamped to ±65504 ("so it always fits in float16"), which silently caps large float32 and float64 gradients.

For float16 the clamp does nothing; at float32/float64 any gradient beyond 65504 is wrong.
"""
import torch

CAUSE = "All gradients are clamped to the float16 range ±65504, capping legitimately larger float32/float64 values."
EXPECTED = ("clipped",)

HALF_MAX = 65504.0


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    grads = (torch.outer(da1, x), da1, r * h[None, :], r.reshape(1))
    return tuple(g.clamp(-HALF_MAX, HALF_MAX) for g in grads)
