"""`mlp_parity.check(forward, backward)`: the check suite, in-process, as a function call.

    result = mlp_parity.check(my_mlp.forward, my_mlp.backward)
    result.passed          # True when every check passed
    result.failures        # what failed: check, case, tensor, kind, message
    result.records         # every comparison (the --parity-report records)
    result                 # a short verdict in a terminal, a table in Jupyter

It runs the very suite that `pytest --parity-impl=MODULE` runs, through `pytest.main`, with the
same options, so the cases, tolerances and verdict are the same by construction. The two
functions are handed to the suite as a module registered under a name of its own for the
duration of the call; functions that live in an importable module (`my_mlp.forward`,
`my_mlp.backward`) are checked as that module, exactly as `--parity-impl=my_mlp` would, and
their failure messages carry rerun lines that work from the shell.

The run is isolated from the current project's pytest configuration: no ini file, conftest.py
or addopts of the project apply, and nothing is written into it (no .pytest_cache, no
.hypothesis). `mlp-parity check` (cli.py) goes through `run` below as well.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import io
import itertools
import math
import numbers
import os
import re
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

SESSION_PLUGIN = "mlp_parity_session"  # session.PLUGIN_NAME (not imported: it imports torch)
SUITE = Path(__file__).resolve().parent / "suite"
_names = itertools.count(1)

# Usage errors: pytest's exit status 4, and its "ERROR: ..." line.
USAGE = int(pytest.ExitCode.USAGE_ERROR)
INTERRUPTED = int(pytest.ExitCode.INTERRUPTED)  # Ctrl-C


class CheckError(Exception):
    """The suite could not run: a bad option, a module that cannot be loaded, a broken setup.
    The message is one line."""


@dataclasses.dataclass(frozen=True)
class Failure:
    """One failed test of the suite."""

    check: str  # forward, backward, ..., contract (checks.CHECKS), properties, training
    impl: str
    case: Any  # the cases.Case, or None for the tests that are not per case
    tensor: str  # the tensor that failed ("" when not one tensor)
    kind: str  # compare's kinds: value, shape, dtype, crash, ..., trajectory, property
    message: str  # the full message: what, where, the worst element, the rerun line
    nodeid: str

    @property
    def case_id(self) -> str:
        return self.case.id if self.case is not None else ""

    @property
    def headline(self) -> str:
        return self.message.splitlines()[0] if self.message else self.kind


@dataclasses.dataclass(frozen=True)
class CheckCount:
    check: str
    passed: int
    failed: int
    skipped: int


# A pass needs at least this share of the selected tests to have run (passed or failed, not
# skipped). The largest share a sound selection skips is a NumPy module's bfloat16 cases, a
# quarter of the per-case tests; a run that skipped more than half of what it was asked to
# check (every test on an absent device, say) has not checked what its verdict would claim.
ENOUGH = 0.5


def enough_ran(counts: Iterable) -> bool:
    """Whether enough of the selected tests ran for a verdict (`ENOUGH`); `counts`: CheckCount
    or (check, passed, failed, skipped) tuples."""
    rows = [dataclasses.astuple(c) if dataclasses.is_dataclass(c) else tuple(c) for c in counts]
    ran = sum(r[1] + r[2] for r in rows)
    return ran > 0 and ran >= ENOUGH * sum(r[1] + r[2] + r[3] for r in rows)


@dataclasses.dataclass(frozen=True)
class Result:
    """What a parity run found. `passed` is the verdict: every test that ran passed, and at
    least half of those selected ran (`ENOUGH`); the rest says why."""

    passed: bool
    target: str  # what was checked, and over which cases
    counts: tuple[CheckCount, ...]
    failures: tuple[Failure, ...]
    skips: tuple[tuple[str, tuple[str, ...], int], ...] = ()  # (reason, checks, tests)
    dtypes: tuple[str, ...] = ()  # the dtypes selected
    hypothesis: str = "fast"  # the property tests' effort
    records: tuple = ()  # report.Record, every comparison made
    diagnoses: tuple = ()  # filled by mlp_parity.diagnose, where present (see `diagnosis`)
    diagnosis_lines: tuple[str, ...] = ()
    output: str = dataclasses.field(default="", repr=False)  # pytest's own terminal output

    def __bool__(self) -> bool:
        return self.passed

    @property
    def failed_checks(self) -> list[str]:
        return [c.check for c in self.counts if c.failed]

    def first_failures(self) -> list[Failure]:
        """The first failure of each failing check, in the checks' order."""
        firsts: dict[str, Failure] = {}
        for f in self.failures:
            firsts.setdefault(f.check, f)
        return [firsts[c] for c in self.failed_checks if c in firsts]

    def verdict_lines(self, diagnosis: bool = True) -> list[str]:
        """The verdict: per check, the tests passed, failed and skipped; the first failure in
        full and the first of every other failing check with its rerun line; the diagnosis
        (diagnosis=False: left out, where pytest's output has just shown it)."""
        lines = [self.headline, f"  {'check':<13} {'passed':>7} {'failed':>7} {'skipped':>8}"]
        for c in self.counts:
            mark = "  FAIL" if c.failed else ""
            lines.append(f"  {c.check:<13} {c.passed:>7} {c.failed:>7} {c.skipped:>8}{mark}")
        lines += self.skip_lines()
        firsts = self.first_failures()
        if firsts:
            lines.append("first failure, in full:")
            lines += [f"  {s}" for s in firsts[0].message.splitlines()]
        if firsts[1:]:
            lines.append("first failure of each other failing check:")
        for f in firsts[1:]:
            where = f" {f.case_id}" if f.case is not None else ""
            lines.append(f"  {f.check}{where}: {f.headline}")
            rerun = [s.strip() for s in f.message.splitlines() if s.strip().startswith("rerun:")]
            lines += [f"    {s}" for s in rerun]
        if diagnosis and self.diagnosis_lines:
            lines += ["diagnosis:", *(f"  {line}" for line in self.diagnosis_lines)]
        return lines

    @property
    def headline(self) -> str:
        """PASS, FAIL or INCOMPLETE (most of the selected tests skipped), with the counts."""
        tests = sum(c.passed + c.failed for c in self.counts)
        failed = sum(c.failed for c in self.counts)
        skipped = sum(c.skipped for c in self.counts)
        if failed:
            return (
                f"mlp-parity: FAIL, {failed} of {tests} tests failed "
                f"({', '.join(self.failed_checks)}) for {self.target}"
            )
        if self.passed:
            return f"mlp-parity: PASS, every check passed ({tests} tests) for {self.target}"
        return (
            f"mlp-parity: INCOMPLETE, {skipped} of {tests + skipped} tests were skipped "
            f"({tests} ran, {tests - failed} passed): no verdict, a pass needs at least half of "
            f"the selected tests to run, for {self.target}"
        )

    def skip_lines(self) -> list[str]:
        """Why tests were skipped: one line per reason, with the checks it skipped."""
        return [
            f"skipped: {', '.join(checks)} ({n} test{'s' if n != 1 else ''}): {reason}"
            for reason, checks, n in self.skips
        ]

    def __str__(self) -> str:
        return "\n".join(self.verdict_lines())

    __repr__ = __str__

    # ------------------------------------------------------------------ in a notebook
    def _sections(self) -> list[tuple[str, str, object]]:
        """What a notebook shows, cause first: (heading, kind, content) with kind "pre"
        (lines of text), "table" ((header, rows, bold row indices)) or "text"."""
        out: list[tuple[str, str, object]] = []
        if self.diagnosis_lines:
            out.append(("The cause (diagnosis)", "pre", list(self.diagnosis_lines)))
        firsts = self.first_failures()
        if firsts:
            out.append(("First failure", "pre", firsts[0].message.splitlines()))
        rows = [[c.check, str(c.passed), str(c.failed), str(c.skipped)] for c in self.counts]
        bold = {i for i, c in enumerate(self.counts) if c.failed}
        out.append(("Per check", "table", (["check", "passed", "failed", "skipped"], rows, bold)))
        if self.skips:
            out.append(("Skipped", "pre", self.skip_lines()))
        from mlp_parity import report

        worst = report.worst_by_check(list(self.records))
        if worst:
            rows = []
            for w in worst:
                same = [r for r in self.records if r.check == w.check]
                room = "exact" if w.headroom is None else f"{w.headroom:.3g}x"
                rows.append(
                    [
                        w.check,
                        str(len(same)),
                        str(sum(not r.passed for r in same)),
                        room,
                        f"{w.tensor} {w.case}",
                    ]
                )
            out.append(("Worst headroom", "text", HEADROOM))
            header = ["check", "comparisons", "failed", "worst headroom", "where"]
            out.append(("", "table", (header, rows, set())))
        if self.failures:
            shown = self.failures[:20]
            out.append(
                (
                    f"Failures ({len(shown)} of {len(self.failures)} shown; result.failures has "
                    "every message)",
                    "table",
                    (
                        ["check", "case", "tensor", "kind", "message"],
                        [[f.check, f.case_id, f.tensor, f.kind, f.headline] for f in shown],
                        set(),
                    ),
                )
            )
        return out

    def _repr_markdown_(self) -> str:
        lines = [f"**{_md(self.headline)}**"]
        for heading, kind, content in self._sections():
            lines += ["", f"### {heading}", ""] if heading else [""]
            if kind == "pre":
                lines += ["```", *content, "```"]
            elif kind == "text":
                lines.append(_md(content))
            else:
                header, rows, bold = content
                numbers = ("passed", "failed", "skipped", "comparisons", "worst headroom")
                rule = " | ".join("---:" if h in numbers else "---" for h in header)
                lines += ["| " + " | ".join(header) + " |", f"| {rule} |"]
                for i, row in enumerate(rows):
                    cells = [_md(c) for c in row]
                    if i in bold:
                        cells[0] = f"**{cells[0]}**"
                    lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        verdict = self.headline.split(",")[0].removeprefix("mlp-parity: ")
        color = {"PASS": "#1a7f37", "FAIL": "#cf222e"}.get(verdict, "#9a6700")
        parts = [
            '<div class="mlp-parity">',
            f'<p><b style="color:{color}">{_html(self.headline)}</b></p>',
        ]
        for heading, kind, content in self._sections():
            if heading:
                parts.append(f"<h4>{_html(heading)}</h4>")
            if kind == "pre":
                parts.append(f"<pre>{_html(chr(10).join(content))}</pre>")
            elif kind == "text":
                parts.append(f"<p>{_html(content)}</p>")
            else:
                header, rows, bold = content
                cells = "".join(f"<th>{_html(h)}</th>" for h in header)
                body = []
                for i, row in enumerate(rows):
                    tds = [f"<td>{_html(c)}</td>" for c in row]
                    if i in bold:
                        tds[0] = f"<td><b>{_html(row[0])}</b></td>"
                    body.append(f"<tr>{''.join(tds)}</tr>")
                parts.append(f"<table><tr>{cells}</tr>{''.join(body)}</table>")
        parts.append("</div>")
        return "\n".join(parts)


