"""The harness itself: correct implementations written differently pass at every dtype, the
seed notebook's functions pass where they are right and are told what is wrong where they are
not, and planted bugs fail with a message that names what is wrong."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from mlp_parity import cases, checks, external, options
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
    "tests.reformulations.transposed_products",
    "numpy:tests.reformulations.numpy_einsum",
]


def _report(failures: list[checks.Failure]) -> str:
    return "\n\n".join(f.message for f in failures[:3]) + (
        f"\n... and {len(failures) - 3} more" if len(failures) > 3 else ""
    )


@pytest.mark.slow
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


# --------------------------------------------------------------------------- case families
DEFAULT_CASES = cases.make_cases(
    cases.parse_seeds(options.DEFAULT_SEEDS), cases.SHAPES, cases.DTYPES, ["cpu"]
)
SWEEP_CASES = cases.make_cases(range(10), cases.SHAPES, cases.DTYPES, ["cpu"])


def _of(family: str, case_list=SWEEP_CASES, dtypes=cases.DTYPES) -> list[Case]:
    return [c for c in case_list if c.family == family and c.dtype in dtypes]


def _gradients(inp: cases.Inputs) -> tuple[np.ndarray, ...]:
    """Per-sample (dW1, db1, dW2, db2) in float64, from the case's numbers."""
    A1 = inp.X @ inp.W1.T + inp.b1
    H = np.maximum(A1, 0.0)
    R = H @ inp.W2[0] + inp.b2[0] - inp.Y
    da1 = R[:, None] * inp.W2[0] * (A1 > 0)
    return da1[:, :, None] * inp.X[:, None, :], da1, R[:, None] * H, R


def test_default_seeds_hold_every_family_at_every_dtype():
    held = {(c.family, c.dtype) for c in DEFAULT_CASES}
    assert held == {(f, d) for f in cases.FAMILIES for d in cases.DTYPES}


def test_shapes_hold_square_layers_one_unit_one_input_and_one_sample():
    shapes = cases.SHAPES
    assert any(s.d == s.h > 1 for s in shapes), "a transposed W1 or dW1 fits only square layers"
    assert any(s.h == 1 < s.d for s in shapes)
    assert any(s.d == 1 < s.h for s in shapes)
    assert any(s.batch == 1 for s in shapes)


def test_case_names_its_family():
    case = Case(0, cases.SHAPES[1], "float32", "cpu")
    assert case.family in case.id
    assert f"family {case.family}: {cases.FAMILY_TEXT[case.family]}" in case.describe()


def test_every_family_keeps_the_kink_construction():
    for case in DEFAULT_CASES:
        inp = cases.at_kink(case)
        a1 = inp.X[0] @ inp.W1.T + inp.b1
        assert np.any(a1 == 0), f"no activation exactly at the kink in {case.id}"


def test_the_first_and_last_unit_are_active_in_the_last_sample_unless_built_at_the_kink():
    for case in DEFAULT_CASES:
        inp, drawn = cases.inputs(case), cases._draw(case.seed, case.shape)
        a1 = inp.X[-1] @ inp.W1.T + inp.b1
        for j in {0, case.shape.h - 1} - set(drawn["kink_units"].tolist()):
            assert a1[j] > 0 or (a1[j] == 0 and not inp.W1[j].any()), (case.id, j, a1[j])


def test_zero_families_hold_exact_zeros():
    for case in _of("zero-bias"):
        inp = cases.inputs(case)
        assert not inp.b1.any() and not inp.b2.any(), case.id
    for case in _of("zero-W1"):
        inp = cases.inputs(case)
        assert not inp.W1.any() and inp.Y[0] == 0, case.id
    for case in _of("zero-W2"):
        assert not cases.inputs(case).W2.any(), case.id


