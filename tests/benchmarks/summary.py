"""The per-step tables of a `--benchmark-json` file, and the speed gate on it.

    python -m tests.benchmarks.summary BENCHMARK.json           # Markdown: tables and ratios
    python -m tests.benchmarks.summary BENCHMARK.json --gate    # the same; exit 1 if a ratio
                                                                # falls short (one line each)

One Markdown table per benchmark group: contender, microseconds per update (mean over the
rounds), and the speed-up of impl and fused over the other contenders in that group. Then the
gate: ratios of times measured in the same run, on the same machine, in the seed group (the
notebook's run), which shared CI runners do not distort the way they distort absolute times:

    impl  >= 3x   the seed notebook's loop
    impl  >= 5x   the same loop with torch autograd
    fused >= 300x the NumPy reference loop (only where numba is installed and fused ran)
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass

SEED_GROUP = "seed: "  # the prefix of the seed group's name (tests/benchmarks)
USAGE = "usage: python -m tests.benchmarks.summary BENCHMARK.json [--gate]"


@dataclass(frozen=True)
class Gate:
    fast: str  # contender that must be faster
    slow: str  # contender it is compared with
    times: float  # the least slow / fast ratio that passes
    optional: str = ""  # why `fast` may be missing (then the gate is not applied)


GATES = (
    Gate("impl", "notebook", 3.0),
    Gate("impl", "autograd", 5.0),
    Gate("fused", "numpy-reference", 300.0, optional="numba not installed"),
)


@dataclass(frozen=True)
class Result:
    gate: Gate
    group: str
    ratio: float | None  # slow / fast time per step; None: not measured
    passed: bool
    reason: str = ""  # one line where it did not pass, or why it was not applied


def rows(path: str) -> dict[str, dict[str, float]]:
    """group -> contender -> microseconds per update."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    groups: dict[str, dict[str, float]] = defaultdict(dict)
    for bench in data["benchmarks"]:
        info = bench.get("extra_info", {})
        if "us_per_step" in info:
            groups[bench["group"]][info["contender"]] = info["us_per_step"]
    return groups


def gate(groups: dict[str, dict[str, float]]) -> list[Result]:
    """Every gate on the seed group; a missing group or required contender fails."""
    seed = next((g for g in groups if g.startswith(SEED_GROUP)), None)
    if seed is None:
        reason = (
            f"no '{SEED_GROUP}...' group in the benchmark JSON "
            "(was it run with --benchmark-enable?)"
        )
        return [Result(GATES[0], "", None, False, reason)]
    us = groups[seed]
    results = []
    for g in GATES:
        if g.fast not in us and g.optional:
            results.append(Result(g, seed, None, True, f"not run ({g.optional})"))
        elif g.fast not in us or g.slow not in us:
            missing, other = (g.slow, g.fast) if g.fast in us else (g.fast, g.slow)
            reason = f"no timing of {missing} in '{seed}' to compare {other} with"
            results.append(Result(g, seed, None, False, reason))
        else:
            ratio = us[g.slow] / us[g.fast]
            ok = ratio >= g.times
            reason = (
                ""
                if ok
                else f"{g.fast} is {ratio:.3g}× as fast as {g.slow} in '{seed}', needs ≥ {g.times:g}×"
            )
            results.append(Result(g, seed, ratio, ok, reason))
    return results


def table(group: str, us: dict[str, float]) -> str:
    lines = [f"**{group}**", "", "| contender | µs per step | impl speed-up | fused speed-up |"]
    lines.append("| --- | ---: | ---: | ---: |")
    for name, t in sorted(us.items(), key=lambda kv: -kv[1]):
        ratio = {
            k: f"{t / us[k]:.3g}×" if k in us and k != name else "—" for k in ("impl", "fused")
        }
        lines.append(f"| {name} | {t:.2f} | {ratio['impl']} | {ratio['fused']} |")
    return "\n".join(lines)


def gate_table(results: list[Result]) -> str:
    group = next((r.group for r in results if r.group), "")
    lines = [
        f"**speed gate** (ratios measured in the same run{f', {group}' if group else ''})",
        "",
        "| ratio | measured | required | result |",
        "| --- | ---: | ---: | --- |",
    ]
    for r in results:
        measured = "—" if r.ratio is None else f"{r.ratio:.3g}×"
        result = "ok" if r.passed and not r.reason else ("FAILED" if not r.passed else r.reason)
        lines.append(
            f"| {r.gate.fast} vs {r.gate.slow} | {measured} | ≥ {r.gate.times:g}× | {result} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = [a for a in argv if a != "--gate"]
    gating = len(args) < len(argv)
    if len(args) != 1 or len(argv) - len(args) > 1 or args[0].startswith("-"):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        groups = rows(args[0])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"bench summary: {args[0]}: cannot read: {exc}", file=sys.stderr)
        return 2
    results = gate(groups)
    print("\n\n".join([*(table(g, us) for g, us in groups.items()), gate_table(results)]))
    failed = [r for r in results if not r.passed]
    if gating:
        for r in failed:
            print(f"bench gate: {r.reason}", file=sys.stderr)
    return 1 if gating and failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
