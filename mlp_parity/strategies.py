"""Hypothesis strategies: the one place where property tests get their inputs.

A drawn problem is a one-sample `Inputs` (float64 arrays holding values exact in the drawn
dtype) plus that dtype: shapes d, h in 1..6, every value 0 or of magnitude in [1/16, 3].
The upper bound B keeps every result finite in float16 (largest 65504), doubled included:
|a1| <= d B^2 + B, |f| <= h B |a1| + B, |r| <= |f| + B, and |dW1| = |W2 r x| <= B^2 |r|,
about 36 B^5 = 8748 for d = h = 6, twice that when the residual is doubled. The lower bound
keeps products of up to three factors (r W2_j x_k) out of float16's subnormal range (below
2^-14), where rounding is absolute, not relative, and exact properties such as "doubling r
doubles the gradient" fail for every implementation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mlp_parity.cases import Inputs, round_to

MAX_DIM = 6
BOUND = 3.0


@dataclass(frozen=True)
class Problem:
    inputs: Inputs
    dtype: str

    def __repr__(self) -> str:  # what Hypothesis prints for a falsifying example
        i = self.inputs
        return (
            f"Problem(dtype={self.dtype}, x={i.X[0].tolist()}, y={i.Y[0]}, W1={i.W1.tolist()}, "
            f"b1={i.b1.tolist()}, W2={i.W2.tolist()}, b2={i.b2.tolist()})"
        )


TINY = 2.0**-4


def _values(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    values = hnp.arrays(np.float64, shape, elements=st.floats(-BOUND, BOUND, width=32))
    return values.map(lambda a: np.where(np.abs(a) < TINY, 0.0, a))


@st.composite
def problems(draw, dtypes: tuple[str, ...]) -> Problem:
    """One sample's inputs. All values come from one flat array, cut into x, y, W1, b1, W2 and
    b2: the same elements as one array per tensor, in one draw instead of six (drawing was
    most of a property's time: 30 examples, 0.73 s before, 0.47 s after, first run included)."""
    d = draw(st.integers(1, MAX_DIM), label="d")
    h = draw(st.integers(1, MAX_DIM), label="h")
    dtype = draw(st.sampled_from(dtypes), label="dtype")
    shapes = {"X": (1, d), "Y": (1,), "W1": (h, d), "b1": (h,), "W2": (1, h), "b2": (1,)}
    sizes = [int(np.prod(shape)) for shape in shapes.values()]
    flat = round_to(draw(_values((sum(sizes),)), label="values"), dtype)
    parts = np.split(flat, np.cumsum(sizes)[:-1])
    arrays = {name: part.reshape(shape) for (name, shape), part in zip(shapes.items(), parts)}
    return Problem(Inputs(**arrays), dtype)