def test_large_cases_push_gradient_norms_past_1e3_within_the_dtype():
    for case in _of("large"):
        inp = cases.inputs(case)
        c1, c2 = cases._peak_coefficients(dict(vars(inp)))
        assert c1 + c2 <= cases.CEILING[case.dtype], case.id  # every intermediate in range
        if case.dtype != "float16":
            norm = np.sqrt(sum((g.reshape(len(g), -1) ** 2).sum(1) for g in _gradients(inp)))
            assert norm.max() > 1e3, case.id
    fp16 = [np.abs(_gradients(cases.inputs(c))[0]).max() for c in _of("large", dtypes=("float16",))]
    assert max(fp16) > 1e3  # within a factor 64 of float16's largest number


def test_tiny_cases_hold_subnormal_gradients_and_no_factor_above_one():
    for case in _of("tiny"):
        inp = cases.inputs(case)
        dW1, _, dW2, r = _gradients(inp)
        smallest_normal = float(torch.finfo(cases.TORCH_DTYPES[case.dtype]).tiny)
        g = max(np.abs(dW1).max(), np.abs(dW2).max()) or np.abs(r).max()
        assert smallest_normal / 4 <= g < smallest_normal, case.id
        for name, a in (("x", inp.X), ("W2", inp.W2), ("r", r)):
            assert np.abs(a).max() < 1, f"|{name}| >= 1 in {case.id}"
        typical = cases._inputs(case.seed, case.shape, case.dtype, case.kink_plan, "typical")
        assert np.array_equal(inp.X != 0, typical.X != 0), f"x lost to underflow in {case.id}"


def test_bf16_ties_are_float16_numbers_that_bfloat16_shrinks():
    for case in _of("bf16-ties", dtypes=("float16",)):
        inp = cases.inputs(case)
        for name in ("W2", "b2", "Y"):
            a = getattr(inp, name)
            shrunk = 1 - np.abs(cases.round_to(a, "bfloat16")) / np.abs(a)
            assert np.all(shrunk > 2.0**-9), f"{name} of {case.id}: {shrunk.min()}"
        f = _gradients(inp)[3] + inp.Y
        assert np.all((np.abs(inp.Y) >= np.abs(f)) & (inp.Y * f <= 0)), case.id


def _square(case: Case) -> bool:
    """A square layer whose W1 and dW1 are not all zero."""
    return case.shape.d == case.shape.h > 1 and case.family not in ("zero-W1", "zero-W2")


# (planted bug, the family or shape its case must have, the check that must catch it there)
BY_CONSTRUCTION = [
    ("square_outer_transposed", _square, "backward"),
    ("square_forward_W1_dh", _square, "forward"),
    ("batch_len_squeeze", lambda c: c.shape.batch == 1 < c.shape.d, "vmap"),
    ("clip_grad_norm", lambda c: c.family == "large" and c.dtype != "float16", "backward"),
    ("flush_tiny", lambda c: c.family == "tiny" and c.dtype != "float16", "backward"),
    ("flush_subnormal", lambda c: c.family == "tiny", "backward"),
    ("bfloat16_as_float16", lambda c: c.family == "large" and c.dtype == "bfloat16", "forward"),
    ("float16_as_bfloat16", lambda c: c.family == "bf16-ties" and c.dtype == "float16", "backward"),
    ("zero_W2_early_exit", lambda c: c.family == "zero-W2", "backward"),
    ("pruned_dW1", lambda c: c.family == "zero-W1", "backward"),
    ("block_tail_units", lambda c: c.shape.h > 64 and c.family != "zero-W2", "backward"),
    ("block_tail_inputs", lambda c: c.shape.d > 32 and c.family != "zero-W2", "backward"),
    ("db2_is_f_at_y0", lambda c: c.family == "zero-W1", "ownership"),
    ("dead_shared_zeros", lambda c: c.shape.h == 1, "ownership"),
    ("batch_mutates_F", lambda c: True, "contract"),
    ("batch_buffer", lambda c: True, "ownership"),
    ("batch_memo", lambda c: True, "order"),
    ("loss_mutates_f", lambda c: True, "forward"),
    ("flush_in_forward", lambda c: True, "forward"),
    ("autograd_inside", lambda c: True, "contract"),
    ("loss_half_in_float32", lambda c: c.dtype in ("float16", "bfloat16"), "forward"),
    # forward then backward: what the module noted about b1 is the case's own
    (
        "zero_bias_no_grad",
        lambda c: c.family == "zero-bias" and c.dtype == "float64",
        "finite-diff",
    ),
]


