"""The built wheel, installed into a fresh virtual environment, used from a user's own folder.

The folder holds `my_mlp.py` (correct), `buggy.py` (a planted bug: no ReLU mask) and decoys a
user might well have: `reference.py` returning garbage (were it taken for the oracle, the
correct module would fail), `impl.py` that raises on import, a `conftest.py` with fixtures
named like the harness's, and a `tests/` of its own. Checked there: the plugin, the command,
the function, a pasted rerun line, a missing module, and that nothing is left behind.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The CPU build that tox.ini pins for torch2130, installed first: the wheel's own `torch>=2.3`
# would otherwise let pip choose a build with the CUDA libraries.
TORCH = "torch==2.13.0"
QUICK = ["--parity-dtypes=float64", "--parity-seeds=0"]
# A failing gradcheck on the 64 x 256 network recomputes its whole Jacobian for the message
# (half a minute): the buggy module's runs leave that shape out.
NOT_LARGE = ["-k", "not d67h257b2"]

CORRECT = (ROOT / "tests" / "mutants" / "_correct.py").read_text()
USER_FILES = {
    "my_mlp.py": CORRECT,
    "buggy.py": (ROOT / "tests" / "mutants" / "no_mask.py")
    .read_text()
    .replace("from tests.mutants._correct import", "from my_mlp import"),
    "reference.py": (
        "import numpy as np\n\n\n"
        "def forward(x, W1, b1, W2, b2):\n"
        "    return np.zeros_like(b1), np.zeros_like(b1), np.float64(7.0)\n\n\n"
        "def backward(x, y, a1, h, f, W1, W2):\n"
        "    return np.ones_like(W1), np.ones_like(a1), np.ones_like(W2), np.ones(1)\n"
    ),
    "impl.py": "raise ImportError('the decoy impl.py was imported')\n",
    "conftest.py": (
        "import pytest\n\n\n"
        "@pytest.fixture\n"
        "def implementation():\n"
        "    return 'a decoy fixture'\n\n\n"
        "@pytest.fixture\n"
        "def case():\n"
        "    return 'a decoy fixture'\n"
    ),
    "tests/test_mine.py": (
        "import sys\n\n\n"
        "def test_my_own_test_runs_without_torch():\n"
        "    assert 'torch' not in sys.modules\n"
    ),
}


def _run(args, cwd: Path, env: dict, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _ok(result: subprocess.CompletedProcess, status: int = 0) -> subprocess.CompletedProcess:
    assert result.returncode == status, (
        f"{result.args}: exit {result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-3000:]}"
    )
    return result


def build_wheel(tmp: Path) -> Path:
    """`pip wheel` of a copy of what the wheel is built from (no build/ left in the checkout)."""
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("mlp_parity", "reference"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    out = tmp / "dist"
    _ok(_run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", out, source], tmp, None))
    (wheel,) = out.glob("mlp_parity-*.whl")
    return wheel


@pytest.mark.slow
def test_the_wheel_checks_a_users_module_from_the_users_folder(tmp_path):
    started = time.monotonic()
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert {"mlp_parity/suite/parity.ini", "mlp_parity/reference/mlp.py"} <= set(names)
    assert not [n for n in names if n.split("/")[0] in ("reference", "impl", "tests")], names

    venv = tmp_path / "venv"
    _ok(_run([sys.executable, "-m", "venv", venv], tmp_path, None))
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env = {k: v for k, v in env.items() if not k.startswith("PYTEST_")}
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    _ok(_run([python, "-m", "pip", "install", "-q", TORCH], tmp_path, env))
    _ok(_run([python, "-m", "pip", "install", "-q", wheel], tmp_path, env))
    installed = time.monotonic()

    project = tmp_path / "project"
    for name, text in USER_FILES.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    put_there = sorted(str(p.relative_to(project)) for p in project.rglob("*"))

    def run(*args, status=0):
        return _ok(_run(args, project, env), status)

    # the user's own test run: the plugin is inert
    mine = run("pytest", "-q")
    assert "1 passed" in mine.stdout

    # the plugin
    listed = run("pytest", "--parity-impl=my_mlp", *QUICK, "--collect-only", "-q").stdout
    n = int(re.search(r"\b(\d+) tests collected", listed).group(1))  # the suite's cases
    good = run("pytest", "--parity-impl=my_mlp", *QUICK)
    assert re.search(rf"\b{n} passed\b", good.stdout), good.stdout[-2000:]
    assert "test_mine" not in good.stdout  # the project's own tests are not collected
    bad = run("pytest", "--parity-impl=buggy", *QUICK, *NOT_LARGE, status=1)
    reruns = re.findall(r"rerun: (pytest .*)", bad.stdout)
    assert reruns, bad.stdout[-3000:]
    again = run(*shlex.split(reruns[0]), status=1)  # pasted as printed, in the same folder
    assert re.search(r"\b1 failed\b", again.stdout) and "passed" not in again.stdout

    # the command
    run("mlp-parity", "--version")
    out = run("mlp-parity", "check", "my_mlp.py", "--dtypes", "float64", "--seeds", "0").stdout
    assert f"mlp-parity: PASS, every check passed ({n} tests) for my_mlp (torch)" in out
    out = run(
        "mlp-parity",
        "check",
        "buggy.py",
        "--dtypes=float64",
        "--seeds=0",
        "--",
        *NOT_LARGE,
        status=1,
    )
    assert "mlp-parity: FAIL" in out.stdout and "dW1 from buggy differs" in out.stdout
    missing = run("mlp-parity", "check", "missing.py", status=2)
    assert missing.stderr.count("\n") == 1 and missing.stdout == "", missing.stderr
    assert missing.stderr.startswith("mlp-parity: error: missing.py: no file ")

    # the function
    call = (
        "import mlp_parity, {0}; r = mlp_parity.check({0}.forward, {0}.backward, "
        "dtypes='float64', seeds='0', pytest_options={1}); print(r.passed)"
    )
    assert run("python", "-c", call.format("my_mlp", [])).stdout.strip() == "True"
    assert run("python", "-c", call.format("buggy", NOT_LARGE)).stdout.strip() == "False"

    # a failure line of the plugin is a node id, with the suite in site-packages
    bad = run("pytest", "--parity-impl=buggy", *QUICK, *NOT_LARGE, "--tb=no", "-rf", status=1)
    failed = re.findall(r"^FAILED (\S+)", bad.stdout, re.MULTILINE)
    assert failed and "site-packages" in failed[0], bad.stdout[-3000:]
    again = run("pytest", failed[0], "--parity-impl=buggy", *QUICK, "--tb=no", status=1)
    assert re.search(r"\b1 failed\b", again.stdout) and "passed" not in again.stdout

    left = sorted(str(p.relative_to(project)) for p in project.rglob("*"))
    new = [p for p in left if p not in put_there and "__pycache__" not in p]
    assert [p for p in new if not p.startswith(".pytest_cache")] == [], new
    checked = time.monotonic()
    quick_start_holds(tmp_path / "empty", env)
    print(
        f"wheel built and installed in {installed - started:.0f} s; "
        f"the checks in {checked - installed:.0f} s; the quick start in "
        f"{time.monotonic() - checked:.0f} s"
    )


def quick_start(readme: str) -> dict:
    """What the README's quick start shows: the module, the commands, the verdict of a pass
    (quick and full), the edit that breaks it and the lines its run prints."""
    section = readme.split("\n## Quick start\n")[1].split("\n## ")[0]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, re.DOTALL)
    module = next(body for lang, body in blocks if lang == "python")
    commands = [
        line.split("#")[0].strip()
        for lang, body in blocks
        if lang == "bash"
        for line in body.splitlines()
        if line.startswith("mlp-parity check")
    ]
    failure = next(body for lang, body in blocks if lang == "").splitlines()
    edit = re.search(r"the mask written `(\(a1 >= 0\))`", section).group(1)
    return {
        "module": module,
        "commands": commands,
        "pass": re.search(r"`(mlp-parity: PASS[^`]*)`", section).group(1),
        "full tests": int(re.search(r"the full default: (\d+) tests", section).group(1)),
        "edit": ("(a1 > 0)", edit),
        "failure": failure,
    }


def quick_start_holds(folder: Path, env: dict) -> None:
    """In an empty folder, the quick start's module, commands and outputs, as the README
    shows them: the quick check and the full default pass, the edited module fails with the
    lines shown."""
    shown = quick_start((ROOT / "README.md").read_text(encoding="utf-8"))
    folder.mkdir()
    (folder / "my_mlp.py").write_text(shown["module"])
    assert [c.split()[3:] for c in shown["commands"]] == [["--quick"], []], shown["commands"]
    quick, full = (_ok(_run(shlex.split(c), folder, env)) for c in shown["commands"])
    assert shown["pass"] in quick.stdout.splitlines(), quick.stdout[-2000:]
    assert f"every check passed ({shown['full tests']} tests)" in full.stdout, full.stdout[-2000:]
    (folder / "my_mlp.py").write_text(shown["module"].replace(*shown["edit"]))
    failing = _ok(_run(shlex.split(shown["commands"][0]), folder, env), 1)
    printed = [line.rstrip() for line in failing.stdout.splitlines()]
    missing = [line for line in shown["failure"] if line.rstrip() not in printed]
    assert not missing, (missing, failing.stdout[-4000:])


def test_the_quick_start_is_read_from_the_readme():
    """The reading the slow test relies on: the module, both commands and the claims."""
    shown = quick_start((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "def backward(x, y, a1, h, f, W1, W2)" in shown["module"]
    assert shown["commands"] == ["mlp-parity check my_mlp.py --quick", "mlp-parity check my_mlp.py"]
    assert shown["pass"].startswith("mlp-parity: PASS, every check passed (")
    assert shown["edit"][0] in shown["module"]
    assert any(line.startswith("mlp-parity: FAIL, ") for line in shown["failure"])
