"""The diagnosis: correct implementations get none, the probes flag none of them, each
classifier fits only what it names, and a run with a planted bug ends with a short
diagnosis, in the terminal and in the report. (The catalogue's calibration, every mutant
diagnosed as it declares, is in tests/test_mutation.py, which runs the mutants once.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from mlp_parity import cases, checks, compare, diagnose, external, false_alarms, report, session
from mlp_parity.cases import Case, Shape

ROOT = Path(__file__).resolve().parents[1]
CORRECT = ["numpy:reference", "impl", *false_alarms.reformulation_specs()]
BUDGET = 25  # lines: a single planted bug's diagnosis, separator and tip included
CASES = [Case(0, Shape(2, 4, 8), "float64", "cpu"), Case(1, Shape(8, 3, 4), "float64", "cpu")]
N_PROBES = len(diagnose.probes())


def _params(spec: str) -> list:
    """(spec, dtype) for every dtype the implementation takes: float64 in the default run,
    the others with --slow (each costs a second)."""
    out = []
    for dtype in cases.DTYPES:
        if dtype not in external.load(spec).dtypes:
            continue
        marks = [] if dtype == "float64" else [pytest.mark.slow]
        out.append(pytest.param(spec, dtype, marks=marks, id=f"{spec}-{dtype}"))
    return out


@pytest.mark.parametrize(("spec", "dtype"), [p for spec in CORRECT for p in _params(spec)])
def test_the_probes_flag_no_correct_implementation(spec, dtype):
    found = diagnose.probe_findings(external.load(spec), dtype)
    assert found == [], [(f.pattern, f.tensors, f.evidence) for f in found]


def test_no_failures_no_diagnosis():
    assert diagnose.diagnose(external.load("tests.mutants.no_mask"), []) == []


def _diagnosed(module: str) -> tuple[list[checks.Failure], list[diagnose.Diagnosis]]:
    impl = external.load(module)
    failures = checks.sweep(impl, CASES, only=("forward", "backward", "contract"))
    return failures, diagnose.diagnose(impl, failures)


@pytest.mark.parametrize(
    ("module", "pattern", "location", "tensors", "evidence"),
    [
        (
            "sign_db2",
            "sign",
            "backward",
            ("db2",),
            f"db2 = -1 x expected on {N_PROBES} of {N_PROBES} cases (spread 0)",
        ),
        ("double_residual", "scale", "backward", ("dW1", "db1", "dW2", "db2"), "= 2 x expected"),
        ("no_mask", "mask-missing", "backward", ("dW1", "db1"), "wrong exactly where a1 <= 0"),
        ("bias_ignored", "missing-term", "forward", ("a1",), "a1 = expected - b1"),
        ("float32_inside", "precision", "forward+backward", None, "every value fits in 24 bits"),
        ("modifies_input", "mutates-input", "contract", ("W2",), "backward changes W2 in place"),
    ],
)
def test_a_planted_bug_is_named_with_its_evidence(module, pattern, location, tensors, evidence):
    failures, found = _diagnosed(f"tests.mutants.{module}")
    first = found[0]
    assert (first.pattern, first.location) == (pattern, location), found
    assert tensors is None or first.tensors == tensors
    assert evidence in first.evidence
    lines = diagnose.format_diagnosis(found, len(failures))
    assert len(lines) + 2 <= BUDGET, "\n".join(lines)


def test_the_diagnosis_says_where_the_bug_is():
    _, (forward_bug,) = _diagnosed("tests.mutants.b2_ignored")
    assert forward_bug.where.startswith("forward differs from the float64 reference (f); backward")
    assert "agrees" in forward_bug.where
    _, found = _diagnosed("tests.mutants.relu6")
    assert found[0].pattern in ("clipped", "partial"), found
    assert found[0].where.startswith("forward differs from the float64 reference (h); backward")
    assert "its backward is the gradient of its own forward" in found[0].where


def test_state_is_told_from_noise():
    _, found = _diagnosed("tests.mutants.accumulates")
    assert [d.pattern for d in found] == ["stateful"]
    assert "two fresh copies making the same calls agree bitwise" in found[0].evidence
    _, found = _diagnosed("tests.mutants.noise_ulp")
    assert found[0].pattern == "nondeterministic"
    assert found[0].evidence.startswith("two fresh copies of the module, making the same calls")


def test_a_module_without_source_is_not_probed_for_state():
    impl = external.load("tests.mutants.accumulates")
    assert diagnose.fresh_copy(impl) is not None
    bare = external.Implementation("bare", "torch", type(sys)("bare"))
    assert diagnose.fresh_copy(bare) is None


def test_failure_kinds_name_their_pattern():
    case = CASES[0]
    failures = [
        checks.Failure(
            "backward", case, "x\n  dW2.shape=(4,), but should be (1, 4)", "shape", "dW2"
        ),
        checks.Failure("contract", case, "contract check failed: backward of m raised E", "crash"),
    ]
    found = diagnose.kind_findings(failures)
    assert [(f.pattern, f.tensors, f.location) for f in found] == [
        ("shape", ["dW2"], "contract"),
        ("crash", [], "contract"),
    ]
    assert found[0].evidence.startswith("dW2.shape=(4,), but should be (1, 4) - 1 failure in")
    assert found[1].evidence.startswith("backward of m raised E")


def test_when_nothing_fits_the_worst_failure_is_shown():
    impl = external.load("tests.mutants._correct")  # probes find nothing wrong
    case = CASES[0]
    failures = [
        checks.Failure(
            "backward",
            case,
            "backward check failed: db1 differs\n  worst element: db1[2]",
            excess=3.0,
        ),
        checks.Failure(
            "backward",
            case,
            "backward check failed: dW1 differs\n  worst element: dW1[0, 1]",
            excess=40.0,
        ),
    ]
    (found,) = diagnose.diagnose(impl, failures)
    assert found.pattern == "unknown"
    assert f"worst failure: backward check in {case.id}: dW1 differs" in found.evidence
    assert "40x the tolerance" in found.evidence


# --------------------------------------------------------------------------- classifiers
def _table(actual, expected, allowed=1e-12, **attrs) -> diagnose.Table:
    """A flat table over one or more cases (attrs["case"]), elements on units."""
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    n = actual.size
    base = {"case": np.zeros(n, int), "unit": np.arange(n), "input": -np.ones(n, int)}
    base |= {k: np.full(n, v) for k, v in (("r", 1.0), ("f", 1.0), ("h", 4), ("d", 2), ("B", 1))}
    base["a1"] = np.ones(n)
    base |= {k: np.asarray(v) for k, v in attrs.items()}
    return diagnose.Table(
        "db1",
        "backward",
        "float64",
        actual,
        expected,
        np.full(n, allowed),
        np.abs(expected) + 1.0,
        base,
        n_cases=len(np.unique(base["case"])),
    )


EXPECTED = np.array([0.5, -1.25, 3.0, 2.0, -0.75, 1.5])


def test_transposed_needs_a_wrong_value_that_equals_a_non_zero_of_the_transpose():
    """A gradient that is 0 where it should not be, at elements where expected.T is 0 too
    (x = e1 makes many such), is evidence of a zero, not of a transpose."""
    expected_t = np.array([0.0, 0.0, 3.0, 2.0, -0.75, 1.5])
    t = _table([0.0, 0.0, 3.0, 2.0, -0.75, 1.5], EXPECTED)
    t.expected_t = expected_t
    assert diagnose.transposed(t, t.wrong) == []
    t = _table([0.0, 0.7, 3.0, 2.0, -0.75, 1.5], EXPECTED)  # one wrong value = expected.T there
    t.expected_t = np.array([0.0, 0.7, 3.0, 2.0, -0.75, 1.5])
    (found,) = diagnose.transposed(t, t.wrong)
    assert found.pattern == "transposed"


def test_scale_needs_one_ratio_everywhere():
    (found,) = diagnose.scale(t := _table(2 * EXPECTED, EXPECTED), t.wrong)
    assert (found.pattern, found.key) == ("scale", "2")
    (found,) = diagnose.scale(t := _table(-EXPECTED, EXPECTED), t.wrong)
    assert found.pattern == "sign"
    t = _table(2 * EXPECTED * np.array([1, 1, 1, 1, 1, 1 + 1e-6]), EXPECTED)
    assert diagnose.scale(t, t.wrong) == []


def test_scale_with_the_size_of_the_network():
    cases_, h = np.repeat([0, 1], 3), np.repeat([4, 8], 3)
    t = _table(EXPECTED / h, EXPECTED, case=cases_, h=h)
    (found,) = diagnose.scale(t, t.wrong)
    assert (found.pattern, found.key) == ("scale", "1/h")


def test_zero_and_additive_terms():
    (found,) = diagnose.zero(t := _table(np.zeros(6), EXPECTED), t.wrong)
    assert found.pattern == "zero"
    W = np.array([0.3, -0.2, 0.1, 0.7, -0.4, 0.25])
    t = _table(EXPECTED + 0.01 * W, EXPECTED)
    t.terms = {"W1": W}
    (found,) = diagnose.additive(t, t.wrong)
    assert (found.pattern, found.evidence) == (
        "extra-term",
        "db1 = expected + 1/100 x W1 on 1 of 1 cases",
    )
    t = _table(EXPECTED - W, EXPECTED)
    t.terms = {"b1": W}
    (found,) = diagnose.additive(t, t.wrong)
    assert found.pattern == "missing-term"


def test_precision_reports_effective_bits():
    rng = np.random.default_rng(0)
    expected = rng.standard_normal(200)
    actual = cases.round_to(expected, "bfloat16")
    t = _table(actual, expected)
    (found,) = diagnose.precision(t, t.wrong)
    assert found.pattern == "precision"
    assert "about 9 effective bits of float64's 53" in found.evidence  # |err| <= 2^-9 |x|
    assert "every value fits in 8 bits (bfloat16 has 8)" in found.evidence
    t = _table(expected + 0.5, expected)
    assert diagnose.precision(t, t.wrong) == []


def test_mask_patterns():
    a1 = np.array([1.0, -1.0, 0.0, 2.0, -0.5, 0.5])
    unmasked = EXPECTED.copy()
    right = np.where(a1 > 0, unmasked, 0.0)
    for actual, pattern in (
        (unmasked, "mask-missing"),
        (np.where(a1 >= 0, unmasked, 0.0), "mask-wrong-at-kink"),
        (np.where(a1 > 0, 0.0, unmasked), "mask-inverted"),
    ):
        t = _table(actual, right, a1=a1)
        t.unmasked = unmasked
        (found,) = diagnose.mask(t, t.wrong)
        assert found.pattern == pattern


def test_partial_names_the_units():
    unit = np.tile(np.arange(6), 2)
    expected = np.tile(EXPECTED, 2)
    actual = np.where(unit >= 3, 0.0, expected)
    t = _table(actual, expected, unit=unit, case=np.repeat([0, 1], 6))
    found = diagnose.partial(t, t.wrong)
    assert [f.pattern for f in found] == ["partial", "zero"]
    assert found[0].evidence.startswith("db1 wrong only on units >= 3 (right on units 0-2,")


def test_ratio_and_bits_helpers():
    assert [diagnose._ratio_text(k) for k in (2.0, -1.0, 0.25, 1 / 3, 1.7)] == [
        "2",
        "-1",
        "1/4",
        "1/3",
        "1.7",
    ]
    assert diagnose.significant_bits(np.array([1.0, 0.75, 0.0])) == 2
    assert diagnose.significant_bits(np.array([1 / 3])) == 53


# --------------------------------------------------------------------------- data
def test_diagnosis_and_failure_round_trip_as_data():
    d = diagnose.Diagnosis("m", "sign", "backward", ("db2",), "e", "h", "w")
    assert diagnose.Diagnosis.from_dict(json.loads(json.dumps(d.to_dict()))) == d
    f = checks.Failure("backward", CASES[0], "msg", "value", "db2", "m", 3.5)
    assert checks.Failure.from_dict(json.loads(json.dumps(f.to_dict()))) == f
    g = checks.Failure("test_dead_units_give_zero_rows", None, "msg", impl="m")
    assert checks.Failure.from_dict(g.to_dict()) == g


def test_checks_run_records_its_failure_for_the_session():
    impl = external.load("tests.mutants.sign_db2")
    session = report.failures()
    with report.capture():
        with pytest.raises(compare.ParityError):
            checks.run("backward", impl, CASES[0])
        (failure,) = report.captured_failures()
    assert report.failures() == session  # captured: the session's list untouched
    assert (failure.check, failure.kind, failure.tensor, failure.impl) == (
        "backward",
        "value",
        "db2",
        "tests.mutants.sign_db2",
    )
    assert failure.excess > 1


# --------------------------------------------------------------------------- the pytest run
def _pytest(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _diagnosis_block(stdout: str) -> list[str]:
    lines = stdout.rstrip("\n").splitlines()
    start = max(i for i, line in enumerate(lines) if "parity diagnosis" in line)
    return lines[start:]


ONE_BUG = ("--parity-seeds=0", "--parity-dtypes=float64", "-k", "d2h4b8 or d8h3b4")


@pytest.mark.slow
def test_a_run_with_a_planted_bug_ends_with_its_diagnosis(tmp_path):
    out = tmp_path / "report.json"
    done = _pytest("--parity-impl=tests.mutants.sign_db2", *ONE_BUG, f"--parity-report={out}")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    block = _diagnosis_block(done.stdout)
    lines = done.stdout.rstrip("\n").splitlines()
    summary = max(i for i, line in enumerate(lines) if " failed" in line and " in " in line)
    assert summary < len(lines) - len(block), "the diagnosis comes after pytest's summary line"
    assert len(block) <= BUDGET, "\n".join(block)
    assert block[1].startswith("tests.mutants.sign_db2: one finding")
    assert block[2] == "  1. sign (backward; db2)"
    assert block[-1] == session.TIP
    data = json.loads(out.read_text())
    assert data["schema"] == "mlp-parity-report/2"
    (entry,) = data["diagnoses"]
    assert (entry["impl"], entry["pattern"], entry["location"], entry["tensors"]) == (
        "tests.mutants.sign_db2",
        "sign",
        "backward",
        ["db2"],
    )


@pytest.mark.slow
def test_a_clean_run_has_no_diagnosis_and_an_empty_list(tmp_path):
    out = tmp_path / "report.json"
    done = _pytest(
        "--parity-impl=numpy:reference", *ONE_BUG, "-k", "test_forward", f"--parity-report={out}"
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "parity diagnosis" not in done.stdout
    assert json.loads(out.read_text())["diagnoses"] == []


@pytest.mark.slow
def test_the_failures_of_xdist_workers_reach_the_diagnosis(tmp_path):
    # the suite named explicitly: xdist's workers do not see the plugin's own collection
    done = _pytest("--parity-impl=tests.mutants.no_mask", *ONE_BUG, "-n", "2", "mlp_parity/suite")
    assert done.returncode == 1, done.stdout[-3000:]
    block = _diagnosis_block(done.stdout)
    assert "  1. mask-missing (backward; dW1, db1)" in block, "\n".join(block)


def test_an_infinite_excess_is_told_in_words():
    """An inf value, or a comparison whose tolerance is 0, gives error / tolerance = inf."""
    text = "{T} off by up to {max_err:.3g} ({max_excess:.3g}x the tolerance); no pattern fits"
    found = diagnose.Finding("unknown", "", {"backward"}, ["dW1"], text, {}, "", 1.0)
    found.nums = {"max_err": 1.15e153, "max_excess": float("inf")}
    assert found.evidence == "dW1 off by up to 1.15e+153 (beyond any tolerance); no pattern fits"
    assert diagnose._times_tolerance(12.5) == "12.5x the tolerance"


# --------------------------------------------------------------------------- round 3 patterns
def test_not_finite_names_where_the_reference_is_finite_and_where():
    a1 = np.array([1.0, 0.0, -1.0, 0.0, 2.0, 0.5])
    t = _table([0.5, np.nan, 0.0, np.nan, 2.0, -0.75], [0.5, 0.0, 0.0, 0.0, 2.0, -0.75], a1=a1)
    (found,) = diagnose.not_finite(t, t.wrong)
    assert found.pattern == "not-finite"
    assert found.evidence.startswith("db1 NaN on 2 and inf on 0 elements at a1 = 0 exactly")
    # an overflow past a narrower format's range, with that format's precision elsewhere, is
    # precision's (out_of_range); an inf and nothing else wrong is this (a loss scale's)
    t = _table([np.inf, 1.0 + 2.0**-10], [1e6, 1.0], a1=np.ones(2))
    assert diagnose.not_finite(t, t.wrong) == []
    t = _table([np.inf, 1.0], [1e6, 1.0], a1=np.ones(2))
    assert diagnose.not_finite(t, t.wrong)[0].pattern == "not-finite"


def test_clipped_caps_values_or_the_residual_at_one_threshold():
    expected = np.array([50.0, -300.0, 20.0, 1000.0, -70.0, 250.0])
    t = _table(np.clip(expected, -100, 100), expected)
    (found,) = diagnose.clipped(t, t.wrong)
    assert (found.pattern, found.key) == ("clipped", "100")
    r = np.array([0.5, -3.0, 2.0, 0.25, -1.5, 4.0])
    t = _table(expected * np.minimum(1.0, 1.0 / np.abs(r)), expected, r=r)
    (found,) = diagnose.clipped(t, t.wrong)
    assert found.evidence.startswith("db1 = expected x 1 / |f - y| wherever |f - y| > 1")
    t = _table(expected * 0.5, expected)  # a factor everywhere is not a cap
    assert diagnose.clipped(t, t.wrong) == []


def test_rounding_mode_is_one_sided_within_one_step_and_precision_is_not():
    rng = np.random.default_rng(3)
    expected = rng.standard_normal(40)
    nearest = cases.round_to(expected, "bfloat16")
    bits = torch.tensor(expected, dtype=torch.float32).view(torch.int32) & -65536
    toward_zero = bits.view(torch.float32).double().numpy()  # float32's low 16 bits dropped
    t = _table(toward_zero, expected)
    (found,) = diagnose.rounding_mode(t, t.wrong)
    assert found.pattern == "rounding-mode" and "toward zero" in found.evidence
    t = _table(nearest, expected)  # round to nearest: both sides
    assert diagnose.rounding_mode(t, t.wrong) == []
    floored = np.floor(expected * 2**12) / 2**12
    t = _table(floored, expected)
    (found,) = diagnose.rounding_mode(t, t.wrong)
    assert "down (toward -inf) on a fixed-point grid of 0.000244" in found.evidence


def test_outputs_in_another_order_are_named_as_such():
    expected = [[np.ones((2, 3))], [np.full(2, 2.0)], [np.full((1, 2), 3.0)], [np.full(1, 4.0)]]
    allowed = [np.zeros((1, 2, 3)), np.zeros((1, 2)), np.zeros((1, 1, 2)), np.zeros((1, 1))]
    outs = [(expected[2][0], expected[3][0], expected[0][0], expected[1][0])]
    assert diagnose._permutation(outs, expected, allowed) == (2, 3, 0, 1)
    right = [tuple(e[0] for e in expected)]
    assert diagnose._permutation(right, expected, allowed) is None


@pytest.mark.parametrize(
    ("module", "pattern"),
    [
        ("grads_reordered", "wrong-order"),
        ("loss_no_half", "scale"),  # not the near-fit comparison's precision
        ("clip_grad_value", "clipped"),
        ("mask_h_over_a1", "not-finite"),
        ("fixed_point_floor", "rounding-mode"),
        ("random_order", "nondeterministic"),
    ],
)
def test_the_first_finding_is_the_one_that_explains_the_failures(module, pattern):
    impl = external.load(f"tests.mutants.{module}")
    only = ("forward", "backward", "kink", "contract", "order")
    failures = checks.sweep(impl, [*CASES, Case(0, Shape(2, 4, 1), "float64", "cpu")], only=only)
    assert failures, module
    found = diagnose.diagnose(impl, failures)
    assert found[0].pattern == pattern, [(d.pattern, d.evidence[:80]) for d in found]


def test_a_factor_set_by_a_ratio_of_sizes_is_a_scale():
    """backward_batch divided by d (or h) where B belongs: k = B / d, constant within a case."""
    case = np.repeat([0, 1, 2], 2)
    B, d = np.repeat([3, 7, 1], 2), np.repeat([2, 8, 5], 2)
    expected = np.tile([1.5, -2.0], 3)
    t = _table(expected * B / d, expected, case=case, B=B, d=d)
    (found,) = diagnose.scale(t, t.wrong)
    assert (found.pattern, found.key) == ("scale", "B/d")


def test_the_batch_path_without_or_with_an_inverted_mask():
    expected = np.array([0.5, 0.0, 1.5, -0.25])
    unmasked = np.array([0.5, 0.75, 1.5, -1.0])  # the mean without the mask
    for actual, pattern in ((unmasked, "mask-missing"), (unmasked - expected, "mask-inverted")):
        t = _table(actual, expected)
        t.stage, t.unmasked = "batch", unmasked
        (found,) = diagnose.batch_mask(t, t.wrong)
        assert found.pattern == pattern and found.evidence.startswith("backward_batch's db1")


def test_a_residual_without_b2_is_a_missing_term():
    per_r = np.array([0.5, -1.0, 2.0, 0.25])  # the gradient per unit of residual
    b2, r = 0.75, np.array([1.5, -2.0, 0.5, 3.0])
    t = _table((r - b2) * per_r, r * per_r, r=r)
    t.terms = {diagnose.RESIDUAL_B2: per_r * b2}
    (found,) = diagnose.additive(t, t.wrong)
    assert found.pattern == "missing-term"
    assert "the gradient of the residual f - b2 - y" in found.evidence


def test_repeated_calls_on_the_same_arguments_tell_noise_from_a_cache():
    assert diagnose._repeats_differ(external.load("tests.mutants.random_order"), "float32", "cpu")
    assert not diagnose._repeats_differ(
        external.load("tests.mutants.memo_by_address"), "float32", "cpu"
    )
