"""Whole SGD trajectories: the problems, the float64 reference, the harness's own SGD loop
over any module, and the step-by-step check.

`sgd_trajectory` drives any module's `forward` / `backward` (torch tensors) through per-sample
SGD in the seed's order; `sgd_trajectory_numpy` does the same for NumPy modules. The update is
the harness's, out of place (theta <- theta - lr g), so a module is judged only on its
gradients, yet a module that keeps state between calls (a cached mask, a counter) shows up in
the trajectory. `harness_loop_trainer(module, "torch" | "numpy", name)` wraps either as a
trainer, function(problem, record_every) -> Trajectory.

A trajectory is the flat parameter vector theta = (W1 row-major, b1, W2, b2) recorded after
chosen numbers of updates (0 = the start), with the mean loss of every epoch. `expect_trajectory`
compares one with the float64 reference trajectory of the same problem element by element,
against `tolerances.trajectory_tolerance` (derived there), and on failure names the first
recorded step that broke: epoch, sample (or batch), tensor, element, error, allowed, and how
that element's error grew over the checkpoints before it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from mlp_parity import reference
from mlp_parity.compare import as_float64
from mlp_parity.external import FLUSH_TEXT, flushes_subnormals
from mlp_parity.reference.train import _record_steps
from mlp_parity.tolerances import TrajectoryTolerance, trajectory_tolerance

PARAM_NAMES = ("W1", "b1", "W2", "b2")


@dataclass(frozen=True)
class Trajectory:
    name: str
    steps: np.ndarray  # (R,) int64: updates done when each row was recorded
    thetas: np.ndarray  # (R, P) float64: flat (W1 row-major, b1, W2, b2)
    losses: np.ndarray  # (epochs,) float64: mean 1/2 (f - y)^2 of each epoch


@dataclass(frozen=True)
class Problem:
    """Data, start and schedule of one SGD run; hashable, so its reference is computed once.

    Data and start are the seed notebook's draws from np.random.default_rng(seed);
    batch_size None is per-sample SGD in the seed's order, an int is mini-batch SGD with the
    permutations of np.random.default_rng(order_seed).
    """

    n: int = 500
    h: int = 4
    seed: int = 42
    dtype: str = "float32"
    lr: float = 0.1
    epochs: int = 50
    batch_size: int | None = None
    order_seed: int = 0

    @property
    def id(self) -> str:
        sched = "per-sample" if self.batch_size is None else f"B={self.batch_size}"
        return f"N={self.n},h={self.h},seed={self.seed},{self.dtype},lr={self.lr},E={self.epochs},{sched}"

    def data(self) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
        """(X, y, (W1, b1, W2, b2)) as NumPy arrays of `dtype` (fresh copies)."""
        X, y, params = _data(self.n, self.h, self.seed, self.dtype)
        return X.copy(), y.copy(), tuple(p.copy() for p in params)

    @property
    def steps_per_epoch(self) -> int:
        return self.n if self.batch_size is None else -(-self.n // self.batch_size)

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps_per_epoch

    def batches(self) -> list[np.ndarray]:
        """Step k's sample indices, k = 0..total_steps - 1."""
        if self.batch_size is None:
            return [np.array([i]) for _ in range(self.epochs) for i in range(self.n)]
        order = reference.minibatch_order(self.n, self.epochs, self.batch_size, self.order_seed)
        return [idx for epoch in order for idx in epoch]

    def where(self, step: int) -> str:
        """'epoch e, sample i' (or 'batch b') of the update that produced row `step`."""
        if step == 0:
            return "the start (before any update)"
        epoch, within = divmod(step - 1, self.steps_per_epoch)
        unit = "sample" if self.batch_size is None else "batch"
        return f"epoch {epoch + 1}, {unit} {within} (update {step})"


