"""The plugin as installed, seen from a project that is not this one.

Inert unless asked: an unrelated project's pytest run collects the same tests, prints the same
and imports neither torch nor NumPy, as with the plugin blocked (`-p no:mlp_parity`). Asked
(`--parity-impl`), it checks the modules named, each test id naming its module, refuses two
that would share ids, and leaves nothing in the project that a plain pytest run does not.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORRECT = (ROOT / "tests" / "mutants" / "_correct.py").read_text()

UNRELATED = {
    "test_unrelated.py": """
import sys

import pytest


def test_neither_torch_nor_numpy_is_imported():
    assert [m for m in ("torch", "numpy") if m in sys.modules] == []


@pytest.mark.parametrize("n", [1, 2, 3])
def test_numbers(n):
    assert n > 0


def test_output():
    print("hello")
""",
    # decoys: nothing of the harness may import a user's reference, impl or conftest
    "reference.py": "raise ImportError('the decoy reference.py was imported')\n",
    "impl.py": "raise ImportError('the decoy impl.py was imported')\n",
}


def _installed() -> bool:
    return any(ep.name == "mlp_parity" for ep in importlib.metadata.entry_points(group="pytest11"))


pytestmark = pytest.mark.skipif(
    not _installed(), reason="mlp-parity is not installed (pip install -e .): no pytest11 entry"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name, text in UNRELATED.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def _start(folder: Path, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    # this checkout's mlp_parity, whichever copy the entry point was installed from
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", *args],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _finish(process: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _pytest(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return _finish(_start(folder, *args))


# The other pytest plugins installed beside this one are left out of the quick runs (loading
# Hypothesis's imports all of Hypothesis, two seconds): the comparison is about this plugin.
OTHERS_OFF = ("-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:xdist")


def _normal(text: str) -> str:
    return re.sub(r" in [\d.]+s", " in Ns", text)


def _listing(folder: Path) -> list[str]:
    """Every path in the folder but Python's own bytecode cache (importing the project's
    modules writes their .pyc there, with or without the harness)."""
    paths = (p.relative_to(folder) for p in folder.rglob("*"))
    return sorted(str(p) for p in paths if "__pycache__" not in p.parts)


def test_an_unrelated_project_sees_no_difference(project):
    both = [
        _start(project, "-q", "-rA", *OTHERS_OFF, "-p", "no:mlp_parity"),
        _start(project, "-q", "-rA", *OTHERS_OFF),
    ]
    plain, with_plugin = (_finish(p) for p in both)
    assert with_plugin.returncode == 0, with_plugin.stdout + with_plugin.stderr
    assert "5 passed" in with_plugin.stdout
    assert _normal(with_plugin.stdout) == _normal(plain.stdout)
    assert with_plugin.stderr == plain.stderr == ""


def test_a_parity_option_alone_is_a_one_line_usage_error(project):
    result = _pytest(project, "--parity-seeds=0", *OTHERS_OFF)
    assert result.returncode == 4, result.stdout + result.stderr
    lines = [s for s in result.stderr.splitlines() if s.strip()]
    assert lines == [
        "ERROR: --parity-seeds needs an implementation to check: add --parity-impl=MODULE"
    ]


@pytest.mark.slow
def test_two_modules_are_both_checked_and_nothing_is_left_behind(project):
    (project / "first.py").write_text(CORRECT)
    (project / "second.py").write_text(CORRECT)
    _pytest(project, "-q", "-p", "no:mlp_parity")  # what any pytest run leaves: the baseline
    before = _listing(project)
    result = _pytest(
        project,
        "-v",
        "--parity-impl=first",
        "--parity-impl=second.py",
        "--parity-dtypes=float64",
        "--parity-seeds=0",
        "-k",
        "(test_forward and d2h4b1) or zero_residual",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    passed = sorted(re.findall(r"::(\w+\[[^\]]+\]) PASSED", result.stdout))
    forward = [p.split("-seed0-")[0] for p in passed if p.startswith("test_forward[")]
    assert forward == ["test_forward[first", "test_forward[second"], passed
    assert passed[2:] == [
        "test_zero_residual_gives_zero_gradients[first]",
        "test_zero_residual_gives_zero_gradients[second]",
    ]
    assert "test_unrelated" not in result.stdout  # the project's own tests are not collected
    assert _listing(project) == before  # no .hypothesis, no .benchmarks, nothing new


@pytest.mark.slow
def test_two_modules_with_one_name_are_refused(project):
    (project / "same.py").write_text(CORRECT)
    (project / "sub").mkdir()
    (project / "sub" / "same.py").write_text(CORRECT)
    result = _pytest(project, "--parity-impl=same", "--parity-impl=sub/same.py")
    assert result.returncode == 4
    assert result.stderr.strip() == (
        "ERROR: --parity-impl=sub/same.py: another implementation, --parity-impl=same, is also "
        "named 'same'; the test ids would not tell them apart (check them in two runs, or "
        "rename one)"
    )


@pytest.mark.slow
def test_workers_of_pytest_xdist_check_the_module_asked_for(project):
    pytest.importorskip("xdist", reason="pytest-xdist is not installed")
    (project / "first.py").write_text(CORRECT)
    result = _pytest(
        project,
        "-q",
        "-n",
        "2",
        "--parity-impl=first",
        "--parity-dtypes=float64",
        "--parity-seeds=0",
        "-k",
        "test_forward or zero_residual",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    from mlp_parity.cases import SHAPES, WIDE_SHAPES

    n = len(SHAPES) + len(WIDE_SHAPES)  # test_forward on every shape (the wide ones at the
    # first seed and dtype), and the zero-residual test
    assert re.search(rf"\b{n + 1} passed\b", result.stdout), result.stdout[-2000:]
    # the workers' records: a1, h and f on each shape
    assert re.search(rf"forward +{3 * n} comparisons +0 failed", result.stdout)


@pytest.mark.slow
def test_a_failure_line_is_a_node_id_that_reruns_the_test(project):
    """The suite lives outside the project (in site-packages): its failure lines still name
    a file, and pasted as they are they run that one test again."""
    (project / "my_mlp.py").write_text(CORRECT)
    (project / "buggy.py").write_text(
        (ROOT / "tests" / "mutants" / "no_mask.py")
        .read_text()
        .replace("from tests.mutants._correct import", "from my_mlp import")
    )
    only = ("--parity-dtypes=float64", "--parity-seeds=0", "-p", "no:cacheprovider", *OTHERS_OFF)
    result = _pytest(
        project,
        "--parity-impl=buggy",
        *only,
        "--tb=no",
        "-rf",
        "-k",
        "test_backward and not kink and d2h4b1",
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr
    failed = re.findall(r"^FAILED (\S+)", result.stdout, re.MULTILINE)
    assert len(failed) == 1, result.stdout[-3000:]
    path, _, test = failed[0].partition("::")
    assert Path(project, path).resolve() == ROOT / "mlp_parity" / "suite" / "test_backward.py"
    assert test == "test_backward[buggy-seed0-d2h4b1-typical-float64-cpu]"
    # (here the suite's folder is this checkout, whose pytest configuration then applies,
    # with pytest-xdist's -n among its options; in site-packages none would)
    again = _pytest(
        project, failed[0], "--parity-impl=buggy", *only[:4], "-n", "0", "--tb=no", "-q"
    )
    assert again.returncode == 1 and re.search(r"\b1 failed\b", again.stdout), again.stdout
    assert "passed" not in again.stdout
