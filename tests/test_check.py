"""`mlp_parity.check` and `mlp-parity check`: the suite in-process, its verdict and exit status.

Each run here selects a few tests of the suite (pytest's -k) to stay quick; what they select is
the same suite, options and tolerances that `pytest --parity-impl` runs.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import mlp_parity
from mlp_parity import api, cli, options
from tests.mutants import _correct, no_mask

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"dtypes": "float64", "seeds": "0"}
SOME = ["-k", "d2h4b8 and (test_forward or test_backward or test_contract)"]


def test_correct_functions_pass():
    result = mlp_parity.check(_correct.forward, _correct.backward, **SMALL, pytest_options=SOME)
    assert result.passed and bool(result), str(result)
    assert [(c.check, c.passed, c.failed) for c in result.counts] == [
        ("forward", 1, 0),
        ("backward", 1, 0),
        ("kink", 1, 0),
        ("contract", 1, 0),
    ]
    assert result.failures == () and result.diagnoses == ()
    assert {r.check for r in result.records} == {"forward", "backward", "kink"}
    assert all(r.impl == "tests.mutants._correct" for r in result.records)
    assert str(result).startswith("mlp-parity: PASS, every check passed (4 tests) for ")
    assert result.output == "" or "FAILED" not in result.output


def test_a_planted_bug_fails_with_its_message_and_a_table():
    result = mlp_parity.check(no_mask.forward, no_mask.backward, **SMALL, pytest_options=SOME)
    assert not result.passed
    assert result.failed_checks == ["backward", "kink"]
    first = result.failures[0]
    case = first.case
    assert (first.check, case.seed, case.shape.id, case.dtype, first.tensor, first.kind) == (
        "backward",
        0,
        "d2h4b8",
        "float64",
        "dW1",
        "value",
    )
    assert first.headline == (
        "backward check failed: dW1 from tests.mutants.no_mask differs from the float64 "
        "NumPy reference"
    )
    rerun = (
        f'rerun: pytest -k "test_backward[tests.mutants.no_mask-{case.id}]" '
        "--parity-impl=tests.mutants.no_mask"
    )
    assert rerun in first.message and rerun in str(result)
    text = str(result)
    assert text.startswith("mlp-parity: FAIL, 2 of 4 tests failed (backward, kink) for ")
    assert repr(result) == text and "\n  backward            0       1        0  FAIL" in text
    table = result._repr_markdown_()
    assert "| check | passed | failed | skipped |" in table
    assert "| **backward** | 0 | 1 | 0 |" in table
    assert f"| backward | {case.id} | dW1 | value | backward check failed" in table
    assert any(not r.passed for r in result.records)
    assert [d.pattern for d in result.diagnoses][:1] == ["mask-missing"]  # mlp_parity.diagnose
    assert "diagnosis:\n  tests.mutants.no_mask: " in text


def test_functions_outside_a_module_are_named_and_rerun_by_the_call():
    def backward_bad(x, y, a1, h, f, W1, W2):
        return no_mask.backward(x, y, a1, h, f, W1, W2)

    result = api.check(
        _correct.forward,
        backward_bad,
        **SMALL,
        name="mine",
        pytest_options=["-k", "d2h4b8 and test_backward"],
    )
    assert result.failures[0].impl == "mine"
    assert "dW1 from mine differs" in result.failures[0].message
    assert "rerun: pytest" not in result.failures[0].message  # no command loads them
    test = f"test_backward[mine-{result.failures[0].case_id}]"
    call = (
        'check(tests.mutants._correct.forward, backward_bad, name="mine", seeds="0", '
        f'dtypes="float64", devices="cpu", pytest_options=["-k", "{test}"])'
    )
    assert f"rerun: {call}" in str(result), str(result)
    assert not any(m.startswith("_mlp_parity_functions_") for m in sys.modules)
    # pasted where the functions are defined, it runs that one test again, on backward_bad
    import tests.mutants._correct

    again = eval(call, {"check": api.check, "backward_bad": backward_bad, "tests": tests})
    assert [(c.check, c.passed, c.failed) for c in again.counts] == [("backward", 0, 1)]
    assert again.failures[0].nodeid.endswith(test)


def test_the_rerun_call_of_numpy_functions_says_numpy():
    from tests.reformulations import numpy_einsum

    def backward(x, y, a1, h, f, W1, W2):
        dW1, db1, dW2, db2 = numpy_einsum.backward(x, y, a1, h, f, W1, W2)
        return dW1, db1, dW2, -db2

    result = api.check(
        numpy_einsum.forward, backward, numpy=True, **SMALL, pytest_options=["-k", "d2h4b1"]
    )
    assert not result.passed
    assert "rerun: check(tests.reformulations.numpy_einsum.forward, backward, numpy=True, " in str(
        result
    )


def test_a_bare_exception_gets_a_pytest_rerun_line_in_the_command(capsys, monkeypatch):
    """Not a check's own failure (the harness raised): the verdict still names the check and
    the case, and gives the command that reruns it, not a Python call."""
    from mlp_parity import cases

    def broken(case):
        raise RuntimeError("the case could not be made")

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(cases, "inputs", broken)
    status, out, err = _cli(
        capsys,
        "check",
        "tests.mutants._correct",
        "--dtypes=float64",
        "--seeds=0",
        "--",
        "-k",
        "d2h4b1 and (test_backward or test_jvp) and not kink",
    )
    assert status == 1, out + err
    case = "seed0-d2h4b1-typical-float64-cpu"
    assert (
        "first failure, in full:\n  backward check failed: the harness raised RuntimeError: "
        f"the case could not be made\n    case: {case}"
    ) in out, out
    for test in ("test_backward", "test_jvp"):
        assert (
            f'rerun: pytest -k "{test}[tests.mutants._correct-{case}]" '
            "--parity-impl=tests.mutants._correct --parity-seeds=0 --parity-dtypes=float64 "
            "--parity-devices=cpu"
        ) in out, out
    assert "check(" not in out


def test_numpy_functions_and_a_module():
    from tests.reformulations import numpy_einsum

    result = api.check(numpy_einsum, numpy=True, **SMALL, pytest_options=SOME)
    assert result.passed, str(result)
    assert {r.impl for r in result.records} == {"tests.reformulations.numpy_einsum"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dtypes": "float8"}, "^dtypes=float8: expected a comma-separated list"),
        ({"seeds": "x"}, "^seeds: expected a list or range"),
        ({"pytest_options": ["-k", "no_such_test"]}, "no test of the suite was selected"),
    ],
)
def test_bad_options_are_one_line_errors(kwargs, message):
    with pytest.raises(api.CheckError, match=message) as info:
        api.check(_correct.forward, _correct.backward, **kwargs)
    assert "\n" not in str(info.value)


def test_not_a_function_is_named():
    with pytest.raises(api.CheckError, match=r"^check: backward must be a function"):
        api.check(_correct.forward, 3)


def test_one_function_alone_is_told_what_it_could_be():
    """forward without backward: the seed's pair, or one declared function by its name."""
    with pytest.raises(api.CheckError, match=r"^check: forward is one function: name it"):
        api.check(_correct.forward, None)