# The worst headroom of each check, as the notebook and the README explain it.
HEADROOM = (
    "headroom = tolerance ÷ error, at the element of each check that came closest to its bound: "
    "above 1 passes, exact means no error at all. A value near 1 on a passing run is expected "
    "where a correct computation can reach its bound (db2 = f − y rounded once, at reduced "
    "precision); it does not foretell a failure."
)


def _html(text: str) -> str:
    return html.escape(str(text), quote=False)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;")


# --------------------------------------------------------------------------- the diagnosis
def diagnosis(session, failed: dict[str, int]) -> tuple[list, list[str]]:
    """The one place where `check` and `mlp-parity check` take the diagnosis: the parity
    session diagnoses each implementation with failures at its end (`mlp_parity.diagnose`);
    here, its diagnoses and their lines, for `failed` tests per implementation."""
    from mlp_parity import diagnose

    found: list = []
    lines: list[str] = []
    for name, diagnoses in session.diagnoses.items():
        found += diagnoses
        lines += diagnose.format_diagnosis(diagnoses, failed.get(name))
    return found, lines


# --------------------------------------------------------------------------- running the suite
class _Collector:
    """A pytest plugin that keeps each suite test's outcome and failure, and the records."""

    def __init__(self) -> None:
        self.outcomes: dict[str, tuple[str, str]] = {}  # nodeid -> (check, outcome)
        self.skip_reasons: dict[str, str] = {}  # nodeid -> why it was skipped
        self.failures: dict[str, dict] = {}  # nodeid -> session.failure_info(...)
        self.session = None
        self.records: list = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        check = getattr(report, "parity_check", None)
        if check is None:
            return
        if report.failed:
            self.outcomes[report.nodeid] = (check, "failed")
            info = getattr(report, "parity_failure", None)
            if info is not None:
                self.failures.setdefault(report.nodeid, info)
        elif report.when == "call" or report.skipped:
            self.outcomes.setdefault(report.nodeid, (check, report.outcome))
            if report.skipped and isinstance(report.longrepr, tuple):
                reason = str(report.longrepr[-1]).removeprefix("Skipped: ")
                self.skip_reasons.setdefault(report.nodeid, reason)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from mlp_parity import report

        self.session = session.config.pluginmanager.get_plugin(SESSION_PLUGIN)
        self.records = report.collected()


