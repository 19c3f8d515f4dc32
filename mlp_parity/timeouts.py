"""A limit on each call of a module under test: a forward that loops for ever fails its test,
named, instead of hanging the run.

`call(fn, args, function, name)` runs one call under the limit (`Implementation.call_native`
goes through it). A watchdog thread, started on the first limited call, looks at the call in
progress a few times a second; one past its deadline gets an exception raised inside it
(CPython's PyThreadState_SetAsyncExc), at the next line of Python it runs, which ends the call
and becomes `CallTimedOut`, naming the call; `Implementation.call_native` raises it as an
`ImplementationCrash`, which the checks report like any crash of the module. The exception derives from BaseException, so the module's own
`except Exception` does not swallow it. A call stuck inside one long native operation (a huge
matmul) ends when that operation returns.

The cost on every call is a clock reading and a lock taken once, well under a microsecond
(`tests/test_timeouts.py` measures it); the limit is `DEFAULT` seconds unless
`--parity-timeout` (`mlp-parity check --timeout`, `mlp_parity.check(timeout=)`) says
otherwise, and 0 means none. Where the interpreter cannot raise into a thread (not CPython),
calls run unlimited.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import re
import threading
import time
from collections.abc import Callable, Iterator

DEFAULT = 60.0  # seconds: generous for any call of the suite's shapes, even in pure Python
OPTION = "--parity-timeout"

# One call is watched at a time (the harness calls the module from one thread; a call made
# while another is watched, nested or from another thread, runs under the outer one's limit).
_limit: float | None = DEFAULT
_lock = threading.Lock()
_watched: list | None = None  # the call watched: [thread, deadline]
_fired: list | None = None  # the last call an exception was sent into
_watchdog: threading.Thread | None = None

_get_ident, _monotonic = threading.get_ident, time.monotonic
_set_async_exc = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)


class CallTimedOut(AssertionError):
    """A call of the module did not return within the limit."""


class _Expired(BaseException):
    """Raised inside a call past its deadline (not an Exception: the module cannot catch it
    by accident)."""


def parse(text: str, option: str = OPTION) -> float | None:
    """A limit as given on a command line: seconds > 0, or 0 for none (None). ValueError
    (one line, naming `option`) for anything else."""
    try:
        seconds = float(text)
    except (TypeError, ValueError):
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(
            f"{option}={text}: expected a number of seconds above 0 (0 for no limit)"
        ) from None
    return seconds or None


def set_limit(seconds: float | None) -> None:
    """The limit on each call from now on (None: none)."""
    global _limit
    _limit = seconds


def limit() -> float | None:
    return _limit


@contextlib.contextmanager
def limited(seconds: float | None) -> Iterator[None]:
    """The limit for the block, the previous one restored after it."""
    before = _limit
    set_limit(seconds)
    try:
        yield
    finally:
        set_limit(before)


def describe(seconds: float) -> str:
    return f"{seconds:g} s"


def message(function: str, name: str, seconds: float) -> str:
    return (
        f"{function} of {name} did not return within {describe(seconds)} (the limit on one "
        f"call; {OPTION} sets it): a loop that never ends?"
    )


_SAID = re.compile(r"\w+ of .+? did not return within .+?" + re.escape(f"{OPTION} sets it") + ".*")


def said(text: str) -> str:
    """The sentence of a failure's message that says a call ran past its limit ("" if none)."""
    found = _SAID.search(text)
    return found.group(0) if found else ""


def is_timeout(text: str) -> bool:
    """Whether a failure's message is that of a call past its limit."""
    return bool(said(text))


def call(fn: Callable, args, function: str, name: str):
    """fn(*args) under the limit; CallTimedOut naming `function of name` past it."""
    global _watched
    seconds = _limit
    if seconds is None or _watched is not None or _set_async_exc is None:
        return fn(*args)  # no limit, or within a call already watched
    if _watchdog is None:
        _start_watchdog()
    expired = False
    try:
        # (the local first: the watchdog sees the call only once both are set)
        watched = _watched = [_get_ident(), _monotonic() + seconds]  # [thread, deadline]
        return fn(*args)
    except _Expired:
        expired = True
    finally:
        try:
            late = _release(watched)
        except _Expired:  # sent just as the call returned, raised on the way out
            late = True
            _release(watched)
        if expired or late:
            raise CallTimedOut(message(function, name, seconds)) from None


def _release(watched: list) -> bool:
    """Stop watching the call `watched`; whether an exception was sent into it. One sent but
    not raised yet is raised here and absorbed (it must not land in the harness's own code)."""
    global _watched
    _lock.acquire()
    _watched = None
    fired = _fired is watched
    _lock.release()
    if fired:
        _absorb()
    return fired


def _absorb() -> None:
    """Let an exception sent into this thread and not raised yet be raised, and drop it.

    Not withdrawn with PyThreadState_SetAsyncExc(thread, NULL): before Python 3.12 that call
    signals the whole interpreter that an exception is pending, a signal only a thread with
    one pending clears. Left set, every thread checks for it at every loop and call, and a
    thread running under sys.settrace (the threads check's) spins on it for ever."""
    try:
        for _ in range(_ABSORB_STEPS):  # each loop's jump back checks for a pending exception
            pass
    except _Expired:
        pass


_ABSORB_STEPS = 64


def _start_watchdog() -> None:
    global _watchdog
    with _lock:
        if _watchdog is None:
            _watchdog = threading.Thread(target=_watch, name="mlp-parity call limit", daemon=True)
            _watchdog.start()


def _watch() -> None:
    global _fired
    while True:
        seconds = _limit or DEFAULT
        time.sleep(min(0.25, max(0.01, seconds / 20)))
        with _lock:
            watched = _watched
            if watched is None or _monotonic() < watched[1]:
                continue
            _fired = watched
            watched[1] = _monotonic() + 1.0  # sent again a second later if the call goes on
            _set_async_exc(ctypes.c_ulong(watched[0]), ctypes.py_object(_Expired))
