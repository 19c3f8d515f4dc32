"""The seed notebook's data and initialisation, drawn in the notebook's order.

With `rng = np.random.default_rng(42)`, `make_quadrant_data(500, rng)` followed by
`init_params(2, 4, rng)` reproduces the notebook's X, y, W1, b1, W2, b2 exactly.
"""

from __future__ import annotations

import numpy as np

from . import contract
from .mlp import DTYPES


def _dtype(fn: str, dtype) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.name not in DTYPES:
        raise TypeError(f"{fn}: dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    return dt


def _rng(fn: str, rng: object) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{fn}: rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
            f"got {type(rng).__name__}"
        )
    return rng


def make_quadrant_data(n: int, rng: np.random.Generator, dtype=np.float32):
    """X ~ uniform(-1, 1) of shape (n, 2); y = 1 where x0 * x1 < 0 (quadrants II and IV)."""
    fn = "make_quadrant_data"
    contract.check_positive_int(fn, "n", n)
    dt = _dtype(fn, dtype)
    X = _rng(fn, rng).uniform(-1, 1, size=(n, 2)).astype(dt)
    y = (X[:, 0] * X[:, 1] < 0).astype(dt)
    return X, y


def init_params(d: int, h: int, rng: np.random.Generator, dtype=np.float32, scale: float = 0.1):
    """W1, W2 ~ normal(0, scale), drawn in that order; zero biases."""
    fn = "init_params"
    contract.check_positive_int(fn, "d", d)
    contract.check_positive_int(fn, "h", h)
    dt = _dtype(fn, dtype)
    rng = _rng(fn, rng)
    W1 = rng.normal(0.0, scale, size=(h, d)).astype(dt)
    W2 = rng.normal(0.0, scale, size=(1, h)).astype(dt)
    return W1, np.zeros((h,), dtype=dt), W2, np.zeros((1,), dtype=dt)
