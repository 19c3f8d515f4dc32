"""Process-wide state: what a function under test may not leave changed behind it.

A caller's program lives in one process with the function it calls. Whatever that function
changes outside its arguments and results stays changed for the caller: its random numbers
(a reseeded global generator repeats them, a draw shifts them), torch's grad mode, default
dtype and device, thread count and backend flags, NumPy's error handling and print options,
the CPU's flush-to-zero mode, the working directory. None of that belongs to the function.

    before = snapshot()             # before the call
    ...                              # the call
    changes = restore(before)       # after it: what changed, each put back as it was

`snapshot` reads every item of `ITEMS` (a few microseconds in all: the harness takes one
around every call of a module, `external.Implementation.call_native`); `restore` compares and
puts back only what changed, and returns the changes (`Change`: the item, before and after),
for a failure of kind `compare.GLOBAL_STATE` that names them (`describe`). Nothing here knows
the network: any function's calls can be guarded so.

Not covered, on purpose: `os.environ` (read once, at start-up, by the libraries that use it;
copying it around every call costs more than the rest together) and `warnings.filters`
(torch adds filters when it first imports a submodule lazily, inside a correct call).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import random
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

_SUBNORMAL = np.float64(2.0**-1070)


def flushes_subnormals() -> bool:
    """Whether this thread's floating-point mode flushes subnormal numbers to zero (the CPU's
    FTZ / DAZ flags, which torch.set_flush_denormal sets, and which NumPy, torch and the
    harness's references all compute under): half of 2^-1070, a float64 subnormal, comes
    out 0. A NumPy scalar product: a fraction of a microsecond."""
    return bool(_SUBNORMAL * 0.5 == 0)


@dataclass(frozen=True)
class Item:
    """One piece of process-wide state: how to read it, put it back and show it."""

    name: str  # what the message calls it
    get: Callable[[], object]
    put: Callable[[object], None] | None  # None: it cannot be put back from Python
    show: Callable[[object], str] = repr  # a value in the message ("" : not shown)
    how: str = ""  # what usually changes it
    same: Callable[[object, object], bool] | None = None  # None: ==


@dataclass(frozen=True)
class Change:
    item: Item
    before: object
    after: object
    restored: bool

    def text(self) -> str:
        shown = (self.item.show(self.before), self.item.show(self.after))
        values = f" ({shown[0]} -> {shown[1]})" if all(shown) else ""
        how = f", {self.item.how}" if self.item.how else ""
        return f"{self.item.name}{values}{how}"


# --------------------------------------------------------------------------- the generators
def _torch_rng() -> bytes:
    return torch.random.default_generator.get_state().numpy().tobytes()


def _put_torch_rng(state: object) -> None:
    torch.set_rng_state(torch.frombuffer(bytearray(state), dtype=torch.uint8))  # type: ignore[arg-type]


_CUDA = torch.cuda.is_available()


def _cuda_rng() -> tuple | None:
    """Every CUDA device's generator, where CUDA has been initialised (reading it otherwise
    would initialise it)."""
    if not (_CUDA and torch.cuda.is_initialized()):
        return None
    return tuple(
        torch.cuda.get_rng_state(i).numpy().tobytes() for i in range(torch.cuda.device_count())
    )


def _put_cuda_rng(state: object) -> None:
    if state is None:
        return
    for i, s in enumerate(state):  # type: ignore[arg-type]
        torch.cuda.set_rng_state(torch.frombuffer(bytearray(s), dtype=torch.uint8), i)


# NumPy's legacy global generator (np.random.seed, np.random.rand, ...): its MT19937 state is
# 624 words and a position, 2 500 bytes that ctypes reads in a fraction of a microsecond;
# np.random.get_state() builds a tuple with a copy of them, 25 microseconds. The fast path
# where NumPy exposes the state's address (every NumPy since 1.17), get_state() elsewhere.
_MT_BYTES = 624 * 4 + 4


def _numpy_state_address() -> int | None:
    try:
        return int(np.random.mtrand._rand._bit_generator.ctypes.state_address)
    except Exception:  # another NumPy's internals: the public path
        return None


def _numpy_rng() -> object:
    address = _numpy_state_address()
    if address is None:
        return np.random.get_state()  # noqa: NPY002 (the global generator itself)
    return ctypes.string_at(address, _MT_BYTES)


def _put_numpy_rng(state: object) -> None:
    if isinstance(state, bytes):
        address = _numpy_state_address()
        if address is not None:
            ctypes.memmove(address, state, _MT_BYTES)
            return
    np.random.set_state(state)  # type: ignore[arg-type]  # noqa: NPY002


def _same_numpy(a: object, b: object) -> bool:
    if isinstance(a, bytes) or isinstance(b, bytes):
        return a == b
    return all(
        np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y
        for x, y in zip(a, b)  # type: ignore[call-overload]
    )


# Python's random module: random.getstate() builds a tuple of 625 ints, and comparing two takes
# 20 microseconds in all. CPython's generator object is a C struct, an int index and 624
# words after the object header, and `gauss_next` is an attribute: read as bytes through
# ctypes in a fraction of a microsecond. The fast path where that layout is confirmed against
# random.getstate() at import (CPython's, for every version this package supports); the
# public one elsewhere.
_PY_MT_BYTES = 4 + 624 * 4


def _python_layout_offset() -> int | None:
    import struct

    inst = random._inst  # type: ignore[attr-defined]
    _, words, _ = random.getstate()
    for offset in (16, 24, 32):  # the object header: 16 bytes on 64-bit CPython builds
        try:
            raw = ctypes.string_at(id(inst) + offset, _PY_MT_BYTES)
        except Exception:
            return None
        index, *state = struct.unpack(f"i{624}I", raw)
        if tuple(state) == tuple(words[:-1]) and index == words[-1]:
            return offset
    return None


_PY_OFFSET = _python_layout_offset() if sys.implementation.name == "cpython" else None


def _python_rng() -> object:
    if _PY_OFFSET is None:
        return random.getstate()
    inst = random._inst  # type: ignore[attr-defined]
    return ctypes.string_at(id(inst) + _PY_OFFSET, _PY_MT_BYTES), inst.gauss_next


def _put_python_rng(state: object) -> None:
    if _PY_OFFSET is None or not isinstance(state, tuple) or not isinstance(state[0], bytes):
        random.setstate(state)  # type: ignore[arg-type]
        return
    inst = random._inst  # type: ignore[attr-defined]
    ctypes.memmove(id(inst) + _PY_OFFSET, state[0], _PY_MT_BYTES)
    inst.gauss_next = state[1]


# --------------------------------------------------------------------------- torch's modes
def _on_off(v: object) -> str:
    return "on" if v else "off"


_FLAG_GETTERS = tuple(
    getattr(torch._C, name, None)
    for name in (
        "_get_cudnn_enabled",
        "_get_cudnn_benchmark",
        "_get_cudnn_deterministic",
        "_get_cudnn_allow_tf32",
        "_get_cublas_allow_tf32",
        "_get_mkldnn_enabled",
    )
)


def _backend_flags() -> tuple:
    """torch.backends' flags, read from torch._C directly where it has the getters (the
    properties cost ten times as much)."""
    if all(_FLAG_GETTERS):
        return tuple(get() for get in _FLAG_GETTERS)  # type: ignore[misc]
    b = torch.backends
    return (
        b.cudnn.enabled,
        b.cudnn.benchmark,
        b.cudnn.deterministic,
        b.cudnn.allow_tf32,
        b.cuda.matmul.allow_tf32,
        b.mkldnn.enabled,
    )


def _put_backend_flags(v: object) -> None:
    b = torch.backends
    (
        b.cudnn.enabled,
        b.cudnn.benchmark,
        b.cudnn.deterministic,
        b.cudnn.allow_tf32,
        b.cuda.matmul.allow_tf32,
        b.mkldnn.enabled,
    ) = v  # type: ignore[misc]


def _deterministic() -> tuple[bool, bool]:
    return (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
    )


def _put_deterministic(v: object) -> None:
    mode, warn_only = v  # type: ignore[misc]
    torch.use_deterministic_algorithms(mode, warn_only=warn_only)


def _anomaly() -> tuple[bool, bool]:
    return torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled()


def _put_anomaly(v: object) -> None:
    torch.set_anomaly_enabled(*v)  # type: ignore[misc]


def _torch_print() -> dict:
    return dict(vars(torch._tensor_str.PRINT_OPTS))


def _put_torch_print(v: object) -> None:
    for name, value in v.items():  # type: ignore[attr-defined]
        setattr(torch._tensor_str.PRINT_OPTS, name, value)


def _autocast() -> bool:
    try:
        return bool(torch.is_autocast_enabled("cpu"))
    except TypeError:  # torch before 2.4: no device argument
        return bool(torch.is_autocast_cpu_enabled())


def _put_autocast(v: object) -> None:
    try:
        torch.set_autocast_enabled("cpu", bool(v))
    except TypeError:
        torch.set_autocast_cpu_enabled(bool(v))


def _default_device() -> tuple:
    """(the depth of torch's function-mode stack, the default device where a mode is
    active): torch.set_default_device enters such a mode; with none, the device is the CPU
    (torch.get_default_device, 2 microseconds, only then)."""
    depth = torch._C._len_torch_function_stack()
    return depth, (torch.get_default_device() if depth else None)


def _put_default_device(v: object) -> None:
    _, device = v  # type: ignore[misc]
    torch.set_default_device(device)


def _show_device(v: object) -> str:
    depth, device = v  # type: ignore[misc]
    return f"{device or 'cpu'}, {depth} mode{'s' if depth != 1 else ''}"


def _put_flush(v: object) -> None:
    torch.set_flush_denormal(bool(v))


def _put_gc(v: object) -> None:
    (gc.enable if v else gc.disable)()


def _put_streams(v: object) -> None:
    sys.stdout, sys.stderr = v  # type: ignore[misc]


def _streams() -> tuple:
    return sys.stdout, sys.stderr


def _names(v: object) -> str:
    return ", ".join(getattr(s, "name", type(s).__name__) for s in v)  # type: ignore[attr-defined]


FLUSH_TEXT = (
    "switched on flush-to-zero (torch.set_flush_denormal(True) or the like): subnormal "
    "numbers become 0 in the whole process, the harness's float64 references included"
)

_CANDIDATES = (
    Item(
        "torch's global random number generator",
        _torch_rng,
        _put_torch_rng,
        lambda v: "",
        "torch.manual_seed or a draw from it (torch.rand, randn, randperm, dropout)",
    ),
    Item(
        "torch's CUDA random number generators",
        _cuda_rng,
        _put_cuda_rng,
        lambda v: "",
        "torch.manual_seed or torch.cuda.manual_seed, or a draw from them",
    ),
    Item(
        "NumPy's global random number generator",
        _numpy_rng,
        _put_numpy_rng,
        lambda v: "",
        "np.random.seed or a draw from it (np.random.rand, randn, shuffle)",
        _same_numpy,
    ),
    Item(
        "Python's random module",
        _python_rng,
        _put_python_rng,
        lambda v: "",
        "random.seed or a draw from it (random.random, shuffle)",
    ),
    Item(
        "torch's grad mode",
        torch.is_grad_enabled,
        torch.set_grad_enabled,
        _on_off,
        "torch.set_grad_enabled, or torch.no_grad() entered and not left",
    ),
    Item(
        "torch's inference mode",
        torch.is_inference_mode_enabled,
        None,
        _on_off,
        "torch.inference_mode() entered and not left",
    ),
    Item("torch's anomaly detection", _anomaly, _put_anomaly, repr, "torch.set_anomaly_enabled"),
    Item(
        "torch's default dtype",
        torch.get_default_dtype,
        torch.set_default_dtype,
        lambda v: str(v).removeprefix("torch."),
        "torch.set_default_dtype",
    ),
    Item(
        "torch's default device (and torch function modes entered)",
        _default_device,
        _put_default_device,
        _show_device,
        "torch.set_default_device, or a TorchFunctionMode entered and not left",
    ),
    Item(
        "torch's intra-op thread count",
        torch.get_num_threads,
        torch.set_num_threads,
        str,
        "torch.set_num_threads",
    ),
    Item(
        "torch's deterministic-algorithms mode (mode, warn_only)",
        _deterministic,
        _put_deterministic,
        repr,
        "torch.use_deterministic_algorithms",
    ),
    Item(
        "torch's float32 matmul precision",
        torch.get_float32_matmul_precision,
        torch.set_float32_matmul_precision,
        repr,
        "torch.set_float32_matmul_precision",
    ),
    Item(
        "torch.backends flags (cudnn enabled, benchmark, deterministic, allow_tf32; "
        "cuda.matmul.allow_tf32; mkldnn enabled)",
        _backend_flags,
        _put_backend_flags,
        repr,
    ),
    Item("torch's print options", _torch_print, _put_torch_print, repr, "torch.set_printoptions"),
    Item("torch's CPU autocast", _autocast, _put_autocast, _on_off, "torch.autocast entered"),
    Item(
        "torch's warn-always mode",
        torch.is_warn_always_enabled,
        torch.set_warn_always,
        _on_off,
        "torch.set_warn_always",
    ),
    Item(
        "NumPy's floating-point error handling",
        np.geterr,
        lambda v: np.seterr(**v),  # type: ignore[arg-type]
        repr,
        "np.seterr",
    ),
    Item(
        "NumPy's print options",
        np.get_printoptions,
        lambda v: np.set_printoptions(**v),  # type: ignore[arg-type]
        lambda v: "",
        "np.set_printoptions",
    ),
    Item("flush-to-zero", flushes_subnormals, _put_flush, _on_off, FLUSH_TEXT),
    Item("the working directory", os.getcwd, os.chdir, repr, "os.chdir"),
    Item("the garbage collector", gc.isenabled, _put_gc, _on_off, "gc.disable"),
    Item("the recursion limit", sys.getrecursionlimit, sys.setrecursionlimit, str),
    Item("sys.stdout and sys.stderr", _streams, _put_streams, _names, "replaced"),
)


def _readable(item: Item) -> bool:
    try:
        item.get()
    except Exception:  # an API this torch or NumPy lacks: not watched
        return False
    return True


ITEMS: tuple[Item, ...] = tuple(i for i in _CANDIDATES if _readable(i))


_GETTERS = tuple(item.get for item in ITEMS)


def snapshot() -> tuple:
    """Every item's current value, in the order of ITEMS."""
    return tuple([get() for get in _GETTERS])


