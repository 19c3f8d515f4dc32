"""The no-false-alarm sweep: a correct implementation passes, and a harness error is reported
as a failure of that case instead of escaping."""

from __future__ import annotations

from mlp_parity import cases, checks, false_alarms


def test_a_correct_implementation_sweeps_clean():
    out = false_alarms.sweep_one("impl", 0, ("float64",))
    assert out.cases == len(cases.SHAPES)
    assert out.failures == []
    assert out.comparisons > 0 and out.worst


def test_a_harness_error_becomes_a_failure(monkeypatch):
    def broken(*args, **kwargs):
        raise AssertionError("case generator: rounding flipped an activation's sign")

    monkeypatch.setattr(checks, "sweep", broken)
    impl = false_alarms.load("impl")
    case = cases.Case(0, cases.SHAPES[0], "float16", "cpu")
    failure, records = false_alarms.run_check(impl, case, "jvp")
    assert failure is not None and records == []
    assert failure.message.startswith(
        "harness error in the jvp check: AssertionError: case generator"
    )
