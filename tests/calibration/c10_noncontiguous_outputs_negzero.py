"""correct: h is computed as a1 * (a1 > 0), so dead units hold -0.0 rather than +0.0, the mask is taken from h != 0, and dW1 (also in backward_batch) is returned as a non-contiguous transposed view of a freshly computed product.

-0.0 == 0.0, and the contract asks for shapes, dtype and device, not contiguity; a checker that
compares bit patterns of zeros, or demands contiguous outputs, would wrongly reject this.
"""
import torch

CORRECT = True


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = a1 * (a1 > 0)               # -0.0 where a1 < 0
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    active = h != 0                 # relu(a) != 0  <=>  a > 0
    da1 = W2[0] * r * active
    dW1 = torch.outer(x, da1).T     # (h, d) view with strides (1, h)
    return dW1, da1, (h * r)[None, :], r.reshape(1)


def backward_batch(X, Y, A1, H, F, W1, W2):
    B = X.shape[0]
    dt = X.dtype
    acc = torch.float32 if dt in (torch.float16, torch.bfloat16) else dt   # bf16 matmul flushes subnormals
    R = (F - Y) / B
    dA1 = (torch.outer(R, W2[0]) * (H != 0)).to(acc)
    dW1 = (X.to(acc).T @ dA1).to(dt).T          # non-contiguous
    return dW1, dA1.sum(0).to(dt), (R.to(acc) @ H.to(acc)).to(dt)[None, :], R.sum().reshape(1)
