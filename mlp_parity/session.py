"""The pytest session of a parity run: parametrization, the suite's collection, the report.

Registered by `mlp_parity.plugin` only when an implementation is named, so importing torch
and NumPy here costs nothing to a project that does not ask for a parity check.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mlp_parity import checks, options, report

SUITE = Path(__file__).resolve().parent / "suite"


def suite_files() -> list[str]:
    """The suite's test modules, named one by one: a project's python_files setting does not
    apply to files given explicitly."""
    return sorted(str(p) for p in SUITE.glob("test_*.py"))


class ParitySession:
    def __init__(self, config: pytest.Config) -> None:
        self.selection = options.selection(config)
        self._add_suite(config)
        report.clear()

    @staticmethod
    def _add_suite(config: pytest.Config) -> None:
        if hasattr(config, "workerinput"):  # an xdist worker: the controller's args already
            return
        if config.args_source == pytest.Config.ArgsSource.ARGS:
            return  # explicit paths: those only
        files = [f for f in suite_files() if f not in config.args]
        if config.getoption("parity_impl"):
            config.args[:] = files
        else:
            config.args.extend(files)

    # ------------------------------------------------------------------ parametrization
    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        sel = self.selection
        names = set(metafunc.fixturenames)
        if {"implementation", "case"} <= names:
            check = checks.BY_TEST.get(metafunc.function.__name__)
            only = check.dtypes if check else None
            metafunc.parametrize(("implementation", "case"), options.params(sel, only))
        elif "implementation" in names:
            metafunc.parametrize("implementation", sel.impls, ids=[i.name for i in sel.impls])

    @pytest.fixture(scope="session")
    def selected_dtypes(self) -> tuple[str, ...]:
        """The dtypes --parity-dtypes asks for."""
        return self.selection.dtypes

    @pytest.fixture(scope="session")
    def hypothesis_effort(self) -> str:
        return self.selection.hypothesis

    # ------------------------------------------------------------------ the report
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        config = session.config
        if hasattr(config, "workeroutput"):  # an xdist worker: hand the records over
            rows = [dataclasses.asdict(r) for r in report.collected()]
            config.workeroutput["parity_records"] = rows
            return
        path = config.getoption("parity_report")
        if path:
            report.write(path, report.collected())

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:  # the pytest-xdist controller
        rows = getattr(node, "workeroutput", {}).get("parity_records", [])
        for record in report.from_dicts(rows):
            report.add(record)

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config) -> None:
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