@functools.lru_cache(maxsize=8)
def _data(n: int, h: int, seed: int, dtype: str):
    rng = np.random.default_rng(seed)
    X, y = reference.make_quadrant_data(n, rng, dtype=dtype)
    return X, y, reference.init_params(X.shape[1], h, rng, dtype=dtype)


@functools.lru_cache(maxsize=8)
def reference_run(problem: Problem) -> tuple[Trajectory, TrajectoryTolerance]:
    """The float64 reference after every update, and the tolerance of a `problem.dtype` run.

    The reference starts from the problem's parameters and data exactly (float32 -> float64 is
    exact) and uses lr as a Python float, as the mathematics says.
    """
    X, y, params = problem.data()
    X64, y64, p64 = as_float64(X), as_float64(y), tuple(as_float64(p) for p in params)
    if problem.batch_size is None:
        steps, thetas, losses = reference.train_trajectory(
            p64, X64, y64, problem.lr, problem.epochs
        )
    else:
        steps, thetas, losses = reference.train_minibatch_trajectory(
            p64, X64, y64, problem.lr, problem.epochs, problem.batch_size, problem.order_seed
        )
    ref = Trajectory("reference float64", steps, thetas, losses)
    tol = trajectory_tolerance(
        thetas, X64, y64, problem.lr, problem.batches(), problem.steps_per_epoch, problem.dtype
    )
    return ref, tol


def element_name(flat: int, d: int, h: int) -> str:
    """'W1[j, k]', 'b1[j]', 'W2[0, j]' or 'b2[0]' of a flat index."""
    if flat < h * d:
        return f"W1[{flat // d}, {flat % d}]"
    flat -= h * d
    if flat < h:
        return f"b1[{flat}]"
    flat -= h
    return f"W2[0, {flat}]" if flat < h else "b2[0]"


class TrajectoryMismatch(AssertionError):
    """A trajectory left its tolerance; the message is the first-failure report."""


@dataclass(frozen=True)
class TrajectoryCheck:
    """What a passing comparison saw: the worst error/allowed over all steps and epochs."""

    worst_ratio: float
    worst_loss_ratio: float
    final_error: np.ndarray  # (P,) |theta^ - theta| after the last update
    final_allowed: np.ndarray  # (P,)
    ambiguous_steps: int