def pytest_args(
    spec: str,
    *,
    seeds: str | None = None,
    dtypes: str | None = None,
    devices: str | None = None,
    full: bool = False,
    hypothesis: str | None = None,
    report: str | None = None,
    timeout: str | float | None = None,
    quick: bool = False,
    declaration: dict | None = None,
) -> list[str]:
    """The --parity-* options of a run of the suite on `spec`; `declaration`: declaration
    keys (a declared network's), each as --parity-<key>."""
    args = [f"--parity-impl={spec}"]
    for key, value in (declaration or {}).items():
        args.append(f"--parity-{key.replace('_', '-')}={_option_value(value)}")
    for flag, value in (
        ("seeds", seeds),
        ("dtypes", dtypes),
        ("devices", devices),
        ("hypothesis", hypothesis),
        ("report", report),
        ("timeout", timeout),
    ):
        if value is not None:
            args.append(f"--parity-{flag}={value}")
    if full:
        args.append("--parity-full")
    if quick:
        args.append("--parity-quick")
    return args


def _option_value(value: object) -> str:
    """A declaration value as an option's text: a list of activations comma-separated, a
    penalty dict as its Python literal, the rest as str."""
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return repr(value)
    return str(value)


def run(
    parity_args: Sequence[str], extra: Sequence[str] = (), *, quiet: bool = True
) -> tuple[int, Result | None, str]:
    """Run the suite through pytest.main with `parity_args` (see `pytest_args`), isolated from
    the current project's pytest configuration. (pytest's exit status, the Result or None when
    nothing ran, pytest's output when `quiet`, else "" as it went to the terminal)."""
    collector = _Collector()
    args = [
        *sorted(str(p) for p in SUITE.glob("test_*.py")),
        *parity_args,
        "-c",
        str(SUITE / "parity.ini"),  # no ini file of the current project applies,
        f"--rootdir={SUITE}",
        f"--confcutdir={SUITE}",  # nor any conftest.py above the suite
        "-p",
        "no:cacheprovider",  # no .pytest_cache in the current directory,
        "-p",
        "no:benchmark",  # nor pytest-benchmark's .benchmarks, where it is installed
        "-p",
        "no:unraisableexception",  # its gc.collect() x 5 at exit takes seconds with torch
        *_without_unused_xdist(extra),
        # this package is imported before pytest starts (it is running it), so pytest cannot
        # rewrite the asserts of its plugin module: nothing to warn the user about
        "-W",
        "ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning",
        *extra,
    ]
    from mlp_parity import report  # (imports neither torch nor NumPy)

    with report.isolated():  # a parity run under way (this is called from a test) is kept
        if quiet:
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                status = int(pytest.main([*args, "-q", "-p", "no:faulthandler"], [collector]))
            output = out.getvalue()
        else:
            status = int(pytest.main(args, [collector]))
            output = ""
    if collector.session is None:
        return status, None, output
    return status, _result(collector), output


