"""Every bundled way to train, for the trajectory checks and the benchmarks of this repository.

`TRAINERS` names each (name -> function(problem, record_every) -> Trajectory);
`trainer_params()` turns them into `pytest.param`s, skipped with the reason where an optional
package is missing:

    @pytest.mark.parametrize("trainer", trainer_params())
    def test_x(trainer): expect_trajectory(trainer(PROBLEM, 1), PROBLEM)

The harness's own SGD loop over any module is `mlp_parity.training.harness_loop_trainer`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import impl
import reference
from impl import autograd_oracle
from mlp_parity.training import (
    Problem,
    Trajectory,
    _per_sample_only,
    _torch,
    harness_loop_trainer,
    to_trajectory,
)

Trainer = Callable[[Problem, int], Trajectory]


# --------------------------------------------------------------------------- the trainers
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


def fused_trainer(problem: Problem, record_every: int = 1) -> Trajectory:
    from impl import fused

    _per_sample_only(problem, "the fused trainer")
    X, y, params = problem.data()
    out = fused.train_fused_trajectory(params, X, y, problem.lr, problem.epochs, record_every)
    return to_trajectory(f"impl.fused {problem.dtype}", *out)


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
