"""Two calls at once: the lockstep interleaving catches a race on every run, lets a function
that locks its state through, and the threads check fails the planted modules that share
mutable state between calls, and no correct one."""

from __future__ import annotations

import threading
import time

import pytest

from mlp_parity import cases, checks, compare, diagnose, external, false_alarms, mutation, threads
from mlp_parity.cases import Case, Shape

CASES = [Case(0, Shape(2, 4, 8), dtype, "cpu") for dtype in ("float64", "float32")]
EVERY = cases.make_cases([0, 1], cases.SHAPES, ("float64", "float32"), ["cpu"])

_shared = {}


def _racy(value):
    _shared["v"] = value  # written here ...
    doubled = _shared["v"] * 2  # ... read back here
    return doubled


def test_a_race_between_two_statements_is_caught_on_every_run():
    for _ in range(20):
        a, b = threads.interleaved([lambda: _racy(1), lambda: _racy(10)])
        assert (a.value, b.value) == (20, 20), "the first call reads the second's write"
    (alone,) = threads.interleaved([lambda: _racy(1)])
    assert alone.value == 2


_lock = threading.Lock()


def _locked(value):
    with _lock:
        _shared["w"] = value
        time.sleep(0)
        return _shared["w"] * 2


def test_a_function_that_locks_its_state_passes_and_the_lockstep_gives_way():
    start = time.monotonic()
    a, b = threads.interleaved([lambda: _locked(1), lambda: _locked(10)])
    assert (a.value, b.value) == (2, 20)
    assert time.monotonic() - start < 5 * threads.PATIENCE + 2


def test_an_exception_in_a_thread_is_handed_back():
    def boom():
        raise ValueError("no")

    (out,) = threads.interleaved([boom])
    assert isinstance(out.error, ValueError)


THREAD_UNSAFE = ["scratch_da1", "numpy_scratch_forward", "global_residual"]


@pytest.mark.parametrize("name", THREAD_UNSAFE)
def test_a_module_that_shares_state_between_calls_fails_the_threads_check(name):
    impl = external.load(mutation.module_spec(f"tests.mutants.{name}"))
    failures = checks.sweep(impl, CASES)
    assert failures and {(f.check, f.kind) for f in failures} == {
        ("threads", compare.THREAD_UNSAFE)
    }, [(f.check, f.kind) for f in failures]
    assert "runs at the same time in another thread" in failures[0].message
    assert "call pattern: " in failures[0].message and " at once, " in failures[0].message
    assert diagnose.diagnose(impl, failures)[0].pattern == "stateful"
    for case in EVERY:  # deterministic: on every case, every time (where W2 = 0, da1 = 0)
        if case.family != "zero-W2":
            assert checks.sweep(impl, [case], only=("threads",)), case.id


@pytest.mark.parametrize(
    "spec", ["numpy:reference", "impl", *false_alarms.reformulation_specs()], ids=str
)
def test_correct_modules_pass_the_threads_check(spec):
    impl = external.load(spec)
    assert checks.sweep(impl, CASES, only=("threads",)) == []
