"""Memory a function keeps after returning it: the ownership of outputs, whatever the distance.

A caller owns what a function returns: the function may keep no reference to it, since
whatever it keeps it may write into later (a buffer reused by the next call, a ring of them
reused by the k-th next call, a cache, an accumulator reset now and then). Watching k later
calls catches a ring of k buffers at most; this does not depend on k:

    watch = KeptMemory()
    watch.add(output, "dW1 returned by backward(sample 0)")   # no reference kept
    ...                                                        # the caller lets go of it
    watch.kept()     # the labels of outputs whose memory is still alive: the callee holds it

It holds weak references to the memory of each output (a torch tensor's storage, a NumPy
array's base array), so it keeps nothing alive itself. Once the caller has dropped every
reference of its own (outputs, the inputs they were computed from, views of either), memory
still alive is held by the function: a module-level buffer, list, dict or closure. Python
numbers and NumPy scalars own no memory a caller could see written, and are not watched.

Where a weak reference cannot be taken (memory owned by an object that allows none), the
output is not watched; the ownership check still compares it bit for bit after every later
call. Nothing here knows the network.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import torch

try:  # a weak reference to a storage: public in torch.multiprocessing since torch 1.x
    from torch.multiprocessing.reductions import StorageWeakRef
except ImportError:  # pragma: no cover - every supported torch has it
    StorageWeakRef = None  # type: ignore[assignment,misc]


def _tensor_ref(t: torch.Tensor):
    if StorageWeakRef is None:
        return None
    try:
        ref = StorageWeakRef(t.untyped_storage())
    except Exception:  # a tensor without storage (meta, sparse): not watched
        return None
    return ref.expired


def _array_ref(a: np.ndarray):
    """The array that owns the memory, followed through its bases: an array, or a torch
    tensor (an array made by Tensor.numpy())."""
    owner: object = a
    while isinstance(owner, np.ndarray) and owner.base is not None:
        owner = owner.base
    if isinstance(owner, torch.Tensor):
        return _tensor_ref(owner)
    try:
        ref = weakref.ref(owner)
    except TypeError:  # bytes, mmap, ...: not watched
        return None
    return lambda: ref() is None


def expired_test(obj: object):
    """A function that says whether `obj`'s memory has been freed; None for an object
    that owns no memory (a number) or one whose memory cannot be watched."""
    if isinstance(obj, torch.Tensor):
        return _tensor_ref(obj)
    if isinstance(obj, np.ndarray):
        return _array_ref(obj)
    return None


class KeptMemory:
    """Weak references to outputs' memory, and which of them outlive the caller's references."""

    def __init__(self) -> None:
        self._watched: list[tuple[str, object]] = []  # (label, expired test)

    def add(self, obj: object, label: str) -> None:
        test = expired_test(obj)
        if test is not None:
            self._watched.append((label, test))

    def __len__(self) -> int:
        return len(self._watched)

    def kept(self) -> list[str]:
        """The labels of the watched outputs whose memory is still alive. Reference cycles
        are collected first where anything is (a cycle inside a correct call is freed only
        by the collector)."""
        alive = [label for label, expired in self._watched if not expired()]
        if alive:
            gc.collect()
            alive = [label for label, expired in self._watched if not expired()]
        return alive