def expect_trajectory(traj: Trajectory, problem: Problem) -> TrajectoryCheck:
    """Raise TrajectoryMismatch at the first recorded step where `traj` leaves the tolerance."""
    ref, tol = reference_run(problem)
    steps = np.asarray(traj.steps, dtype=np.int64)
    if steps.ndim != 1 or steps.size == 0 or steps[-1] != problem.total_steps:
        raise TrajectoryMismatch(
            f"{traj.name}: recorded steps must end at the last update {problem.total_steps}, "
            f"got {steps[-5:].tolist()}"
        )
    thetas = np.asarray(traj.thetas, dtype=np.float64)
    if thetas.shape != (steps.size, ref.thetas.shape[1]):
        raise TrajectoryMismatch(
            f"{traj.name}: thetas must have shape ({steps.size}, {ref.thetas.shape[1]}), "
            f"got {thetas.shape}"
        )
    err = np.abs(thetas - ref.thetas[steps])
    allowed = tol.theta[steps]
    bad = ~(err <= allowed)  # NaN fails
    if bad.any():
        raise TrajectoryMismatch(_report(traj, problem, steps, err, allowed, bad, tol))
    loss_err = np.abs(np.asarray(traj.losses, dtype=np.float64) - ref.losses)
    bad_loss = ~(loss_err <= tol.loss)
    if bad_loss.any():
        e = int(np.argmax(bad_loss))
        raise TrajectoryMismatch(
            f"{traj.name} on {problem.id}: the mean loss of epoch {e + 1} is "
            f"{traj.losses[e]!r}, the reference's {ref.losses[e]!r}: error {loss_err[e]:.3e} > "
            f"allowed {tol.loss[e]:.3e} (the parameters stayed within tolerance: the loss "
            "itself is computed or accumulated wrongly)"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(allowed > 0, err / allowed, 0.0)
        loss_ratio = np.where(tol.loss > 0, loss_err / tol.loss, 0.0)
    return TrajectoryCheck(
        float(ratio.max()),
        float(loss_ratio.max()),
        err[-1],
        allowed[-1],
        int(tol.ambiguous.sum()),
    )


def _report(traj, problem, steps, err, allowed, bad, tol) -> str:
    row = int(np.argmax(bad.any(axis=1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        excess = np.where(bad[row], err[row] / np.where(allowed[row] > 0, allowed[row], np.inf), -1)
    col = int(np.argmax(np.where(np.isnan(err[row]), np.inf, excess)))
    step = int(steps[row])
    name = element_name(col, problem.data()[0].shape[1], problem.h)
    lines = [
        f"{traj.name} left the float64 reference trajectory on {problem.id}",
        f"first failing step: {problem.where(step)}"
        + (f" (last good record: update {int(steps[row - 1])})" if row > 0 else ""),
        f"  {name}: got {float(traj.thetas[row][col])!r}, reference {_ref_value(problem, step, col)!r}, "
        f"error {err[row, col]:.3e}, allowed {allowed[row, col]:.3e}",
        "  elements out of tolerance at that step: "
        + ", ".join(
            element_name(int(c), problem.data()[0].shape[1], problem.h)
            for c in np.flatnonzero(bad[row])
        ),
        f"  error of {name} at earlier records (update: error / allowed):",
    ]
    earlier = sorted({max(0, row - k) for k in (1, 2, 3, 4, 8, 16, 64, 256, 1024)} - {row})
    for r in earlier[-8:]:
        lines.append(f"    {int(steps[r]):>8}: {err[r, col]:.3e} / {allowed[r, col]:.3e}")
    if tol.ambiguous[: max(step, 1)].any():
        lines.append(
            f"  ({int(tol.ambiguous[:step].sum())} earlier updates had a ReLU within reach of its "
            "kink; their possible jumps are inside the allowance)"
        )
    return "\n".join(lines)


def _ref_value(problem: Problem, step: int, col: int) -> float:
    ref, _ = reference_run(problem)
    return float(ref.thetas[step, col])


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Number of float32 values between a and b (both float32), elementwise."""

    def ordered(x):
        i = np.asarray(x, dtype=np.float32).view(np.int32).astype(np.int64)
        return np.where(i < 0, -(2**31) - i, i)

    return np.abs(ordered(a) - ordered(b))


# --------------------------------------------------------------------------- the harness's SGD loop
Trainer = Callable[["Problem", int], Trajectory]


def _flat64(params) -> np.ndarray:
    return np.concatenate([as_float64(p).reshape(-1) for p in params])


def _sgd_loop(forward, backward, params, X, y, lr, epochs, record_every, name) -> Trajectory:
    """theta <- theta - lr * backward(forward(x_i)) for i = 0..N-1, every epoch."""
    params = tuple(params)
    n = X.shape[0]
    steps = _record_steps(epochs * n, record_every)
    thetas = np.empty((steps.size, sum(int(np.prod(p.shape)) for p in params)))
    thetas[0] = _flat64(params)
    losses = np.empty(epochs)
    rec, step = 1, 0
    for epoch in range(epochs):
        total = 0.0
        for i in range(n):
            x, yi = X[i], y[i]
            a1, h, f = forward(x, *params)
            grads = backward(x, yi, a1, h, f, params[0], params[2])
            total += 0.5 * (_scalar(f) - float(yi)) ** 2
            _check_grads(grads, params, name, epoch, i)
            params = tuple(p - lr * g for p, g in zip(params, grads))
            step += 1
            if rec < steps.size and steps[rec] == step:
                thetas[rec] = _flat64(params)
                rec += 1
        losses[epoch] = total / n
    return Trajectory(name, steps, thetas, losses)


def _scalar(f) -> float:
    """f in any form forward may return it: 0-d, of shape (1,) (NumPy 2 refuses float() of
    that), or a Python number."""
    if isinstance(f, (torch.Tensor, np.ndarray)):
        return float(f.reshape(()))
    return float(f)


def _check_grads(grads, params, name: str, epoch: int, i: int) -> None:
    if len(grads) != 4 or any(tuple(g.shape) != tuple(p.shape) for g, p in zip(grads, params)):
        got = [tuple(getattr(g, "shape", ())) for g in grads]
        raise AssertionError(
            f"{name}: backward at epoch {epoch + 1}, sample {i} returned shapes {got}; expected "
            f"{[tuple(p.shape) for p in params]} (dW1, db1, dW2, db2)"
        )


def sgd_trajectory(
    forward, backward, params, X, y, lr, epochs, record_every: int = 1, name: str = "module"
) -> Trajectory:
    """Per-sample SGD over torch `forward` / `backward`; params, X, y torch tensors."""
    for label, t in (("X", X), ("y", y), *zip(("W1", "b1", "W2", "b2"), params)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(
                f"sgd_trajectory: {label} must be a torch.Tensor, got {type(t).__name__}"
            )
    with torch.inference_mode():
        return _sgd_loop(forward, backward, params, X, y, lr, epochs, record_every, name)


def sgd_trajectory_numpy(
    forward, backward, params, X, y, lr, epochs, record_every: int = 1, name: str = "module"
) -> Trajectory:
    """Per-sample SGD over NumPy `forward` / `backward`; params, X, y NumPy arrays.

    lr stays a Python float: NumPy (>= 2) and torch treat it as weakly typed, so the update is
    computed in the parameters' dtype, as in the bundled trainers."""
    for label, a in (("X", X), ("y", y), *zip(("W1", "b1", "W2", "b2"), params)):
        if not isinstance(a, np.ndarray):
            raise TypeError(
                f"sgd_trajectory_numpy: {label} must be a numpy.ndarray, got {type(a).__name__}"
            )
    return _sgd_loop(forward, backward, params, X, y, lr, epochs, record_every, name)


def to_trajectory(name: str, steps, thetas, losses) -> Trajectory:
    """A Trajectory from a `*_trajectory` function's (steps, thetas, losses), any array type."""
    return Trajectory(
        name, np.asarray(steps, dtype=np.int64), as_float64(thetas), as_float64(losses)
    )


def _torch(problem: Problem):
    X, y, params = problem.data()
    return torch.from_numpy(X), torch.from_numpy(y), tuple(torch.from_numpy(p) for p in params)


def harness_loop_trainer(module, kind: str = "torch", name: str | None = None) -> Trainer:
    """The harness loop over `module.forward` / `module.backward` (kind "torch" or "numpy")."""
    label = name or f"harness SGD over {getattr(module, '__name__', module)}"

    def trainer(problem: Problem, record_every: int = 1) -> Trajectory:
        _per_sample_only(problem, label)
        if kind == "numpy":
            X, y, params = problem.data()
            run = sgd_trajectory_numpy
        else:
            X, y, params = _torch(problem)
            run = sgd_trajectory
        flushed_before = flushes_subnormals()
        try:
            return run(
                module.forward,
                module.backward,
                params,
                X,
                y,
                problem.lr,
                problem.epochs,
                record_every,
                label,
            )
        finally:
            if flushes_subnormals() and not flushed_before:
                torch.set_flush_denormal(False)
                raise AssertionError(f"{label}: the module {FLUSH_TEXT}")

    return trainer


def _per_sample_only(problem: Problem, what: str) -> None:
    if problem.batch_size is not None:
        raise ValueError(
            f"{what} runs per-sample SGD only; problem has batch_size {problem.batch_size}"
        )
