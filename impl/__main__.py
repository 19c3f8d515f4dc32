"""Reproduce the seed notebook end to end: `python -m impl --help` lists the options.

Draws the quadrant data and the initial parameters exactly as the notebook does, checks the
NumPy and PyTorch forward passes on sample 0, trains with per-sample SGD and manual gradients,
and prints the notebook's lines plus the time per training step.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import numpy as np
import torch

import impl
import reference

BACKENDS = ("torch", "numpy")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m impl",
        description="Train the seed network (f = W2 ReLU(W1 x + b1) + b2, L = 1/2 (f - y)^2) "
        "with hand-written gradients and per-sample SGD, as the seed notebook does.",
    )
    p.add_argument("--epochs", type=int, default=50, help="passes over the data (default 50)")
    p.add_argument("--lr", type=float, default=0.1, help="SGD learning rate (default 0.1)")
    p.add_argument("--hidden", type=int, default=4, help="hidden width h (default 4)")
    p.add_argument("--n", type=int, default=500, help="number of samples N (default 500)")
    p.add_argument(
        "--seed", type=int, default=42, help="seed of np.random.default_rng for data and init"
    )
    p.add_argument(
        "--dtype",
        default="float32",
        choices=tuple(impl.DTYPES),
        help="floating dtype of data and parameters (default float32; bfloat16: torch only)",
    )
    p.add_argument(
        "--backend",
        default="torch",
        choices=BACKENDS,
        help="torch: impl.train (manual gradients in PyTorch); numpy: reference.train",
    )
    args = p.parse_args(argv)
    for name in ("epochs", "hidden", "n"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be a positive integer, got {getattr(args, name)}")
    if args.backend == "numpy" and args.dtype not in reference.DTYPES:
        p.error(f"--backend numpy supports --dtype {', '.join(reference.DTYPES)}, not {args.dtype}")
    return args


def seed_problem(n: int, hidden: int, seed: int, dtype: str):
    """(X, y, params) as NumPy arrays, drawn in the notebook's order.

    For a dtype NumPy lacks (bfloat16) the float32 draws are returned; the caller rounds them.
    """
    np_dtype = dtype if dtype in reference.DTYPES else "float32"
    rng = np.random.default_rng(seed)
    X, y = reference.make_quadrant_data(n, rng, dtype=np_dtype)
    params = reference.init_params(X.shape[1], hidden, rng, dtype=np_dtype)
    return X, y, params


def to_torch(a: np.ndarray, dtype: str) -> torch.Tensor:
    return torch.from_numpy(a).to(impl.DTYPES[dtype])


def forward_check(X, params, dtype: str) -> None:
    """The notebook's section 9: NumPy and PyTorch forward passes on sample 0."""
    x_t = to_torch(X[0], dtype)
    p_t = [to_torch(p, dtype) for p in params]
    f_t = float(impl.forward(x_t, *p_t)[2])
    # NumPy sees the same (rounded) numbers, in float32 where it lacks the dtype (bfloat16).
    ref_dtype = impl.DTYPES[dtype if dtype in reference.DTYPES else "float32"]
    f_np = float(reference.forward(*(t.to(ref_dtype).numpy() for t in (x_t, *p_t)))[2])
    print("NumPy output f_np =", f_np)
    print("Torch output f_t =", f_t)
    print("Absolute difference =", abs(f_np - f_t))


def run(args: argparse.Namespace) -> float:
    X, y, params = seed_problem(args.n, args.hidden, args.seed, args.dtype)
    forward_check(X, params, args.dtype)
    if args.backend == "torch":
        X_b, y_b = to_torch(X, args.dtype), to_torch(y, args.dtype)
        p_b = tuple(to_torch(p, args.dtype) for p in params)
        trainer, accuracy = impl.train, impl.accuracy
    else:
        X_b, y_b, p_b = X, y, params
        trainer, accuracy = reference.train, reference.accuracy
    start = time.perf_counter()
    trained, losses = trainer(p_b, X_b, y_b, lr=args.lr, epochs=args.epochs)
    seconds = time.perf_counter() - start
    for epoch, value in enumerate(losses.tolist(), start=1):
        if epoch % 10 == 0:
            print(f"epoch {epoch:03d} | mean loss {value:.4f}")
    acc = accuracy(trained, X_b, y_b)
    print(f"Final training accuracy (manual gradients): {acc:.4f}")
    steps = args.epochs * args.n
    print(f"time per training step: {seconds / steps * 1e6:.2f} us ({args.backend}, {steps} steps)")
    return acc


def main(argv: Sequence[str] | None = None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
