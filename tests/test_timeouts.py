"""A call of the module that never returns fails its test, naming the call, after the per-call
limit (--parity-timeout, --timeout, timeout=); Ctrl-C says the run was interrupted."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import pytest

from mlp_parity import api, cli, external, timeouts

ROOT = Path(__file__).resolve().parents[1]
CORRECT = (ROOT / "tests" / "mutants" / "_correct.py").read_text()

# forward loops for ever on the shape (5, 1) only (the preflight's case is (2, 3))
HANGS_ON_D5 = CORRECT.replace(
    "def forward(x, W1, b1, W2, b2):\n",
    "def forward(x, W1, b1, W2, b2):\n    while x.shape[0] == 5:\n        pass\n",
)
# forward loops for ever at float32 (the preflight's case is float64; training is float32)
HANGS_AT_FLOAT32 = CORRECT.replace(
    "def forward(x, W1, b1, W2, b2):\n",
    "def forward(x, W1, b1, W2, b2):\n    while x.dtype == torch.float32:\n        pass\n",
)
# the user presses Ctrl-C while the shape (5, 1) is being checked
INTERRUPTED_ON_D5 = CORRECT.replace(
    "def forward(x, W1, b1, W2, b2):\n",
    "def forward(x, W1, b1, W2, b2):\n    if x.shape[0] == 5:\n        raise KeyboardInterrupt\n",
)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, text in (
        ("hangs.py", HANGS_ON_D5),
        ("hangs32.py", HANGS_AT_FLOAT32),
        ("ctrl_c.py", INTERRUPTED_ON_D5),
    ):
        (tmp_path / name).write_text(text)
    yield tmp_path
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]


def test_a_call_past_the_limit_raises_naming_it():
    def spin():
        while True:
            pass

    with timeouts.limited(0.2):
        started = time.monotonic()
        with pytest.raises(timeouts.CallTimedOut) as info:
            timeouts.call(spin, (), "forward", "mine")
        took = time.monotonic() - started
    assert 0.2 <= took < 5, took
    assert str(info.value) == (
        "forward of mine did not return within 0.2 s (the limit on one call; "
        "--parity-timeout sets it): a loop that never ends?"
    )
    # through the harness's door, a crash of the module like any other
    module = type(sys)("spins")
    module.forward = spin
    impl = external.Implementation("spins", "torch", module)
    with timeouts.limited(0.2), pytest.raises(external.ImplementationCrash) as info:
        impl.call_native("forward")
    assert str(info.value).startswith("forward of spins did not return within 0.2 s")


def test_a_call_past_the_limit_leaves_other_threads_running_under_tracing():
    """Withdrawing an exception sent into a call (CPython's SetAsyncExc with NULL) would leave
    the interpreter signalled before Python 3.12: a thread under sys.settrace, as the threads
    check runs its calls, then spins for ever."""
    from mlp_parity import threads

    def spin():
        while True:
            pass

    with timeouts.limited(0.2), pytest.raises(timeouts.CallTimedOut):
        timeouts.call(spin, (), "forward", "mine")
    (outcome,) = threads.interleaved([lambda: sum(i for i in range(50))], limit=10)
    assert (outcome.value, outcome.error) == (1225, None)


def test_a_call_within_the_limit_leaves_nothing_behind():
    with timeouts.limited(0.05):
        for _ in range(200):
            assert timeouts.call(lambda a: a + 1, (1,), "forward", "mine") == 2
        time.sleep(0.2)  # an exception sent late would land here
    assert timeouts.call(sum, ([1, 2],), "forward", "mine") == 3


def test_a_user_except_exception_does_not_swallow_it():
    def stubborn():
        while True:
            try:
                while True:
                    pass
            except Exception:
                pass

    with timeouts.limited(0.2), pytest.raises(timeouts.CallTimedOut):
        timeouts.call(stubborn, (), "backward", "mine")


def test_the_command_fails_the_test_and_goes_on(folder, capsys):
    started = time.monotonic()
    status = cli.main(
        [
            "check",
            "hangs.py",
            "--timeout",
            "0.5",
            "--dtypes",
            "float64",
            "--seeds",
            "0",
            "--",
            "-k",
            "test_forward and (d5h1 or d2h4b1)",
        ]
    )
    out, err = capsys.readouterr()
    assert status == 1, out + err
    assert time.monotonic() - started < 60
    assert "mlp-parity: FAIL, 1 of 2 tests failed (forward)" in out
    assert (
        "forward check failed: forward of hangs did not return within 0.5 s (the limit on one "
        "call; --parity-timeout sets it): a loop that never ends?"
    ) in out
    assert "case: seed0-d5h1b1-" in out


def test_the_training_run_is_limited_too(folder):
    result = api.check(
        _load(folder, "hangs32"),
        timeout=0.5,
        dtypes="float64",
        seeds="0",
        pytest_options=["-k", "test_harness_sgd"],
    )
    assert not result.passed
    (failure,) = result.failures
    assert failure.check == "training"
    assert "forward of hangs32 did not return within 0.5 s" in failure.message


def _load(folder: Path, name: str):
    sys.path.insert(0, str(folder))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(folder))


@pytest.mark.parametrize("value", ["-1", "nan", "soon", "inf"])
def test_a_bad_limit_is_a_usage_error(folder, capsys, value):
    assert cli.main(["check", "hangs.py", "--timeout", value]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"mlp-parity: error: --timeout={value}: expected a number of seconds above 0 "
        "(0 for no limit)\n"
    )


def test_a_bad_limit_keyword_is_a_check_error(folder):
    module = _load(folder, "hangs")
    with pytest.raises(api.CheckError, match=r"^timeout='soon': expected a number of seconds"):
        api.check(module, timeout="soon")


def test_ctrl_c_says_the_run_was_interrupted(folder, capsys):
    status = cli.main(["check", "ctrl_c.py", "--dtypes", "float64", "--seeds", "0"])
    out, err = capsys.readouterr()
    assert status == 130, out + err
    assert err.startswith("mlp-parity: interrupted (Ctrl-C) after "), err
    assert err.endswith(" tests: no verdict\n") and "did not run" not in err
    with pytest.raises(KeyboardInterrupt, match="interrupted"):
        api.check(_load(folder, "ctrl_c"), dtypes="float64", seeds="0")


def test_the_limit_costs_little_per_call():
    """Every call of the module goes through the limit: its cost, the least of five rounds,
    stays far below a call's own (about 0.3 us on this repository's 2-core machine, against
    7 us for call_native of a small forward); 5 us would be a regression."""

    def per_call(seconds) -> float:
        best = math.inf
        with timeouts.limited(seconds):
            for _ in range(5):
                started = time.perf_counter()
                for _ in range(2000):
                    timeouts.call(int, (), "forward", "m")
                best = min(best, (time.perf_counter() - started) / 2000)
        return best

    assert per_call(60.0) - per_call(None) < 5e-6