def _without_unused_xdist(extra: Sequence[str]) -> list[str]:
    """pytest-xdist left unloaded (its import costs a tenth of a second) unless pytest's own
    options ask for workers."""
    asked = any(a.startswith(("-n", "--numprocesses", "--dist", "--tx", "-d")) for a in extra)
    return [] if asked else ["-p", "no:xdist"]


def _result(collector: _Collector) -> Result:
    from mlp_parity import checks

    session = collector.session
    sel = session.selection
    case_by_id = {c.id: c for c in sel.cases}
    position = {c: i for i, c in enumerate(sel.cases)}  # the order of the parametrization
    order = [c.name for c in checks.CHECKS] + ["properties", "training"]
    tally: dict[str, dict[str, int]] = {}
    for check, outcome in collector.outcomes.values():
        tally.setdefault(check, {"passed": 0, "failed": 0, "skipped": 0})[outcome] += 1
    ranked = sorted(tally, key=lambda c: (order.index(c) if c in order else len(order), c))
    counts = tuple(CheckCount(c, **tally[c]) for c in ranked)
    failures = sorted(
        (
            Failure(
                info["check"],
                info["impl"],
                case_by_id.get(info["case"]),
                info["tensor"],
                info["kind"],
                info["message"],
                nodeid,
            )
            for nodeid, info in collector.failures.items()
        ),
        key=lambda f: (
            ranked.index(f.check) if f.check in ranked else len(ranked),
            f.impl,
            position.get(f.case, -1),
            f.nodeid,
        ),
    )
    failed: dict[str, int] = {}
    for f in failures:
        failed[f.impl] = failed.get(f.impl, 0) + 1
    diagnoses, lines = diagnosis(session, failed)
    skips: dict[str, dict[str, int]] = {}  # reason -> check -> tests
    for nodeid, reason in collector.skip_reasons.items():
        check = collector.outcomes[nodeid][0]
        per_check = skips.setdefault(reason, {})
        per_check[check] = per_check.get(check, 0) + 1
    return Result(
        passed=not any(c.failed for c in counts) and enough_ran(counts),
        target=_describe(sel),
        counts=counts,
        failures=tuple(failures),
        skips=tuple(
            (reason, tuple(sorted(per, key=ranked.index)), sum(per.values()))
            for reason, per in skips.items()
        ),
        dtypes=sel.dtypes,
        hypothesis=sel.hypothesis,
        records=tuple(collector.records),
        diagnoses=tuple(diagnoses),
        diagnosis_lines=tuple(lines),
    )


