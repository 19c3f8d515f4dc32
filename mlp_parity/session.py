"""The pytest session of a parity run: parametrization, the suite's collection, the report,
and the diagnosis printed last (`mlp_parity.diagnose`) when anything failed.

Registered by `mlp_parity.plugin` only when an implementation is named, so importing torch
and NumPy here costs nothing to a project that does not ask for a parity check.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import shlex
import shutil
import sys
import tempfile
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlp_parity import (
    checks,
    compare,
    diagnose,
    network_checks,
    options,
    report,
    timeouts,
    training,
)
from mlp_parity.external import ImplementationCrash

SUITE = Path(__file__).resolve().parent / "suite"
PLUGIN_NAME = "mlp_parity_session"  # what the session is registered as
HEADROOM_NOTE = (
    "(each at the element closest to its tolerance: above 1x passes, exact means no error; "
    "near 1x is expected where a correct result can reach its bound)"
)
TIP = (
    "each failure above names its tensor, element, case and rerun line; "
    "--tb=no -rf lists the failed tests one line each"
)


def suite_files(seed: bool = True, declared: bool = True) -> list[str]:
    """The suite's test modules, named one by one: a project's python_files setting does not
    apply to files given explicitly. `seed`: the seed network's (forward / backward);
    `declared`: a declared network's (`test_network*.py`)."""
    return sorted(
        str(p) for p in SUITE.glob("test_*.py") if (declared if is_declared_file(p.name) else seed)
    )


def is_declared_file(name: str) -> bool:
    """Whether a suite file holds the checks of a declared network."""
    return name.startswith("test_network")


def in_suite(item: pytest.Item) -> bool:
    return item.path.parent == SUITE


def check_of(item: pytest.Item) -> str:
    """The check a suite test runs: its name in checks.CHECKS (or network_checks.CHECKS),
    else its module's subject (properties, training)."""
    name = getattr(item, "originalname", item.name)
    check = checks.BY_TEST.get(name) or network_checks.BY_TEST.get(name)
    if check:
        return check.name
    return item.path.stem.removeprefix("test_").removeprefix("network_") or "network"


def failure_kind(exc: BaseException) -> str:
    if isinstance(exc, compare.ParityError):
        return exc.kind
    if isinstance(exc, ImplementationCrash):
        return compare.CRASH
    if isinstance(exc, training.TrajectoryMismatch):
        return compare.TRAJECTORY
    if isinstance(exc, AssertionError):
        return compare.PROPERTY
    return compare.ERROR


def failure_info(item: pytest.Item, exc: BaseException) -> dict[str, str]:
    """What failed, as data that travels with the test report (through pytest-xdist too)."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    impl, case = params.get("implementation"), params.get("case")
    message = "\n".join([str(exc), *getattr(exc, "__notes__", ())])
    kind = failure_kind(exc)
    if kind == compare.ERROR and case is not None:  # not a check's own failure: say where
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        message = (
            f"{check_of(item)} check failed: the harness raised {type(exc).__name__}: {first}"
            f"\n  case: {case.describe()}"
        )
    return {
        "check": check_of(item),
        "impl": getattr(impl, "name", ""),
        "case": getattr(case, "id", ""),
        "tensor": getattr(exc, "tensor", ""),
        "kind": kind,
        "message": message,
    }


def _limited(impl) -> types.ModuleType:
    """A stand-in for the module of `impl` whose forward and backward run under the per-call
    limit (`mlp_parity.timeouts`); everything else is the module's own."""
    module = impl.module
    stand_in = types.ModuleType(getattr(module, "__name__", impl.name), module.__doc__)

    def limited(function: str):
        def call(*args):
            try:
                return timeouts.call(getattr(module, function), args, function, impl.name)
            except timeouts.CallTimedOut as exc:
                raise ImplementationCrash(str(exc)) from None

        return call

    stand_in.forward, stand_in.backward = limited("forward"), limited("backward")
    stand_in.__getattr__ = lambda name: getattr(module, name)
    return stand_in


@contextlib.contextmanager
def hypothesis_storage(directory: str) -> Iterator[None]:
    """Hypothesis's storage (its .hypothesis/ folder) in `directory` for the block.

    With no example database (the suite's settings say database=None) Hypothesis still caches
    the constants it finds in local source files under .hypothesis/constants, in the current
    directory: the user's project. Unless HYPOTHESIS_STORAGE_DIRECTORY says where that goes,
    the property tests keep it in a temporary directory of the session.
    """
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield
        return
    from hypothesis import configuration

    before = configuration.storage_directory(intent_to_write=False).home_directory
    configuration.set_hypothesis_home_dir(directory)
    try:
        yield
    finally:
        configuration.set_hypothesis_home_dir(before)


