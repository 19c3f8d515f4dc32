"""No false alarms: every correct implementation passes every check on many seeds.

    python -m mlp_parity.false_alarms --seeds 0-499 --jobs 2 --out false-alarms.json
    python -m mlp_parity.false_alarms --merge seeds-0-99.json seeds-100-499.json --out all.json
    python -m mlp_parity.false_alarms --declared --seeds 0-9 --out declared.json

run from this repository's root, runs the bundled `reference` and `impl`, every module in tests/reformulations/ and the seed
notebook's functions (float64 and float32 only: at half precision its mask promotes to
float32, which the harness reports, rightly) through `checks.sweep` on every seed x shape x
dtype. `--declared` sweeps the correct declared networks instead: every example with an
MLP_PARITY declaration and every module of tests/reformulations_declared/, each over its own
architectures x families x dtypes (`network_cases`, the 1 031-wide layer at seed 0) through
every applicable check of `network_checks`. Any failure is a tolerance or case-generation bug of the harness, never the
implementation's. The summary keeps, per check and dtype, the largest error / tolerance seen
(1 / headroom), the number the mutation catalogue's margins are measured against
(`mlp_parity.mutation --margins`). Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import importlib
import json
import multiprocessing
import pkgutil
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from mlp_parity import cases, checks, external, network_cases, network_checks, report

# The seed notebook's mask `(a1 > 0).float()` promotes half-precision gradients to float32.
SEED_NOTEBOOK_DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class Target:
    """A correct implementation and the dtypes it is checked at (None: all it supports)."""

    spec: str  # "bundled:NAME" or an external.load spec
    dtypes: tuple[str, ...] | None = None


def reformulation_specs() -> list[str]:
    """Every module in tests/reformulations/, `numpy:` for those that do not import torch."""
    import tests.reformulations as pkg

    specs = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        name = f"tests.reformulations.{info.name}"
        module = importlib.import_module(name)
        specs.append(name if "torch" in vars(module) else f"numpy:{name}")
    return specs


def targets() -> list[Target]:
    return [
        Target("numpy:reference"),
        Target("impl"),
        *(Target(s) for s in reformulation_specs()),
        Target("examples.seed_notebook", SEED_NOTEBOOK_DTYPES),
    ]


DECLARED_FOLDERS = ("examples", "tests/reformulations_declared")


def declared_targets() -> list[Target]:
    """The correct declared modules: the examples that declare a network, and every
    declared reformulation."""
    from mlp_parity import network_catalogue

    root = Path(__file__).resolve().parents[1]
    mods = [m for f in DECLARED_FOLDERS for m in network_catalogue.modules(root / f)]
    return [Target(m.path) for m in mods if m.correct]


def load(spec: str) -> external.Implementation:
    return external.load(spec)


def ratio(r: report.Record) -> float:
    """error / tolerance at the worst element: 1 / headroom (0 when every error is 0)."""
    if r.headroom is None:
        return 0.0
    return float("inf") if r.headroom == 0 else 1.0 / r.headroom


@dataclass
class Outcome:
    """What one (implementation, seed) sweep saw."""

    spec: str
    seed: int
    cases: int = 0
    comparisons: int = 0
    failures: list[dict] = field(default_factory=list)
    worst: dict[str, dict] = field(default_factory=dict)  # "check/dtype" -> record summary


def run_check(
    impl: external.Implementation, case: cases.Case, name: str
) -> tuple[checks.Failure | None, list[report.Record]]:
    """One check on one case: its failure (or None) and every comparison it recorded, so
    that a record is attributed to the check that ran it (the batch comparison to vmap, the
    kink check's own backward comparison to kink)."""
    records: list[report.Record] = []
    sweep = network_checks.sweep if impl.declared else checks.sweep
    try:
        failures = sweep(impl, [case], only=(name,), records=records)
    except Exception as exc:  # the harness itself broke (a case precondition, a bug): say so
        message = f"harness error in the {name} check: {type(exc).__name__}: {exc}"
        return checks.Failure(name, case, message, "harness-error"), records
    return (failures[0] if failures else None), records


def sweep_one(spec: str, seed: int, dtypes: tuple[str, ...] | None) -> Outcome:
    """Every check on every shape x dtype of one seed for one implementation, with warnings
    as errors: as in this repository's pytest runs, and in any project that sets
    filterwarnings = error, a warning raised inside a correct module (an overflow on inputs
    the harness made, say) fails its check."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return _sweep_one(spec, seed, dtypes)


def _sweep_one(spec: str, seed: int, dtypes: tuple[str, ...] | None) -> Outcome:
    impl = load(spec)
    wanted = tuple(d for d in cases.DTYPES if d in impl.dtypes and (dtypes is None or d in dtypes))
    out = Outcome(spec, seed)
    for case in _cases(impl, seed, wanted):
        out.cases += 1
        for name in _applicable(impl, case):
            failure, records = run_check(impl, case, name)
            out.comparisons += len(records)
            if failure:
                out.failures.append({"check": name, "case": case.id, "message": failure.message})
            for r in records:
                key = f"{name}/{r.dtype}"
                if key not in out.worst or ratio(r) > out.worst[key]["ratio"]:
                    out.worst[key] = {"ratio": ratio(r), "tensor": r.tensor, "case": r.case}
                    out.worst[key]["impl"] = r.impl
    return out


def _cases(impl: external.Implementation, seed: int, dtypes: tuple[str, ...]) -> list:
    if impl.declared:
        return network_cases.make_cases(impl.declared.net, [seed], dtypes, ["cpu"])
    return cases.make_cases([seed], cases.SHAPES, dtypes, ["cpu"])


def _applicable(impl: external.Implementation, case) -> list[str]:
    if not impl.declared:
        return checks.applicable(impl, case)
    return [
        c.name
        for c in network_checks.CHECKS
        if (not c.dtypes or case.dtype in c.dtypes)
        and not network_checks.not_applicable(impl, c.name)
        and network_checks.case_applies(c.name, case)
    ]


def merge_worst(into: dict[str, dict], new: dict[str, dict]) -> None:
    for key, w in new.items():
        if key not in into or w["ratio"] > into[key]["ratio"]:
            into[key] = w


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)


def run(
    seeds: list[int], jobs: int, out: Path | None, log=sys.stderr, declared: bool = False
) -> dict:
    """Sweep every target over `seeds` (seeds outer, so a partial run covers every target).

    The summary is written to `out` each time a seed is complete, so that an interrupted run
    leaves the summary of its first `seeds_done` seeds, which `merge` can join to the rest."""
    chosen = declared_targets() if declared else targets()
    n_targets = len(chosen)
    work = [(t.spec, s, t.dtypes) for s in seeds for t in chosen]
    start = time.monotonic()
    summary = empty_summary(seeds, chosen)
    summary["declared"] = declared
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(jobs, ctx, initializer=_init_worker) as pool:
        futures = [pool.submit(sweep_one, *t) for t in work]
        for done, fut in enumerate(futures, 1):
            o = fut.result()
            summary["cases"] += o.cases
            summary["comparisons"] += o.comparisons
            summary["failures"] += [f | {"impl": o.spec} for f in o.failures]
            merge_worst(summary["worst"], o.worst)
            summary["wall_s"] = round(time.monotonic() - start, 1)
            if done % n_targets == 0:
                summary["seeds_done"] = done // n_targets
                if out:
                    out.write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
            if done % 50 == 0 or done == len(futures) or o.failures:
                print(
                    f"[{summary['wall_s']:>8.1f}s] {done}/{len(futures)} sweeps, "
                    f"{summary['cases']} cases, {len(summary['failures'])} failures",
                    file=log,
                    flush=True,
                )
    return summary


def empty_summary(seeds: list[int], chosen: list[Target] | None = None) -> dict:
    return {
        "seeds": f"{seeds[0]}-{seeds[-1]}",
        "n_seeds": len(seeds),
        "seeds_done": 0,
        "cases": 0,
        "comparisons": 0,
        "failures": [],
        "worst": {},
        "targets": [t.spec for t in (targets() if chosen is None else chosen)],
        "wall_s": 0.0,
    }


def merge(parts: list[dict]) -> dict:
    """One summary of runs over consecutive seed ranges (each run's first `seeds_done` seeds:
    an interrupted run counts up to its last complete seed), in the order given."""
    first = int(parts[0]["seeds"].split("-")[0])
    merged = empty_summary([first])
    merged["targets"] = parts[0]["targets"]
    merged["declared"] = parts[0].get("declared", False)
    for part in parts:
        lo = int(part["seeds"].split("-")[0])
        if lo != first + merged["seeds_done"]:
            raise ValueError(
                f"--merge: the run over seeds {part['seeds']} does not continue seeds "
                f"{first}-{first + merged['seeds_done'] - 1}: expected it to start at "
                f"{first + merged['seeds_done']}"
            )
        if part["targets"] != merged["targets"]:
            raise ValueError(f"--merge: the run over seeds {part['seeds']} checked other targets")
        merged["seeds_done"] += part["seeds_done"]
        for key in ("cases", "comparisons", "wall_s"):
            merged[key] += part[key]
        merged["failures"] += part["failures"]
        merge_worst(merged["worst"], part["worst"])
    merged["seeds"] = f"{first}-{first + merged['seeds_done'] - 1}"
    merged["n_seeds"] = merged["seeds_done"]
    return merged


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m mlp_parity.false_alarms", description=__doc__)
    p.add_argument("--seeds", default="0-499", help="seeds, e.g. 0-499 (default)")
    p.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--out", type=Path, default=None, help="write the JSON summary here")
    p.add_argument(
        "--declared",
        action="store_true",
        help="sweep the correct declared networks (examples, tests/reformulations_declared)",
    )
    p.add_argument(
        "--merge",
        type=Path,
        nargs="+",
        default=None,
        help="join the summaries of runs over consecutive seed ranges instead of running",
    )
    args = p.parse_args(argv)
    if args.merge:
        try:
            summary = merge([json.loads(path.read_text()) for path in args.merge])
        except ValueError as exc:
            p.error(str(exc))
        if args.out:
            args.out.write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
    else:
        summary = run(cases.parse_seeds(args.seeds), args.jobs, args.out, declared=args.declared)
    n_fail = len(summary["failures"])
    if summary.get("declared"):
        grid = "x each declaration's architectures x dtypes, and its wide layer at seed 0"
    else:
        grid = (
            f"x {len(cases.SHAPES)} shapes x dtypes, and the {len(cases.WIDE_SHAPES)} wide "
            "shapes at the first dtype"
        )
    print(
        f"{summary['cases']} cases ({summary['seeds_done']} seeds, {summary['seeds']}, {grid}, "
        f"{len(summary['targets'])} implementations), "
        f"{summary['comparisons']} comparisons, {n_fail} failures, {summary['wall_s']} s"
    )
    for f in summary["failures"][:5]:
        print(f"\n{f['impl']} {f['case']} {f['check']}:\n{f['message']}")
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
