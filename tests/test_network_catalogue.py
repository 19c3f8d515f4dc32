"""The declared catalogues: how their modules are read (patterns from DIAGNOSIS or LABELS.txt,
correctness from CORRECT or EXPECTED_VERDICT), how a refusal up front counts, and, with
--slow, a sample of each catalogue through the whole check as `mlp-parity check` runs it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mlp_parity import network_catalogue as nc

ROOT = Path(__file__).resolve().parents[1]
DECL = 'MLP_PARITY = {"hidden": "tanh"}\n'


def test_modules_read_patterns_and_verdicts_from_source_and_labels(tmp_path):
    files = {
        "a__bug.py": '"""Bug a."""\n' + DECL + 'DIAGNOSIS = ("scale", "inconsistent")\n',
        "b.py": '"""Correct b."""\n' + DECL + "CORRECT = True\n",
        "c__bug.py": '"""Bug c."""\n' + DECL + 'EXPECTED_VERDICT = "fail"\n',
        "d.py": '"""Correct d."""\n' + DECL + 'EXPECTED_VERDICT = "pass"\n',
        "e.py": '"""An example."""\nALPHA = 0.1\nMLP_PARITY = {"hidden": f"leaky_relu:{ALPHA}"}\n',
        "seed_style.py": '"""Not declared."""\ndef forward(x): ...\n',
        "_helper.py": DECL,
    }
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    (tmp_path / "LABELS.txt").write_text("c__bug.py\tlabels, not-finite\n")
    got = {m.name: (m.what, m.expected, m.correct, m.group) for m in nc.modules(tmp_path)}
    assert got == {
        "a__bug": ("Bug a.", ("scale", "inconsistent"), False, "a"),
        "b": ("Correct b.", (), True, tmp_path.name),
        "c__bug": ("Bug c.", ("labels", "not-finite"), False, "c"),
        "d": ("Correct d.", (), True, tmp_path.name),
        "e": ("An example.", (), True, tmp_path.name),
    }


def test_every_catalogue_module_says_what_it_should_get():
    for folder in nc.FOLDERS:
        mods = nc.modules(ROOT / folder)
        assert mods, folder
        for m in mods:
            assert m.what, f"{m.name}: no docstring saying what it is"
            assert m.correct or m.expected, f"{m.name}: a bug without its patterns"
    assert all(not m.correct for m in nc.modules(ROOT / "tests/mutants_declared"))
    assert all(m.correct for m in nc.modules(ROOT / "tests/reformulations_declared"))


@pytest.mark.parametrize(
    "line, patterns",
    [
        (
            "layer 1 dW.shape=(2, 4), but should be (4, 2) (the transpose: ...)",
            ["transposed", "shape"],
        ),
        ("layer 1 db.shape=(4,), but should be (4, 1) (the same sizes, ...)", ["shape"]),
        ("grads returned 2 gradients, expected 4 (dW1, db1, dW2, db2)", ["shape"]),
        ("layer 2 dW.dtype=float64, but should be float32", ["dtype"]),
        ("loss_and_grads raised KeyError: 'W3'", ["preflight"]),
    ],
)
def test_a_refusal_up_front_names_its_pattern(line, patterns):
    assert nc.preflight_patterns(line) == patterns


def _outcome(name, expected=(), correct=False, passed=False, diagnosed=()):
    m = nc.Module(f"/x/{name}.py", name, tuple(expected), correct)
    return nc.Outcome(m, passed, [], list(diagnosed))


def test_the_summary_counts_first_right_acceptable_and_false_alarms():
    results = [
        _outcome("g__a", ("scale", "inconsistent"), diagnosed=["scale"]),
        _outcome("g__b", ("scale", "inconsistent"), diagnosed=["inconsistent", "scale"]),
        _outcome("g__c", ("labels",), diagnosed=["unknown"]),
        _outcome("g__d", ("labels",), passed=True),  # a bug that passed: missed
        _outcome("ok", correct=True, passed=True),
        _outcome("alarm", correct=True, passed=False, diagnosed=["precision"]),
    ]
    lines = nc.summary(results)
    assert lines[0] == "planted bugs caught: 3 of 4 (NOT: g__d)"
    assert lines[1].startswith("diagnosis's first finding: the expected first for 1 of 3")
    assert "one of the expected for 2" in lines[1]
    assert lines[2] == "correct modules passing: 1 of 2 (NOT: alarm)"
    assert [r.right for r in results] == [True, True, True, False, True, False]


# One module of each family of each catalogue, through the whole default check (as
# `mlp-parity check FILE` runs it): the verdict must be the expected one, and a bug's first
# finding one of its patterns. The whole catalogues: python -m mlp_parity.network_catalogue.
def _sample() -> list:
    out, seen = [], set()
    for folder in nc.FOLDERS:
        for m in nc.modules(ROOT / folder):
            key = (folder, m.group, m.correct)
            if key not in seen:
                seen.add(key)
                out.append(m)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("module", _sample(), ids=lambda m: m.name)
def test_a_sample_of_each_catalogue_gets_its_verdict(module):
    """The verdict, for each; a bug also gets a diagnosis (how often its first finding is an
    expected pattern is the command's figure, 82% in docs/declared.md, not a per-module
    promise)."""
    got = nc.run_one(module)
    assert not got.error, got.error
    assert got.right, f"{module.name}: {'PASS' if got.passed else 'FAIL'} ({got.first_line})"
    if not module.correct:
        assert got.diagnosed, f"{module.name}: failed without a diagnosis"


def test_a_wrong_shape_says_what_it_most_likely_is():
    from mlp_parity.compare import shape_hint

    assert "the transpose" in shape_hint((2, 4), (4, 2))
    assert "another order" in shape_hint((2, 3, 4), (4, 2, 3))
    assert "axis of size 1" in shape_hint((4,), (4, 1))
    assert "axis of size 1" in shape_hint((1, 4), (4,))
    assert shape_hint((3, 3), (3, 3)) == ""
    assert shape_hint((4, 2), (4, 3)) == ""


def test_a_declared_module_that_changes_numpys_error_state_fails_as_global_state():
    """The harness silences NumPy's warnings around a declared call through the warnings
    filters, not np.errstate, which would hide a module's own np.seterr."""
    from mlp_parity import compare, external, network_cases, network_checks

    path = ROOT / "tests" / "mutants_declared" / "numpy__seterr_silences_overflow.py"
    impl = external.load(str(path), str(ROOT))
    case = network_cases.make_cases(impl.declared.net, [0], ("float64",), ["cpu"], wide=False)
    failures = network_checks.sweep(impl, case[:1], only=("backward",))
    assert failures and {f.kind for f in failures} == {compare.GLOBAL_STATE}
    assert "NumPy's floating-point error handling" in failures[0].message
