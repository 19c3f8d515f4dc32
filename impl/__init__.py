"""The seed network in PyTorch with manual gradients (no autograd).

The names below are imported from `impl.mlp` and `impl.train` on first use, so that
`python -m impl --help` answers without waiting for torch.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

_SOURCES = {
    "DTYPES": "impl.mlp",
    "backward": "impl.mlp",
    "backward_batch": "impl.mlp",
    "forward": "impl.mlp",
    "forward_batch": "impl.mlp",
    "loss": "impl.mlp",
    "loss_batch": "impl.mlp",
    "relu": "impl.mlp",
    "accuracy": "impl.train",
    "train": "impl.train",
    "train_minibatch": "impl.train",
    "train_minibatch_trajectory": "impl.train",
    "train_trajectory": "impl.train",
}
__all__ = [
    "DTYPES",
    "accuracy",
    "backward",
    "backward_batch",
    "forward",
    "forward_batch",
    "loss",
    "loss_batch",
    "relu",
    "train",
    "train_minibatch",
    "train_minibatch_trajectory",
    "train_trajectory",
]

if TYPE_CHECKING:
    from impl.mlp import (
        DTYPES,
        backward,
        backward_batch,
        forward,
        forward_batch,
        loss,
        loss_batch,
        relu,
    )
    from impl.train import (
        accuracy,
        train,
        train_minibatch,
        train_minibatch_trajectory,
        train_trajectory,
    )


def __getattr__(name: str) -> object:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(source), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_SOURCES})


class _Package(types.ModuleType):
    """Importing the submodule impl.train binds it as the package's attribute `train`; the
    package's `train` stays the function, as `from impl.train import train` made it."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in _SOURCES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
