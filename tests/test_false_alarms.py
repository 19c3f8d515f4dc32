"""The no-false-alarm sweep: a correct implementation passes, and a harness error is reported
as a failure of that case instead of escaping."""

from __future__ import annotations

import dataclasses
import json
import types

import pytest

from mlp_parity import cases, checks, false_alarms


def test_a_correct_implementation_sweeps_clean(monkeypatch):
    monkeypatch.setattr(cases, "SHAPES", cases.SHAPES[:2])  # the sweep itself runs them all
    monkeypatch.setattr(cases, "WIDE_SHAPES", ())
    out = false_alarms.sweep_one("impl", 0, ("float64",))
    assert out.cases == 2
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


def _part(seeds: str, done: int, worst: float, failures=()) -> dict:
    summary = false_alarms.empty_summary(cases.parse_seeds(seeds))
    summary |= {"seeds_done": done, "cases": 10 * done, "comparisons": 100 * done}
    summary |= {"failures": list(failures), "wall_s": 1.5 * done}
    summary["worst"] = {"backward/float16": {"ratio": worst, "tensor": "db2", "case": seeds}}
    return summary


def test_runs_over_consecutive_seeds_merge_into_one_summary():
    # the first run was interrupted after 3 of its 10 seeds: the second starts at seed 3
    merged = false_alarms.merge([_part("0-9", 3, 0.5), _part("3-499", 497, 0.75)])
    assert (merged["seeds"], merged["seeds_done"], merged["n_seeds"]) == ("0-499", 500, 500)
    assert (merged["cases"], merged["comparisons"], merged["wall_s"]) == (5000, 50000, 750.0)
    assert merged["worst"]["backward/float16"] == {"ratio": 0.75, "tensor": "db2", "case": "3-499"}
    assert merged["failures"] == []


def test_a_gap_between_merged_runs_is_refused_with_the_seeds():
    with pytest.raises(ValueError, match=r"seeds 5-9 does not continue seeds 0-2: .* start at 3"):
        false_alarms.merge([_part("0-9", 3, 0.5), _part("5-9", 5, 0.5)])


def test_merge_command_writes_the_joined_summary(tmp_path, capsys):
    paths = [tmp_path / "a.json", tmp_path / "b.json"]
    failure = {"check": "backward", "case": "c", "message": "m", "impl": "impl"}
    for path, part in zip(paths, (_part("0-1", 2, 0.5), _part("2-3", 2, 0.5, [failure]))):
        path.write_text(json.dumps(part))
    status = false_alarms.main(["--merge", *map(str, paths), "--out", str(tmp_path / "all.json")])
    assert status == 1  # a failure in either run fails the merged one
    assert json.loads((tmp_path / "all.json").read_text())["seeds"] == "0-3"
    assert "40 cases (4 seeds, 0-3," in capsys.readouterr().out


def test_a_warning_inside_a_module_fails_its_check(monkeypatch):
    """As under filterwarnings = error: an overflow warning on inputs the harness made is a
    false alarm a user would see, so the sweep counts it."""
    import warnings

    impl = false_alarms.load("numpy:reference")
    forward = impl.module.forward

    def warns(*args):
        warnings.warn("overflow encountered in multiply", RuntimeWarning, stacklevel=1)
        return forward(*args)

    module = types.SimpleNamespace(**{**vars(impl.module), "forward": warns})
    monkeypatch.setattr(false_alarms, "load", lambda spec: dataclasses.replace(impl, module=module))
    monkeypatch.setattr(cases, "SHAPES", cases.SHAPES[:1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not this test run's filterwarnings: the sweep's own
        out = false_alarms.sweep_one("numpy:reference", 0, ("float64",))
    assert out.failures and "RuntimeWarning: overflow" in out.failures[0]["message"]


def test_runs_over_other_implementations_are_not_merged():
    other = _part("3-9", 7, 0.5)
    other["targets"] = other["targets"][:-1]
    with pytest.raises(ValueError, match=r"the run over seeds 3-9 checked other targets"):
        false_alarms.merge([_part("0-9", 3, 0.5), other])


def test_the_declared_sweep_covers_every_correct_declared_module():
    specs = [t.spec for t in false_alarms.declared_targets()]
    names = {s.rsplit("/", 1)[-1] for s in specs}
    assert {"sklearn_style.py", "cs231n_style.py", "dlai_style.py"} <= names
    assert "seed_notebook.py" not in names  # the seed's protocol: the other sweep's
    assert len([s for s in specs if "reformulations_declared" in s]) >= 30
    assert not any("mutants" in s for s in specs)


def test_a_declared_module_sweeps_clean_over_its_own_cases():
    spec = next(t.spec for t in false_alarms.declared_targets() if t.spec.endswith("dlai_style.py"))
    out = false_alarms.sweep_one(spec, 0, ("float64",))
    assert out.cases >= 6 and out.comparisons > 0
    assert not out.failures, out.failures[0]["message"]
    assert {k.split("/")[0] for k in out.worst} >= {"backward", "finite-diff", "autograd"}


def test_the_declared_sweep_reports_a_bug_as_failures():
    """The sweep can fail: a planted bug run through it (the catalogue's, as a target)."""
    from pathlib import Path

    bug = Path(__file__).parent / "mutants_declared" / "bce__prime_missing_one_minus_p.py"
    out = false_alarms.sweep_one(str(bug), 0, ("float64",))
    assert out.failures and {f["check"] for f in out.failures} >= {"backward"}