@pytest.mark.parametrize(
    ("module", "where", "check"), BY_CONSTRUCTION, ids=[b[0] for b in BY_CONSTRUCTION]
)
def test_planted_bug_fails_on_every_case_built_for_it(module, where, check):
    impl = external.load(f"tests.mutants.{module}")
    built = [c for c in DEFAULT_CASES if where(c)]
    assert built
    for case in built:
        failures = checks.sweep(impl, [case], only=(check,))
        assert failures, f"{module} passed the {check} check on {case.describe()}"


def test_a_subnormal_activation_rounded_for_the_module_is_within_the_recomputing_oracles_bound():
    """Seed 214's (1, 64, 4) large float16 case: a unit just off the kink has h subnormal in
    float16, so rounding it for the module errs by up to eta / 2 absolute, and the residual
    (about 10 on this case) multiplies that in dW2: the vmap oracle, which recomputes h in
    float64, differed by 1.71x the bound before it counted eta / 2 (500-seed sweep)."""
    case = cases.Case(214, cases.Shape(1, 64, 4), "float16", "cpu")
    for spec in ("numpy:reference", "impl"):
        assert checks.sweep(external.load(spec), [case], only=("vmap", "jvp")) == []


def test_a_drawn_activation_that_the_dtype_rounds_to_zero_is_made_an_exact_kink():
    """The tiny family scales drawn activations (not kink constructions) down with the rest;
    one below half the dtype's smallest subnormal rounds to 0, and the module handed that a1
    rightly masks the unit where the float64 oracle does not ("rounding flipped an
    activation's sign": 24 failures at seed 459 of the 500-seed sweep). Such a unit is now
    dead at the kink, a1 = 0 exactly. Seed 866's (1, 64, 4) tiny float16 case has one (unit
    50), the only one among the tiny cases of seeds 0-999 at float16 and bfloat16."""
    case = cases.Case(866, cases.Shape(1, 64, 4), "float16", "cpu")
    assert case.family == "tiny"
    inp = cases.inputs(case)
    A1 = inp.X @ inp.W1.T + inp.b1
    assert np.array_equal(A1 > 0, cases.round_to(A1, case.dtype) > 0)
    assert not inp.W1[50].any() and inp.b1[50] == 0
    for spec in ("numpy:reference", "impl"):
        assert checks.sweep(external.load(spec), [case], only=("vmap", "jvp")) == []


def test_a_module_that_switches_on_flush_to_zero_leaves_the_process_as_it_found_it():
    """Flush-to-zero is the thread's, and would flush the references of every later check and
    module in the same process: each check fails the module, and switches it off again."""
    impl = external.load("tests.mutants.flush_in_forward")
    case = DEFAULT_CASES[0]
    caught = set()
    for name in checks.applicable(impl, case):
        failures = checks.sweep(impl, [case], only=(name,))
        assert not external.flushes_subnormals(), name
        caught |= {name for f in failures if "switched on flush-to-zero" in f.message}
    assert {"forward", "contract", "ownership", "order", "layout"} <= caught, caught


def test_a_module_that_returns_inf_is_no_error_of_the_finite_difference_check():
    """float32 inside overflows to inf on a large float64 case; the harness's differences of
    those values ran into NumPy's invalid-value warning, which pytest's filterwarnings = error
    (this repository's, and any project's that sets it) turned into an error of the harness."""
    import warnings

    from mlp_parity import false_alarms

    impl = external.load("tests.mutants.float32_inside")
    case = Case(1, Shape(2, 4, 1), "float64", "cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        failure, _ = false_alarms.run_check(impl, case, "finite-diff")
    assert failure is None or failure.kind != "harness-error", failure.message
