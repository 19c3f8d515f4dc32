"""Reproduce the seed notebook end to end: `python -m impl --help` lists the options.

Draws the quadrant data and the initial parameters exactly as the notebook does, checks the
NumPy and PyTorch forward passes on sample 0, trains with per-sample SGD and manual gradients,
and prints the notebook's lines plus the time per training step.

`--compare` trains the same configuration with every backend (NumPy reference, impl, torch
autograd, and the numba loop where installed) and prints a table of microseconds per step,
final loss and the largest distance to the float64 reference (sampled as `sampling` says,
with --plot or without); `--plot PATH` draws the loss curves and those distances over the
steps into a PNG (PATH.png where PATH has no suffix).

Bad options end in argparse's one-line error (exit 2); a run whose loss stops being finite
ends in one line naming the epoch (exit 1).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import reference

# torch (seconds to import) is imported by the functions that train, so --help and a usage
# error answer at once.
BACKENDS = ("torch", "numpy")
DTYPES = ("float64", "float32", "float16", "bfloat16")  # impl.DTYPES, without importing torch
DEFAULT_LR = 0.1


def finite_float(text: str) -> float:
    """--lr: a finite number (argparse's float takes nan, inf and 1e999)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def seed_int(text: str) -> int:
    """--seed: what np.random.default_rng takes, a non-negative integer."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def plot_path(text: str) -> Path:
    """The file --plot writes: PATH, with .png added where it has no suffix (as matplotlib
    itself would add it)."""
    path = Path(text)
    return path if path.suffix else path.with_name(path.name + ".png")


def _plot_arg(text: str) -> Path:
    path = plot_path(text)
    folder = path.parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"no folder {folder} to write {path.name} into")
    return path


def sampling(total: int) -> tuple[int, str]:
    """(record_every, how it reads): theta is compared with the float64 reference after every
    record_every-th update (and the last), at most about 1000 times, with --plot or without."""
    every = max(1, total // 1000)
    if every == 1:
        return 1, f"sampled after every update ({total} samples)"
    samples = len(range(0, total + 1, every)) + (total % every != 0)
    return every, f"sampled every {every} updates and after the last ({samples} samples)"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m impl",
        description="Train the seed network (f = W2 ReLU(W1 x + b1) + b2, L = 1/2 (f - y)^2) "
        "with hand-written gradients and per-sample SGD, as the seed notebook does.",
    )
    p.add_argument("--epochs", type=int, default=50, help="passes over the data (default 50)")
    p.add_argument(
        "--lr",
        type=finite_float,
        default=DEFAULT_LR,
        help=f"SGD learning rate (default {DEFAULT_LR})",
    )
    p.add_argument("--hidden", type=int, default=4, help="hidden width h (default 4)")
    p.add_argument("--n", type=int, default=500, help="number of samples N (default 500)")
    p.add_argument(
        "--seed",
        type=seed_int,
        default=42,
        help="seed of np.random.default_rng for data and init (default 42)",
    )
    p.add_argument(
        "--dtype",
        default="float32",
        choices=DTYPES,
        help="floating dtype of data and parameters (default float32; bfloat16: torch only)",
    )
    p.add_argument(
        "--backend",
        default="torch",
        choices=BACKENDS,
        help="torch: impl.train (manual gradients in PyTorch); numpy: reference.train",
    )
    p.add_argument(
        "--compare",
        action="store_true",
        help="train with every backend (numpy, torch, torch autograd, numba if installed) on "
        "this configuration and print a table: microseconds per step, final loss, and the "
        "largest distance of the parameters to the float64 reference over the run (sampled "
        "after every update, or about 1000 times in longer runs, with --plot or without)",
    )
    p.add_argument(
        "--plot",
        metavar="PATH",
        type=_plot_arg,
        help="train with every backend and write a PNG to PATH (PATH.png where PATH has no "
        "suffix): the loss curves overlaid, and each backend's parameter distance to the "
        "float64 reference over the steps (needs matplotlib)",
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


def to_torch(a: np.ndarray, dtype: str):
    import torch

    import impl

    return torch.from_numpy(a).to(impl.DTYPES[dtype])


class Diverged(Exception):
    """The run's loss or parameters stopped being finite; the message is one line."""


def expect_converging(losses, params, lr: float) -> None:
    """Raise Diverged naming the first epoch whose mean loss is not finite (or the last, where
    only the parameters are), with advice on the learning rate."""
    losses = np.asarray(_as64(losses))
    bad = np.flatnonzero(~np.isfinite(losses))
    if bad.size:
        epoch, value = int(bad[0]) + 1, float(losses[bad[0]])
    elif all(np.isfinite(_as64(p)).all() for p in params):
        return
    else:
        epoch, value = losses.size, float(losses[-1])
    advice = (
        "a negative learning rate climbs the loss: try a small positive one"
        if lr < 0
        else "try a smaller learning rate"
    )
    raise Diverged(
        f"the training diverged at epoch {epoch} (mean loss {value:g}) with --lr {lr}: "
        f"{advice}, e.g. the default --lr {DEFAULT_LR}"
    )


def forward_check(X, params, dtype: str) -> None:
    """The notebook's section 9: NumPy and PyTorch forward passes on sample 0."""
    import impl

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
    import impl

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
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is told below
        trained, losses = trainer(p_b, X_b, y_b, lr=args.lr, epochs=args.epochs)
    seconds = time.perf_counter() - start
    expect_converging(losses, trained, args.lr)
    for epoch, value in enumerate(losses.tolist(), start=1):
        if epoch % 10 == 0:
            print(f"epoch {epoch:03d} | mean loss {value:.4f}")
    acc = accuracy(trained, X_b, y_b)
    print(f"Final training accuracy (manual gradients): {acc:.4f}")
    steps = args.epochs * args.n
    print(f"time per training step: {seconds / steps * 1e6:.2f} us ({args.backend}, {steps} steps)")
    return acc


# --------------------------------------------------------------------------- --compare, --plot
@dataclass
class BackendRun:
    name: str
    seconds: float
    steps: np.ndarray  # (R,) updates done at each record
    thetas: np.ndarray  # (R, P) float64, flat (W1, b1, W2, b2)
    losses: np.ndarray  # (epochs,) float64


def _trajectory_backends(dtype: str) -> dict[str, object]:
    """name -> function(params, X, y, lr, epochs, record_every) on NumPy inputs, or a str
    saying why the backend cannot run."""
    import impl
    from impl import autograd_oracle

    def torch_fn(fn):
        def call(params, X, y, lr, epochs, record_every):
            t = lambda a: to_torch(a, dtype)  # noqa: E731
            return fn(tuple(map(t, params)), t(X), t(y), lr, epochs, record_every)

        return call

    backends: dict[str, object] = {
        "numpy (reference.train)": reference.train_trajectory
        if dtype in reference.DTYPES
        else f"NumPy has no {dtype}",
        "torch (impl.train)": torch_fn(impl.train_trajectory),
        "torch autograd": torch_fn(autograd_oracle.train_autograd_trajectory),
    }
    try:
        from impl import fused
    except ImportError as exc:
        backends["numba (impl.fused)"] = str(exc)
    else:
        backends["numba (impl.fused)"] = (
            fused.train_fused_trajectory
            if dtype in fused.DTYPES
            else f"impl.fused runs {', '.join(fused.DTYPES)}"
        )
    return backends


def _as64(a) -> np.ndarray:
    if isinstance(a, np.ndarray) or not hasattr(a, "detach"):
        return np.asarray(a, dtype=np.float64)
    import torch

    return a.detach().to("cpu", torch.float64).numpy()


def run_backends(args: argparse.Namespace, record_every: int):
    """The float64 reference and every backend's run, recorded every `record_every` updates."""
    X, y, params = seed_problem(args.n, args.hidden, args.seed, args.dtype)
    if args.dtype not in reference.DTYPES:  # the backends' own rounding of the float32 draws
        X, y, params = (
            to_torch(X, args.dtype).float().numpy(),
            to_torch(y, args.dtype).float().numpy(),
            tuple(to_torch(p, args.dtype).float().numpy() for p in params),
        )
    X64, y64 = X.astype(np.float64), y.astype(np.float64)
    p64 = tuple(p.astype(np.float64) for p in params)
    ref = BackendRun(
        "float64 reference",
        0.0,
        *_timed(reference.train_trajectory, p64, X64, y64, args, record_every)[1:],
    )
    runs, skipped = [], {}
    for name, fn in _trajectory_backends(args.dtype).items():
        if isinstance(fn, str):
            skipped[name] = fn
            continue
        if name.startswith("numba"):  # compile outside the timed run
            fn(params, X[:1], y[:1], args.lr, 1, 1)
        runs.append(BackendRun(name, *_timed(fn, params, X, y, args, record_every)))
    return ref, runs, skipped


def _timed(fn, params, X, y, args, record_every):
    start = time.perf_counter()
    steps, thetas, losses = fn(params, X, y, args.lr, args.epochs, record_every)
    seconds = time.perf_counter() - start
    return seconds, np.asarray(steps), _as64(thetas), _as64(losses)


def print_comparison(args, ref: BackendRun, runs: list[BackendRun], skipped: dict) -> None:
    steps = args.epochs * args.n
    print(
        f"N = {args.n}, h = {args.hidden}, seed {args.seed}, lr {args.lr}, {args.epochs} epochs, "
        f"{args.dtype}: {steps} steps; distance = max over the run of |theta - theta_ref| "
        f"(float64 reference), every element, {sampling(steps)[1]}"
    )
    header = f"{'backend':<24} {'us per step':>12} {'final loss':>12} {'max distance':>13}"
    print(header)
    print("-" * len(header))
    for r in runs:
        distance = float(np.max(np.abs(r.thetas - ref.thetas)))
        print(
            f"{r.name:<24} {r.seconds / steps * 1e6:>12.2f} {r.losses[-1]:>12.6f} {distance:>13.3e}"
        )
    print(f"{ref.name:<24} {'':>12} {ref.losses[-1]:>12.6f} {0.0:>13.3e}")
    for name, why in skipped.items():
        print(f"{name:<24} skipped: {why}")


def write_plot(path: str, args, ref: BackendRun, runs: list[BackendRun]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_dist) = plt.subplots(1, 2, figsize=(12, 4.5))
    epochs = np.arange(1, args.epochs + 1)
    ax_loss.plot(epochs, ref.losses, color="black", lw=3, alpha=0.3, label=ref.name)
    for r, style in zip(runs, ("-", "--", ":", "-.")):
        ax_loss.plot(epochs, r.losses, style, label=r.name)
        distance = np.max(np.abs(r.thetas - ref.thetas), axis=1)
        keep = r.steps > 0
        ax_dist.semilogy(r.steps[keep], np.maximum(distance[keep], 1e-300), style, label=r.name)
    ax_loss.set(xlabel="epoch", ylabel="mean loss 1/2 (f - y)^2", title="loss curves")
    ax_dist.set(
        xlabel="update",
        ylabel="max |theta - theta_ref|",
        title="distance to the float64 reference",
    )
    for ax in (ax_loss, ax_dist):
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.suptitle(f"N = {args.n}, h = {args.hidden}, seed {args.seed}, lr {args.lr}, {args.dtype}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def compare(args: argparse.Namespace) -> int:
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print(
                "python -m impl: --plot needs matplotlib, which is not installed: "
                "pip install matplotlib",
                file=sys.stderr,
            )
            return 1
    record_every, _ = sampling(args.epochs * args.n)  # the same with --plot or without
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is told below
        ref, runs, skipped = run_backends(args, record_every)
    expect_converging(ref.losses, [ref.thetas[-1]], args.lr)
    if args.compare:
        print_comparison(args, ref, runs, skipped)
    if args.plot:
        write_plot(str(args.plot), args, ref, runs)
        print(f"wrote {args.plot}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.compare or args.plot:
            return compare(args)
        run(args)
    except Diverged as exc:
        print(f"python -m impl: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
