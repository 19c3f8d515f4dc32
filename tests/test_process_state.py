"""Process-wide state: every item a function may not leave changed is seen when it changes,
named, and put back; a module's call that leaves one changed fails with kind global-state,
and the planted bugs that do so fail every check that calls them, diagnosed global-state."""

from __future__ import annotations

import gc
import os
import random
import sys
import time
import timeit
import types

import numpy as np
import pytest
import torch

from mlp_parity import cases, checks, compare, diagnose, external, mutation, process_state
from mlp_parity.cases import Case, Shape

CASE = Case(0, Shape(2, 4, 8), "float64", "cpu")


def _set_printoptions():
    np.set_printoptions(precision=3)


def _chdir():
    os.chdir("/")


# (the item's name, what changes it)
CHANGERS = [
    ("torch's global random number generator", lambda: torch.manual_seed(7)),
    ("torch's global random number generator", lambda: torch.rand(1)),
    ("NumPy's global random number generator", lambda: np.random.seed(7)),  # noqa: NPY002
    ("NumPy's global random number generator", lambda: np.random.rand()),  # noqa: NPY002
    ("Python's random module", lambda: random.seed(7)),
    ("Python's random module", lambda: random.random()),
    ("torch's grad mode", lambda: torch.set_grad_enabled(False)),
    ("torch's anomaly detection", lambda: torch.set_anomaly_enabled(True)),
    ("torch's default dtype", lambda: torch.set_default_dtype(torch.float64)),
    ("torch's default device", lambda: torch.set_default_device("cpu")),
    ("torch's intra-op thread count", lambda: torch.set_num_threads(torch.get_num_threads() + 1)),
    ("torch's deterministic-algorithms mode", lambda: torch.use_deterministic_algorithms(True)),
    ("torch's float32 matmul precision", lambda: torch.set_float32_matmul_precision("medium")),
    ("torch.backends flags", lambda: setattr(torch.backends.mkldnn, "enabled", False)),
    ("torch's print options", lambda: torch.set_printoptions(precision=2)),
    ("torch's warn-always mode", lambda: torch.set_warn_always(True)),
    ("NumPy's floating-point error handling", lambda: np.seterr(all="ignore")),
    ("NumPy's print options", _set_printoptions),
    ("flush-to-zero", lambda: torch.set_flush_denormal(True)),
    ("the working directory", _chdir),
    ("the garbage collector", gc.disable),
    ("the recursion limit", lambda: sys.setrecursionlimit(sys.getrecursionlimit() + 7)),
    ("sys.stdout and sys.stderr", lambda: setattr(sys, "stdout", sys.__stderr__)),
]


@pytest.mark.parametrize(
    ("name", "change"), CHANGERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CHANGERS)]
)
def test_a_change_is_named_and_put_back(name, change):
    before = process_state.snapshot()
    try:
        change()
    finally:
        changes = process_state.restore(before)
    names = [c.item.name for c in changes]
    assert names and names[0].startswith(name), names  # (some settings move others with them)
    assert all(c.restored for c in changes)
    assert process_state.restore(before) == [], "put back exactly as it was"


def test_every_item_is_watched_on_this_torch_and_numpy():
    names = {i.name for i in process_state.ITEMS}
    for name, _ in CHANGERS:
        assert any(n.startswith(name) for n in names), name


def test_nothing_changed_costs_microseconds():
    """Taken around every call of a module: measured at 17 us on this repository's machine
    (snapshot and comparison, nothing changed); a tenth of a millisecond is a regression."""
    n = 2000
    timer = timeit.Timer(lambda: process_state.restore(process_state.snapshot()), time.thread_time)
    seconds = min(timer.repeat(3, n))  # this thread's CPU time: other jobs' load does not count
    assert seconds / n < 1e-4, f"{seconds / n * 1e6:.1f} us"


def _module(**functions) -> external.Implementation:
    module = types.ModuleType("inline")
    vars(module).update(functions)
    return external.Implementation("inline", "torch", module)


def test_a_call_that_leaves_state_changed_fails_naming_it_and_it_is_put_back():
    seed = torch.initial_seed()

    def forward(x):
        torch.manual_seed(123)
        torch.set_grad_enabled(False)
        return x

    impl = _module(forward=forward)
    with pytest.raises(external.GlobalStateChange) as info:
        impl.call_native("forward", torch.ones(2))
    text = str(info.value)
    assert text.startswith("forward of inline changed process-wide state and left it changed: ")
    assert "torch's global random number generator" in text
    assert "torch's grad mode (on -> off)" in text
    assert "the harness put it back" in text
    assert torch.is_grad_enabled() and torch.initial_seed() == seed
    with process_state.tolerated():  # the diagnosis's probes: put back, not failed
        assert torch.equal(impl.call_native("forward", torch.ones(2)), torch.ones(2))
    assert torch.is_grad_enabled()


def test_a_call_that_raises_is_a_crash_and_its_changes_are_put_back():
    def forward(x):
        np.seterr(all="ignore")
        raise ValueError("no")

    before = np.geterr()
    with pytest.raises(external.ImplementationCrash) as info:
        _module(forward=forward).call_native("forward", torch.ones(2))
    assert not isinstance(info.value, external.GlobalStateChange)
    assert np.geterr() == before


GLOBAL_STATE = [
    ("reseeds_rng", "torch's global random number generator"),
    ("python_random_seed", "Python's random module"),
    ("numpy_seterr", "NumPy's floating-point error handling"),
    ("default_dtype", "torch's default dtype (float32 -> float64)"),
    ("grad_mode_leak", "torch's grad mode (on -> off)"),
    ("flush_in_forward", "switched on flush-to-zero"),
]


@pytest.mark.parametrize(("name", "phrase"), GLOBAL_STATE, ids=[g[0] for g in GLOBAL_STATE])
def test_a_planted_bug_that_changes_process_state_fails_every_check_that_calls_it(name, phrase):
    impl = external.load(mutation.module_spec(f"tests.mutants.{name}"))
    before = process_state.snapshot()
    failures = checks.sweep(impl, [CASE])
    assert process_state.restore(before) == [], "the harness leaves the process as it was"
    assert failures and {f.kind for f in failures} == {compare.GLOBAL_STATE}, failures[:1]
    assert {"contract", "layout", "ownership", "order"} <= {f.check for f in failures}
    assert phrase in failures[0].message, failures[0].message
    first = diagnose.diagnose(impl, failures)[0]
    assert first.pattern == "global-state", first


def test_the_diagnosis_of_calls_that_all_raise_does_not_say_they_agree():
    def forward(x, W1, b1, W2, b2):
        raise RuntimeError("nope")

    impl = _module(forward=forward, backward=lambda *a: None)
    failures = checks.sweep(impl, [CASE], only=("forward",))
    found = diagnose.diagnose(impl, failures)
    assert found[0].pattern == "crash"
    assert "agree" not in found[0].where, found[0].where
    assert found[0].where.startswith("the calls raised on every one of the"), found[0].where


def test_the_case_inputs_do_not_depend_on_the_global_generators():
    """The cases draw from generators seeded by the case, never from the global ones."""
    a = cases.inputs(Case(5, Shape(2, 4, 8), "float32", "cpu"))
    before = process_state.snapshot()
    torch.manual_seed(99)
    np.random.seed(99)  # noqa: NPY002
    cases._inputs.cache_clear()
    b = cases.inputs(Case(5, Shape(2, 4, 8), "float32", "cpu"))
    process_state.restore(before)
    assert all(np.array_equal(getattr(a, n), getattr(b, n)) for n in ("X", "Y", "W1", "W2"))
