"""Sizes beyond the ones tried, numbers that happen to be exact, and the input forms the README
admits: a wide layer in every run, batch means compared where 1/B is not exact, y passed as
a Python float (and, to NumPy modules, as a NumPy scalar), and the planted bugs that only
these show."""

from __future__ import annotations

import types

import numpy as np
import pytest
import torch

from mlp_parity import cases, checks, external, mutation, options
from mlp_parity.cases import Case, Shape

DEFAULT_CASES = cases.make_cases(
    cases.parse_seeds(options.DEFAULT_SEEDS), cases.SHAPES, cases.DTYPES, ["cpu"]
)


def _prime(n: int) -> bool:
    return n > 1 and all(n % k for k in range(2, int(n**0.5) + 1))


def test_every_run_holds_a_wide_layer_of_units_and_of_inputs_past_every_block_size():
    wide = [c for c in DEFAULT_CASES if c.shape in cases.WIDE_SHAPES]
    assert [(c.seed, c.dtype) for c in wide] == [(0, "float64")] * 2
    assert any(c.shape.h > 1024 and _prime(c.shape.h) for c in wide)
    assert any(c.shape.d > 1024 and _prime(c.shape.d) for c in wide)
    assert all(c.family == "typical" for c in wide)
    # at the first seed and dtype selected, once per device; not with shapes of one's own
    some = cases.make_cases([5, 3], cases.SHAPES, ["bfloat16", "float32"], ["cpu", "cuda"])
    assert {(c.seed, c.dtype, c.device) for c in some if c.shape in cases.WIDE_SHAPES} == {
        (3, "float32", "cpu"),
        (3, "float32", "cuda"),
    }
    assert not any(
        c.shape in cases.WIDE_SHAPES
        for c in cases.make_cases([0], [Shape(2, 4, 8)], ["float64"], ["cpu"])
    )


def test_the_batch_a_mean_is_compared_on_is_never_a_power_of_two_but_one():
    for case in DEFAULT_CASES:
        inp = cases.inputs(case)
        batches = [len(b.X) for b in checks._mean_batches(case, inp)]
        assert all(not cases.power_of_two(B) or B == 1 for B in batches), (case.id, batches)
        assert (1 in batches) == (len(inp.X) == 1)
        uneven = cases.uneven_batch(inp, case)
        again = cases.uneven_batch(inp, case)
        assert np.array_equal(uneven.X, again.X) and np.array_equal(uneven.Y, again.Y)
        assert np.array_equal(cases.round_to(uneven.X, case.dtype), uneven.X)
        c1, c2 = cases._peak_coefficients(dict(vars(uneven)))
        assert c1 + c2 <= cases.CEILING[case.dtype], case.id


def test_backward_and_loss_get_y_in_every_form_the_readme_admits():
    seen = {"backward": set(), "loss": set()}

    def forward(x, W1, b1, W2, b2):
        a1 = W1 @ x + b1
        h = torch.relu(a1)
        return a1, h, (W2 @ h + b2)[0]

    def backward(x, y, a1, h, f, W1, W2):
        seen["backward"].add(type(y).__name__)
        r = f - y
        da1 = W2[0] * r * (a1 > 0)
        return torch.outer(da1, x), da1, r * h[None, :], r.reshape(1)

    def loss(f, y):
        seen["loss"].add(type(y).__name__)
        return 0.5 * (f - y) ** 2

    module = types.ModuleType("forms")
    vars(module).update(forward=forward, backward=backward, loss=loss)
    impl = external.Implementation("forms", "torch", module)
    case = Case(0, Shape(2, 4, 8), "float64", "cpu")
    assert checks.sweep(impl, [case], only=("forward", "backward")) == []
    assert seen == {"backward": {"Tensor", "float"}, "loss": {"Tensor", "float"}}


def test_a_numpy_module_gets_a_numpy_scalar_y_too():
    impl = external.load("numpy:reference")
    seen = set()
    original = impl.module.backward

    def backward(x, y, *rest):
        seen.add(type(y).__name__)
        return original(x, y, *rest)

    module = types.ModuleType("numpy_forms")
    vars(module).update(forward=impl.module.forward, backward=backward)
    numpy_impl = external.Implementation("numpy_forms", "numpy", module)
    assert (
        checks.sweep(numpy_impl, [Case(0, Shape(2, 4, 8), "float64", "cpu")], only=("backward",))
        == []
    )
    assert seen == {"ndarray", "float", "float64"}


# (planted bug, the cases built for it, the check that must catch it there)
BUILT = [
    ("block_1024_units", lambda c: c.shape.h > 1024, "backward"),
    ("block_512_overlap", lambda c: c.shape.d > 512, "forward"),
    ("batch_mean_float32", lambda c: c.dtype == "float64", "vmap"),
    ("batch_mean_shift", lambda c: True, "vmap"),
    # (bf16-ties targets are 2^e (1 + 2^-8): float32 holds them exactly)
    ("y_float_as_float32", lambda c: c.dtype == "float64" and c.family != "bf16-ties", "backward"),
    ("y_float_as_double", lambda c: c.dtype != "float64", "backward"),
    ("numpy_y_item", lambda c: c.dtype != "bfloat16", "backward"),
]


@pytest.mark.parametrize(("name", "where", "check"), BUILT, ids=[b[0] for b in BUILT])
def test_a_planted_bug_fails_on_every_case_built_for_it(name, where, check):
    impl = external.load(mutation.module_spec(f"tests.mutants.{name}"))
    built = [c for c in DEFAULT_CASES if where(c)]
    assert built
    for case in built:
        failures = checks.sweep(impl, [case], only=(check,))
        assert failures, f"{name} passed the {check} check on {case.id}"
