"""How fast each implementation trains, with every timed run verified against the reference.

Contenders, all per-sample SGD in the seed's order:
  numpy-reference  reference.train's loop (NumPy, one line per line of mathematics)
  notebook         the seed notebook's loop as written (examples/seed_notebook.py), the users' baseline
  impl             impl.train's manual-gradient loop (eight kernels per step)
  autograd         the same loop with torch.autograd gradients (impl.autograd_oracle)
  fused            impl.fused: the whole run as one numba-compiled loop (optional, '.[fast]')

Seed group: N = 500, seed 42, lr 0.1, 50 epochs, h = 4, float32. The timed call is the
contender's loop recording theta once per epoch, and that very output is checked against the
float64 reference trajectory (mlp_parity/training.py), so no contender is fast because it
is wrong. `extra_info["us_per_step"]` is the mean time of a run over its number of updates.

Scaling group: h in 4, 64, 256 and N in 500 (2 epochs), 5000 (1 epoch), timed on plain runs.
Each contender is verified at every width on its own problem at every update: the whole run
for h = 4, the first 100 updates for h = 64 and 10 for h = 256 (the covariance that the
tolerance propagates costs O(P^2) per update, P = 4h + 1).

With --benchmark-disable (plain `pytest` in CI) nothing is timed: each seed test runs and
verifies its contender on the first 5 epochs only, each scaling test only its verification.

Timing and the regression gate:
    pytest tests/benchmarks --benchmark-enable --benchmark-autosave
    pytest tests/benchmarks --benchmark-enable --benchmark-compare --benchmark-compare-fail=mean:25%
    pytest tests/benchmarks --benchmark-enable --benchmark-json=bench.json && \\
        python -m tests.benchmarks.summary bench.json --gate  # the tables, and the speed gate
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from examples.seed_notebook import train_notebook
from mlp_parity.training import Problem, Trajectory, expect_trajectory, to_trajectory
from tests.trainers import (
    autograd_trainer,
    fused_trainer,
    impl_trainer,
    numba_missing,
    reference_trainer,
)


def notebook_trainer(problem: Problem, record_every: int) -> Trajectory:
    """The notebook's loop, one epoch per call (it keeps no state across epochs but the
    parameters), so theta is recorded after every epoch; `record_every` must be N."""
    if record_every % problem.n:
        raise ValueError("the notebook loop records once per epoch: record_every must be N")
    X, y, params = problem.data()
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    W1, b1, W2, b2 = (torch.from_numpy(p) for p in params)
    thetas = [torch.cat([p.reshape(-1) for p in (W1, b1, W2, b2)])]
    losses = []
    for _ in range(problem.epochs):
        losses += train_notebook(W1, b1, W2, b2, X, y, problem.lr, 1)
        thetas.append(torch.cat([p.reshape(-1) for p in (W1, b1, W2, b2)]))
    steps = np.arange(problem.epochs + 1) * problem.n
    return to_trajectory("seed notebook loop", steps, torch.stack(thetas), np.array(losses))


CONTENDERS = {
    "numpy-reference": reference_trainer,
    "notebook": notebook_trainer,
    "impl": impl_trainer,
    "autograd": autograd_trainer,
    "fused": fused_trainer,
}
ROUNDS = {"numpy-reference": 5, "notebook": 3, "impl": 5, "autograd": 3, "fused": 50}
SEED = Problem()
SHORT = Problem(epochs=5)
SCALING = [
    Problem(n=n, h=h, epochs=2 if n == 500 else 1) for n in (500, 5000) for h in (4, 64, 256)
]
VERIFY_STEPS = {4: None, 64: 100, 256: 10}  # None: the whole run


def _contenders() -> list:
    out = []
    for name in CONTENDERS:
        marks = [pytest.mark.skip(reason=r)] if name == "fused" and (r := numba_missing()) else []
        out.append(pytest.param(name, id=name, marks=marks))
    return out


def _record_timing(benchmark, problem: Problem, name: str) -> None:
    benchmark.extra_info["contender"] = name
    benchmark.extra_info["steps"] = problem.total_steps
    if not benchmark.disabled and benchmark.stats is not None:
        mean = benchmark.stats.stats.mean
        benchmark.extra_info["us_per_step"] = mean / problem.total_steps * 1e6


@pytest.mark.parametrize("name", _contenders())
def test_seed_training_loop(benchmark, name):
    trainer = CONTENDERS[name]
    problem = SHORT if benchmark.disabled else SEED
    benchmark.group = f"seed: {problem.id}"
    trajectory = benchmark.pedantic(
        trainer,
        args=(problem, problem.n),
        rounds=ROUNDS[name],
        iterations=1,
        warmup_rounds=1 if name == "fused" else 0,  # numba compiles on the first call
    )
    _record_timing(benchmark, problem, name)
    expect_trajectory(trajectory, problem)


def _verification_problem(config: Problem) -> Problem:
    steps = VERIFY_STEPS[config.h]
    return config if steps is None else Problem(n=steps, h=config.h, epochs=1)


@pytest.mark.parametrize("config", SCALING, ids=lambda p: f"h={p.h},N={p.n},E={p.epochs}")
@pytest.mark.parametrize("name", _contenders())
def test_scaling(benchmark, name, config):
    trainer = CONTENDERS[name]
    verify = _verification_problem(config)
    if benchmark.disabled and verify == config and config.n > 500:
        verify = Problem(n=500, h=config.h, epochs=1)  # a quick check stands in untimed
    if benchmark.disabled:  # runs once, untimed
        expect_trajectory(benchmark(trainer, verify, verify.n), verify)
        return
    expect_trajectory(trainer(verify, verify.n), verify)
    benchmark.group = f"scaling: {config.id}"
    benchmark.pedantic(
        trainer,
        args=(config, config.total_steps),
        rounds=3,
        iterations=1,
        warmup_rounds=1 if name == "fused" else 0,
    )
    _record_timing(benchmark, config, name)
