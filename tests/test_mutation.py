"""The mutation catalogue: the harness catches every planted bug.

Each mutant runs through every check on the catalogue's case set (seeds 0-1 x the seven
shapes x the four dtypes, float64 and the cheapest first) until the first case that catches it; a mutant that no check catches
runs all of them and fails here. `python -m mlp_parity.mutation` prints the full table.
"""

from __future__ import annotations

import math

import pytest

from mlp_parity import mutation
from mlp_parity.mutation import Catch, Mutant, Result

CATALOGUE = mutation.catalogue()
CASES = mutation.case_set()
CORRECT = Mutant("_correct", "the correct base (no bug)", "tests.mutants._correct")


def test_catalogue_has_at_least_25_planted_bugs_each_saying_what_is_wrong():
    assert len(CATALOGUE) >= 25, [m.name for m in CATALOGUE]
    for m in CATALOGUE:
        assert m.what, f"{m.module} has no docstring saying what is wrong"


@pytest.mark.parametrize("mutant", CATALOGUE, ids=lambda m: m.name)
def test_mutant_is_caught(mutant):
    result = mutation.run_mutant(mutant, CASES, stop_at_first=True)
    assert result.caught, (
        f"{mutant.name} ({mutant.what}) passed every check on {result.cases_run} cases: "
        "either the harness misses it or it is equivalent to the correct network"
    )


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
