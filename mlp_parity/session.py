"""The pytest session of a parity run: parametrization, the suite's collection, the report,
and the diagnosis printed last (`mlp_parity.diagnose`) when anything failed.

Registered by `mlp_parity.plugin` only when an implementation is named, so importing torch
and NumPy here costs nothing to a project that does not ask for a parity check.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mlp_parity import checks, compare, diagnose, options, report

SUITE = Path(__file__).resolve().parent / "suite"
TIP = (
    "each failure above names its tensor, element, case and rerun line; "
    "--tb=no -rf lists the failed tests one line each"
)


def suite_files() -> list[str]:
    """The suite's test modules, named one by one: a project's python_files setting does not
    apply to files given explicitly."""
    return sorted(str(p) for p in SUITE.glob("test_*.py"))


class ParitySession:
    def __init__(self, config: pytest.Config) -> None:
        self.selection = options.selection(config)
        self._add_suite(config)
        report.clear()
        self.diagnoses: dict[str, list[diagnose.Diagnosis]] = {}

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

    # ------------------------------------------------------------------ failures
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        """A failed suite test that is not one of the CHECKS (a property, the training run)
        is recorded as a failure of its implementation too: the CHECKS record their own."""
        rep = yield
        callspec = getattr(item, "callspec", None)
        impl = callspec.params.get("implementation") if callspec else None
        name = getattr(item, "originalname", item.name)
        if rep.failed and call.when == "call" and impl is not None and name not in checks.BY_TEST:
            error = call.excinfo.value if call.excinfo else None
            first = str(error).strip().splitlines()[:1] if error is not None else []
            message = f"{name} failed: {first[0] if first else type(error).__name__}"
            kind = getattr(error, "kind", compare.VALUE)
            report.add_failure(checks.Failure(name, None, message, kind, "", impl.name))
        return rep

    # ------------------------------------------------------------------ the report
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int):
        """Outermost, so that the diagnosis prints after pytest's own summary line: the last
        thing the user sees. It is made before the report is written, which carries it."""
        config = session.config
        if hasattr(config, "workeroutput"):  # an xdist worker: hand the records over
            rows = [dataclasses.asdict(r) for r in report.collected()]
            config.workeroutput["parity_records"] = rows
            config.workeroutput["parity_failures"] = [f.to_dict() for f in report.failures()]
            return (yield)
        interrupted = exitstatus == pytest.ExitCode.INTERRUPTED
        self.diagnoses = {} if interrupted else self._diagnose()
        path = config.getoption("parity_report")
        if path:
            flat = [d for found in self.diagnoses.values() for d in found]
            report.write(path, report.collected(), flat)
        result = yield
        self._print_diagnoses(config)
        return result

    def _diagnose(self) -> dict[str, list]:
        """Each implementation with failures, diagnosed; an error of the diagnosis itself is
        shown as such (it must not hide the run's own result)."""
        failed: dict[str, list[checks.Failure]] = {}
        for f in report.failures():
            failed.setdefault(f.impl, []).append(f)
        out = {}
        for impl in self.selection.impls:
            if impl.name not in failed:
                continue
            try:
                out[impl.name] = diagnose.diagnose(impl, failed[impl.name])
            except Exception as exc:  # a bug of the harness: said, not raised
                text = f"the diagnosis itself failed: {type(exc).__name__}: {exc}"
                out[impl.name] = [diagnose.Diagnosis(impl.name, "unknown", "contract", (), text)]
        return out

    def _print_diagnoses(self, config: pytest.Config) -> None:
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        if terminal is None or not self.diagnoses:
            return
        counts: dict[str, int] = {}
        for f in report.failures():
            counts[f.impl] = counts.get(f.impl, 0) + 1
        terminal.write_sep("=", "parity diagnosis", red=True, bold=True)
        for name, found in self.diagnoses.items():
            for line in diagnose.format_diagnosis(found, counts.get(name)):
                terminal.write_line(line)
        terminal.write_line(TIP)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:  # the pytest-xdist controller
        output = getattr(node, "workeroutput", {})
        for record in report.from_dicts(output.get("parity_records", [])):
            report.add(record)
        for row in output.get("parity_failures", []):
            report.add_failure(checks.Failure.from_dict(row))

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
