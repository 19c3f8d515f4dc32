"""The second calibration set: tests/calibration/, 35 bugs and 10 correct-but-unusual modules
written by someone who never saw tests/mutants/ (its README says what each is). Every correct
module passes every check, and the first line of the diagnosis names one of a bug's expected
patterns for at least 90% of the bugs caught, as `mlp-parity check` runs them (every check on
seeds 0-1, every shape and dtype, on the CPU).

    python -m mlp_parity.mutation --catalogue tests/calibration --jobs 2 --markdown

prints the table and the figures (`mutation.calibration_summary`).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from mlp_parity import diagnose, mutation

FOLDER = Path(__file__).resolve().parent / "calibration"
CATALOGUE = mutation.catalogue_dir(FOLDER)
BUGS = [m for m in CATALOGUE if not m.correct]
CORRECT = [m for m in CATALOGUE if m.correct]
FIRST_LINE_AT_LEAST = 0.9
# found only on a CUDA device: a tensor made on the CPU (this machine has none)
NEEDS_A_GPU = {"b27_db2_rebuilt_from_item"}


@functools.cache
def result(mutant: mutation.Mutant) -> mutation.Result:
    return mutation.run_mutant(mutant, mutation.case_set())


def test_the_calibration_set_declares_what_each_module_is():
    assert len(BUGS) == 35 and len(CORRECT) == 10
    for m in BUGS:
        assert m.expected and set(m.expected) <= set(diagnose.PATTERNS), (m.name, m.expected)
        assert m.what, m.name


@pytest.mark.slow
@pytest.mark.parametrize("module", CORRECT, ids=lambda m: m.name)
def test_a_correct_module_of_the_calibration_set_passes_every_check(module):
    got = result(module)
    assert not got.caught, [(c.check, c.case, c.message.splitlines()[0]) for c in got.catches[:3]]


@pytest.mark.slow
@pytest.mark.parametrize("module", BUGS, ids=lambda m: m.name)
def test_a_bug_of_the_calibration_set_is_caught(module):
    if module.name in NEEDS_A_GPU:
        pytest.skip("needs a CUDA device")
    assert result(module).caught, f"{module.name} ({module.what}) passed every check"


@pytest.mark.slow
def test_the_first_line_names_an_expected_pattern_for_nine_in_ten_bugs():
    caught = [result(m) for m in BUGS if m.name not in NEEDS_A_GPU]
    right = [r for r in caught if r.diagnosed[:1] and r.diagnosed[0] in r.mutant.expected]
    wrong = {r.mutant.name: (r.mutant.expected, r.diagnosed[:2]) for r in caught if r not in right}
    assert len(right) >= FIRST_LINE_AT_LEAST * len(caught), wrong
