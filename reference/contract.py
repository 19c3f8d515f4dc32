"""The call contract shared by `reference` (NumPy) and `impl` (PyTorch).

Both packages validate their public entry points with these functions, so a wrong shape or
dtype reads the same in either. Everything here works on shapes (tuples of ints) and dtype
names (strings); each package extracts those from its own arrays.

Conventions (the seed notebook's): x (d,), W1 (h, d), b1 (h,), W2 (1, h), b2 (1,), f and y
scalars (0-d). Batched: X (B, d), Y (B,), A1 and H (B, h), F (B,).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

Shape = tuple[int, ...]


def _fmt(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _spell(meaning: str, want: Sequence[int]) -> str:
    """'(h,) = (4,)', or just '(1,)' where the symbols are the numbers."""
    return meaning if meaning == _fmt(want) else f"{meaning} = {_fmt(want)}"


def _looks_transposed(shapes: Mapping[str, Shape], h: int, d: int) -> bool:
    """b1 and W2 (those given, at least one) fit W1's second axis as h, not its first."""
    if h == d:
        return False
    fits = {"b1": (d,), "W2": (1, d)}
    given = [name for name in fits if name in shapes]
    return bool(given) and all(tuple(shapes[name]) == fits[name] for name in given)


def check_param_shapes(fn: str, shapes: Mapping[str, Shape]) -> tuple[int, int]:
    """Return (d, h) from W1, b1, W2, b2 shapes; raise ValueError naming the first mismatch.

    h is W1's first axis; where b1 and W2 fit its second axis instead, W1 is the one named
    (it looks transposed), not b1 or W2.
    """
    w1 = shapes["W1"]
    if len(w1) != 2:
        raise ValueError(f"{fn}: W1 must be 2-D with shape (h, d), got shape {_fmt(w1)}")
    h, d = w1
    if h < 1 or d < 1:
        raise ValueError(f"{fn}: W1 must have h >= 1 and d >= 1, got shape {_fmt(w1)}")
    if _looks_transposed(shapes, h, d):
        others = " and ".join(
            f"{name} of shape {_fmt(shapes[name])}" for name in ("b1", "W2") if name in shapes
        )
        raise ValueError(
            f"{fn}: W1 looks transposed: W1 must have shape (h, d) = {_fmt((d, h))} for "
            f"{others}, got {_fmt(w1)}"
        )
    expected = {"b1": (h,), "W2": (1, h), "b2": (1,)}
    meaning = {"b1": "(h,)", "W2": "(1, h)", "b2": "(1,)"}
    for name, want in expected.items():
        if name in shapes and tuple(shapes[name]) != want:
            for_w1 = "" if name == "b2" else f" for W1 of shape {_fmt(w1)}"
            raise ValueError(
                f"{fn}: {name} must have shape {_spell(meaning[name], want)}{for_w1}, "
                f"got {_fmt(shapes[name])}"
            )
    return d, h


def check_shape(fn: str, name: str, shape: Shape, want: Shape, meaning: str) -> None:
    """Raise ValueError unless `shape == want`; `meaning` spells the shape symbolically."""
    if tuple(shape) != tuple(want):
        raise ValueError(f"{fn}: {name} must have shape {_spell(meaning, want)}, got {_fmt(shape)}")


def check_batch_shapes(fn: str, name: str, shape: Shape, d: int) -> int:
    """Return B for a batch X of shape (B, d)."""
    if len(shape) != 2 or shape[1] != d:
        raise ValueError(f"{fn}: {name} must have shape (B, d) = (B, {d}), got {_fmt(shape)}")
    if shape[0] < 1:
        raise ValueError(f"{fn}: {name} must hold at least one sample, got shape {_fmt(shape)}")
    return shape[0]


def check_dtypes(fn: str, dtypes: Mapping[str, str], allowed: Sequence[str]) -> str:
    """Return the one dtype all arguments share; TypeError for a non-floating or mixed dtype."""
    for name, dt in dtypes.items():
        if dt not in allowed:
            raise TypeError(
                f"{fn}: {name} has dtype {dt}; expected a floating dtype ({', '.join(allowed)})"
            )
    distinct = dict.fromkeys(dtypes.values())
    if len(distinct) > 1:
        first_name, first = next(iter(dtypes.items()))
        other_name, other = next((n, t) for n, t in dtypes.items() if t != first)
        raise TypeError(
            f"{fn}: mixed dtypes: {first_name} is {first} but {other_name} is {other}; "
            "all arguments must share one dtype (no silent promotion)"
        )
    return next(iter(distinct))


def check_not_integer(fn: str, name: str, value: object, allowed: Sequence[str]) -> None:
    """An integer given for a floating scalar (y, f) raises TypeError, as an integer array does;
    a Python float is accepted."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return
    floats = ", ".join(allowed)
    if isinstance(value, int):
        raise TypeError(
            f"{fn}: {name} is a Python int ({value!r}); expected a floating dtype ({floats}) "
            "or a Python float"
        )
    raise TypeError(
        f"{fn}: {name} has dtype {type(value).__name__}; expected a floating dtype ({floats})"
    )


def check_finite(fn: str, name: str, finite: bool) -> None:
    if not finite:
        raise ValueError(f"{fn}: {name} contains NaN or Inf; inputs must be finite")


def check_positive_int(fn: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{fn}: {name} must be a positive int, got {value!r}")
    return value


def check_lr(fn: str, lr: object) -> float:
    if (
        isinstance(lr, bool)
        or not isinstance(lr, (int, float))
        or not (lr == lr)
        or lr
        in (
            float("inf"),
            float("-inf"),
        )
    ):
        raise ValueError(f"{fn}: lr must be a finite real number, got {lr!r}")
    return float(lr)


def check_params_tuple(fn: str, params: object) -> tuple:
    if not isinstance(params, (tuple, list)) or len(params) != 4:
        got = (
            f"{type(params).__name__} of length {len(params)}"
            if isinstance(params, (tuple, list))
            else type(params).__name__
        )
        raise TypeError(f"{fn}: params must be a tuple (W1, b1, W2, b2), got {got}")
    return tuple(params)
