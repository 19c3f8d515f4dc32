"""How callers hand tensors to an implementation and what they do with what comes back.

A caller rarely passes fresh contiguous tensors, and keeps what it is given:

* **Layouts.** Parameters stored transposed (column-major), samples that are strided slices of
  a larger array, everything a view into one flat buffer at a non-zero offset. `LAYOUTS`
  builds each from the harness's contiguous inputs, for torch tensors and NumPy arrays alike;
  the memory around every view holds NaN, so a module that reads outside the elements it was
  given produces NaN rather than plausible numbers.
* **Ownership.** Outputs belong to the caller: an output shares memory with no input, no
  other output and nothing the module keeps (`shares_memory` says which).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from mlp_parity.compare import bit_view

Native = object  # a torch.Tensor, a numpy.ndarray, or a Python / NumPy scalar


@dataclass(frozen=True)
class Layout:
    """One way of laying out a call's arguments in memory (values unchanged)."""

    name: str
    description: str  # what a failure message says the inputs were
    arrange: Callable[[dict[str, Native]], dict[str, Native]]


def _torch_view(a: Native) -> torch.Tensor | None:
    """a as a tensor sharing its memory (None for a scalar, which has no layout)."""
    if isinstance(a, torch.Tensor):
        return a
    if isinstance(a, np.ndarray):
        return torch.from_numpy(a)
    return None


def _like(t: torch.Tensor, original: Native) -> Native:
    """t in the kind of `original` (a NumPy array shares t's memory and keeps it alive)."""
    return t.numpy() if isinstance(original, np.ndarray) else t


def _nan_buffer(shape, like: torch.Tensor) -> torch.Tensor:
    # empty + fill_: torch.full is ten times slower for large float64 buffers
    return torch.empty(shape, dtype=like.dtype, device=like.device).fill_(float("nan"))


def _column_major(args: dict[str, Native]) -> dict[str, Native]:
    """W1 as the transpose of a contiguous (d, h) array: strides (1, h)."""
    out = dict(args)
    t = _torch_view(args["W1"])
    if t is not None:
        out["W1"] = _like(t.T.contiguous().T, args["W1"])
    return out


def _strided(args: dict[str, Native]) -> dict[str, Native]:
    """Every array the odd elements (along every axis) of a NaN buffer twice its size plus one:
    strides of 2 elements per axis, a non-zero storage offset; a 0-d one element 1 of three."""
    out = dict(args)
    for name, a in args.items():
        t = _torch_view(a)
        if t is None:
            continue
        buf = _nan_buffer([2 * n + 1 for n in t.shape] if t.dim() else [3], t)
        view = buf[(slice(1, None, 2),) * t.dim()] if t.dim() else buf[1]
        view.copy_(t)
        out[name] = _like(view, a)
    return out


def _one_buffer(args: dict[str, Native]) -> dict[str, Native]:
    """Every array a contiguous view into one flat NaN buffer, one NaN before each."""
    tensors = {n: t for n, a in args.items() if (t := _torch_view(a)) is not None}
    if not tensors:
        return dict(args)
    first = next(iter(tensors.values()))
    buf = _nan_buffer([sum(t.numel() + 1 for t in tensors.values())], first)
    out, offset = dict(args), 1
    for name, t in tensors.items():
        view = buf[offset : offset + t.numel()].view(t.shape)
        view.copy_(t)
        out[name] = _like(view, args[name])
        offset += t.numel() + 1
    return out


LAYOUTS = (
    Layout(
        "column-major",
        "W1 passed as a transposed view (column-major: strides (1, h)); the rest contiguous",
        _column_major,
    ),
    Layout(
        "strided",
        "every array passed as a strided view (every other element of a larger buffer, "
        "at a non-zero storage offset)",
        _strided,
    ),
    Layout(
        "one-buffer",
        "every array passed as a view into one flat buffer, at non-zero storage offsets",
        _one_buffer,
    ),
)


# --------------------------------------------------------------------------- ownership
def _byte_range(t: torch.Tensor) -> tuple[int, int]:
    start = t.data_ptr()
    extent = sum((n - 1) * abs(s) for n, s in zip(t.shape, t.stride())) + 1
    return start, start + extent * t.element_size()


def shares_memory(a: Native, b: Native) -> bool:
    """Do two arrays (both torch tensors, or both NumPy arrays) share an element's memory?
    Exact on the CPU (numpy.shares_memory); elsewhere, do their byte ranges overlap."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return bool(np.shares_memory(a, b))
    if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
        return False
    if a.device != b.device or a.numel() == 0 or b.numel() == 0:
        return False
    (lo_a, hi_a), (lo_b, hi_b) = _byte_range(a), _byte_range(b)
    if hi_a <= lo_b or hi_b <= lo_a:
        return False
    if a.device.type != "cpu":
        return True
    return bool(np.shares_memory(bit_view(a).numpy(), bit_view(b).numpy()))


def copy_into(buffer: Native, value: Native) -> Native:
    """Write `value` into `buffer` in place, as a caller refilling its tensors does; a scalar
    (which cannot be written in place) is replaced."""
    if isinstance(buffer, torch.Tensor):
        buffer.copy_(value)
        return buffer
    if isinstance(buffer, np.ndarray):
        np.copyto(buffer, value)
        return buffer
    return value
