"""pytest wiring for the parity harness: options, parametrization, report. The logic lives
in tests/harness; this file only connects it to pytest."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import settings

from tests.harness import options, report

settings.register_profile("fast", max_examples=30, deadline=None)
settings.register_profile("ci", max_examples=300, deadline=None, derandomize=True, print_blob=True)
settings.load_profile("fast")

SELECTION = pytest.StashKey[options.Selection]()


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "dtypes(*names): run this check only at these dtypes")
    config.addinivalue_line(
        "markers", "slow: starts pytest or tox in a subprocess; runs with --slow or --full"
    )
    config.stash[SELECTION] = options.selection(config)
    report.clear()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    sel = metafunc.config.stash[SELECTION]
    if {"implementation", "case"} <= set(metafunc.fixturenames):
        marker = metafunc.definition.get_closest_marker("dtypes")
        only = tuple(marker.args) if marker else None
        metafunc.parametrize(("implementation", "case"), options.params(sel, only))
    elif "implementation" in metafunc.fixturenames:
        metafunc.parametrize("implementation", sel.impls, ids=[i.name for i in sel.impls])


@pytest.fixture(scope="session")
def selected_dtypes(pytestconfig: pytest.Config) -> tuple[str, ...]:
    """The dtypes --dtypes asks for."""
    return pytestconfig.stash[SELECTION].dtypes


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With --impl, only the checks of that implementation run: tests of the bundled
    packages themselves (their API, training speed, the harness's own tests) are deselected.
    Tests marked slow are skipped, with the reason, unless --slow or --full."""
    if not (config.getoption("slow") or config.getoption("full")):
        skip = pytest.mark.skip(reason="slow (starts a subprocess): run with --slow")
        for item in items:
            if item.get_closest_marker("slow"):
                item.add_marker(skip)
    if not config.stash[SELECTION].spec:
        return
    keep = [i for i in items if "implementation" in getattr(i, "fixturenames", ())]
    drop = [i for i in items if "implementation" not in getattr(i, "fixturenames", ())]
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workeroutput"):  # an xdist worker: hand the records to the controller
        config.workeroutput["parity_records"] = [dataclasses.asdict(r) for r in report.collected()]
        return
    path = config.getoption("parity_report")
    if path:
        report.write(path, report.collected())


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:  # pytest-xdist controller
    rows = getattr(node, "workeroutput", {}).get("parity_records", [])
    for record in report.from_dicts(rows):
        report.add(record)


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    if hasattr(config, "workeroutput"):
        return
    lines = report.summary_lines(report.collected())
    if lines:
        terminalreporter.section("parity: worst headroom (tolerance / error) per check")
        for line in lines:
            terminalreporter.write_line(line)
        path = config.getoption("parity_report")
        if path:
            terminalreporter.write_line(f"report written to {path}")
