"""backward_batch forgets the ReLU mask on dA1 (the per-sample backward has it), so dead units still receive first-layer gradient in the batched path.

The author used H for dW2 and assumed the mask "came along" with it.
"""
import torch

CAUSE = "backward_batch omits the ReLU derivative 1[A1 > 0] when forming dA1, so dW1/db1 of the batched path include inactive units."
EXPECTED = ("mask-missing",)


def forward(x, W1, b1, W2, b2):
    a1 = W1 @ x + b1
    h = torch.relu(a1)
    f = (W2 @ h + b2)[0]
    return a1, h, f


def backward(x, y, a1, h, f, W1, W2):
    r = f - y
    da1 = W2[0] * r * (a1 > 0)
    return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)


def backward_batch(X, Y, A1, H, F, W1, W2):
    B = X.shape[0]
    R = (F - Y) / B
    dW2 = (R @ H)[None, :]
    db2 = R.sum().reshape(1)
    dA1 = torch.outer(R, W2[0])      # mask forgotten here
    dW1 = dA1.T @ X
    db1 = dA1.sum(0)
    return dW1, db1, dW2, db2
