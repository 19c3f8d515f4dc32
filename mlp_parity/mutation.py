"""The mutation catalogue: every planted bug through the harness, and how clearly it is caught.

    python -m mlp_parity.mutation                 # the table; exit 1 unless all are caught
    python -m mlp_parity.mutation --markdown      # the same as Markdown
    python -m mlp_parity.mutation --margins false-alarms.json --markdown
    python -m mlp_parity.mutation --catalogue tests/calibration   # bugs nobody planted here

Each module in tests/mutants/ (the correct network with one thing wrong, named in its
docstring's first line) runs through every check on a small fixed case set; each planted
training-loop bug in tests/mutants_training/ runs through the trajectory check. A mutant is
caught when at least one check fails. Its margin is the error / tolerance (1 / headroom) of
the failing comparison, the largest over its catches; "inf" where the failure is a form
(shape, dtype), a crash or a bitwise difference, which no tolerance scales.

Each module mutant is also diagnosed (`mlp_parity.diagnose`) from its failures, and the
patterns listed are set beside the ones it declares (`DIAGNOSIS`, first the one expected
first): the diagnosis is right first when the first listed is the first declared.

`--catalogue DIR` runs a calibration set instead: standalone modules written by someone who
never saw tests/mutants/, each with EXPECTED (its patterns, best first) or CORRECT = True; it
reports how many bugs are caught, how often the diagnosis's first line names an expected
pattern, and whether every correct module passes (exit 1 otherwise).

`--margins SUMMARY` adds, per check and dtype, the discrimination margin: the smallest margin
among the mutants that check catches against the largest error / tolerance any correct
implementation reached in the no-false-alarm sweep (mlp_parity/false_alarms.py).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import importlib
import json
import math
import multiprocessing
import pkgutil
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from mlp_parity import cases, checks, compare, diagnose, external
from mlp_parity.cases import Case
from mlp_parity.catalogue_text import literals, pct, render
from mlp_parity.false_alarms import ratio, run_check

SEEDS = (0, 1)  # with the seven shapes, every kink plan and every family
DTYPES = cases.DTYPES  # every dtype: some planted bugs are wrong only at half precision
# gradcheck, when it fails in fast mode, recomputes the whole Jacobian in slow mode for its
# message: half a minute per mutant for the 64 x 256 network. Beyond this many parameters the
# catalogue leaves gradcheck out (every other check still runs there).
GRADCHECK_MAX_PARAMS = 1024
TRAINING_CHECK = "trajectory"


@dataclass(frozen=True)
class Mutant:
    name: str  # "sign_db2" (tests/mutants) or "training/cached_mask" (tests/mutants_training)
    what: str  # the docstring's first line
    module: str  # the importable module
    expected: tuple[str, ...] = ()  # its DIAGNOSIS: the patterns it should get, first first
    spec: str = ""  # a --parity-impl spec that loads it, where it is not an importable module
    correct: bool = False  # a correct module (a calibration set's): it must pass every check


@dataclass
class Catch:
    """One failing check of one mutant on one case."""

    check: str
    case: str
    dtype: str
    margin: float  # error / tolerance of the failing comparison; inf for form, crash, bitwise
    message: str


@dataclass
class Result:
    mutant: Mutant
    catches: list[Catch] = field(default_factory=list)
    cases_run: int = 0
    seconds: float = 0.0
    diagnosed: list[str] = field(default_factory=list)  # the patterns listed, strongest first

    @property
    def caught(self) -> bool:
        return bool(self.catches)

    @property
    def diagnosed_first(self) -> bool:
        """The first pattern listed is the one the mutant declares first."""
        return bool(self.mutant.expected and self.diagnosed[:1] == [self.mutant.expected[0]])

    @property
    def diagnosed_among(self) -> bool:
        """The pattern the mutant declares first is among those listed."""
        return bool(self.mutant.expected and self.mutant.expected[0] in self.diagnosed)

    @property
    def checks(self) -> list[str]:
        return sorted({c.check for c in self.catches})

    @property
    def strongest(self) -> Catch | None:
        """The catch with the largest margin (inf first; gradcheck's unmeasured last)."""
        return max(
            self.catches, key=lambda c: -1.0 if math.isnan(c.margin) else c.margin, default=None
        )

    @property
    def strongest_value(self) -> Catch | None:
        """The largest finite error / tolerance: a value comparison with a non-zero bound."""
        finite = [c for c in self.catches if math.isfinite(c.margin)]
        return max(finite, key=lambda c: c.margin, default=None)


# --------------------------------------------------------------------------- the catalogue
def first_line(doc: str | None) -> str:
    """The docstring's first paragraph on one line (what is wrong)."""
    paragraph = (doc or "").strip().split("\n\n")[0]
    return " ".join(line.strip() for line in paragraph.splitlines())


def _modules(package: str) -> list[str]:
    pkg = importlib.import_module(package)
    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_"))


def catalogue() -> list[Mutant]:
    """Every planted bug: the modules of tests/mutants, then those of tests/mutants_training."""
    out = []
    for package, prefix in (("tests.mutants", ""), ("tests.mutants_training", "training/")):
        for name in _modules(package):
            module = importlib.import_module(f"{package}.{name}")
            expected = tuple(getattr(module, "DIAGNOSIS", ()))
            out.append(Mutant(prefix + name, first_line(module.__doc__), module.__name__, expected))
    return out


# Names a calibration catalogue's author gave a pattern that the diagnosis calls otherwise
# (the author saw neither the diagnosis nor its vocabulary): "order" is the diagnosis's
# "wrong-order" (outputs in another order; "order" is the name of a check).
PATTERN_ALIASES = {"order": "wrong-order"}


def catalogue_dir(folder: Path) -> list[Mutant]:
    """The modules of a calibration catalogue, a folder of standalone files (none imported
    here: their docstring and names are read from the source). Each buggy module declares
    EXPECTED (patterns, best first), each correct one CORRECT = True; FRAMEWORK = "numpy"
    marks NumPy modules."""
    import ast

    out = []
    for path in sorted(Path(folder).glob("*.py")):
        if path.name.startswith("_"):
            continue
        tree = ast.parse(path.read_text())
        names = literals(tree)
        expected = names.get("EXPECTED") or ()
        expected = (expected,) if isinstance(expected, str) else tuple(expected)
        expected = tuple(PATTERN_ALIASES.get(p, p) for p in expected)
        kind = "numpy:" if names.get("FRAMEWORK") == "numpy" else ""
        out.append(
            Mutant(
                path.stem,
                first_line(ast.get_docstring(tree)),
                path.stem,
                expected,
                spec=kind + str(path.resolve()),
                correct=bool(names.get("CORRECT", False)),
            )
        )
    return out


def module_spec(module: str) -> str:
    """The --parity-impl spec of a planted bug: `numpy:MODULE` for one that declares
    KIND = "numpy" (NumPy arrays in and out), else MODULE."""
    kind = getattr(importlib.import_module(module), "KIND", "torch")
    return f"numpy:{module}" if kind == "numpy" else module


def case_set(seeds: Iterable[int] = SEEDS, dtypes: Iterable[str] = DTYPES) -> list[Case]:
    """The cases, dtype by dtype and the cheapest first within each: a run that stops at its
    first catch rarely goes beyond float64 or reaches the 64 x 256 network. The half
    precisions follow float64: some planted bugs are wrong only there."""
    case_list = cases.make_cases(list(seeds), cases.SHAPES, tuple(dtypes), ["cpu"])
    order = {dtype: i for i, dtype in enumerate(("float64", "float16", "bfloat16", "float32"))}
    return sorted(case_list, key=lambda c: (order[c.dtype], n_params(c.shape) * c.shape.batch))


def n_params(shape: cases.Shape) -> int:
    return shape.h * shape.d + 2 * shape.h + 1


def checks_for(impl: external.Implementation, case: Case) -> list[str]:
    names = checks.applicable(impl, case)
    if n_params(case.shape) > GRADCHECK_MAX_PARAMS:
        names = [n for n in names if n != "gradcheck"]
    return names


# --------------------------------------------------------------------------- running
def catch_of(failure: checks.Failure, records) -> Catch:
    """The failing comparison's error / tolerance; inf for a failure no tolerance scales
    (compare.NOT_SCALED), NaN where the check reports no per-element error (gradcheck)."""
    failed = [ratio(r) for r in records if not r.passed]
    if failed:
        margin = max(failed)
    elif failure.kind in compare.NOT_SCALED:
        margin = math.inf
    else:
        margin = math.nan
    case = failure.case
    return Catch(failure.check, case.id, case.dtype, margin, failure.message)


def run_module_mutant(mutant: Mutant, case_list: list[Case], stop_at_first: bool) -> Result:
    """Every check on every case (or until the first check that catches it), then the
    diagnosis of the failures."""
    impl = external.load(mutant.spec or module_spec(mutant.module))
    result = Result(mutant)
    start = time.monotonic()
    failures = []
    for case in case_list:
        result.cases_run += 1
        for name in checks_for(impl, case):
            failure, records = run_check(impl, case, name)
            if failure:
                failures.append(failure)
                result.catches.append(catch_of(failure, records))
                if stop_at_first:
                    break
        if stop_at_first and result.caught:
            break
    result.diagnosed = [d.pattern for d in diagnose.diagnose(impl, failures)]
    result.seconds = time.monotonic() - start
    return result


def training_problem():
    """Small enough to run in a second, long enough for every planted loop bug (the double
    update comes every 97 steps; the cached mask needs samples on both sides of a kink)."""
    from mlp_parity.training import Problem

    return Problem(n=100, epochs=2)


def run_training_mutant(mutant: Mutant) -> Result:
    """The planted loop through the trajectory check against the float64 reference."""
    from mlp_parity.training import (
        TrajectoryMismatch,
        expect_trajectory,
        harness_loop_trainer,
        reference_run,
        to_trajectory,
    )

    problem = training_problem()
    module = importlib.import_module(mutant.module)
    start = time.monotonic()
    if hasattr(module, "reset"):
        module.reset()
    if hasattr(module, "train_trajectory"):
        X, y, params = problem.data()
        out = module.train_trajectory(
            tuple(torch.from_numpy(p) for p in params),
            torch.from_numpy(X),
            torch.from_numpy(y),
            problem.lr,
            problem.epochs,
        )
        traj = to_trajectory(mutant.name, *out)
    else:
        traj = harness_loop_trainer(module, "torch", mutant.name)(problem, 1)
    result = Result(mutant, cases_run=1)
    try:
        expect_trajectory(traj, problem)
    except TrajectoryMismatch as exc:
        ref, tol = reference_run(problem)
        margin = trajectory_margin(traj, ref, tol)
        result.catches.append(Catch(TRAINING_CHECK, problem.id, problem.dtype, margin, str(exc)))
    result.seconds = time.monotonic() - start
    return result


def trajectory_margin(traj, ref, tol) -> float:
    """The largest error / allowed over every recorded step's parameters and every epoch's
    loss (a wrong shape or a NaN: inf)."""
    thetas = np.asarray(traj.thetas, dtype=np.float64)
    if thetas.shape != ref.thetas[traj.steps].shape:
        return math.inf
    err = np.abs(thetas - ref.thetas[traj.steps])
    loss_err = np.abs(np.asarray(traj.losses, dtype=np.float64) - ref.losses)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(err > 0, err / tol.theta[traj.steps], 0.0)
        rl = np.where(loss_err > 0, loss_err / tol.loss, 0.0)
    worst = max(float(np.nanmax(r, initial=0.0)), float(np.nanmax(rl, initial=0.0)))
    return math.inf if np.isnan(r).any() or np.isnan(rl).any() else worst


def run_mutant(mutant: Mutant, case_list: list[Case], stop_at_first: bool = False) -> Result:
    if mutant.name.startswith("training/"):
        return run_training_mutant(mutant)
    return run_module_mutant(mutant, case_list, stop_at_first)


def _init_worker() -> None:
    torch.set_num_threads(1)


def run_all(
    mutants: list[Mutant], case_list: list[Case], stop_at_first: bool = False, jobs: int = 1
) -> list[Result]:
    """Every mutant, in catalogue order; `jobs` > 1 spreads them over worker processes."""
    if jobs <= 1:
        return [run_mutant(m, case_list, stop_at_first) for m in mutants]
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(jobs, ctx, initializer=_init_worker) as pool:
        futures = [pool.submit(run_mutant, m, case_list, stop_at_first) for m in mutants]
        return [f.result() for f in futures]


def correct_trajectory_worst() -> dict[str, dict]:
    """The bundled implementations' largest error / allowed on the training problem, each
    trained by the harness's SGD loop: the correct
    side of the trajectory check's margin."""
    from mlp_parity.training import harness_loop_trainer, reference_run

    problem = training_problem()
    ref, tol = reference_run(problem)
    worst = {"ratio": 0.0, "impl": "", "tensor": "theta, loss", "case": problem.id}
    for spec in ("numpy:reference", "impl"):
        impl = external.load(spec)
        name = f"harness-loop[{impl.name}]"
        m = trajectory_margin(
            harness_loop_trainer(impl.module, impl.kind, name)(problem, 1), ref, tol
        )
        if m > worst["ratio"]:
            worst |= {"ratio": m, "impl": name}
    return {f"{TRAINING_CHECK}/{problem.dtype}": worst}


def results_to_json(results: list[Result]) -> str:
    """Results as JSON (inf and NaN margins as strings), for --save / --load."""
    rows = [asdict(r) for r in results]
    for row in rows:
        for c in row["catches"]:
            c["margin"] = c["margin"] if math.isfinite(c["margin"]) else str(c["margin"])
    return json.dumps(rows, indent=1) + "\n"


def results_from_json(text: str) -> list[Result]:
    out = []
    for row in json.loads(text):
        catches = [Catch(**(c | {"margin": float(c["margin"])})) for c in row["catches"]]
        mutant = Mutant(**(row["mutant"] | {"expected": tuple(row["mutant"].get("expected", ()))}))
        diagnosed = row.get("diagnosed", [])
        out.append(Result(mutant, catches, row["cases_run"], row["seconds"], diagnosed))
    return out


# --------------------------------------------------------------------------- tables
def fmt_margin(m: float | None) -> str:
    if m is None or math.isnan(m):
        return "n/a"
    return "inf" if math.isinf(m) else f"{m:.3g}"


def diagnosis_cell(r: Result) -> str:
    """'diagnosed as / expected', marked: ok (first listed right), listed (right, not
    first), WRONG; '-' where the mutant declares nothing (the training loop's); for a
    correct module, whether it passed."""
    if r.mutant.correct:
        return "correct: passes every check (ok)" if not r.caught else "FALSE ALARM"
    if not r.mutant.expected:
        return "-"
    mark = "ok" if r.diagnosed_first else ("listed" if r.diagnosed_among else "WRONG")
    got = ", ".join(r.diagnosed) or "none"
    return f"{got} / {', '.join(r.mutant.expected)} ({mark})"


def diagnosis_summary(results: list[Result]) -> str:
    declared = [r for r in results if r.mutant.expected]
    first = sum(r.diagnosed_first for r in declared)
    among = sum(r.diagnosed_among for r in declared)
    m = len(declared)
    return (
        f"diagnosis: first-listed correct for {first} of {m}, among those listed for {among} of {m}"
    )


def calibration_summary(results: list[Result]) -> str:
    """A calibration catalogue's figures: bugs caught; for the caught, how often the first
    line of the diagnosis names one of the expected patterns, and the first of them; and
    the correct modules that pass every check."""
    bugs = [r for r in results if not r.mutant.correct]
    caught = [r for r in bugs if r.caught]
    among = sum(bool(r.diagnosed[:1]) and r.diagnosed[0] in r.mutant.expected for r in caught)
    first = sum(r.diagnosed_first for r in caught)
    correct = [r for r in results if r.mutant.correct]
    passing = [r for r in correct if not r.caught]
    return (
        f"calibration: {len(caught)} of {len(bugs)} bugs caught; the diagnosis's first line "
        f"names an expected pattern for {among} of {len(caught)} caught "
        f"({pct(among, len(caught))}), the first expected for {first} ({pct(first, len(caught))}); "
        f"correct modules passing every check: {len(passing)} of {len(correct)}"
        + (
            f" (FALSE ALARMS: {', '.join(r.mutant.name for r in correct if r.caught)})"
            if len(passing) < len(correct)
            else ""
        )
    )


def mutation_rows(results: list[Result]) -> list[list[str]]:
    rows = []
    for r in results:
        s, v = r.strongest, r.strongest_value
        rows.append(
            [
                r.mutant.name,
                r.mutant.what,
                ", ".join(r.checks) if r.caught else "NOT CAUGHT",
                fmt_margin(s.margin) if s else "-",
                f"{fmt_margin(v.margin)} ({v.check}, {v.case})" if v else "-",
                diagnosis_cell(r),
            ]
        )
    return rows


MUTATION_HEADER = [
    "mutant",
    "what is wrong",
    "caught by",
    "margin",
    "largest finite error / tol (check, case)",
    "diagnosed as / expected",
]


def _larger(a: float | None, b: float) -> float:
    """The larger margin, a measured one (not NaN) before an unmeasured one."""
    if a is None or math.isnan(a):
        return b
    return a if math.isnan(b) else max(a, b)


def _smaller(a: float | None, b: float) -> float:
    if a is None or math.isnan(a):
        return b
    return a if math.isnan(b) else min(a, b)


def margins(results: list[Result], correct_worst: dict[str, dict]) -> list[dict]:
    """Per check and dtype: the smallest margin among the mutants the check catches there
    (each mutant's largest), the largest error / tolerance of any correct implementation in
    the sweep, and their ratio, the discrimination margin (None where either side has no
    error / tolerance: gradcheck reports only pass or fail, the contract compares bitwise)."""
    per_key: dict[tuple[str, str], dict[str, float]] = {}
    for r in results:
        for c in r.catches:
            mutants = per_key.setdefault((c.check, c.dtype), {})
            mutants[r.mutant.name] = _larger(mutants.get(r.mutant.name), c.margin)
    out = []
    for (check, dtype), mutants in sorted(per_key.items()):
        weakest: float | None = None
        for m in mutants.values():
            weakest = _smaller(weakest, m)
        assert weakest is not None
        name = next(n for n, m in mutants.items() if m == weakest or math.isnan(weakest))
        others = [(m, n) for n, m in mutants.items() if n != name and not math.isnan(m)]
        runner_up = min(others, default=None)
        correct = correct_worst.get(f"{check}/{dtype}", {}).get("ratio")
        if math.isnan(weakest) or correct is None:
            disc = None
        else:
            disc = weakest / correct if correct > 0 else math.inf
        out.append(
            {
                "check": check,
                "dtype": dtype,
                "weakest_mutant": name,
                "mutant_margin": weakest,
                "correct_worst": correct,
                "discrimination": disc,
                "caught": len(mutants),
                "runner_up": f"{runner_up[1]}: {fmt_margin(runner_up[0])}" if runner_up else "-",
            }
        )
    return out


MARGIN_HEADER = [
    "check",
    "dtype",
    "mutants caught",
    "weakest catch (mutant: error / tol)",
    "correct: worst error / tol",
    "discrimination",
    "next weakest catch",
]


def margin_rows(rows: list[dict]) -> list[list[str]]:
    def f(v):
        return "n/a" if v is None else fmt_margin(v)

    return [
        [
            r["check"],
            r["dtype"],
            str(r["caught"]),
            f"{r['weakest_mutant']}: {fmt_margin(r['mutant_margin'])}",
            f(r["correct_worst"]),
            f(r["discrimination"]),
            r["runner_up"],
        ]
        for r in rows
    ]


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m mlp_parity.mutation", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--seeds", default="0-1", help="case seeds (default 0-1)")
    p.add_argument("--dtypes", default=",".join(DTYPES), help="default: all four")
    p.add_argument("--only", default="", help="comma-separated mutant names")
    p.add_argument("--markdown", action="store_true", help="print Markdown tables")
    p.add_argument("--margins", type=Path, help="a false_alarms JSON summary: add the margins")
    p.add_argument("--first", action="store_true", help="stop each mutant at its first catch")
    p.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--save", type=Path, help="write the results (every catch) as JSON")
    p.add_argument("--load", type=Path, help="read results written by --save instead of running")
    p.add_argument(
        "--catalogue",
        type=Path,
        help="a folder of standalone modules (EXPECTED or CORRECT = True each) to run instead "
        "of tests/mutants: a calibration set (tests/calibration/)",
    )
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    mutants = catalogue_dir(args.catalogue) if args.catalogue else catalogue()
    if args.only:
        wanted = set(args.only.split(","))
        mutants = [m for m in mutants if m.name in wanted]
    case_list = case_set(cases.parse_seeds(args.seeds), args.dtypes.split(","))
    start = time.monotonic()
    if args.load:
        results = results_from_json(args.load.read_text())
    else:
        results = run_all(mutants, case_list, args.first, args.jobs)
    elapsed = time.monotonic() - start
    if args.save:
        args.save.write_text(results_to_json(results))
    print(render(MUTATION_HEADER, mutation_rows(results), args.markdown))
    if args.catalogue:
        print(f"\n{calibration_summary(results)} ({args.catalogue}, in {elapsed:.1f} s)")
        bad = [r for r in results if r.caught == r.mutant.correct]
        return 1 if bad else 0
    missed = [r.mutant.name for r in results if not r.caught]
    print(
        f"\n{len(results) - len(missed)} of {len(results)} mutants caught on {len(case_list)} "
        f"cases (seeds {args.seeds}, {args.dtypes}) in {elapsed:.1f} s"
        + (f"; NOT CAUGHT: {', '.join(missed)}" if missed else "")
    )
    print(diagnosis_summary(results))
    if args.margins:
        summary = json.loads(args.margins.read_text())
        print(
            f"\nDiscrimination margins against {summary['cases']} correct cases "
            f"({summary.get('seeds_done', summary['n_seeds'])} seeds):\n"
        )
        worst = summary["worst"] | correct_trajectory_worst()
        print(render(MARGIN_HEADER, margin_rows(margins(results, worst)), args.markdown))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