def _describe(sel) -> str:
    from mlp_parity import cases

    seeds = sorted({c.seed for c in sel.cases})
    devices = list(dict.fromkeys(c.device for c in sel.cases))
    # the dtypes checked: those selected that some implementation supports (NumPy has no
    # bfloat16); an implementation that supports fewer of them says which it left out
    checked = [d for d in sel.dtypes if any(d in i.dtypes for i in sel.impls)]
    names = []
    for i in sel.impls:
        left_out = [d for d in checked if d not in i.dtypes]
        names.append(f"{i.name} ({i.kind}{': no ' + ', '.join(left_out) if left_out else ''})")
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        seed_text = f"{seeds[0]}-{seeds[-1]}"
    else:
        seed_text = ",".join(map(str, seeds))
    grid = (
        "each declared network's architectures"  # network_cases: its depths and widths
        if sel.impls and all(i.declared for i in sel.impls)
        else f"{len(cases.SHAPES)} shapes"
    )
    return (
        f"{', '.join(names)}: {'quick: ' if sel.quick else ''}seeds {seed_text} x "
        f"{grid} x {','.join(checked)} x {','.join(devices)}"
    )


# --------------------------------------------------------------------------- the function
def _listing(value: str | Iterable | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return ",".join(str(v) for v in value)


def _module_of(forward: Callable, backward: Callable) -> types.ModuleType | None:
    """The importable module whose forward and backward these are, if any (the module that
    defines either function: one may import the other from elsewhere)."""
    for fn in (backward, forward):
        module = sys.modules.get(getattr(fn, "__module__", None) or "")
        if module is None or module.__name__ == "__main__" or module.__spec__ is None:
            continue
        if (
            getattr(module, "forward", None) is forward
            and getattr(module, "backward", None) is backward
        ):
            return module
    return None


def check(
    forward: Callable | types.ModuleType,
    backward: Callable | None = None,
    *,
    numpy: bool = False,
    dtypes: str | Iterable[str] | None = None,
    seeds: str | Iterable[int] | None = None,
    devices: str | Iterable[str] | None = None,
    full: bool = False,
    hypothesis: str | None = None,
    report: str | None = None,
    name: str | None = None,
    verbose: bool = False,
    pytest_options: Sequence[str] = (),
    timeout: float | None = None,
    quick: bool = False,
    protocol: str | None = None,
    **declaration: Any,
) -> Result:
    """Check `forward(x, W1, b1, W2, b2) -> (a1, h, f)` and
    `backward(x, y, a1, h, f, W1, W2) -> (dW1, db1, dW2, db2)` with every check of the suite.

    A declared network: `check(module)` of a module with loss_and_grads, grads or sgd_step
    (and its MLP_PARITY), or `check(function)` of one such function (named so, or with
    protocol="grads" and the like); declaration keys as keywords (hidden="tanh",
    loss="squared", ...) override the module's MLP_PARITY (`mlp_parity.declaration`).

    `check(module)` checks a module's `forward` and `backward` (and `loss`, `backward_batch`
    where it has them), as `pytest --parity-impl=MODULE` does. numpy=True: they take and return
    NumPy arrays (NumPy has no bfloat16: those cases are skipped). dtypes, seeds, devices: as
    the --parity-* options, a string ("float64,float32", "0-9", "cpu,cuda") or a list; the
    defaults are the plugin's (every dtype, seeds 0-1, cpu). full: seeds 0-99 on every device
    present. quick: the quick check after an edit: seed 0 at float64 and float32, every check
    and every shape (seeds= and dtypes= still win). hypothesis: "fast" (default) or "thorough". report: a path for the JSON records.
    name: what to call the functions in messages (default: their module's name, or
    "functions"). verbose: show pytest's own output as it runs (it is kept in
    `result.output` otherwise). pytest_options: more of pytest's options, e.g.
    ["-k", "backward and float32"] to run some of the checks only. timeout: the limit on one
    call of the module, in seconds (default 60; 0: none): a call past it fails its test.

    Raises CheckError (one line) for a bad option or a module that cannot be used.
    """
    if isinstance(pytest_options, Iterable) and not isinstance(pytest_options, (str, bytes)):
        pytest_options = list(pytest_options)
    _check_keywords(
        numpy=numpy,
        dtypes=dtypes,
        seeds=seeds,
        devices=devices,
        full=full,
        quick=quick,
        hypothesis=hypothesis,
        report=report,
        name=name,
        verbose=verbose,
        pytest_options=pytest_options,
        timeout=timeout,
    )
    _check_declaration(declaration, protocol)
    declared = _declared_target(forward, backward, protocol)
    if declared is not None:
        return _check_declared(
            declared,
            name=name,
            declaration=declaration,
            options=dict(
                seeds=_listing(seeds),
                dtypes=_listing(dtypes),
                devices=_listing(devices),
                full=full,
                hypothesis=hypothesis,
                report=None if report is None else os.fspath(report),
                timeout=timeout,
                quick=quick,
            ),
            pytest_options=pytest_options,
            verbose=verbose,
        )
    if declaration:
        raise CheckError(
            f"{next(iter(declaration))}=: declaration keys apply to a declared network "
            "(loss_and_grads, grads or sgd_step); forward and backward are the seed network's"
        )
    if isinstance(forward, types.ModuleType) and backward is None:
        module: types.ModuleType | None = forward
        if module.__name__ == "__main__" or module.__spec__ is None:
            module = None
        forward, backward = getattr(forward, "forward", None), getattr(forward, "backward", None)
    else:
        module = _module_of(forward, backward) if name is None else None
    for label, fn in (("forward", forward), ("backward", backward)):
        if not callable(fn):
            raise CheckError(
                f"check: {label} must be a function ({label}(...) -> tuple), got {fn!r:.60}"
            )
    registered = None
    if module is not None:
        target = module.__name__
    else:
        registered = target = f"_mlp_parity_functions_{next(_names)}"
        synthetic = types.ModuleType(target, "forward and backward handed to mlp_parity.check")
        synthetic.forward, synthetic.backward = forward, backward
        from mlp_parity.external import FUNCTIONS_NAME

        setattr(synthetic, FUNCTIONS_NAME, name or "functions")
        sys.modules[target] = synthetic
    spec = f"numpy:{target}" if numpy else target
    args = pytest_args(
        spec,
        seeds=_listing(seeds),
        dtypes=_listing(dtypes),
        devices=_listing(devices),
        full=full,
        hypothesis=hypothesis,
        report=None if report is None else os.fspath(report),
        timeout=timeout,
        quick=quick,
    )
    try:
        status, result, output = run(args, pytest_options, quiet=not verbose)
    finally:
        if registered is not None:
            sys.modules.pop(registered, None)
    if status == INTERRUPTED:
        ran = sum(c.passed + c.failed for c in result.counts) if result is not None else 0
        raise KeyboardInterrupt(f"mlp_parity.check: interrupted after {ran} tests: no verdict")
    if result is None or status not in (0, 1):
        error = one_line_error(status, output).removeprefix(f"--parity-impl={spec}: ")
        raise CheckError(_as_keywords(error))
    if registered is not None:  # no command loads these functions: the call reruns a failure
        head = [_called(forward, "forward"), _called(backward, "backward")]
        head += [f'name="{name}"'] * bool(name) + ["numpy=True"] * numpy + ["quick=True"] * quick
        result = with_rerun_calls(result, f"check({', '.join(head)}")
    return dataclasses.replace(result, output=output)


PROTOCOLS = ("loss_and_grads", "grads", "sgd_step")  # door.PROTOCOLS (not imported: torch)


def _check_declaration(declaration: dict, protocol: str | None) -> None:
    from mlp_parity import declaration as decl

    for key in declaration:
        if key not in decl.BY_KEY:
            import difflib

            close = difflib.get_close_matches(
                key, [*decl.BY_KEY, "dtypes", "seeds", "devices"], n=1
            )
            more = f" (did you mean {close[0]}=?)" if close else ""
            raise CheckError(
                f"{key}=: not a keyword of check{more}; the declaration keys are: {', '.join(decl.BY_KEY)}"
            )
    if protocol is not None and protocol not in PROTOCOLS:
        raise CheckError(f"protocol={protocol!r:.60}: expected one of {', '.join(PROTOCOLS)}")


def _declared_target(target, backward, protocol: str | None):
    """(module or None, function or None, protocol) for a declared network's check, or None
    where `target` is the seed's forward (and backward) or a module of them."""
    if backward is not None:
        return None
    if isinstance(target, types.ModuleType):
        if callable(getattr(target, "backward", None)):
            return None
        if any(callable(getattr(target, p, None)) for p in PROTOCOLS):
            return (target, None, None)
        return None
    if callable(target):
        name = protocol or getattr(target, "__name__", "")
        if name in PROTOCOLS:
            return (None, target, name)
        if protocol is None and not callable(backward):
            raise CheckError(
                f"check: {getattr(target, '__name__', 'the function')!s:.40} is one function: "
                f"name it (or give protocol=) one of {', '.join(PROTOCOLS)} for a declared "
                "network, or give backward as well for the seed network"
            )
    return None


def _check_declared(declared, *, name, declaration, options, pytest_options, verbose) -> Result:
    module, function, protocol = declared
    registered = None
    if module is not None and module.__name__ != "__main__" and module.__spec__ is not None:
        target = module.__name__
    else:
        registered = target = f"_mlp_parity_functions_{next(_names)}"
        synthetic = types.ModuleType(target, "functions handed to mlp_parity.check")
        if module is not None:
            synthetic.__dict__.update(
                {k: v for k, v in vars(module).items() if not k.startswith("__")}
            )
        else:
            setattr(synthetic, protocol, function)
        from mlp_parity.external import FUNCTIONS_NAME

        label = name or getattr(function, "__name__", None) or "functions"
        setattr(synthetic, FUNCTIONS_NAME, label)
        sys.modules[target] = synthetic
    args = pytest_args(target, declaration=declaration, **options)
    try:
        status, result, output = run(args, pytest_options, quiet=not verbose)
    finally:
        if registered is not None:
            sys.modules.pop(registered, None)
    if status == INTERRUPTED:
        raise KeyboardInterrupt("mlp_parity.check: interrupted: no verdict")
    if result is None or status not in (0, 1):
        error = one_line_error(status, output).removeprefix(f"--parity-impl={target}: ")
        raise CheckError(_as_keywords(error))
    return dataclasses.replace(result, output=output)


def _called(fn: Callable, default: str) -> str:
    """What a notebook calls `fn`: its name where it was defined there (or in a function),
    module.name where it lives in a module; `default` for a lambda or the like."""
    name = getattr(fn, "__name__", "")
    if not name.isidentifier():
        return default
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", name)
    if module in (None, "__main__") or "<locals>" in qualname or module not in sys.modules:
        return name
    return f"{module}.{qualname}"


def with_rerun_calls(result: Result, head: str) -> Result:
    """`result` with a rerun line on each failure that has none: the call `head...)` at that
    failure's case (or, not per case, at the run's dtypes and effort), with pytest's -k
    selecting its one test."""
    failures = []
    for f in result.failures:
        if "\n  rerun: " in f.message or "::" not in f.nodeid:
            failures.append(f)
            continue
        test = f.nodeid.rpartition("::")[2]
        if f.case is not None:
            c = f.case
            where = f'seeds="{c.seed}", dtypes="{c.dtype}", devices="{c.device}"'
        else:
            where = f'dtypes="{",".join(result.dtypes)}", hypothesis="{result.hypothesis}"'
        call = f'{head}, {where}, pytest_options=["-k", "{test}"])'
        failures.append(dataclasses.replace(f, message=f"{f.message}\n  rerun: {call}"))
    return dataclasses.replace(result, failures=tuple(failures))


def _check_keywords(**given: Any) -> None:
    """Each keyword of `check` of the type it takes, or CheckError (one line) naming it."""

    def bad(keyword: str, expected: str) -> CheckError:
        value = given[keyword]
        return CheckError(
            f"{keyword}={value!r:.60}: expected {expected}, got {type(value).__name__}"
        )

    for keyword in ("numpy", "full", "quick", "verbose"):
        if not isinstance(given[keyword], bool):
            raise bad(keyword, "True or False")
    for keyword, example in (("dtypes", "float64,float32"), ("devices", "cpu,cuda")):
        value = given[keyword]
        if value is None or isinstance(value, str):
            continue
        if not isinstance(value, Iterable) or isinstance(value, bytes):
            raise bad(keyword, f'a string such as "{example}" or a list of them')
        for item in value:
            if not isinstance(item, str):
                raise CheckError(
                    f"{keyword}={value!r:.60}: expected names, got {type(item).__name__} {item!r}"
                )
    seeds = given["seeds"]
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        raise CheckError(
            f'seeds={seeds}: expected a string such as "0-9" or "1,5,7", or a list of seeds such '
            f"as [0, 1]; got int (seed {seeds} alone: seeds=[{seeds}])"
        )
    if seeds is not None and not isinstance(seeds, str):
        if not isinstance(seeds, Iterable) or isinstance(seeds, bytes):
            raise bad("seeds", 'a string such as "0-9" or "1,5,7", or a list of seeds')
        for item in seeds:
            if not isinstance(item, numbers.Integral) or isinstance(item, bool):
                raise CheckError(
                    f"seeds={seeds!r:.60}: expected whole numbers, got "
                    f"{type(item).__name__} {item!r}"
                )
    timeout = given["timeout"]
    if timeout is not None and (
        isinstance(timeout, bool)
        or not isinstance(timeout, numbers.Real)
        or not math.isfinite(timeout)
        or timeout < 0
    ):
        raise CheckError(
            f"timeout={timeout!r:.60}: expected a number of seconds above 0 (0 for no limit)"
        )
    if given["hypothesis"] not in (None, "fast", "thorough"):
        raise CheckError(f"hypothesis={given['hypothesis']!r:.60}: expected 'fast' or 'thorough'")
    if given["report"] is not None and not isinstance(given["report"], (str, os.PathLike)):
        raise bad("report", "a path (a string or a pathlib.Path)")
    if given["name"] is not None and not isinstance(given["name"], str):
        raise bad("name", "a string")
    options = given["pytest_options"]
    if isinstance(options, (str, bytes)) or not isinstance(options, Iterable):
        raise bad("pytest_options", 'a list of pytest\'s options, such as ["-x"]')
    if not all(isinstance(o, str) for o in options):
        raise bad("pytest_options", "a list of strings")


def _as_keywords(error: str) -> str:
    """pytest's error about an option, told with check()'s keyword: dtypes=..., not
    --parity-dtypes=..."""
    for keyword in ("seeds", "dtypes", "devices", "hypothesis", "report", "timeout"):
        error = error.replace(f"--parity-{keyword}", keyword)
    return error


def one_line_error(status: int, output: str) -> str:
    """pytest's reason for not running the suite, in one line: its "ERROR: ..." line, or for
    an option it does not know, argparse's "error: ..." line below the usage line."""
    lines = output.splitlines()
    for line in lines:
        match = re.match(r"^\S+: error: (.+)$", line.strip())
        if match:
            return f"pytest: {match.group(1).strip()}"
    for line in lines:
        if line.startswith("ERROR: "):
            return line.removeprefix("ERROR: ").strip()
    if status == int(pytest.ExitCode.NO_TESTS_COLLECTED):
        return "no test of the suite was selected"
    tail = [s for s in output.splitlines() if s.strip()][-1:] or [f"pytest exit status {status}"]
    return f"the suite did not run: {tail[0].strip()}"
