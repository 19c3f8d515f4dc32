"""The seed network differentiated by torch.autograd: the oracle for the manual gradients.

Nothing here is used by `impl`'s manual path; it exists so that the hand-written gradients and
training loop can be checked against PyTorch's own differentiation:

    f = W2 ReLU(W1 x + b1) + b2,  L = 1/2 (f - y)^2,  (dW1, db1, dW2, db2) = torch.autograd.grad(L)

The network and the loss are the harness's own torch expression (`mlp_parity.oracles.loss`),
so that the autograd trainer and the harness's autograd oracle are one definition.

`train_autograd` is per-sample SGD in the seed's order (samples 0..N-1 every epoch, update
after each, theta <- theta - lr * grad), the loop a PyTorch user writes with autograd.
"""

from __future__ import annotations

import numpy as np
import torch

from mlp_parity.oracles import loss
from reference import contract
from reference.train import _record_steps

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def loss_and_grads(x, y, W1, b1, W2, b2):
    """Return (L, (dW1, db1, dW2, db2)) for one sample, the gradients from torch.autograd.

    The inputs are not modified and need not require grad; the outputs are detached.
    """
    leaves = [p.detach().clone().requires_grad_(True) for p in (W1, b1, W2, b2)]
    with torch.enable_grad():
        L = loss(leaves, x.detach(), torch.as_tensor(y, dtype=x.dtype, device=x.device))
        grads = torch.autograd.grad(L, leaves)
    return L.detach(), tuple(grads)


def _check(fn: str, params, X, y) -> tuple[torch.Tensor, ...]:
    params = contract.check_params_tuple(fn, params)
    for name, t in zip((*PARAM_NAMES, "X", "y"), (*params, X, y)):
        if not isinstance(t, torch.Tensor) or not t.is_floating_point():
            raise TypeError(f"{fn}: {name} must be a floating torch.Tensor, got {t!r:.60}")
    if X.dim() != 2 or y.shape != (X.shape[0],):
        raise ValueError(
            f"{fn}: X must be (N, d) and y (N,), got {tuple(X.shape)}, {tuple(y.shape)}"
        )
    return params


def _sgd(params, X, y, lr: float, epochs: int, record_every: int):
    leaves = [p.detach().clone().requires_grad_(True) for p in params]
    n = X.shape[0]
    steps = _record_steps(epochs * n, record_every) if record_every else np.zeros(0, np.int64)
    thetas = torch.empty((steps.size, sum(p.numel() for p in leaves)), dtype=X.dtype)
    if record_every:
        thetas[0] = torch.cat([p.detach().reshape(-1) for p in leaves])
    rec, step = 1, 0
    losses = torch.empty(epochs, dtype=torch.float64)
    with torch.enable_grad():
        for epoch in range(epochs):
            total = 0.0
            for i in range(n):
                L = loss(leaves, X[i], y[i])
                L.backward()
                with torch.no_grad():
                    for p in leaves:
                        p -= lr * p.grad
                        p.grad = None
                total += L.item()
                step += 1
                if rec < steps.size and steps[rec] == step:
                    thetas[rec] = torch.cat([p.detach().reshape(-1) for p in leaves])
                    rec += 1
            losses[epoch] = total / n
    return tuple(p.detach() for p in leaves), steps, thetas, losses


def train_autograd(params, X, y, lr: float = 0.1, epochs: int = 50):
    """Per-sample SGD with torch.autograd gradients: return ((W1, b1, W2, b2), losses)."""
    params = _check("train_autograd", params, X, y)
    lr = contract.check_lr("train_autograd", lr)
    epochs = contract.check_positive_int("train_autograd", "epochs", epochs)
    trained, _, _, losses = _sgd(params, X, y, lr, epochs, 0)
    return trained, losses


def train_autograd_trajectory(
    params, X, y, lr: float = 0.1, epochs: int = 50, record_every: int = 1
):
    """`train_autograd`'s loop, recording (steps, thetas, losses) as `impl.train_trajectory`."""
    fn = "train_autograd_trajectory"
    params = _check(fn, params, X, y)
    lr = contract.check_lr(fn, lr)
    epochs = contract.check_positive_int(fn, "epochs", epochs)
    record_every = contract.check_positive_int(fn, "record_every", record_every)
    _, steps, thetas, losses = _sgd(params, X, y, lr, epochs, record_every)
    return steps, thetas, losses
