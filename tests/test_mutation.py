"""The mutation catalogue: the harness catches every planted bug, and names it.

Each mutant runs through every check on the catalogue's case set (seeds 0-1 x the seven
shapes x the four dtypes, float64 and the cheapest first) until the first check that catches
it; a mutant that no check catches runs all of them and fails here. Its failures are then
diagnosed: the pattern it declares first (`DIAGNOSIS`) must be among those listed, and first
for at least 90% of the catalogue. `python -m mlp_parity.mutation` prints the full table.
"""

from __future__ import annotations

import functools
import math

import pytest

from mlp_parity import diagnose, mutation
from mlp_parity.mutation import Catch, Mutant, Result

CATALOGUE = mutation.catalogue()
CASES = mutation.case_set()
CORRECT = Mutant("_correct", "the correct base (no bug)", "tests.mutants._correct")
MODULE_MUTANTS = [m for m in CATALOGUE if not m.name.startswith("training/")]
FIRST_LISTED_AT_LEAST = 0.9


@functools.cache
def result(mutant: Mutant) -> Result:
    """The mutant run until its first catch, then diagnosed; once per test session."""
    return mutation.run_mutant(mutant, CASES, stop_at_first=True)


def test_catalogue_has_at_least_25_planted_bugs_each_saying_what_is_wrong():
    assert len(CATALOGUE) >= 25, [m.name for m in CATALOGUE]
    for m in CATALOGUE:
        assert m.what, f"{m.module} has no docstring saying what is wrong"


@pytest.mark.slow
@pytest.mark.parametrize("mutant", CATALOGUE, ids=lambda m: m.name)
def test_mutant_is_caught(mutant):
    got = result(mutant)
    assert got.caught, (
        f"{mutant.name} ({mutant.what}) passed every check on {got.cases_run} cases: "
        "either the harness misses it or it is equivalent to the correct network"
    )


@pytest.mark.slow
@pytest.mark.parametrize("mutant", MODULE_MUTANTS, ids=lambda m: m.name)
def test_mutant_declares_its_diagnosis_and_gets_it(mutant):
    assert mutant.expected, f"{mutant.module} declares no DIAGNOSIS"
    assert set(mutant.expected) <= set(diagnose.PATTERNS), mutant.expected
    got = result(mutant)
    assert got.diagnosed_among, (
        f"{mutant.name} ({mutant.what}) should be diagnosed {mutant.expected[0]!r}; "
        f"the diagnosis lists {got.diagnosed}"
    )


@pytest.mark.slow
def test_the_declared_pattern_comes_first_for_nine_in_ten_mutants():
    results = [result(m) for m in MODULE_MUTANTS]
    first = [r.mutant.name for r in results if r.diagnosed_first]
    wrong = {
        r.mutant.name: (r.mutant.expected, r.diagnosed) for r in results if not r.diagnosed_first
    }
    assert len(first) >= FIRST_LISTED_AT_LEAST * len(results), wrong
    summary = mutation.diagnosis_summary(results)
    assert summary == (
        f"diagnosis: first-listed correct for {len(first)} of {len(results)}, "
        f"among those listed for {sum(r.diagnosed_among for r in results)} of {len(results)}"
    )


def test_the_correct_base_gets_no_diagnosis():
    got = mutation.run_mutant(CORRECT, CASES[:2], stop_at_first=True)
    assert not got.caught and got.diagnosed == []


def test_a_mutant_that_is_not_wrong_is_reported_and_fails_the_command(monkeypatch, capsys):
    monkeypatch.setattr(mutation, "catalogue", lambda: [CORRECT])
    status = mutation.main(["--seeds", "0", "--dtypes", "float64", "--jobs", "1"])
    out = capsys.readouterr().out
    assert status == 1
    assert "NOT CAUGHT: _correct" in out


def test_margin_of_a_failing_comparison_and_of_a_form_failure():
    result = mutation.run_mutant(
        Mutant("sign_db2", "", "tests.mutants.sign_db2"), CASES[:1], stop_at_first=True
    )
    backward = next(c for c in result.catches if c.check == "backward")
    assert 1 < backward.margin < math.inf  # error / tolerance of db2
    result = mutation.run_mutant(
        Mutant("flat_dW2", "", "tests.mutants.flat_dW2"), CASES[:1], stop_at_first=True
    )
    assert all(math.isinf(c.margin) or math.isnan(c.margin) for c in result.catches)


def test_margins_table_takes_the_weakest_catch_against_the_worst_correct_error():
    a = Result(Mutant("a", "", "a"), [Catch("backward", "c1", "float64", 1e6, "")])
    b = Result(
        Mutant("b", "", "b"),
        [Catch("backward", "c1", "float64", 50.0, ""), Catch("backward", "c2", "float64", 3e3, "")],
    )
    worst = {"backward/float64": {"ratio": 0.5}}
    (row,) = mutation.margins([a, b], worst)
    assert (row["weakest_mutant"], row["mutant_margin"]) == ("b", 3e3)  # b's strongest catch
    assert row["discrimination"] == 6e3 and row["caught"] == 2
    table = mutation.render(mutation.MARGIN_HEADER, mutation.margin_rows([row]), markdown=True)
    assert table.splitlines()[2] == "| backward | float64 | 2 | b: 3e+03 | 0.5 | 6e+03 | a: 1e+06 |"


def test_diagnosis_column_marks_first_listed_and_listed():
    def r(expected, diagnosed):
        return Result(Mutant("m", "", "m", expected), diagnosed=diagnosed)

    assert mutation.diagnosis_cell(r(("sign",), ["sign"])) == "sign / sign (ok)"
    assert (
        mutation.diagnosis_cell(r(("zero",), ["partial", "zero"]))
        == "partial, zero / zero (listed)"
    )
    assert mutation.diagnosis_cell(r(("zero",), [])) == "none / zero (WRONG)"
    assert mutation.diagnosis_cell(r((), [])) == "-"
    summary = mutation.diagnosis_summary(
        [r(("sign",), ["sign"]), r(("zero",), ["partial", "zero"])]
    )
    assert summary == "diagnosis: first-listed correct for 1 of 2, among those listed for 2 of 2"
    back = mutation.results_from_json(mutation.results_to_json([r(("zero",), ["partial", "zero"])]))
    assert (back[0].mutant.expected, back[0].diagnosed) == (("zero",), ["partial", "zero"])
