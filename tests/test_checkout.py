"""A fresh clone can set itself up with the README's two commands: `python -m venv .venv` is not
blocked by a committed file of that name, and the environment it makes is never committed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = ".venv"

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(),
    reason="not a git checkout (or no git): nothing is tracked",
)


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=60, check=False
    )


def tracked_venvs(repo: Path) -> list[str]:
    """Tracked paths named .venv, or inside a folder of that name."""
    listed = _git(repo, "ls-files", "-z").stdout.split("\0")
    return [p for p in listed if VENV in Path(p).parts]


def unignored_venvs(gitignore: str, scratch: Path) -> list[str]:
    """Which of `.venv` (a file) and `.venv/bin/python` (a folder's content) the rules of
    `gitignore` leave unignored, checked in a scratch repository where neither exists."""
    scratch.mkdir()
    _git(scratch, "init", "-q")
    (scratch / ".gitignore").write_text(gitignore, encoding="utf-8")
    paths = [VENV, f"{VENV}/bin/python"]
    return [p for p in paths if _git(scratch, "check-ignore", "-q", "--no-index", p).returncode]


def test_no_tracked_file_or_folder_is_named_venv():
    assert tracked_venvs(ROOT) == []


def test_a_tracked_venv_would_be_found(tmp_path):
    """The check above can fail: a repository with a committed .venv file."""
    _git(tmp_path, "init", "-q")
    (tmp_path / VENV).write_text("a file where python -m venv .venv wants a folder\n")
    _git(tmp_path, "add", "-f", VENV)
    assert tracked_venvs(tmp_path) == [VENV]


def test_gitignore_ignores_venv_as_a_file_and_as_a_folder(tmp_path):
    rules = (ROOT / ".gitignore").read_text(encoding="utf-8")
    assert unignored_venvs(rules, tmp_path / "ours") == []
    # and the check can fail: `.venv/` alone ignores only a folder
    assert unignored_venvs(".venv/\n", tmp_path / "folder_only") == [VENV]
