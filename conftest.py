"""This repository's own pytest options. The parity checks come from the mlp_parity plugin
(installed with the package); pyproject.toml's `parity_impl` names the bundled
implementations it checks here."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow",
        action="store_true",
        help="also run the tests marked slow (they start pytest, tox or pip in a subprocess, or "
        "sweep a catalogue: every planted bug, every reformulation at every dtype); "
        "--parity-full implies it",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "slow: starts pytest, tox or pip in a subprocess, repeats a test at every dtype, or "
        "sweeps a catalogue (every planted bug until it is caught and diagnosed, every "
        "correct reformulation at every dtype, the loops too slow for the notebook's full "
        "run); runs with --slow",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked slow are skipped, with the reason, unless --slow or --parity-full."""
    if config.getoption("slow", False) or config.getoption("parity_full", False):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow")
    for item in items:
        if item.get_closest_marker("slow"):
            item.add_marker(skip)
