"""Hypothesis strategies for declared networks: small problems of any declared shape.

A drawn problem is an architecture the declaration allows (its depth, or 1-3 for "any";
hidden widths 1-4; its outputs, or 1-3 for "any", 2-3 for classes; a batch of 1-4) and values
that are 0 or of magnitude in [1/16, 1] with either sign, exact in the drawn dtype; a
classification head's targets are labels (`network_cases.targets`). Magnitudes at most 1 keep
every intermediate of a depth-3 network of width 4 below float16's range (|a_l| <= 4 |a_{l-1}|
+ 1, so |f| <= 341 and every gradient below 4^4 * 342); the smallest products underflow into
float16's subnormal range, which the bounds of `tolerances.layers` carry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from mlp_parity.cases import round_to
from mlp_parity.declaration import Network
from mlp_parity.network_cases import Arch, NetInputs, targets

MAX_WIDTH = 4
MAX_BATCH = 4


@dataclass(frozen=True)
class NetProblem:
    arch: Arch
    inputs: NetInputs
    dtype: str


def _values(n: int):
    magnitude = st.floats(1.0 / 16, 1.0)
    value = st.one_of(st.just(0.0), magnitude, magnitude.map(lambda v: -v))
    return st.lists(value, min_size=n, max_size=n)


@st.composite
def problems(draw, net: Network, dtypes: tuple[str, ...]) -> NetProblem:
    depth = draw(st.sampled_from(net.depths if net.depth != "any" else (1, 2, 3)))
    ks = net.output_counts if net.outputs != "any" else (1, 2, 3)
    if net.loss == "softmax_cross_entropy" or net.index_labels:
        ks = tuple(k for k in ks if k >= 2) or (2,)
    k = 1 if net.targets == "flat" else draw(st.sampled_from(ks))
    hidden = tuple(draw(st.integers(1, MAX_WIDTH)) for _ in range(depth))
    d = draw(st.integers(1, MAX_WIDTH))
    B = draw(st.integers(1, MAX_BATCH))
    dtype = draw(st.sampled_from(dtypes))
    arch = Arch(d, hidden, k, B)
    widths = arch.widths
    sizes = [B * d, B * k] + [
        widths[i] * widths[i + 1] + (widths[i + 1] if net.bias else 0)
        for i in range(len(widths) - 1)
    ]
    flat = round_to(np.array(draw(_values(sum(sizes))), dtype=np.float64), dtype)
    X, rest = flat[: B * d].reshape(B, d), flat[B * d :]
    Y, rest = rest[: B * k].reshape(B, k), rest[B * k :]
    layers = []
    for i in range(len(widths) - 1):
        n_in, n_out = widths[i], widths[i + 1]
        W, rest = rest[: n_in * n_out].reshape(n_out, n_in), rest[n_in * n_out :]
        b = None
        if net.bias:
            b, rest = rest[:n_out], rest[n_out:]
        layers.append((W, b))
    if net.classification:  # labels, not magnitudes: one-hot rows, or 0 / 1 targets
        Y = targets(
            net,
            arch,
            draw(st.integers(0, 2**16)),
            np.random.default_rng(draw(st.integers(0, 2**16))),
        )
    return NetProblem(arch, NetInputs(X, Y, tuple(layers)), dtype)