# ---------------------------------------------------------------------- the suite's fixtures
# Module functions, not methods of ParitySession (pytest deprecates fixtures defined as
# instance methods): ParitySession registers this module beside itself.
def _selection(request: pytest.FixtureRequest) -> options.Selection:
    return request.config.pluginmanager.get_plugin(PLUGIN_NAME).selection


@pytest.fixture(scope="session")
def selected_dtypes(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """The dtypes --parity-dtypes asks for."""
    return _selection(request).dtypes


@pytest.fixture(scope="session")
def hypothesis_effort(request: pytest.FixtureRequest) -> str:
    """--parity-hypothesis: fast or thorough."""
    return _selection(request).hypothesis


class ParitySession:
    def __init__(self, config: pytest.Config) -> None:
        self.selection = options.selection(config)
        timeouts.set_limit(self.selection.timeout)
        self._add_suite(config, self.selection.impls)
        report.clear()
        self.diagnoses: dict[str, list[diagnose.Diagnosis]] = {}
        self._scratch: str | None = None  # Hypothesis's storage, made when first needed
        config.pluginmanager.register(sys.modules[__name__], "mlp_parity_fixtures")

    def scratch(self) -> str:
        if self._scratch is None:
            self._scratch = tempfile.mkdtemp(prefix="mlp-parity-hypothesis-")
        return self._scratch

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        timeouts.set_limit(timeouts.DEFAULT)
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    @staticmethod
    def _add_suite(config: pytest.Config, impls) -> None:
        """The suite's files the implementations need: the seed network's for forward /
        backward modules, a declared network's for the others."""
        # (pytest-xdist workers too: each starts from the command line's own arguments)
        if config.args_source == pytest.Config.ArgsSource.ARGS:
            return  # explicit paths: those only
        kinds = {
            "seed": any(i.declared is None for i in impls),
            "declared": any(i.declared is not None for i in impls),
        }
        files = [f for f in suite_files(**kinds) if f not in config.args]
        if config.getoption("parity_impl"):
            config.args[:] = files
        else:
            config.args.extend(files)

    # ------------------------------------------------------------------ parametrization
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list) -> None:
        """Tests of the half of the suite no implementation of the run needs (the seed
        network's for declared modules only, and the reverse) are deselected: given the
        suite's files explicitly (`mlp-parity check`), pytest collects them all."""
        impls = self.selection.impls
        kinds = {
            True: any(i.declared is not None for i in impls),
            False: any(i.declared is None for i in impls),
        }
        drop = [i for i in items if in_suite(i) and not kinds[is_declared_file(i.path.name)]]
        if drop:
            items[:] = [i for i in items if i not in set(drop)]
            config.hook.pytest_deselected(items=drop)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Move what collection left (torch, Hypothesis, the test items: alive until the
        session ends) out of the garbage collector's sight. Every full collection would
        otherwise walk those millions of objects again, pytest's five at exit among them:
        about 1.5 s of a 20 s run. Objects made from here on are collected as usual."""
        gc.freeze()

    @pytest.hookimpl(tryfirst=True)
    def pytest_pycollect_makemodule(self, module_path: Path, parent) -> pytest.Module | None:
        """The suite's modules, with node ids that name their file as seen from where pytest
        was started, so that a failure line pasted there runs that test. pytest names a file
        outside the rootdir (the suite in site-packages) by nothing at all
        ("::test_backward[...]"), and `mlp-parity check`'s rootdir is the suite itself: such
        a module is given its absolute path as its id (its tests' ids follow from it)."""
        if module_path.parent != SUITE:
            return None
        config = parent.config
        try:
            default = module_path.relative_to(config.rootpath)
        except ValueError:
            default = None
        here = config.invocation_params.dir
        if default is not None and (here / default).resolve() == module_path.resolve():
            return None  # pytest's own id already names the file from here
        nodeid = module_path.resolve().as_posix()
        return pytest.Module.from_parent(parent, path=module_path, nodeid=nodeid)

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        sel = self.selection
        names = set(metafunc.fixturenames)
        declared = is_declared_file(metafunc.definition.path.name)
        impls = tuple(i for i in sel.impls if (i.declared is not None) == declared)
        if {"implementation", "case"} <= names:
            table = network_checks.BY_TEST if declared else checks.BY_TEST
            check = table.get(metafunc.function.__name__)
            only = check.dtypes if check else None
            name = check.name if check else ""
            metafunc.parametrize(("implementation", "case"), options.params(sel, only, impls, name))
        elif "implementation" in names:
            metafunc.parametrize("implementation", impls, ids=[i.name for i in impls])

    # ------------------------------------------------------------------ failures
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):
        if not in_suite(item):
            return (yield)
        if check_of(item) == "training" and "implementation" in getattr(item, "funcargs", {}):
            # the training run calls the module's functions itself: each call under the
            # limit too, through a stand-in for the module
            impl = item.funcargs["implementation"]
            item.funcargs["implementation"] = dataclasses.replace(impl, module=_limited(impl))
        if item.path.name != "test_properties.py":
            return (yield)
        with hypothesis_storage(self.scratch()):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        """A failed suite test that is not one of the CHECKS (a property, the training run)
        is recorded as a failure of its implementation too: the CHECKS record their own.
        Each suite test's report says which check it ran and, when it failed, what failed
        (as data, read by mlp_parity.api and `mlp-parity check`)."""
        rep = yield
        if in_suite(item):
            rep.parity_check = check_of(item)
        callspec = getattr(item, "callspec", None)
        impl = callspec.params.get("implementation") if callspec else None
        name = getattr(item, "originalname", item.name)
        if in_suite(item) and rep.failed and call.excinfo is not None:
            rep.parity_failure = failure_info(item, call.excinfo.value)
            message = rep.parity_failure["message"]
            if impl is not None and impl.spec and "\n  rerun: " not in message:
                case = callspec.params.get("case")
                rerun = self.rerun_line(item.name, impl.spec, case)
                rep.parity_failure["message"] += f"\n  rerun: {rerun}"
        recorded = name in checks.BY_TEST or name in network_checks.BY_TEST  # by the check
        if rep.failed and call.when == "call" and impl is not None and not recorded:
            error = call.excinfo.value if call.excinfo else None
            first = str(error).strip().splitlines()[:1] if error is not None else []
            message = f"{name} failed: {first[0] if first else type(error).__name__}"
            if impl.spec:  # the suite's test by its name, at this run's dtypes and effort
                message += f"\n  rerun: {self.rerun_line(item.name, impl.spec)}"
            kind = getattr(error, "kind", compare.VALUE)
            report.add_failure(checks.Failure(name, None, message, kind, "", impl.name))
        return rep

    def rerun_line(self, test: str, spec: str, case=None) -> str:
        """The command that reruns one suite test as this run ran it: on its case (as
        compare.Where.rerun says it), or, for a test that is not per case (a property, the
        training run), at this run's dtypes and effort."""
        sel = self.selection
        if case is not None:
            return (
                f'pytest -k "{test}" --parity-impl={shlex.quote(spec)} '
                f"--parity-seeds={case.seed} --parity-dtypes={case.dtype} "
                f"--parity-devices={case.device}"
            )
        return (
            f'pytest -k "{test}" --parity-impl={shlex.quote(spec)} '
            f"--parity-dtypes={','.join(sel.dtypes)} --parity-hypothesis={sel.hypothesis}"
        )

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
            hung = [f for f in failed[impl.name] if timeouts.is_timeout(f.message)]
            if hung:  # its probes would wait the limit out, call after call
                first = timeouts.said(hung[0].message)
                text = f"{first} ({len(hung)} failures so); not probed further"
                location = first.split(" of ")[0]
                location = location if location in ("forward", "backward") else "contract"
                out[impl.name] = [diagnose.Diagnosis(impl.name, "crash", location, (), text)]
                continue
            try:
                if impl.declared is not None:
                    from mlp_parity import network_diagnose

                    out[impl.name] = network_diagnose.diagnose_declared(impl, failed[impl.name])
                else:
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
        if config.getoption("tbstyle", "auto") != "no":  # (mlp-parity check: its verdict)
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
            terminalreporter.write_line(HEADROOM_NOTE)
            path = config.getoption("parity_report")
            if path:
                terminalreporter.write_line(f"report written to {path}")
