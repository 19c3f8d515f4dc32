"""correct: forward, backward, loss and backward_batch promote every operand to float64, compute there, and round each result once to the input dtype.

More accurate than computing in the input dtype (for float16/bfloat16 the results are the
correctly rounded exact values in most cases), so results can differ from a native-dtype
computation by up to an ulp.
"""
import torch

CORRECT = True

_D = torch.float64


def _y64(y, like):
    return y.to(_D) if torch.is_tensor(y) else torch.tensor(float(y), dtype=_D, device=like.device)


def forward(x, W1, b1, W2, b2):
    dt = x.dtype
    a1 = W1.to(_D) @ x.to(_D) + b1.to(_D)
    h = a1.clamp(min=0)
    f = (W2.to(_D) @ h + b2.to(_D))[0]
    return a1.to(dt), h.to(dt), f.to(dt)


def backward(x, y, a1, h, f, W1, W2):
    dt = x.dtype
    r = f.to(_D) - _y64(y, x)
    da1 = W2[0].to(_D) * r * (a1 > 0)
    dW1 = torch.outer(da1, x.to(_D))
    dW2 = r * h.to(_D)[None, :]
    return dW1.to(dt), da1.to(dt), dW2.to(dt), r.reshape(1).to(dt)


def loss(f, y):
    r = f.to(_D) - _y64(y, f)
    return (0.5 * r * r).to(f.dtype)


def backward_batch(X, Y, A1, H, F, W1, W2):
    dt = X.dtype
    B = X.shape[0]
    R = (F.to(_D) - Y.to(_D)) / B
    dA1 = torch.outer(R, W2[0].to(_D)) * (A1 > 0)
    dW1 = dA1.T @ X.to(_D)
    db1 = dA1.sum(0)
    dW2 = (R @ H.to(_D))[None, :]
    db2 = R.sum().reshape(1)
    return dW1.to(dt), db1.to(dt), dW2.to(dt), db2.to(dt)
