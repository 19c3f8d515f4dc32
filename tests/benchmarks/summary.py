"""Print the per-step table of a `--benchmark-json` file: python -m tests.benchmarks.summary F.

One Markdown table per benchmark group: contender, microseconds per update (mean over the
rounds), and the speed-up of impl and fused over the other contenders in that group.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict


def rows(path: str) -> dict[str, dict[str, float]]:
    with open(path) as fh:
        data = json.load(fh)
    groups: dict[str, dict[str, float]] = defaultdict(dict)
    for bench in data["benchmarks"]:
        info = bench.get("extra_info", {})
        if "us_per_step" in info:
            groups[bench["group"]][info["contender"]] = info["us_per_step"]
    return groups


def table(group: str, us: dict[str, float]) -> str:
    lines = [f"**{group}**", "", "| contender | µs per step | impl speed-up | fused speed-up |"]
    lines.append("| --- | ---: | ---: | ---: |")
    for name, t in sorted(us.items(), key=lambda kv: -kv[1]):
        ratio = {
            k: f"{t / us[k]:.3g}×" if k in us and k != name else "—" for k in ("impl", "fused")
        }
        lines.append(f"| {name} | {t:.2f} | {ratio['impl']} | {ratio['fused']} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.benchmarks.summary BENCHMARK.json", file=sys.stderr)
        return 2
    print("\n\n".join(table(g, us) for g, us in rows(argv[0]).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
