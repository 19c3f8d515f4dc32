"""Declared networks through the whole check, as a user runs it: every module of a catalogue.

    python -m mlp_parity.network_catalogue                    # the three folders below
    python -m mlp_parity.network_catalogue tests/mutants_declared --markdown
    python -m mlp_parity.network_catalogue examples --jobs 2 --save results.json

Each module is checked exactly as `mlp-parity check FILE` checks it (default settings: seeds
0-1, every dtype, every check class, the properties and the training run), in a fresh process
of its own. A planted bug (tests/mutants_declared/: DIAGNOSIS, the patterns it should be
diagnosed with, the best first) is caught when the verdict is FAIL; its diagnosis is right
first when the first finding names DIAGNOSIS[0], and acceptable when it names any of them. A
correct module (CORRECT = True in tests/reformulations_declared/, and every declared example)
must PASS. Exit status 1 when a bug passes or a correct module fails.

The default folders: tests/mutants_declared, tests/reformulations_declared, examples/ (its
modules that carry an MLP_PARITY declaration) and tests/outside_declared/: code in the styles
of public hand-written backprop (CS231n, deeplearning.ai, Nielsen, Keras-style MSE, Raschka's
and Saito's books, Trask, Rashid) with realistic bugs, written by someone who never saw this harness, each module
saying its EXPECTED_VERDICT and BUG, the patterns in its LABELS.txt.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import json
import multiprocessing
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mlp_parity.catalogue_text import literals, pct, render

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = (
    "tests/mutants_declared",
    "tests/reformulations_declared",
    "examples",
    "tests/outside_declared",
)


@dataclass(frozen=True)
class Module:
    path: str
    what: str  # the docstring's first line
    expected: tuple[str, ...] = ()  # DIAGNOSIS: the patterns, best first (a planted bug)
    correct: bool = False  # CORRECT = True, or a declared example

    @property
    def name(self) -> str:
        return Path(self.path).stem

    @property
    def group(self) -> str:
        """The catalogue's family: the name's part before "__" (the declaration it varies)."""
        return self.name.split("__")[0] if "__" in self.name else Path(self.path).parent.name


@dataclass
class Outcome:
    module: Module
    passed: bool = False
    failed_checks: list[str] = field(default_factory=list)
    diagnosed: list[str] = field(default_factory=list)  # the findings' patterns, in order
    first_line: str = ""  # the diagnosis's first finding, as printed
    error: str = ""  # a run that could not be made (exit 2 and the like)
    seconds: float = 0.0

    @property
    def right(self) -> bool:
        """The verdict the module should get."""
        return not self.error and self.passed == self.module.correct

    @property
    def first_right(self) -> bool:
        return bool(self.module.expected) and self.diagnosed[:1] == [self.module.expected[0]]

    @property
    def first_acceptable(self) -> bool:
        return bool(self.diagnosed) and self.diagnosed[0] in self.module.expected


def labels(folder: Path) -> dict[str, tuple[str, ...]]:
    """A folder's LABELS.txt, where its modules' authors gave the patterns apart from the
    code: one line per module, its file name, a tab, the patterns comma-separated."""
    path = Path(folder) / "LABELS.txt"
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text().splitlines():
        if line.strip():
            name, _, patterns = line.partition("\t")
            out[name.strip()] = tuple(p.strip() for p in patterns.split(",") if p.strip())
    return out


def modules(folder: Path) -> list[Module]:
    """The declared modules of `folder`, read from their source (none imported here). The
    patterns a bug should be diagnosed with: its DIAGNOSIS, or the folder's LABELS.txt;
    correct: CORRECT = True, EXPECTED_VERDICT = "pass", or no patterns at all."""
    out = []
    given = labels(folder)
    for path in sorted(Path(folder).glob("*.py")):
        if path.name.startswith("_"):
            continue
        tree = ast.parse(path.read_text())
        names = literals(tree)
        if "MLP_PARITY" not in names:
            continue  # not a declared network (the seed's protocol: checked elsewhere)
        doc = (ast.get_docstring(tree) or "").strip().split("\n")[0]
        expected = names.get("DIAGNOSIS") or given.get(path.name, ())
        expected = (expected,) if isinstance(expected, str) else tuple(expected)
        verdict = names.get("EXPECTED_VERDICT")
        correct = bool(names.get("CORRECT", verdict == "pass" if verdict else not expected))
        out.append(Module(str(path.resolve()), doc, expected, correct))
    return out


def run_one(module: Module) -> Outcome:
    """`mlp-parity check FILE` at default settings, in this process."""
    from mlp_parity import api

    start = time.monotonic()
    out = Outcome(module)
    try:
        status, result, output = api.run(api.pytest_args(module.path))
    except Exception as exc:  # the harness's own error: said, and counted as a wrong verdict
        out.error = f"{type(exc).__name__}: {exc}"
    else:
        if result is None and status == api.USAGE:  # refused up front: the preflight's line
            out.first_line = api.one_line_error(status, output)
            out.diagnosed = preflight_patterns(out.first_line)
        elif result is None:
            out.error = api.one_line_error(status, output)
        else:
            out.passed = result.passed
            out.failed_checks = list(result.failed_checks)
            out.diagnosed = [d.pattern for d in result.diagnoses]
            out.first_line = next((line.strip() for line in result.diagnosis_lines[1:2]), "")
    out.seconds = time.monotonic() - start
    return out


def preflight_patterns(line: str) -> list[str]:
    """The patterns a preflight refusal names (it stops the run before any check, with one
    line): a form, or a declaration the module does not follow."""
    found = []
    if "(the transpose" in line:
        found.append("transposed")
    if ".shape=" in line or "gradients, expected" in line:
        found.append("shape")
    if ".dtype=" in line:
        found.append("dtype")
    return found or ["preflight"]


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)  # the jobs share the cores


def run_all(mods: list[Module], jobs: int, log=sys.stderr) -> list[Outcome]:
    """Every module in a fresh process of its own (nothing one module does to the
    interpreter reaches the next), `jobs` at a time; in the modules' order."""
    context = multiprocessing.get_context("spawn")
    kwargs = {"max_tasks_per_child": 1} if sys.version_info >= (3, 11) else {}
    results: dict[str, Outcome] = {}
    with concurrent.futures.ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_one_thread, **kwargs
    ) as pool:
        futures = {pool.submit(run_one, m): m for m in mods}
        for n, future in enumerate(concurrent.futures.as_completed(futures), 1):
            o = future.result()
            results[o.module.path] = o
            mark = "ok" if o.right else "WRONG"
            print(
                f"[{n}/{len(mods)}] {o.module.name}: {'PASS' if o.passed else 'FAIL'} "
                f"{mark} {o.diagnosed[:1]} ({o.seconds:.1f} s)",
                file=log,
                flush=True,
            )
    return [results[m.path] for m in mods]


