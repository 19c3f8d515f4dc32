"""The harness's own per-sample SGD loop, and every trainer the trajectory checks run.

`sgd_trajectory` drives any module's `forward` / `backward` (torch tensors) through per-sample
SGD in the seed's order; `sgd_trajectory_numpy` does the same for NumPy modules. The update is
the harness's, out of place (theta <- theta - lr g), so a module is judged only on its
gradients, yet a module that keeps state between calls (a cached mask, a counter) shows up in
the trajectory. Both return a `Trajectory` for `expect_trajectory`.

`TRAINERS` names every bundled way to train (name -> function(problem, record_every) ->
Trajectory); `trainer_params()` turns them into `pytest.param`s, skipped with the reason where
an optional package is missing, so a test is parametrized over implementations without fixtures:

    @pytest.mark.parametrize("trainer", trainer_params())
    def test_x(trainer): expect_trajectory(trainer(PROBLEM, 1), PROBLEM)

A user's module (or a tests.harness.external.Implementation, whose forward / backward take
torch tensors whatever the module's kind) joins the same checks through
`harness_loop_trainer(module, "torch" | "numpy", name)`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

import impl
import reference
from impl import autograd_oracle
from tests.harness.trajectory import Problem, Trajectory

Trainer = Callable[[Problem, int], Trajectory]


def _record_steps(total: int, record_every: int) -> np.ndarray:
    steps = np.arange(0, total + 1, record_every, dtype=np.int64)
    return steps if steps[-1] == total else np.append(steps, np.int64(total))


def _flat64(params) -> np.ndarray:
    return np.concatenate([_to64(p).reshape(-1) for p in params])


def _to64(a) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().to("cpu", torch.float64).numpy()
    return np.asarray(a, dtype=np.float64)


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
            total += 0.5 * (float(f) - float(yi)) ** 2
            _check_grads(grads, params, name, epoch, i)
            params = tuple(p - lr * g for p, g in zip(params, grads))
            step += 1
            if rec < steps.size and steps[rec] == step:
                thetas[rec] = _flat64(params)
                rec += 1
        losses[epoch] = total / n
    return Trajectory(name, steps, thetas, losses)


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
    return Trajectory(name, np.asarray(steps, dtype=np.int64), _to64(thetas), _to64(losses))


# --------------------------------------------------------------------------- the trainers
def _torch(problem: Problem):
    X, y, params = problem.data()
    return torch.from_numpy(X), torch.from_numpy(y), tuple(torch.from_numpy(p) for p in params)


def _schedule(problem: Problem, record_every: int) -> dict:
    kw = {"lr": problem.lr, "epochs": problem.epochs, "record_every": record_every}
    if problem.batch_size is not None:
        kw |= {"batch_size": problem.batch_size, "seed": problem.order_seed}
    return kw


def reference_trainer(problem: Problem, record_every: int = 1) -> Trajectory:
    X, y, params = problem.data()
    fn = (
        reference.train_trajectory
        if problem.batch_size is None
        else reference.train_minibatch_trajectory
    )
    return to_trajectory(
        f"reference.train {problem.dtype}", *fn(params, X, y, **_schedule(problem, record_every))
    )


def impl_trainer(problem: Problem, record_every: int = 1) -> Trajectory:
    X, y, params = _torch(problem)
    fn = impl.train_trajectory if problem.batch_size is None else impl.train_minibatch_trajectory
    return to_trajectory(
        f"impl.train {problem.dtype}", *fn(params, X, y, **_schedule(problem, record_every))
    )


def autograd_trainer(problem: Problem, record_every: int = 1) -> Trajectory:
    _per_sample_only(problem, "the autograd trainer")
    X, y, params = _torch(problem)
    out = autograd_oracle.train_autograd_trajectory(
        params, X, y, **_schedule(problem, record_every)
    )
    return to_trajectory(f"torch.autograd {problem.dtype}", *out)


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

    return trainer


def fused_trainer(problem: Problem, record_every: int = 1) -> Trajectory:
    from impl import fused

    _per_sample_only(problem, "the fused trainer")
    X, y, params = problem.data()
    out = fused.train_fused_trajectory(params, X, y, problem.lr, problem.epochs, record_every)
    return to_trajectory(f"impl.fused {problem.dtype}", *out)


def _per_sample_only(problem: Problem, what: str) -> None:
    if problem.batch_size is not None:
        raise ValueError(
            f"{what} runs per-sample SGD only; problem has batch_size {problem.batch_size}"
        )


def numba_missing() -> str | None:
    """The reason the fused trainer cannot run, or None."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return "numba is not installed (pip install -e '.[fast]')"
    return None


TRAINERS: dict[str, Trainer] = {
    "reference": reference_trainer,
    "impl": impl_trainer,
    "autograd": autograd_trainer,
    "fused": fused_trainer,
    "harness-loop[impl]": harness_loop_trainer(impl, "torch", "harness SGD over impl"),
    "harness-loop[reference]": harness_loop_trainer(
        reference, "numpy", "harness SGD over reference"
    ),
}
MINIBATCH_TRAINERS = ("reference", "impl")
SLOW_TRAINERS = frozenset({"autograd", "harness-loop[impl]", "harness-loop[reference]"})


def trainer_params(names=None) -> list:
    """pytest.param(trainer, id=name) for each name (default: all), with skip marks."""
    out = []
    for name in names or TRAINERS:
        marks = []
        if name == "fused" and (reason := numba_missing()):
            marks.append(pytest.mark.skip(reason=reason))
        out.append(pytest.param(TRAINERS[name], id=name, marks=marks))
    return out