# --------------------------------------------------------------------------- the command
@pytest.fixture
def own_modules(tmp_path):
    """The modules a test imports from its temporary folder are forgotten after it."""
    yield
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_command_passes_and_fails_with_the_verdict(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    status, out, err = _cli(
        capsys, "check", "tests/mutants/_correct.py", "--dtypes=float64", "--seeds=0", "--", *SOME
    )
    assert status == 0, out + err
    assert "mlp-parity: PASS, every check passed (4 tests) for _correct (torch)" in out
    status, out, err = _cli(
        capsys, "check", "tests.mutants.no_mask", "--dtypes", "float64", "--seeds", "0", "--", *SOME
    )
    assert status == 1, out + err
    assert "mlp-parity: FAIL, 2 of 4 tests failed (backward, kink)" in out
    assert "first failure, in full:\n  backward check failed: dW1 from tests.mutants.no_mask" in out


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["check", "missing.py"], r"missing\.py: no file .*missing\.py"),
        (["check", "no_such_module"], "no_such_module: cannot import no_such_module: Module"),
        (["check", "broken.py"], r"broken\.py: cannot import broken\.py: SyntaxError: "),
        (["check", "half.py"], "half.py: module half.py .* has no function 'backward'"),
        (["check", "ok.py", "--dtypes", "float8"], "--dtypes=float8: expected a comma-separated"),
        (["check", "ok.py", "--seeds", "9-1"], "--seeds: expected a list or range"),
        (["check"], r"the following arguments are required: MODULE \(see mlp-parity check"),
        (["chekc", "ok.py"], "invalid choice: 'chekc'"),
        (
            ["check", "."],
            r"^mlp-parity: error: \.: is a folder; name a \.py file \(such as my_mlp\.py\) or "
            r"a module \(such as my_mlp\) that has forward and backward$",
        ),
        (["check", "sub/"], r"^mlp-parity: error: sub/: is a folder; name a \.py file"),
        (
            ["check", ".hidden"],
            r"^mlp-parity: error: \.hidden: is neither a \.py file nor a module",
        ),
    ],
)
def test_usage_and_import_errors_are_one_line_and_exit_2(
    capsys, monkeypatch, tmp_path, own_modules, argv, line
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.py").write_text("def forward(:\n")
    (tmp_path / "half.py").write_text("def forward(x, W1, b1, W2, b2):\n    pass\n")
    (tmp_path / "ok.py").write_text((ROOT / "tests" / "mutants" / "_correct.py").read_text())
    (tmp_path / "sub").mkdir()
    status, out, err = _cli(capsys, *argv)
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("mlp-parity: error: "), err
    assert __import__("re").search(line, err), err
    assert "Traceback" not in out + err and out == ""


def test_workers_without_xdist_is_one_line(capsys, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "xdist" else real(name, *a)
    )
    status, _, err = _cli(capsys, "check", "impl", "-n", "2")
    assert status == 2
    assert (
        err
        == "mlp-parity: error: -n needs pytest-xdist (pip install pytest-xdist), or leave -n out\n"
    )


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"mlp-parity {mlp_parity.__version__}\n"


def test_train_runs_this_repositorys_trainer_or_says_why_not(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    status, out, _ = _cli(capsys, "train", "--epochs", "1", "--n", "20")
    assert status == 0 and "Final training accuracy" in out, out
    monkeypatch.chdir(tmp_path)
    (tmp_path / "impl.py").write_text("raise RuntimeError('a decoy: must not be imported')\n")
    monkeypatch.setattr(sys, "path", [p for p in sys.path if Path(p or ".").resolve() != ROOT])
    monkeypatch.delitem(sys.modules, "impl", raising=False)
    monkeypatch.delitem(sys.modules, "impl.__main__", raising=False)
    status, out, err = _cli(capsys, "train")
    assert status == 2 and err.startswith("mlp-parity: error: train runs this repository's")


@pytest.mark.slow
def test_a_failed_property_or_training_run_carries_its_rerun_line():
    from tests.mutants import double_residual

    result = api.check(
        double_residual, dtypes="float64", seeds="0", pytest_options=["-k", "output_layer"]
    )
    (failure,) = [f for f in result.failures if f.check == "properties"]
    assert (
        'rerun: pytest -k "test_output_layer_gradients_are_the_residual_and_its_outer_product'
        '[tests.mutants.double_residual]" --parity-impl=tests.mutants.double_residual '
        "--parity-dtypes=float64 --parity-hypothesis=fast"
    ) in failure.message


# --------------------------------------------------------------------------- refused before running
def _refused(capsys, *argv: str) -> str:
    """The one line of `mlp-parity check ARGV` refused with exit status 2, nothing run."""
    status, out, err = _cli(capsys, *argv)
    assert status == 2, out + err
    assert out == "" and err.count("\n") == 1 and err.startswith("mlp-parity: error: "), err
    assert "Traceback" not in err
    return err.removeprefix("mlp-parity: error: ").strip()


def test_a_report_that_cannot_be_written_is_refused_before_running(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    missing = tmp_path / "no_such_dir" / "r.json"
    line = _refused(capsys, "check", "tests/mutants/_correct.py", "--report", str(missing))
    assert line == (
        f"--report={missing}: there is no folder {missing.parent} to write the report in"
    )
    line = _refused(capsys, "check", "tests/mutants/_correct.py", "--report", str(tmp_path))
    assert line == f"--report={tmp_path}: is a folder; give the path of a file to write"
    with pytest.raises(api.CheckError, match=rf"^report={missing}: there is no folder "):
        api.check(_correct.forward, _correct.backward, report=str(missing))


def test_a_bad_pytest_option_after_the_separator_is_named(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    line = _refused(capsys, "check", "tests/mutants/_correct.py", "--", "--bogus-flag")
    assert (
        line == "pytest: unrecognized arguments: --bogus-flag (the options after -- are pytest's)"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hypothesis": "bogus"}, "hypothesis='bogus': expected 'fast' or 'thorough'"),
        (
            {"seeds": 5},
            'seeds=5: expected a string such as "0-9" or "1,5,7", or a list of seeds such as '
            "[0, 1]; got int (seed 5 alone: seeds=[5])",
        ),
        ({"seeds": [0, "x"]}, "seeds=[0, 'x']: expected whole numbers, got str 'x'"),
        ({"dtypes": 64}, 'dtypes=64: expected a string such as "float64,float32" or a list'),
        ({"pytest_options": "-x"}, "pytest_options='-x': expected a list of pytest's options"),
        ({"name": 3}, "name=3: expected a string"),
        ({"report": 1}, "report=1: expected a path"),
        ({"full": "yes"}, "full='yes': expected True or False"),
        ({"pytest_options": ["--bogus-flag"]}, "pytest: unrecognized arguments: --bogus-flag"),
    ],
)
def test_bad_keywords_are_one_line_errors_naming_the_keyword(kwargs, message):
    with pytest.raises(api.CheckError) as info:
        api.check(_correct.forward, _correct.backward, **kwargs)
    assert str(info.value).startswith(message), str(info.value)
    assert "\n" not in str(info.value)


def test_an_absent_device_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(options, "device_available", lambda device: device == "cpu")
    line = _refused(capsys, "check", "tests/mutants/_correct.py", "--devices", "cuda")
    assert line == (
        "--devices=cuda: cuda is not available here (available: cpu); "
        "a run there would check nothing"
    )
    line = _refused(capsys, "check", "tests/mutants/_correct.py", "--devices", "cpu,cuda")
    assert line.startswith("--devices=cpu,cuda: cuda is not available here")
    with pytest.raises(api.CheckError, match=r"^devices=cuda: cuda is not available here"):
        api.check(_correct.forward, _correct.backward, devices="cuda")


def test_a_numpy_module_at_bfloat16_only_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    line = _refused(
        capsys, "check", "tests.reformulations.numpy_einsum", "--numpy", "--dtypes", "bfloat16"
    )
    assert line == (
        "--dtypes=bfloat16: nothing to check for tests.reformulations.numpy_einsum: "
        "it is a NumPy implementation, and NumPy has no bfloat16 "
        "(choose from float64, float32, float16)"
    )


def _result(counts, skips=()):
    return api.Result(
        passed=not any(c[2] for c in counts) and api.enough_ran(counts),
        target="m (torch): seeds 0 x 7 shapes x float64 x cpu",
        counts=tuple(api.CheckCount(*c) for c in counts),
        failures=(),
        skips=tuple(skips),
    )


def test_a_run_that_skipped_most_of_its_tests_is_no_pass():
    """Half of the selected tests must run for a pass (api.ENOUGH): 6 of 594 is not a pass."""
    counts = [("forward", 0, 0, 56), ("backward", 1, 0, 56), ("properties", 4, 0, 0)]
    assert not api.enough_ran(counts)
    result = _result(counts, [("device cuda is not available here", ("forward", "backward"), 112)])
    assert not result.passed
    text = str(result)
    assert text.startswith(
        "mlp-parity: INCOMPLETE, 112 of 117 tests were skipped (5 ran, 5 passed): no verdict"
    ), text
    assert "PASS" not in text
    assert "skipped: forward, backward (112 tests): device cuda is not available here" in text
    half = [("forward", 2, 0, 2)]
    assert api.enough_ran(half) and _result(half).passed


def test_dtypes_without_float64_say_why_finite_differences_and_gradcheck_were_skipped():
    result = api.check(
        _correct.forward,
        _correct.backward,
        dtypes="float32",
        seeds="0",
        pytest_options=["-k", "(test_finite or test_gradcheck or test_forward) and not d67"],
    )
    assert result.passed, str(result)
    counts = {c.check: (c.passed, c.failed, c.skipped) for c in result.counts}
    assert counts["finite-diff"] == (0, 0, 1) and counts["gradcheck"] == (0, 0, 1)
    assert (
        "skipped: finite-diff, gradcheck (2 tests): these checks run at float64 only, and "
        "float64 is not among the dtypes selected"
    ) in str(result), str(result)


def test_a_numpy_verdict_lists_only_the_dtypes_it_checked():
    from tests.reformulations import numpy_einsum

    result = api.check(
        numpy_einsum, numpy=True, seeds="0", pytest_options=["-k", "test_forward and d2h4b1"]
    )
    assert result.passed, str(result)
    assert result.target == (
        "tests.reformulations.numpy_einsum (numpy): seeds 0 x 7 shapes x "
        "float64,float32,float16 x cpu"
    ), result.target
    assert "skipped: forward (1 test): tests.reformulations.numpy_einsum is a NumPy " in str(result)


# --------------------------------------------------------------------------- in a notebook
def test_the_notebook_display_puts_the_cause_first_in_markdown_and_html():
    result = mlp_parity.check(no_mask.forward, no_mask.backward, **SMALL, pytest_options=SOME)
    for text in (result._repr_markdown_(), result._repr_html_()):
        order = [
            text.index(s)
            for s in ("FAIL", "The cause", "mask-missing", "First failure", "Per check")
        ]
        assert order == sorted(order), text
    html = result._repr_html_()
    assert html.startswith("<div") and "<table" in html and "<pre" in html
    assert "&lt;" in html or "<grad" not in html  # the messages are escaped
    assert "| check |" not in html  # not Markdown inside HTML
    markdown = result._repr_markdown_()
    assert "### The cause (diagnosis)" in markdown
    assert "| **backward** | 0 | 1 | 0 |" in markdown


def test_a_passing_notebook_display_explains_the_headroom():
    result = mlp_parity.check(_correct.forward, _correct.backward, **SMALL, pytest_options=SOME)
    for text in (result._repr_markdown_(), result._repr_html_()):
        assert "PASS" in text and "Worst headroom" in text
        assert "tolerance ÷ error" in text
    assert "The cause" not in result._repr_markdown_()


# --------------------------------------------------------------------------- quick mode
def _selection(**given):
    """options.selection for these --parity-* values (the rest unset), on _correct."""
    from types import SimpleNamespace

    values = {"parity_impl": ["tests.mutants._correct"], **given}
    config = SimpleNamespace(
        getoption=lambda name: values.get(name),
        getini=lambda name: [],
        invocation_params=SimpleNamespace(dir=ROOT),
        rootpath=ROOT,
    )
    return options.selection(config)


def test_quick_is_one_seed_at_float64_and_float32_with_every_check():
    sel = _selection(parity_quick=True)
    assert sel.dtypes == ("float64", "float32")
    assert {c.seed for c in sel.cases} == {0}
    assert {c.dtype for c in sel.cases} == {"float64", "float32"}
    from mlp_parity import cases, checks

    assert {c.shape for c in sel.cases} == set(cases.SHAPES) | set(cases.WIDE_SHAPES)  # every shape
    assert all(
        any(c.dtype in (check.dtypes or sel.dtypes) for c in sel.cases) for check in checks.CHECKS
    )  # every check has a case to run on (finite-diff and gradcheck: float64)
    # what is given explicitly wins
    assert {c.seed for c in _selection(parity_quick=True, parity_seeds="3").cases} == {3}


def test_quick_and_full_are_refused_together():
    with pytest.raises(pytest.UsageError, match=r"^--parity-quick and --parity-full: choose one"):
        _selection(parity_quick=True, parity_full=True)


def test_quick_from_the_command_and_the_function(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    status, out, err = _cli(
        capsys, "check", "tests/mutants/_correct.py", "--quick", "--", "-k", "test_forward"
    )
    assert status == 0, out + err
    assert "for _correct (torch): quick: seeds 0 x 7 shapes x float64,float32 x cpu" in out
    result = api.check(
        _correct.forward, _correct.backward, quick=True, pytest_options=["-k", "test_forward"]
    )
    assert result.target.endswith("quick: seeds 0 x 7 shapes x float64,float32 x cpu")
    with pytest.raises(api.CheckError, match=r"^quick='yes': expected True or False"):
        api.check(_correct.forward, _correct.backward, quick="yes")


@pytest.mark.slow
def test_quick_runs_every_check_class(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    status, out, err = _cli(capsys, "check", "tests/mutants/_correct.py", "--quick")
    assert status == 0, out + err
    from mlp_parity import checks

    rows = {
        line.split()[0]: line.split()[1:] for line in out.splitlines()[-15:] if line[:2] == "  "
    }
    for name in [c.name for c in checks.CHECKS] + ["properties", "training"]:
        passed, failed, skipped = map(int, rows[name][:3])
        assert passed > 0 and failed == skipped == 0, (name, rows)