# --------------------------------------------------------------------------- the figures
def summary(results: list[Outcome]) -> list[str]:
    bugs = [r for r in results if not r.module.correct]
    caught = [r for r in bugs if not r.passed and not r.error]
    first = sum(r.first_right for r in caught)
    acceptable = sum(r.first_acceptable for r in caught)
    correct = [r for r in results if r.module.correct]
    passing = [r for r in correct if r.passed]
    lines = [
        f"planted bugs caught: {len(caught)} of {len(bugs)}"
        + _listed(r.module.name for r in bugs if r not in caught),
        f"diagnosis's first finding: the expected first for {first} of {len(caught)} caught "
        f"({pct(first, len(caught))}), one of the expected for {acceptable} "
        f"({pct(acceptable, len(caught))})",
        f"correct modules passing: {len(passing)} of {len(correct)}"
        + _listed(r.module.name for r in correct if r not in passing),
    ]
    seconds = sorted(r.seconds for r in results)
    if seconds:
        lines.append(
            f"seconds per module: median {seconds[len(seconds) // 2]:.1f}, "
            f"largest {seconds[-1]:.1f}"
        )
    return lines


def _listed(names) -> str:
    names = list(names)
    return f" (NOT: {', '.join(names)})" if names else ""


def group_rows(results: list[Outcome]) -> list[list[str]]:
    """Per family: bugs caught, first finding right / acceptable, correct modules passing."""
    groups: dict[str, list[Outcome]] = {}
    for r in results:
        groups.setdefault(r.module.group, []).append(r)
    rows = []
    for name, rs in groups.items():
        bugs = [r for r in rs if not r.module.correct]
        caught = [r for r in bugs if not r.passed and not r.error]
        correct = [r for r in rs if r.module.correct]
        rows.append(
            [
                name,
                f"{len(caught)}/{len(bugs)}" if bugs else "-",
                f"{sum(r.first_right for r in caught)}/{len(caught)}" if caught else "-",
                f"{sum(r.first_acceptable for r in caught)}/{len(caught)}" if caught else "-",
                f"{sum(r.passed for r in correct)}/{len(correct)}" if correct else "-",
            ]
        )
    return rows


GROUP_HEADER = ["family", "bugs caught", "first right", "first acceptable", "correct pass"]


def module_rows(results: list[Outcome]) -> list[list[str]]:
    rows = []
    for r in results:
        expected = "PASS" if r.module.correct else "/".join(r.module.expected)
        got = r.error or ("PASS" if r.passed else ", ".join(r.diagnosed[:3]) or "FAIL")
        rows.append([r.module.name, expected, got, "" if r.right else "WRONG VERDICT"])
    return rows


MODULE_HEADER = ["module", "expected", "verdict / diagnosis", ""]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m mlp_parity.network_catalogue", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("folders", nargs="*", type=Path, help=f"default: {', '.join(FOLDERS)}")
    p.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--only", default="", help="comma-separated module names")
    p.add_argument("--markdown", action="store_true", help="print Markdown tables")
    p.add_argument("--modules", action="store_true", help="a row per module, not per family")
    p.add_argument("--save", type=Path, help="write the outcomes as JSON")
    p.add_argument("--load", type=Path, help="read outcomes written by --save instead")
    args = p.parse_args(argv)
    folders = args.folders or [ROOT / f for f in FOLDERS]
    mods = [m for folder in folders for m in modules(folder)]
    if args.only:
        wanted = set(args.only.split(","))
        mods = [m for m in mods if m.name in wanted]
    start = time.monotonic()
    if args.load:
        results = [_outcome(d) for d in json.loads(args.load.read_text())]
    else:
        results = run_all(mods, args.jobs)
    elapsed = time.monotonic() - start
    if args.save:
        args.save.write_text(json.dumps([asdict(r) for r in results], indent=1))
    if args.modules:
        print(render(MODULE_HEADER, module_rows(results), args.markdown))
    else:
        print(render(GROUP_HEADER, group_rows(results), args.markdown))
    print()
    for line in summary(results):
        print(line)
    if args.load:
        print(f"{len(results)} modules, read from {args.load}")
    else:
        print(
            f"{len(results)} modules from {', '.join(str(f) for f in folders)} in {elapsed:.0f} s"
        )
    counts = Counter(r.diagnosed[0] for r in results if r.diagnosed)
    print("first findings: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    return 0 if all(r.right for r in results) else 1


def _outcome(d: dict) -> Outcome:
    m = d.pop("module")
    m["expected"] = tuple(m["expected"])
    return Outcome(Module(**m), **d)


if __name__ == "__main__":
    sys.exit(main())
