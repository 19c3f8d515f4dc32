"""The structural checks (ownership, layout, contract) at any distance and at special values:
an output the module keeps is caught however many calls pass before it is written again, and
the shortcuts taken at f = y, with every unit dead or with zero weights go through the same
checks as every other path."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlp_parity import cases, checks, compare, diagnose, external, mutation, options
from mlp_parity.cases import Case, Shape
from mlp_parity.kept_memory import KeptMemory

DEFAULT_CASES = cases.make_cases(
    cases.parse_seeds(options.DEFAULT_SEEDS), cases.SHAPES, cases.DTYPES, ["cpu"]
)
CASE = Case(0, Shape(2, 4, 8), "float32", "cpu")


def test_kept_memory_sees_what_outlives_the_callers_references():
    watch, keep = KeptMemory(), []
    fresh, kept_tensor, base = torch.zeros(3), torch.zeros(4), torch.zeros(5)
    keep += [kept_tensor, base]
    array, kept_array = np.zeros(3), np.zeros(4)
    keep.append(kept_array)
    for obj, label in (
        (fresh, "fresh"),
        (kept_tensor, "kept tensor"),
        (base[1:3], "view of a kept tensor"),
        (array, "fresh array"),
        (kept_array[1:], "view of a kept array"),
        (torch.zeros(2).numpy(), "array of a fresh tensor"),
        (1.5, "a number"),
    ):
        watch.add(obj, label)
    del fresh, kept_tensor, base, array, kept_array, obj
    assert len(watch) == 6  # the number owns no memory
    assert watch.kept() == ["kept tensor", "view of a kept tensor", "view of a kept array"]
    keep.clear()
    assert watch.kept() == []


# (planted bug, the check that must catch it, the case it must fail on)
KEPT = [
    ("ring_dW1", "ownership", lambda c: True),
    ("numpy_ring_h", "ownership", lambda c: c.dtype != "bfloat16"),
    ("memo_by_value", "ownership", lambda c: True),
    ("shared_zero_at_fit", "ownership", lambda c: True),
    ("zero_net_returns_W1", "ownership", lambda c: True),
    ("early_exit_db2_0d", "contract", lambda c: True),
    # (a (1, d) or (h, 1) W1 can be viewed flat in any layout)
    ("dead_fast_path_view", "layout", lambda c: c.shape.h > 1 and c.shape.d > 1),
]


@pytest.mark.parametrize(
    ("name", "check", "where", "dtypes"),
    [
        pytest.param(*k, dtypes, marks=[pytest.mark.slow] if len(dtypes) > 1 else [])
        for k in KEPT
        for dtypes in (("float64",), cases.DTYPES)
    ],
    ids=[f"{k[0]}-{which}" for k in KEPT for which in ("float64", "every-dtype")],
)
def test_a_planted_bug_fails_on_every_default_case(name, check, where, dtypes):
    """Each passed every check before the ownership check let go of its outputs and the
    structural checks ran at special values (see tests/mutants/ for what each does). At
    float64 in the default run, at every dtype with --slow."""
    impl = external.load(mutation.module_spec(f"tests.mutants.{name}"))
    for case in [c for c in DEFAULT_CASES if where(c) and c.dtype in dtypes]:
        failures = checks.sweep(impl, [case], only=(check,))
        assert failures, f"{name} passed the {check} check on {case.id}"


def test_a_ring_of_buffers_is_caught_at_any_distance_and_named():
    impl = external.load("tests.mutants.ring_dW1")
    (failure,) = checks.sweep(impl, [CASE], only=("ownership",))
    assert failure.kind == compare.ALIASED_OUTPUT and failure.tensor == "dW1"
    first = failure.message.splitlines()[0]
    assert first.startswith(
        "ownership check failed: dW1 from tests.mutants.ring_dW1 returned by backward(sample 0) "
        "is still held by the module after the caller let go of every reference to it"
    ), first
    assert "a ring of buffers" in first


def test_a_shared_zero_at_f_equals_y_names_the_special_value():
    impl = external.load("tests.mutants.shared_zero_at_fit")
    (failure,) = checks.sweep(impl, [CASE], only=("ownership",))
    assert "shares memory with dW1, another output of backward" in failure.message
    assert "call pattern: backward(sample " in failure.message
    assert ", f = y)" in failure.message


@pytest.mark.parametrize("case", DEFAULT_CASES[::5], ids=lambda c: c.id)
def test_special_values_are_what_they_say_at_every_dtype(case):
    inp = cases.inputs(case)
    (_, fit), (_, dead), (_, zero) = checks.special_values(case)
    _, _, F = checks.backward_inputs(fit, case.dtype)
    assert np.array_equal(F - fit.Y, np.zeros_like(F)), "f - y = 0 exactly"
    A1d, Hd, _ = checks.backward_inputs(dead, case.dtype)
    assert np.all(A1d < 0) and not Hd.any(), "every unit dead in every sample"
    assert not zero.W1.any() and not zero.W2.any() and np.array_equal(zero.b1, inp.b1)
    for special in (fit, dead, zero):
        c1, c2 = cases._peak_coefficients(dict(vars(special)))
        assert c1 + c2 <= cases.CEILING[case.dtype], "within the dtype's range"
        for name in ("X", "Y", "W1", "b1", "W2", "b2"):
            a = getattr(special, name)
            assert np.array_equal(cases.round_to(a, case.dtype), a), f"{name} exact in the dtype"


@pytest.mark.parametrize("spec", ["tests.reformulations.out_buffers", "examples.seed_notebook"])
def test_correct_modules_pass_the_structural_checks_at_special_values(spec):
    """(the bundled reference and impl: the suite, in every run; every dtype and seed of
    every correct module: the no-false-alarm sweep)"""
    impl = external.load(spec)
    dtypes = ("float32",)
    case_list = [c for c in DEFAULT_CASES if c.dtype in dtypes]
    failures = checks.sweep(impl, case_list, only=("ownership", "contract", "layout"))
    assert not failures, failures[0].message


def test_a_bug_that_shows_only_in_a_layout_is_diagnosed_layout():
    impl = external.load("tests.mutants.dead_fast_path_view")
    failures = checks.sweep(impl, [CASE])
    assert {f.check for f in failures} == {"layout"}
    found = diagnose.diagnose(impl, failures)
    assert [d.pattern for d in found][:2] == ["layout", "crash"], found
    assert "(strided)" in found[0].evidence and "view" in found[0].evidence
