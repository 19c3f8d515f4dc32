"""pyproject.toml, tox.ini and the README state the same supported versions."""

from __future__ import annotations

import configparser
import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
README_SECTION = "## Supported versions and tox"
MATRIX_ENV = re.compile(r"py3(?P<minor>\d+)-torch(?P<torch>\d+)-numpy(?P<numpy>\d)")
FACTOR_PIN = re.compile(r"(?P<factor>\w+):\s*(?P<package>torch|numpy)\s*(?P<spec>[<>=!~].*)")


def expand(spec: str) -> list[str]:
    """tox's generative names: 'py3{10,11}-a{1,2}' gives py310-a1, py310-a2, py311-a1, ..."""
    parts = re.split(r"\{([^{}]*)\}", spec)
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    return ["".join(c.strip() for c in combo) for combo in itertools.product(*choices)]


def split_top_level(line: str) -> list[str]:
    """Split on commas that are not inside braces."""
    items, depth, current = [], 0, ""
    for char in line:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    return [*items, current]


def env_list(tox_ini: str) -> list[str]:
    config = configparser.ConfigParser(interpolation=None)
    config.read_string(tox_ini)
    specs = [
        s.strip() for line in config["tox"]["env_list"].splitlines() for s in split_top_level(line)
    ]
    return [name for spec in specs if spec for name in expand(spec)]


def factor_pins(tox_ini: str) -> dict[str, str]:
    """'torch230: torch==2.3.0' in [testenv] deps gives {'torch230': '==2.3.0'}."""
    config = configparser.ConfigParser(interpolation=None)
    config.read_string(tox_ini)
    pins = {}
    for line in config["testenv"]["deps"].splitlines():
        match = FACTOR_PIN.fullmatch(line.strip())
        if match:
            pins[match["factor"]] = match["spec"].strip()
    return pins


def matrix(tox_ini: str) -> set[tuple[str, str, str]]:
    """(Python, torch, NumPy) of each test env, e.g. ('3.10', '2.3.0', '1.x')."""
    pins = factor_pins(tox_ini)
    rows = set()
    for name in env_list(tox_ini):
        match = MATRIX_ENV.fullmatch(name)
        if match:
            torch = pins[f"torch{match['torch']}"]
            assert torch.startswith("=="), f"{name}: torch is pinned as {torch!r}, not exactly"
            rows.add((f"3.{match['minor']}", torch[2:], f"{match['numpy']}.x"))
    return rows


def readme_section(readme: str) -> str:
    start = readme.index(README_SECTION)
    end = readme.find("\n## ", start + len(README_SECTION))
    return readme[start : None if end < 0 else end]


def readme_matrix(section: str) -> dict[str, tuple[str, str, str]]:
    """The rows '| `env` | Python | torch | NumPy |' of the README's table."""
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"`[^`]+`", cells[0]):
            rows[cells[0].strip("`")] = (cells[1], cells[2], cells[3])
    return rows


def readme_supported(section: str) -> dict[str, str]:
    """The 'supported' column of the README's first table, by name (Python, torch, NumPy)."""
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] in ("Python", "torch", "NumPy"):
            rows[cells[0]] = cells[1]
    return rows


def classifier_pythons(pyproject: dict) -> set[str]:
    prefix = "Programming Language :: Python :: "
    return {
        c.removeprefix(prefix)
        for c in pyproject["project"]["classifiers"]
        if re.fullmatch(re.escape(prefix) + r"3\.\d+", c)
    }


def dependency_floor(pyproject: dict, package: str) -> str:
    for dep in pyproject["project"]["dependencies"]:
        match = re.fullmatch(rf"{package}\s*>=\s*([\d.]+)", dep)
        if match:
            return match[1]
    raise AssertionError(f"pyproject.toml has no '{package}>=' dependency")


def release(version: str) -> tuple[int, ...]:
    parts = [int(p) for p in version.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


@pytest.fixture(scope="module")
def tox_ini() -> str:
    return (ROOT / "tox.ini").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def readme() -> str:
    return readme_section((ROOT / "README.md").read_text(encoding="utf-8"))


def test_expand_generates_every_combination():
    assert expand("py3{10,11}-numpy{1,2}") == [
        "py310-numpy1",
        "py310-numpy2",
        "py311-numpy1",
        "py311-numpy2",
    ]
    assert expand("lint") == ["lint"]
    assert split_top_level("a{1,2}, b") == ["a{1,2}", " b"]


def test_tox_pythons_are_the_classifiers(tox_ini, pyproject):
    assert {python for python, _, _ in matrix(tox_ini)} == classifier_pythons(pyproject)


def test_requires_python_is_the_oldest_classifier(pyproject):
    oldest = min(classifier_pythons(pyproject), key=release)
    assert pyproject["project"]["requires-python"] == f">={oldest}"


def test_tox_oldest_torch_is_the_dependency_floor(tox_ini, pyproject):
    oldest = min((torch for _, torch, _ in matrix(tox_ini)), key=release)
    assert release(oldest) == release(dependency_floor(pyproject, "torch"))


def test_tox_covers_numpy_1_and_2(tox_ini, pyproject):
    assert {numpy for _, _, numpy in matrix(tox_ini)} == {"1.x", "2.x"}
    assert release(dependency_floor(pyproject, "numpy")) < (2, 0, 0)


def test_every_python_runs_the_newest_torch(tox_ini):
    rows = matrix(tox_ini)
    newest = max((torch for _, torch, _ in rows), key=release)
    assert {p for p, t, _ in rows if t == newest} == {p for p, _, _ in rows}


def test_readme_table_is_the_tox_matrix(tox_ini, readme):
    pins = factor_pins(tox_ini)
    table = readme_matrix(readme)
    assert set(table) == {n for n in env_list(tox_ini) if MATRIX_ENV.fullmatch(n)}
    for name, row in table.items():
        match = MATRIX_ENV.fullmatch(name)
        assert match, name
        torch = pins[f"torch{match['torch']}"].removeprefix("==")
        assert row == (f"3.{match['minor']}", torch, f"{match['numpy']}.x"), name


def test_readme_states_the_supported_versions(tox_ini, pyproject, readme):
    supported = readme_supported(readme)
    pythons = sorted(classifier_pythons(pyproject), key=release)
    assert supported["Python"] == ", ".join(pythons)
    torches = sorted({t for _, t, _ in matrix(tox_ini)}, key=release)
    assert supported["torch"] == f"{torches[0]} to {torches[-1]}"
    assert supported["NumPy"].startswith(f"{dependency_floor(pyproject, 'numpy')} and later")


@pytest.mark.slow
def test_env_list_agrees_with_tox_itself(tox_ini):
    tox = shutil.which("tox") or str(Path(sys.executable).with_name("tox"))
    if not Path(tox).exists():
        pytest.skip("tox is not installed")
    done = subprocess.run(
        [tox, "l", "--no-desc"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    listed = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    assert [n for n in listed if n in set(env_list(tox_ini))] == env_list(tox_ini)
