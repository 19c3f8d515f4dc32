"""10. Properties of the gradient that hold for every input, checked with Hypothesis.

Each is exact in floating point, whatever the order of operations:
* a zero residual (y = f) gives zero gradients;
* a dead unit (a1_j <= 0) gives a zero row in dW1 and a zero entry in db1;
* the gradient is linear in the residual: swapping f and y negates r = f - y exactly, and
  scaling both by 2 doubles it exactly, so the gradients negate and double exactly;
and, within the rounding bound of `tolerances.backward_bounds`, db2 = f - y and dW2 = r h^T.

Effort (`--parity-hypothesis`): fast (30 examples) by default, thorough (300). Both are
derandomised, so a run is reproducible, and write no example database into the project.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings

from mlp_parity import cases, checks, strategies, tolerances

EFFORT = {
    name: settings(max_examples=n, deadline=None, derandomize=True, database=None)
    for name, n in (("fast", 30), ("thorough", 300))
}


def _tensors(problem: strategies.Problem, f=None, y=None):
    """(x, y, a1, h, f, W1, W2) for backward, from the reference forward rounded to the dtype."""
    inp, dt = problem.inputs, cases.TORCH_DTYPES[problem.dtype]
    A1, H, F = checks.backward_inputs(inp, problem.dtype)
    t = lambda a: torch.tensor(np.asarray(a), dtype=dt)  # noqa: E731
    f = F[0] if f is None else f
    y = inp.Y[0] if y is None else y
    return t(inp.X[0]), t(y), t(A1[0]), t(H[0]), t(f), t(inp.W1), t(inp.W2)


def _exact(actual, expected, what: str) -> None:
    torch.testing.assert_close(actual, expected, rtol=0, atol=0, msg=lambda m: f"{what}\n{m}")


def _given(implementation, selected_dtypes, effort: str):
    """Problems at the dtypes asked for (--parity-dtypes) that the implementation supports."""
    dtypes = tuple(d for d in selected_dtypes if d in implementation.dtypes)
    if not dtypes:
        pytest.skip(
            f"{implementation.name} supports none of --parity-dtypes={','.join(selected_dtypes)}"
        )

    def decorate(prop):
        return EFFORT[effort](given(strategies.problems(dtypes))(prop))

    return decorate


def test_zero_residual_gives_zero_gradients(implementation, selected_dtypes, hypothesis_effort):
    @_given(implementation, selected_dtypes, hypothesis_effort)
    def prop(problem):
        _, _, _, _, f, _, _ = _tensors(problem)
        grads = implementation.backward(*_tensors(problem, y=f.item()))
        for name, g in zip(checks.GRADS, grads):
            _exact(g, torch.zeros_like(g), f"{name} must be 0 when y = f")

    prop()


def test_dead_units_give_zero_rows(implementation, selected_dtypes, hypothesis_effort):
    @_given(implementation, selected_dtypes, hypothesis_effort)
    def prop(problem):
        args = _tensors(problem)
        dW1, db1, _, _ = implementation.backward(*args)
        dead = args[2] <= 0
        _exact(db1[dead], torch.zeros_like(db1[dead]), "db1 must be 0 where a1 <= 0")
        _exact(dW1[dead], torch.zeros_like(dW1[dead]), "dW1 rows must be 0 where a1 <= 0")

    prop()


def test_gradients_are_linear_in_the_residual(implementation, selected_dtypes, hypothesis_effort):
    @_given(implementation, selected_dtypes, hypothesis_effort)
    def prop(problem):
        x, y, a1, h, f, W1, W2 = _tensors(problem)
        base = implementation.backward(x, y, a1, h, f, W1, W2)
        swapped = implementation.backward(x, f, a1, h, y, W1, W2)
        doubled = implementation.backward(x, 2 * y, a1, h, 2 * f, W1, W2)
        for name, g, s, d in zip(checks.GRADS, base, swapped, doubled):
            _exact(s, -g, f"{name}(f, y) must be -{name}(y, f)")
            _exact(d, 2 * g, f"{name}(2f, 2y) must be 2 {name}(f, y)")

    prop()


def test_output_layer_gradients_are_the_residual_and_its_outer_product(
    implementation, selected_dtypes, hypothesis_effort
):
    @_given(implementation, selected_dtypes, hypothesis_effort)
    def prop(problem):
        x, y, a1, h, f, W1, W2 = _tensors(problem)
        _, _, dW2, db2 = implementation.backward(x, y, a1, h, f, W1, W2)
        f64, y64, h64 = (t.double().numpy() for t in (f, y, h))
        r = f64 - y64
        bounds = tolerances.backward_bounds(
            x.double().numpy(), y64, h64, f64, W2.double().numpy(), problem.dtype
        )
        for name, actual, expected in (("db2", db2, [r]), ("dW2", dW2, r * h64[None, :])):
            err = np.abs(actual.double().numpy() - np.asarray(expected))
            assert np.all(err <= bounds[name]), (
                f"{name} = {actual.tolist()}, expected {np.asarray(expected).tolist()} "
                f"within {bounds[name].tolist()}"
            )

    prop()
