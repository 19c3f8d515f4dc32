"""`pytest --parity-impl=...`: a user's module is loaded, checked alone, and bad modules or
options get a one-line error, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlp_parity import cases, external

ROOT = Path(__file__).resolve().parents[1]


def _pytest(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.slow
def test_impl_checks_only_that_module():
    result = _pytest(
        "--parity-impl=examples.seed_notebook",
        "--parity-dtypes=float64,float32",
        "--parity-seeds=0",
        "-v",
        "-k",
        "d2h4b8 and (test_forward or test_backward)",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    ran = [line for line in result.stdout.splitlines() if " PASSED" in line]
    assert ran and all("[examples.seed_notebook-seed0-d2h4b8-" in line for line in ran), ran
    assert "[reference-" not in result.stdout and "[impl-" not in result.stdout


@pytest.mark.slow
def test_unimportable_module_is_a_one_line_usage_error():
    result = _pytest("--parity-impl=no_such_module")
    assert result.returncode == 4  # pytest's usage error
    assert (
        "ERROR: --parity-impl=no_such_module: cannot import no_such_module: "
        "ModuleNotFoundError: No module named 'no_such_module'" in result.stderr
    ), result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_module_without_backward_is_named(tmp_path):
    (tmp_path / "half_done.py").write_text("def forward(x, W1, b1, W2, b2):\n    pass\n")
    with pytest.raises(
        external.ImplementationError,
        match=r"^--parity-impl=half_done: module half_done \(.*half_done.py\) has no function 'backward'; it needs",
    ):
        external.load("half_done", cwd=str(tmp_path))


def test_module_that_fails_to_import_is_named(tmp_path):
    (tmp_path / "broken.py").write_text("import numpy\nraise RuntimeError('oops\\nmore')\n")
    with pytest.raises(
        external.ImplementationError,
        match=r"^--parity-impl=broken: cannot import broken: RuntimeError: oops$",
    ):
        external.load("broken", cwd=str(tmp_path))


def test_path_to_a_file_and_numpy_prefix(tmp_path):
    source = (ROOT / "tests" / "reformulations" / "numpy_einsum.py").read_text()
    (tmp_path / "mine.py").write_text(source)
    impl = external.load("numpy:mine.py", cwd=str(tmp_path))
    assert (impl.name, impl.kind, impl.dtypes) == ("mine", "numpy", external.NUMPY_DTYPES)
    with pytest.raises(external.ImplementationError, match="no file"):
        external.load("numpy:absent.py", cwd=str(tmp_path))


@pytest.mark.parametrize(
    ("text", "seeds"), [("0-3", [0, 1, 2, 3]), ("7", [7]), ("1,5,3-4", [1, 3, 4, 5])]
)
def test_seed_lists(text, seeds):
    assert cases.parse_seeds(text) == seeds


@pytest.mark.parametrize("text", ["", "a", "3-1", "-2", "1,,x"])
def test_bad_seed_lists_are_explained(text):
    with pytest.raises(ValueError, match=r"--seeds: expected"):
        cases.parse_seeds(text)