def _same(item: Item, a: object, b: object) -> bool:
    if item.same is not None:
        return item.same(a, b)
    try:
        return bool(a == b)
    except Exception:  # values that do not compare (arrays): by identity
        return a is b


def restore(before: tuple) -> list[Change]:
    """The items that differ from `before`, each put back as it was (where Python can)."""
    after = snapshot()
    try:
        if after == before:  # the usual case: one comparison of two tuples
            return []
    except Exception:  # values that do not compare as a whole (NumPy's public state)
        pass
    changes = []
    for item, was, now in zip(ITEMS, before, after):
        if _same(item, was, now):
            continue
        restored = False
        if item.put is not None:
            try:
                item.put(was)
                restored = _same(item, was, item.get())
            except Exception:
                restored = False
        changes.append(Change(item, was, now, restored))
    return changes


def describe(changes: list[Change]) -> str:
    """'changed process-wide state and left it changed: X (a -> b), ...; ...'"""
    if len(changes) == 1 and changes[0].item.name == "flush-to-zero":
        return FLUSH_TEXT  # the one change with a sentence of its own
    listed = "; ".join(c.text() for c in changes)
    lost = [c.item.name for c in changes if not c.restored]
    back = (
        f"; the harness could not put back {', '.join(lost)}"
        if lost
        else "; the harness put it back"
    )
    return (
        f"changed process-wide state and left it changed: {listed}{back}. A function must "
        "leave the process as it found it: that state is its caller's"
    )


# --------------------------------------------------------------------------- enforcement
_local = threading.local()


def enforced() -> bool:
    """Whether a change fails the call (the checks); False inside `tolerated()`."""
    return not getattr(_local, "tolerated", False)


@contextlib.contextmanager
def tolerated() -> Iterator[None]:
    """Changes are still put back after every call, but do not fail it: for the diagnosis's
    probes, which look for what else is wrong (the checks have already said this)."""
    was = getattr(_local, "tolerated", False)
    _local.tolerated = True
    try:
        yield
    finally:
        _local.tolerated = was
