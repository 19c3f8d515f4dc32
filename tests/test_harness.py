"""The harness itself: correct implementations written differently pass at every dtype, the
seed notebook's functions pass where they are right and are told what is wrong where they are
not, and planted bugs fail with a message that names what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlp_parity import cases, checks, external
from mlp_parity.cases import Case, Shape

ROOT = Path(__file__).resolve().parents[1]

# A batch with every kink plan's construction in sample 0 across the two shapes, at every dtype.
SMALL = [
    Case(seed, shape, dtype, "cpu")
    for seed, shape in ((0, Shape(2, 4, 8)), (1, Shape(8, 3, 4)))
    for dtype in cases.DTYPES
]
REFORMULATIONS = [
    "tests.reformulations.outer_where",
    "tests.reformulations.float64_inside",
    "tests.reformulations.other_order",
    "numpy:tests.reformulations.numpy_einsum",
]


def _report(failures: list[checks.Failure]) -> str:
    return "\n\n".join(f.message for f in failures[:3]) + (
        f"\n... and {len(failures) - 3} more" if len(failures) > 3 else ""
    )


@pytest.mark.parametrize("spec", REFORMULATIONS, ids=lambda s: s.rpartition(".")[2])
def test_correct_reformulation_passes_at_every_dtype(spec):
    failures = checks.sweep(external.load(spec), SMALL)
    assert not failures, _report(failures)


def test_seed_notebook_passes_at_float64_and_float32():
    impl = external.load("examples.seed_notebook")
    failures = checks.sweep(impl, [c for c in SMALL if c.dtype in ("float64", "float32")])
    assert not failures, _report(failures)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_seed_notebook_is_told_what_goes_wrong_at_half_precision(dtype):
    impl = external.load("examples.seed_notebook")
    failures = checks.sweep(impl, [c for c in SMALL if c.dtype == dtype], only=("backward",))
    assert failures
    # (a1 > 0).float() makes da1 float32; its matmul with the half-precision x then fails
    message = failures[0].message
    assert "backward of examples.seed_notebook raised RuntimeError" in message, message
    source = (ROOT / "examples" / "seed_notebook.py").read_text().splitlines()
    line = 1 + next(i for i, text in enumerate(source) if "dW1 = da1[:, None] @ x[None, :]" in text)
    assert f"seed_notebook.py:{line}" in message, message


# (module, the check that must catch it, a phrase its message must contain)
PLANTED = [
    ("sign_db2", "backward", "db2 from tests.mutants.sign_db2 differs"),
    ("no_mask", "backward", "dW1 from tests.mutants.no_mask differs"),
    ("bias_ignored", "forward", "a1 from tests.mutants.bias_ignored differs"),
    ("float32_grads", "backward", "dW1.dtype=float32, but should be float64"),
    ("flat_dW2", "backward", "dW2.shape=(4,), but should be (1, 4)"),
    ("mask_cached", "backward", "dW1 from tests.mutants.mask_cached differs"),
    ("modifies_input", "contract", "modified its input W2 in place (backward)"),
    ("kink_ge", "kink", "ReLU'(0) must be 0"),
    ("accumulates", "contract", "is not bitwise repeatable"),
]


@pytest.mark.parametrize(("module", "check", "phrase"), PLANTED, ids=[p[0] for p in PLANTED])
def test_planted_bug_fails_with_a_message_naming_it(module, check, phrase):
    impl = external.load(f"tests.mutants.{module}")
    failures = checks.sweep(impl, [c for c in SMALL if c.dtype == "float64"])
    caught = [f for f in failures if f.check == check]
    assert caught, f"{module} was not caught by the {check} check; failures: {_report(failures)}"
    assert phrase in caught[0].message, caught[0].message


def test_failure_message_carries_everything_needed_to_act():
    impl = external.load("tests.mutants.sign_db2")
    case = Case(0, Shape(2, 4, 8), "float32", "cpu")
    (failure, *_) = checks.sweep(impl, [case], only=("backward",))
    message = failure.message
    for part in (
        "backward check failed: db2 from tests.mutants.sign_db2 differs from the float64 NumPy reference",
        "worst element: db2[0] of sample",
        "actual   =",
        "expected =",
        "abs err  =",
        "rel err =",
        "ULPs (float32) =",
        "allowed  =",
        "elements failing: 8 of 8",
        "case: seed0-d2h4b8-large-float32-cpu (seed=0, d=2, h=4, batch=8, dtype=float32, device=cpu",
        'rerun: pytest -k "test_backward[tests.mutants.sign_db2-seed0-d2h4b8-large-float32-cpu]" '
        "--parity-impl=tests.mutants.sign_db2 --parity-seeds=0 --parity-dtypes=float32 "
        "--parity-devices=cpu",
    ):
        assert part in message, f"missing {part!r} in:\n{message}"


def test_implementation_crash_names_the_call_and_the_case():
    impl = external.load("examples.seed_notebook")
    case = Case(0, Shape(2, 4, 8), "float16", "cpu")
    failures = checks.sweep(impl, [case], only=("autograd",))
    assert failures, "the seed notebook's float16 backward should fail"
    message = failures[0].message
    assert "case: seed0-d2h4b8-large-float16-cpu" in message
    assert "seed_notebook" in message
