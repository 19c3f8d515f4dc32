"""Per-sample and mini-batch SGD with the hand-written gradients, without autograd.

Per-sample SGD is the seed's loop (every epoch, samples 0..N-1, update after each), written for
eager PyTorch speed. With x~ = (x, 1) and r = f - y, the per-sample gradient is r times the
gradient of f, v = df/dtheta:

    A = [W1 | b1]  (h, d+1)         a1 = A x~;  h = ReLU(a1);  r = [W2 | b2] . (h, 1) - y
    v_A  = (W2^T * 1[a1 > 0]) x~^T  (the W1 and b1 parts: dL/dA = r v_A)
    v_W2 = h,  v_b2 = 1
    theta <- theta - lr * r * v     (one fused addcmul_ over every parameter)

theta = (A row-major, W2, b2) and v are flat vectors laid out alike, so (h, 1) is a slice of v,
[W2 | b2] a slice of theta, and the whole update is one kernel. A step is seven kernels on
buffers allocated once: mv, clamp_min, addmv (f - y in one), sign, mul_, mul, addcmul_.
1[a1 > 0] is sign(h), h >= 0 (ReLU'(0) = 0). In float16 and bfloat16 on the CPU, where
PyTorch's gemv is slow, a1 is sum(A * x~) instead (eight kernels). r of every step goes into a per-epoch buffer, so the epoch loss
is one reduction instead of N `.item()` synchronisations; the loop runs under
`torch.inference_mode()`.

Mini-batch SGD uses `impl.mlp`'s batched kernels and `reference.train.minibatch_order`, so both
packages visit the same batches in the same order (see reference/train.py).
"""

from __future__ import annotations

import torch

from impl.mlp import _backward_batch, _forward_batch, check_batch
from reference import contract
from reference.train import _check_minibatch_args, _record_steps, minibatch_order


def check_train_args(fn: str, params, X, y) -> tuple:
    W1, b1, W2, b2 = contract.check_params_tuple(fn, params)
    check_batch(fn, X, y, W1, b1, W2, b2, y_name="y")
    return W1, b1, W2, b2


def _flat_views(theta: torch.Tensor, d: int, h: int) -> tuple[torch.Tensor, ...]:
    """(W1, b1, W2, b2) as views into the flat vector theta of length h*d + 2h + 1."""
    W1, b1, W2, b2 = torch.split(theta, (h * d, h, h, 1))
    return W1.view(h, d), b1, W2.view(1, h), b2


def _canonical_order(d: int, h: int, device) -> torch.Tensor:
    """Indices into (A row-major, W2, b2) that read out (W1 row-major, b1, W2, b2)."""
    A = torch.arange(h * (d + 1), device=device).view(h, d + 1)
    rest = torch.arange(h * (d + 1), h * (d + 1) + h + 1, device=device)
    return torch.cat((A[:, :d].reshape(-1), A[:, d], rest))


def _record_plan(total: int, record_every: int, P: int, like: dict):
    steps = _record_steps(total, record_every) if record_every else None
    thetas = torch.empty((0 if steps is None else steps.size, P), **like)
    return steps, thetas


