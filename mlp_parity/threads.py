"""Calls made at the same time from two threads, interleaved deterministically.

    results = interleaved([call_a, call_b])     # each call's result, or the exception it raised
    alone = [interleaved([call]) for call in (call_a, call_b)]

A function whose result depends only on its arguments gives, called from two threads at once,
what it gives called alone. One that keeps mutable state between calls (a module-level scratch
buffer written in one statement and read in a later one, a global variable) lets the other
call write it in between, and gives another result: a caller that runs two calls at once
(a data loader's threads, a server, two models trained side by side) gets wrong numbers.

Real concurrency would make such a race a matter of timing: it shows or not, by chance. Here
the threads take turns instead, one event at a time: each Python line executed (`sys.settrace`)
and each call of a builtin (`sys.setprofile`'s c_call: torch's and NumPy's C functions) hands
the turn to the other thread. So two calls of one function advance through its statements in
lockstep, and every write one makes to shared state is followed by the other's before the first
reads it back: the same interleaving on every run, a race caught deterministically.

A thread that does not take its turn within `PATIENCE` seconds is blocked on something the
other holds (a lock that makes the function thread-safe, say); the two then run freely to the
end. A call alone in `interleaved` runs in its own thread under the same tracing, so that what
is compared differs only in the other call (tracing changes no number: it may be left out
there). Nothing here knows the network.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

PATIENCE = 0.25  # seconds a thread waits for its turn before the lockstep is given up
LIMIT = 120.0  # seconds the calls may take in all before they are reported as hanging


@dataclass
class Outcome:
    value: object = None
    error: BaseException | None = None


class _Turns:
    """Whose turn it is, among threads 0..n-1 that are still running."""

    def __init__(self, n: int) -> None:
        self.cond = threading.Condition()
        self.turn = 0
        self.running = [True] * n
        self.free = False  # the lockstep given up: everyone runs

    def _next(self, i: int) -> int:
        n = len(self.running)
        for k in range(1, n + 1):
            j = (i + k) % n
            if self.running[j]:
                return j
        return i

    def wait(self, i: int) -> None:
        """Block thread i until it is its turn (or the lockstep is given up)."""
        with self.cond:
            ok = self.cond.wait_for(lambda: self.free or self.turn == i, timeout=PATIENCE)
            if not ok:
                self.free = True
                self.cond.notify_all()

    def step(self, i: int) -> None:
        """Thread i reached an event: hand the turn on, and wait for it to come back."""
        with self.cond:
            if self.free:
                return
            nxt = self._next(i)
            if nxt == i:
                return
            self.turn = nxt
            self.cond.notify_all()
            ok = self.cond.wait_for(lambda: self.free or self.turn == i, timeout=PATIENCE)
            if not ok:
                self.free = True
                self.cond.notify_all()

    def finish(self, i: int) -> None:
        with self.cond:
            self.running[i] = False
            if self.turn == i:
                self.turn = self._next(i)
            self.cond.notify_all()


def interleaved(
    calls: list[Callable[[], object]],
    traced: Callable[[str], bool] = lambda filename: True,
    limit: float = LIMIT,
) -> list[Outcome]:
    """Run every call in a thread of its own, all at once, taking turns event by event; each
    call's outcome, in order. One call: alone. `traced(filename)`:
    whether the code of a file takes turns (its lines, and the builtins it calls): the
    function's own code, not the libraries it calls into, whose internals cost turns and
    decide nothing. A call still running after `limit` seconds is left to its (daemon)
    thread and reported as a TimeoutError."""
    turns = _Turns(len(calls))
    outcomes = [Outcome() for _ in calls]
    decided: dict[str, bool] = {}

    def mine(frame) -> bool:
        name = frame.f_code.co_filename
        if name not in decided:
            decided[name] = traced(name)
        return decided[name]

    def run(i: int) -> None:
        def lines(frame, event, arg):
            if event == "line":
                turns.step(i)
            return lines

        def tracer(frame, event, arg):  # a new frame: its lines take turns if it is traced
            return lines if mine(frame) else None

        def profiler(frame, event, arg):
            if event == "c_call" and mine(frame):
                turns.step(i)

        turns.wait(i)
        sys.settrace(tracer)
        sys.setprofile(profiler)
        try:
            outcomes[i].value = calls[i]()
        except BaseException as exc:  # handed back to the caller, whatever it is
            outcomes[i].error = exc
        finally:
            sys.setprofile(None)
            sys.settrace(None)
            turns.finish(i)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for t in threads:
        t.start()
    for i, t in enumerate(threads):
        t.join(limit)
        if t.is_alive():
            outcomes[i].error = TimeoutError(f"the call did not return within {limit:g} s")
    return outcomes


def user_code(module) -> Callable[[str], bool]:
    """traced(filename) for `interleaved`: the module's own folder, and any file outside the
    interpreter's libraries (the standard library, site-packages) and this package: the
    user's code, wherever it is imported from; not torch's, NumPy's or Python's internals."""
    import os
    import sysconfig

    def folder(path: str) -> str:
        return os.path.join(os.path.realpath(path), "")

    libraries = {folder(p) for k, p in sysconfig.get_paths().items() if k in LIBRARY_PATHS}
    libraries |= {folder(p) for p in sys.path if "site-packages" in p or "dist-packages" in p}
    libraries.add(folder(os.path.dirname(os.path.dirname(__file__))) + "mlp_parity" + os.sep)
    own = getattr(module, "__file__", None)
    mine = folder(os.path.dirname(own)) if own else None

    def traced(filename: str) -> bool:
        path = os.path.realpath(filename)
        if mine and path.startswith(mine):
            return True
        if filename.startswith("<"):  # frozen modules, <string>: the interpreter's
            return False
        return not any(path.startswith(lib) for lib in libraries)

    return traced


LIBRARY_PATHS = ("stdlib", "platstdlib", "purelib", "platlib")
