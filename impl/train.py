"""Per-sample SGD with the hand-written gradients, in the seed's order, without autograd.

The loop is the seed's (every epoch, samples 0..N-1, update after each) written for eager
PyTorch speed: every buffer is allocated once; each step runs a fixed sequence of `out=` and
in-place kernels; the four parameters are views into one flat vector, and so are their four
gradients, so that a single `theta.add_(grad, alpha=-lr)` applies the whole update; f of every
step goes into a per-epoch buffer, so the epoch loss is one reduction instead of N `.item()`
synchronisations; and the loop runs under `torch.inference_mode()`.

One step, with r = f - y:
    a1 = W1 x + b1;  h = ReLU(a1);  f = W2 h + b2
    g_b2 = r;  g_W2 = r h^T;  g_b1 = W2^T r * 1[a1 > 0];  g_W1 = g_b1 x^T
    theta -= lr * g
"""

from __future__ import annotations

import torch

from impl.mlp import _forward_batch, check_batch
from reference import contract


def check_train_args(fn: str, params, X, y) -> tuple:
    W1, b1, W2, b2 = contract.check_params_tuple(fn, params)
    check_batch(fn, X, y, W1, b1, W2, b2, y_name="y")
    return W1, b1, W2, b2


def _flat_views(theta: torch.Tensor, d: int, h: int) -> tuple[torch.Tensor, ...]:
    """(W1, b1, W2, b2) as views into the flat vector theta of length h*d + 2h + 1."""
    W1, b1, W2, b2 = torch.split(theta, (h * d, h, h, 1))
    return W1.view(h, d), b1, W2.view(1, h), b2


def train(params, X, y, lr: float = 0.1, epochs: int = 50):
    """Return ((W1, b1, W2, b2), losses); the caller's tensors are not modified.

    `losses` is a float64 tensor of shape (epochs,) on X's device: each epoch's mean over its
    samples of 1/2 (f - y)^2, every f taken before its sample's update.
    """
    fn = "train"
    W1_in, b1_in, W2_in, b2_in = check_train_args(fn, params, X, y)
    lr = contract.check_lr(fn, lr)
    epochs = contract.check_positive_int(fn, "epochs", epochs)
    n, d = X.shape
    h = W1_in.shape[0]
    like = {"dtype": X.dtype, "device": X.device}

    theta = torch.empty(h * d + 2 * h + 1, **like)
    grad = torch.empty_like(theta)
    W1, b1, W2, b2 = _flat_views(theta, d, h)
    gW1, gb1, gW2, gb2 = _flat_views(grad, d, h)
    for p, src in zip((W1, b1, W2, b2), (W1_in, b1_in, W2_in, b2_in)):
        p.copy_(src)
    w2, gw2 = W2[0], gW2[0]
    a1 = torch.empty(h, **like)
    hid = torch.empty(h, **like)
    mask = torch.empty(h, **like)
    F = torch.empty(n, **like)  # f of every step of the epoch
    xs = X.unbind(0)
    ys = y.view(n, 1).unbind(0)
    fs = F.view(n, 1).unbind(0)
    losses = torch.empty(epochs, dtype=torch.float64, device=X.device)
    y64 = y.to(torch.float64)

    with torch.inference_mode():
        for epoch in range(epochs):
            for x, yi, f in zip(xs, ys, fs):
                torch.addmv(b1, W1, x, out=a1)
                torch.clamp_min(a1, 0, out=hid)
                torch.addmv(b2, W2, hid, out=f)
                torch.sub(f, yi, out=gb2)  # r
                torch.mul(hid, gb2, out=gw2)  # r h
                torch.gt(a1, 0, out=mask)  # 1[a1 > 0]
                torch.mul(w2, gb2, out=gb1)  # W2 r (W2 before its update)
                gb1.mul_(mask)
                torch.outer(gb1, x, out=gW1)
                theta.add_(grad, alpha=-lr)
            R = F.to(torch.float64) - y64
            losses[epoch] = 0.5 * torch.mean(R * R)
    return (W1.clone(), b1.clone(), W2.clone(), b2.clone()), losses


def accuracy(params, X, y) -> float:
    """Fraction of samples with (f >= 0.5) == y, the notebook's threshold."""
    W1, b1, W2, b2 = check_train_args("accuracy", params, X, y)
    _, _, F = _forward_batch(X, W1, b1, W2, b2)
    return float(((F >= 0.5).to(y.dtype) == y).double().mean())