def _sgd(params, X, y, lr: float, epochs: int, record_every: int):
    """The per-sample loop; returns (theta in canonical order, steps, thetas, losses)."""
    W1_in, b1_in, W2_in, b2_in = params
    n, d = X.shape
    h = W1_in.shape[0]
    like = {"dtype": X.dtype, "device": X.device}
    P = h * d + 2 * h + 1

    theta = torch.empty(P, **like)  # (A row-major, W2, b2)
    v = torch.empty(P, **like)  # df/dtheta, laid out as theta
    A, w2b2 = theta[: h * (d + 1)].view(h, d + 1), theta[h * (d + 1) :].view(1, h + 1)
    A[:, :d].copy_(W1_in)
    A[:, d].copy_(b1_in)
    w2b2[0, :h].copy_(W2_in[0])
    w2b2[0, h].copy_(b2_in[0])
    w2 = w2b2[0, :h]
    vA = v[: h * (d + 1)].view(h, d + 1)
    v_h1 = v[h * (d + 1) :]  # (h, 1): v_W2 = h, v_b2 = 1
    v_h = v_h1[:h]
    v_h1[h] = 1
    canon = _canonical_order(d, h, X.device)
    a1 = torch.empty(h, **like)
    # PyTorch's CPU gemv takes a path costing milliseconds per call in float16 and bfloat16
    slow_gemv = X.device.type == "cpu" and X.dtype in (torch.float16, torch.bfloat16)
    Ax = torch.empty(h, d + 1, **like) if slow_gemv else None
    m_w2 = torch.empty(h, 1, **like)  # 1[a1 > 0] * W2^T
    Xt = torch.cat((X, torch.ones(n, 1, **like)), dim=1)  # x~ = (x, 1)
    R = torch.empty(n, **like)  # r of every step of the epoch, before its update
    xs, ys, rs = Xt.unbind(0), y.view(n, 1).unbind(0), R.view(n, 1).unbind(0)
    losses = torch.empty(epochs, dtype=torch.float64, device=X.device)
    steps, thetas = _record_plan(epochs * n, record_every, P, like)
    if record_every:
        torch.index_select(theta, 0, canon, out=thetas[0])
    rec, step = 1, 0

    with torch.inference_mode():
        for epoch in range(epochs):
            for x, yi, r in zip(xs, ys, rs):
                if slow_gemv:  # a1 = W1 x + b1, as a product and a row sum
                    torch.sum(torch.mul(A, x, out=Ax), 1, out=a1)
                else:
                    torch.mv(A, x, out=a1)  # a1 = W1 x + b1
                torch.clamp_min(a1, 0, out=v_h)  # h = ReLU(a1)
                torch.addmv(yi, w2b2, v_h1, alpha=1, beta=-1, out=r)  # r = W2 h + b2 - y
                torch.sign(v_h, out=m_w2[:, 0])  # 1[a1 > 0]
                m_w2[:, 0].mul_(w2)  # W2^T * 1[a1 > 0], W2 before its update
                torch.mul(m_w2, x, out=vA)  # v_A = (W2^T * 1[a1 > 0]) x~^T
                theta.addcmul_(v, r, value=-lr)  # theta -= lr * r * v
                if record_every:
                    step += 1
                    if rec < steps.size and steps[rec] == step:
                        torch.index_select(theta, 0, canon, out=thetas[rec])
                        rec += 1
            R64 = R.to(torch.float64)
            losses[epoch] = 0.5 * torch.mean(R64 * R64)
    return theta[canon], steps, thetas, losses


def _trained(theta: torch.Tensor, d: int, h: int) -> tuple[torch.Tensor, ...]:
    return tuple(p.clone() for p in _flat_views(theta, d, h))


def train(params, X, y, lr: float = 0.1, epochs: int = 50):
    """Return ((W1, b1, W2, b2), losses); the caller's tensors are not modified.

    `losses` is a float64 tensor of shape (epochs,) on X's device: each epoch's mean over its
    samples of 1/2 (f - y)^2, every f taken before its sample's update.
    """
    fn = "train"
    params = check_train_args(fn, params, X, y)
    lr = contract.check_lr(fn, lr)
    epochs = contract.check_positive_int(fn, "epochs", epochs)
    theta, _, _, losses = _sgd(params, X, y, lr, epochs, 0)
    return _trained(theta, X.shape[1], params[0].shape[0]), losses


def train_trajectory(params, X, y, lr: float = 0.1, epochs: int = 50, record_every: int = 1):
    """`train`'s loop, recording theta: return (steps, thetas, losses).

    steps: NumPy int64 (R,), the number of updates done when each row was taken (0, k, 2k, ...,
    last); thetas (R, P): the flat parameters (W1 row-major, b1, W2, b2) at those steps.
    """
    fn = "train_trajectory"
    params = check_train_args(fn, params, X, y)
    lr = contract.check_lr(fn, lr)
    epochs = contract.check_positive_int(fn, "epochs", epochs)
    record_every = contract.check_positive_int(fn, "record_every", record_every)
    _, steps, thetas, losses = _sgd(params, X, y, lr, epochs, record_every)
    return steps, thetas, losses


