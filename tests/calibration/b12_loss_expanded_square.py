"""loss(f, y) is computed as the expanded square ½f² − f·y + ½y² in the input dtype, which cancels catastrophically when f ≈ y and overflows when f² does.

Algebraically identical to ½(f − y)²; numerically it loses every significant bit near a good
fit and returns inf (or nan) in float16 for |f| > 362 even when f − y is small.
"""
import torch

CAUSE = "loss expands ½(f - y)² into ½f² - fy + ½y², so near f = y the result is dominated by rounding (and f² overflows in low precision)."
EXPECTED = ("precision", "not-finite")


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)


def loss(f, y):
    return 0.5 * f * f - f * y + 0.5 * y * y
