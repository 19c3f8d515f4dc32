"""What the per-call limit (mlp_parity/timeouts.py) costs: `python -m tests.bench_call_limit`.

Rounds interleaved with the limit on (60 s) and off, the median and the least of each:
a no-op through `timeouts.call`; `Implementation.call_native("forward")` of the README's
module (d = 2, h = 4, float32); and the suite's training run (2 500 updates) over that module
and over the stand-in the session hands it, whose calls go through the limit.
"""

from __future__ import annotations

import statistics
import time
import types

import torch

from mlp_parity import external, session, timeouts
from mlp_parity.suite.test_training import SHORT
from mlp_parity.training import harness_loop_trainer
from tests.mutants import _correct

ROUNDS = 7


def _per_call(fn, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) / n


def _compare(label: str, fn, n: int, unit: float, name: str) -> None:
    on, off = [], []
    for _ in range(ROUNDS):
        with timeouts.limited(None):
            off.append(_per_call(fn, n))
        with timeouts.limited(60.0):
            on.append(_per_call(fn, n))
    a, b = statistics.median(off), statistics.median(on)
    print(
        f"{label}: limit off {a / unit:.2f} {name}, on {b / unit:.2f} {name}, "
        f"difference {(b - a) / unit:+.2f} {name} (least: off {min(off) / unit:.2f}, "
        f"on {min(on) / unit:.2f})"
    )


def main() -> None:
    module = types.ModuleType("my_mlp")
    module.forward, module.backward = _correct.forward, _correct.backward
    impl = external.Implementation("my_mlp", "torch", module)
    args = (torch.randn(2), torch.randn(4, 2), torch.randn(4), torch.randn(1, 4), torch.randn(1))
    _compare(
        "timeouts.call(no-op)", lambda: timeouts.call(int, (), "forward", "m"), 20000, 1e-6, "us"
    )
    _compare("call_native(forward)", lambda: impl.call_native("forward", *args), 20000, 1e-6, "us")
    plain = harness_loop_trainer(module, "torch", "my_mlp")
    stand_in = harness_loop_trainer(session._limited(impl), "torch", "my_mlp")
    on, off = [], []
    for _ in range(3):
        off.append(_per_call(lambda: plain(SHORT, 1), 1))
        on.append(_per_call(lambda: stand_in(SHORT, 1), 1))
    print(
        f"training run, {SHORT.n * SHORT.epochs} updates: the module {min(off) * 1e3:.0f} ms, "
        f"the stand-in under the limit {min(on) * 1e3:.0f} ms (least of 3 each)"
    )


if __name__ == "__main__":
    main()