# --------------------------------------------------------------------------- mini-batch
def _minibatch_sgd(params, X, y, lr, epochs, batch_size, seed, record_every):
    n, d = X.shape
    h = params[0].shape[0]
    like = {"dtype": X.dtype, "device": X.device}
    theta = torch.empty(h * d + 2 * h + 1, **like)
    W1, b1, W2, b2 = _flat_views(theta, d, h)
    for p, src in zip((W1, b1, W2, b2), params):
        p.copy_(src)
    order = minibatch_order(n, epochs, batch_size, seed)
    steps, thetas = _record_plan(sum(map(len, order)), record_every, theta.numel(), like)
    if record_every:
        thetas[0] = theta
    rec, step = 1, 0
    F = torch.empty(n, **like)
    losses = torch.empty(epochs, dtype=torch.float64, device=X.device)
    y64 = y.to(torch.float64)
    with torch.inference_mode():
        for epoch, batches in enumerate(order):
            for idx_np in batches:
                idx = torch.from_numpy(idx_np).to(X.device)
                Xb, Yb = X[idx], y[idx]
                A1, H, Fb = _forward_batch(Xb, W1, b1, W2, b2)
                F[idx] = Fb
                grads = _backward_batch(Xb, Yb, A1, H, Fb, W1, W2)
                for p, g in zip((W1, b1, W2, b2), grads):
                    p.sub_(lr * g)
                step += 1
                if rec < thetas.shape[0] and steps[rec] == step:
                    thetas[rec] = theta
                    rec += 1
            R = F.to(torch.float64) - y64
            losses[epoch] = 0.5 * torch.mean(R * R)
    return theta, steps, thetas, losses


def _minibatch_args(fn, params, X, y, lr, epochs, batch_size, seed):
    params = check_train_args(fn, params, X, y)
    lr = contract.check_lr(fn, lr)
    epochs = contract.check_positive_int(fn, "epochs", epochs)
    _check_minibatch_args(fn, X.shape[0], batch_size, seed)
    return params, lr, epochs


def train_minibatch(
    params, X, y, lr: float = 0.1, epochs: int = 50, batch_size: int = 32, seed: int = 0
):
    """Mini-batch SGD on the mean loss of each batch: return ((W1, b1, W2, b2), losses)."""
    fn = "train_minibatch"
    params, lr, epochs = _minibatch_args(fn, params, X, y, lr, epochs, batch_size, seed)
    theta, _, _, losses = _minibatch_sgd(params, X, y, lr, epochs, batch_size, seed, 0)
    return _trained(theta, X.shape[1], params[0].shape[0]), losses


def train_minibatch_trajectory(
    params,
    X,
    y,
    lr: float = 0.1,
    epochs: int = 50,
    batch_size: int = 32,
    seed: int = 0,
    record_every: int = 1,
):
    """`train_minibatch`'s loop, recording theta after every `record_every`-th batch update."""
    fn = "train_minibatch_trajectory"
    params, lr, epochs = _minibatch_args(fn, params, X, y, lr, epochs, batch_size, seed)
    record_every = contract.check_positive_int(fn, "record_every", record_every)
    _, steps, thetas, losses = _minibatch_sgd(
        params, X, y, lr, epochs, batch_size, seed, record_every
    )
    return steps, thetas, losses


def accuracy(params, X, y) -> float:
    """Fraction of samples with (f >= 0.5) == y, the notebook's threshold."""
    W1, b1, W2, b2 = check_train_args("accuracy", params, X, y)
    _, _, F = _forward_batch(X, W1, b1, W2, b2)
    return float(((F >= 0.5).to(y.dtype) == y).double().mean())
