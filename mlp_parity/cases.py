"""Case generation: the one place where test inputs are drawn.

A case is (seed, shape, dtype, device). Its inputs are drawn once in float64 from
`np.random.default_rng(seed)` (the same draws for every dtype and device of that seed and
shape), then rounded to the dtype under test, so every implementation and every oracle sees
exactly the same numbers. After rounding, a few entries are set so that the case holds the
situations that hide bugs:

* non-zero biases (zero biases hide bias bugs; the "zero-bias" family below holds them
  apart), targets that are not 0/1 and residuals > 1;
* a per-seed input scale 2^k, k in -2..3, for activations of large magnitude in some seeds;
* a kink plan for sample 0, on max(min(2, h), h // 3) of its units, rotating with seed and
  shape (any two seeds cover every plan):
    "exact-e1":     x0 = (1, 0, ..., 0) and b1_j = -W1_j0 for about a third of the units, so
                    a1_j = W1_j0 * 1 + 0 + ... + b1_j = 0 exactly, in every order of summation;
    "exact-zero-x": x0 = 0 and b1_j = 0 for those units, so a1_j = 0 exactly;
    "near":         b1_j = -(W1_j . x0) +/- 2^-k |W1_j . x0| for those units, k alternating
                    between 6 and 20: both sides of the kink, close to it, and (where the
                    dtype keeps 2^-20, float32 and float64) closer than any threshold a
                    mask such as a1 > 1e-6 would use;
    "none":         no construction.
* a family of magnitudes and special values, rotating with seed and shape (the default seeds
  0-1 hold every family at every dtype; `Case.family`):
    "typical":      the draws as they are;
    "large":        the output layer (W2, b2, y) brought to max |W2| in [1, 2), then x, b1,
                    b2 and y scaled by one power of two 2^k, the largest for which every
                    intermediate of a correct forward and backward (any order of operations,
                    the batch's sums included) stays below `CEILING` (float16: 2^15, half its
                    largest number; float32, bfloat16: 2^127; float64: 2^512). The gradients
                    of float16 reach hundreds to thousands, those of float32 2^120: clipped
                    norms, fixed loss scales and float16's range for bfloat16 numbers fail;
    "tiny":         max |W2| brought into [1/2, 1), then the same scaling downwards, to the
                    largest 2^k for which the gradients that scale as 2^2k (dW1, dW2) are all
                    subnormal, the largest within a factor 4 of the dtype's smallest normal
                    number, with |x| < 1 and |r| < 1; db1, db2 and the forward stay normal.
                    A module that flushes small or subnormal values to zero fails by far;
    "bf16-ties":    every value of x, W1, b1, W2, b2 is 2^e (1 + 2^-8), exactly halfway between
                    two bfloat16 numbers and exact in float16, and y = -sign(f) 2^e' (1 + 2^-8)
                    with |y| >= |f|: float16 numbers rounded to bfloat16 all shrink, by
                    2^-8 / (1 + 2^-8) of their magnitude, errors that add up instead of
                    cancelling (x unscaled, so that |f| and |y| stay well inside float16);
    "zero-bias":    b1 = 0 and b2 = 0, the notebook's start (the kink plans built through W1's
                    first column and x0 = e1 instead of b1);
    "zero-W1":      W1 = 0 (a1 = b1), and y = 0 for sample 0: r = f, and a module that
                    returns f itself (or a view of it) for db2 there is caught by the
                    ownership check;
    "zero-W2":      W2 = 0 (f = b2, and db1 = dW1 = 0).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np
import torch

from mlp_parity.tolerances.per_sample import FORMATS

KINK_PLANS = ("exact-e1", "exact-zero-x", "near", "none")
FAMILIES = ("typical", "large", "tiny", "bf16-ties", "zero-bias", "zero-W1", "zero-W2")
DTYPES = ("float64", "float32", "float16", "bfloat16")
TORCH_DTYPES = {name: getattr(torch, name) for name in DTYPES}


@dataclass(frozen=True, order=True)
class Shape:
    d: int
    h: int
    batch: int

    @property
    def id(self) -> str:
        return f"d{self.d}h{self.h}b{self.batch}"


# The seed's (d = 2, h = 4), with one sample and a batch; h = 1 with d > 1; d > h; d = 1 with
# h >> d; large, with d and h prime (a loop over blocks of any size, 32, 64 or 128, has a
# partial last block in both, and one that drops it is wrong); square (d = h > 1: a
# transposed W1 or dW1 has W1's shape, and passes every shape check). Batches of 1, 8, 1, 4,
# 4, 2 and 2 samples.
SHAPES = (
    Shape(2, 4, 1),
    Shape(2, 4, 8),
    Shape(5, 1, 1),
    Shape(8, 3, 4),
    Shape(1, 64, 4),
    Shape(67, 257, 2),
    Shape(3, 3, 2),
)


# Wide layers, past every common block size (256, 512, 1024) and prime, so that a loop over
# blocks of any of them has a partial last block there, and code that switches to a blocked
# path above some width takes it: one wide hidden layer (units) and one wide input (inputs),
# three samples each. Cheap, so at one seed and one dtype of a run (`make_cases`), in the
# family "typical" (every gradient non-zero).
WIDE_SHAPES = (
    Shape(3, 1031, 3),
    Shape(1031, 3, 3),
)


@dataclass(frozen=True, order=True)
class Case:
    seed: int
    shape: Shape
    dtype: str
    device: str

    @property
    def id(self) -> str:
        return f"seed{self.seed}-{self.shape.id}-{self.family}-{self.dtype}-{self.device}"

    @property
    def _slot(self) -> int:
        return SHAPES.index(self.shape) if self.shape in SHAPES else 0

    @property
    def kink_plan(self) -> str:
        """Rotates with seed and shape, so that any two seeds cover every plan."""
        return KINK_PLANS[(self.seed + self._slot) % len(KINK_PLANS)]

    @property
    def family(self) -> str:
        """Rotates with seed and shape like the kink plan: seed + shape index over two seeds
        runs through len(SHAPES) + 1 >= len(FAMILIES) consecutive integers, so any two seeds
        hold every family, at every dtype. The wide shapes: "typical" (the drawn values,
        every gradient non-zero), whatever the seed."""
        if self.shape in WIDE_SHAPES:
            return "typical"
        return FAMILIES[(self.seed + self._slot) % len(FAMILIES)]

    def describe(self) -> str:
        s = self.shape
        return (
            f"{self.id} (seed={self.seed}, d={s.d}, h={s.h}, batch={s.batch}, "
            f"dtype={self.dtype}, device={self.device}, kink plan {self.kink_plan}, "
            f"family {self.family}: {FAMILY_TEXT[self.family]})"
        )


FAMILY_TEXT = {
    "typical": "the drawn values",
    "large": "x, b1, b2, y scaled up: the largest values the dtype holds without overflow",
    "tiny": "x, b1, b2, y scaled down: dW1 and dW2 subnormal, just below the smallest normal",
    "bf16-ties": "every value halfway between two bfloat16 numbers (exact in float16)",
    "zero-bias": "b1 = 0 and b2 = 0",
    "zero-W1": "W1 = 0, and y = 0 for sample 0",
    "zero-W2": "W2 = 0",
}


@dataclass(frozen=True)
class Inputs:
    """One case's numbers: float64 NumPy arrays holding values exact in the case's dtype."""

    X: np.ndarray  # (B, d)
    Y: np.ndarray  # (B,)
    W1: np.ndarray  # (h, d)
    b1: np.ndarray  # (h,)
    W2: np.ndarray  # (1, h)
    b2: np.ndarray  # (1,)

    @property
    def params(self) -> tuple[np.ndarray, ...]:
        return (self.W1, self.b1, self.W2, self.b2)

    def to_torch(self, dtype: str, device: str) -> dict[str, torch.Tensor]:
        """Fresh tensors (the caller may hand them to code that modifies its inputs)."""
        names = ("X", "Y", "W1", "b1", "W2", "b2")
        return {
            n: torch.tensor(getattr(self, n), dtype=TORCH_DTYPES[dtype], device=device)
            for n in names
        }


def round_to(a: np.ndarray, dtype: str) -> np.ndarray:
    """Round float64 values to `dtype` (round to nearest even) and return them as float64."""
    return torch.from_numpy(np.array(a, dtype=np.float64)).to(TORCH_DTYPES[dtype]).double().numpy()


def _draw(seed: int, shape: Shape) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    d, h, B = shape.d, shape.h, shape.batch
    scale = 2.0 ** int(rng.integers(-2, 4))
    return {
        "X": scale * rng.standard_normal((B, d)),
        "W1": rng.standard_normal((h, d)) / np.sqrt(d),
        "b1": 0.5 * rng.standard_normal(h),
        "W2": rng.standard_normal((1, h)) / np.sqrt(h),
        "b2": rng.standard_normal(1),
        "Y": rng.uniform(-3.0, 3.0, B),
        "kink_units": _interior_first(rng.permutation(h))[: max(min(2, h), h // 3)],
        "near_sign": rng.choice([-1.0, 1.0], size=h),
        "scale": np.float64(scale),
    }


def _interior_first(units: np.ndarray) -> np.ndarray:
    """The units in their drawn order, the first and the last moved to the end: kink
    constructions go to interior units where there are enough (`_wake_edge_units`)."""
    edge = (units == 0) | (units == units.size - 1)
    return np.concatenate([units[~edge], units[edge]])


NAMES = ("X", "W1", "b1", "W2", "b2", "Y")


# --------------------------------------------------------------------------- kink plans
def _near_offsets(v: dict[str, np.ndarray], a: np.ndarray, dtype: str) -> np.ndarray:
    """-a +/- 2^-k |a|, k alternating between 6 and 20 (6 where the dtype cannot keep 2^-20)."""
    units = v["kink_units"]
    fine = 2.0**-20 if torch.finfo(TORCH_DTYPES[dtype]).eps < 2.0**-20 else 2.0**-6
    closeness = np.where(np.arange(units.size) % 2 == 0, 2.0**-6, fine)
    return round_to(-a + v["near_sign"][units] * closeness * np.abs(a), dtype)


def _apply_kink_plan(v: dict[str, np.ndarray], plan: str, dtype: str) -> None:
    units = v["kink_units"]
    X, W1, b1 = v["X"], v["W1"], v["b1"]
    if plan == "exact-e1":
        X[0] = 0.0
        X[0, 0] = 1.0
        b1[units] = -W1[units, 0]
    elif plan == "exact-zero-x":
        X[0] = 0.0
        b1[units] = 0.0
    elif plan == "near":
        b1[units] = _near_offsets(v, W1[units] @ X[0], dtype)


def _apply_kink_plan_bias_free(v: dict[str, np.ndarray], plan: str, dtype: str) -> None:
    """The same constructions with b1 = 0: x0_0 = 1 and W1's first column plays the bias."""
    units = v["kink_units"]
    X, W1 = v["X"], v["W1"]
    if plan == "exact-e1":
        X[0] = 0.0
        X[0, 0] = 1.0
        W1[units, 0] = 0.0
    elif plan == "exact-zero-x":
        X[0] = 0.0
    elif plan == "near":
        X[0, 0] = 1.0
        W1[units, 0] = _near_offsets(v, W1[units, 1:] @ X[0, 1:], dtype)


def _signs_survive_rounding(v: dict[str, np.ndarray], dtype: str) -> np.ndarray:
    """Per unit: does rounding a1 (float64, from the case's numbers) to the dtype keep the
    sign of every sample's activation? A near-kink activation below the dtype's smallest
    subnormal would round to 0, and the implementation, handed that 0, would rightly apply
    another ReLU mask than a float64 oracle."""
    A1 = v["X"] @ v["W1"].T + v["b1"]
    return np.all((A1 > 0) == (round_to(A1, dtype) > 0), axis=0)


# --------------------------------------------------------------------------- families
# No intermediate of a correct computation may exceed CEILING (`_peak_coefficients`): half the
# largest number of float16 (65504) and of float32 (bfloat16 has float32's range). A computed
# result exceeds its exact value by a relative gamma_n at most, far below that factor 2.
# float64 stops at 2^512, beyond float32's range, because the harness itself multiplies
# magnitudes in float64 (tolerances, tangent sums over up to 2^15 parameters, losses over
# finite-difference steps of 2^-17 and gradcheck's 1e-6): factors below 2^64.
CEILING = {"float64": 2.0**512, "float32": 2.0**127, "bfloat16": 2.0**127, "float16": 2.0**15}


def _forward64(v: dict[str, np.ndarray]):
    A1 = v["X"] @ v["W1"].T + v["b1"]
    H = np.maximum(A1, 0.0)
    return A1, H, H @ v["W2"][0] + v["b2"][0]


def _peak_coefficients(v: dict[str, np.ndarray]) -> tuple[float, float]:
    """(c1, c2) with every intermediate of a correct forward and backward <= c1 t + c2 t^2
    once x, b1, b2 and y are multiplied by t (W1, W2 fixed), whatever the order of operations.

    Scaled so, the network is homogeneous: a1, h, f, r = f - y scale as t, the loss and the
    gradients dW1 = W2 r x, dW2 = r h as t^2, db1 = W2 r and db2 = r as t. Per sample i, with
    S_a = sum_k |W1_jk x_k| + |b1_j| (every partial sum of a1; |h_j| <= S_a),
    S_f = sum_j |W2_j h_j| + |b2| (every partial sum of f) and m = S_f + |y| (bounding |f|,
    |r| and every partial sum of r, however r is formed), the intermediates are at most
      t:   S_a, S_f, m, |x_k|, and the products of two of {W2_j, r, x_k} with W2_j in them;
      t^2: m^2 >= (|f| + |y|)^2, which bounds r^2, f^2 and 2 f y (every form of the loss);
           |r x_k| and |W2_j r x_k| <= m |x_k| max(1, |W2_j|) (dW1 in any order); m |h_j|;
    and a batch sums over samples (a mean formed as a sum, then divided): hence the sums over
    i below, each at least every one of its terms.
    """
    X, W2 = np.abs(v["X"]), np.abs(v["W2"][0])
    _, H, _ = _forward64(v)
    S_a = (X @ np.abs(v["W1"]).T + np.abs(v["b1"])).max(axis=1, initial=0.0)
    S_f = H @ W2 + np.abs(v["b2"][0])
    m = S_f + np.abs(v["Y"])
    x, h = X.max(axis=1, initial=0.0), H.max(axis=1, initial=0.0)
    w2 = W2.max(initial=0.0)
    c1 = np.sum(np.maximum.reduce([S_a, S_f, m, x, w2 * m, w2 * x]))
    c2 = np.sum(np.maximum.reduce([m * m, m * x * max(1.0, w2), m * h]))
    return float(c1), float(c2)


def within_range(inp: Inputs, dtype: str) -> Inputs:
    """`inp` itself where every intermediate of a correct forward and backward of its samples
    stays below the dtype's CEILING (the bound of `_peak_coefficients`); else x, b1, b2 and y
    scaled by the largest power of two 2^k that brings the bound below it, rounded to the
    dtype. The network is homogeneous in (x, b1, b2, y), so every ReLU mask and sign is kept
    (up to the rounding of an activation within a unit roundoff of the kink: the checks that
    use these inputs compare the module with itself, not with a mask)

    For the inputs the checks make themselves (a sample appended, every parameter negated):
    the case's own inputs fit by construction, but a new ReLU mask can wake units whose
    |W2_j h_j| the large family's scale never counted, and an overflow would end in inf = inf
    comparisons and, in NumPy, in an overflow warning that a project's filterwarnings = error
    turns into a crash."""
    v = {n: getattr(inp, n) for n in NAMES}
    c1, c2 = _peak_coefficients(v)
    if c1 + c2 <= CEILING[dtype]:
        return inp
    t = 2.0 ** _fit_exponent(c1, c2, CEILING[dtype])
    scaled = {n: round_to(v[n] * t, dtype) for n in ("X", "b1", "b2", "Y")}
    return dataclasses.replace(inp, **scaled)


def _large_exponent(v: dict[str, np.ndarray], dtype: str) -> int:
    """The largest k with c1 2^k + c2 4^k <= CEILING[dtype]: the peak bound is then above a
    quarter of the ceiling."""
    c1, c2 = _peak_coefficients(v)
    return _fit_exponent(c1, c2, CEILING[dtype])


def _fit_exponent(c1: float, c2: float, ceiling: float) -> int:
    """The largest k with c1 2^k + c2 4^k <= ceiling."""
    fits = lambda k: c1 * 2.0**k + c2 * 4.0**k <= ceiling  # noqa: E731
    k = int(np.floor(np.log2(ceiling / (c1 + c2)) / 2))  # a start: exact where t = 2^k = 1
    while fits(k + 1):
        k += 1
    while not fits(k):
        k -= 1
    return k


def _tiny_exponent(v: dict[str, np.ndarray], dtype: str) -> int:
    """The largest k with max(|dW1|, |dW2|) 4^k < 2^emin, 2^k |x| < 1 and 2^k |r| < 1: every
    such gradient subnormal, the largest at least 2^(emin - 2) unless a cap binds. (Where
    every unit is dead, dW1 = dW2 = db1 = 0: then db2 = r, as 2^k r, is the subnormal one.)

    With |W2| < 1 as well (the caller sees to it), every factor that multiplies a product
    that may have underflowed (dW1 = W2 r x in any order; the loss r r / 2) is below 1, so an
    underflow's absolute error, at most eta / 2, is never magnified and the tolerances' floor
    is n eta (`tolerances.per_sample`)."""
    A1, H, F = _forward64(v)
    R = F - v["Y"]
    da1 = R[:, None] * v["W2"][0] * (A1 > 0)
    X = np.abs(v["X"])
    g, power = (
        max(
            (np.abs(da1).max(axis=1, initial=0.0) * X.max(axis=1, initial=0.0)).max(initial=0),
            np.abs(R[:, None] * H).max(initial=0.0),
        ),
        2,
    )
    if g == 0.0:
        g, power = np.abs(R).max(initial=0.0), 1
    caps = [-int(np.floor(np.log2(m))) - 1 for m in (X.max(), np.abs(R).max()) if m > 0]
    if g == 0.0:
        return min(caps, default=0)
    emin = FORMATS[dtype][1]  # the smallest normal number is 2^emin
    k = int(np.floor((emin - np.log2(g)) / power))
    while g * 2.0 ** (power * (k + 1)) < 2.0**emin:
        k += 1
    while g * 2.0 ** (power * k) >= 2.0**emin:
        k -= 1
    return min([k, *caps])


def _scale_inputs(v: dict[str, np.ndarray], k: int, names=("X", "b1", "b2", "Y")) -> None:
    for n in names:
        v[n] = v[n] * 2.0**k


def _ties(a: np.ndarray) -> np.ndarray:
    """sign(a) 2^floor(log2 |a|) (1 + 2^-8): halfway between 2^e and 2^e (1 + 2^-7), so
    bfloat16 (8 significant bits) rounds it to the even 2^e; float16 (11) holds it exactly."""
    a = np.asarray(a, dtype=np.float64)
    _, exponent = np.frexp(np.abs(a))  # |a| = mantissa 2^exponent, mantissa in [1/2, 1)
    return np.where(a == 0, 0.0, np.sign(a) * np.ldexp(1.0 + 2.0**-8, exponent - 1))


def _before_rounding(v: dict[str, np.ndarray], family: str) -> None:
    if family == "bf16-ties":
        v["X"] = v["X"] / v["scale"]  # unscaled: keeps |f| and |y| well inside float16
        for n in ("X", "W1", "b1", "W2", "b2"):
            v[n] = _ties(v[n])
    elif family == "zero-bias":
        v["b1"] = np.zeros_like(v["b1"])
        v["b2"] = np.zeros_like(v["b2"])
    elif family == "zero-W1":
        v["W1"] = np.zeros_like(v["W1"])
        v["Y"][0] = 0.0
    elif family == "zero-W2":
        v["W2"] = np.zeros_like(v["W2"])


def _after_kink_plan(v: dict[str, np.ndarray], family: str, plan: str, dtype: str) -> float:
    """The family's changes that depend on the forward; returns the factor that b1 got."""
    if family == "bf16-ties":
        _, _, F = _forward64(v)
        mag = np.where(F == 0, 1.0, np.ldexp(1.0, np.frexp(np.abs(F))[1]))  # >= |f|
        v["Y"] = -np.where(F < 0, -1.0, 1.0) * mag * (1.0 + 2.0**-8)
        k = min(0, _fit_exponent(*_peak_coefficients(v), CEILING["float16"]))
        _scale_inputs(v, k)  # (where the draws would overflow float16) powers of two: ties
        return 2.0**k
    if family not in ("large", "tiny"):
        return 1.0
    # The output layer (W2, b2, y) by a power of two: max |W2| in [1/2, 1) for "tiny" (an
    # underflow's error is never multiplied up), in [1, 2) for "large" (the largest
    # intermediate is then a gradient, W2 r x, rather than r x: a loss scale overflows)
    w = int(np.floor(np.log2(np.abs(v["W2"]).max(initial=0.0) or 1.0)))
    _scale_inputs(v, -(max(w + 1, 0) if family == "tiny" else w), ("W2", "b2", "Y"))
    k = _large_exponent(v, dtype) if family == "large" else _tiny_exponent(v, dtype)
    _scale_inputs(v, k)
    if plan == "exact-e1":  # x0 = 2^k e1 and b1_j = -W1_j0 2^k, exact in the dtype
        units = v["kink_units"]
        v["W1"][units, 0] = round_to(v["W1"][units, 0] * 2.0**k, dtype) / 2.0**k
        v["b1"][units] = -v["W1"][units, 0] * 2.0**k
    return 2.0**k


def _restore_lost(v: dict[str, np.ndarray], drawn: dict[str, np.ndarray], factor: float, dtype):
    """Units whose activation the dtype cannot hold with its sign (a near-kink construction
    below the subnormal range) get their drawn W1 row and bias back."""
    lost = ~_signs_survive_rounding(v, dtype)
    v["W1"][lost] = drawn["W1"][lost]
    v["b1"][lost] = round_to(drawn["b1"][lost] * factor, dtype)


def _wake_edge_units(v: dict[str, np.ndarray], drawn: dict[str, np.ndarray]) -> None:
    """The first and the last hidden unit, where not a kink construction, active in the last
    sample (W1_j and b1_j negated, exact, where a1_j < 0 there): a loop over blocks of units
    that drops a partial last block or skips the first leaves their gradients zero, and is
    caught wherever W2_j and the residual are not zero (every family but zero-W2)."""
    A1 = v["X"][-1] @ v["W1"].T + v["b1"]
    edges = sorted({0, A1.size - 1} - set(v["kink_units"].tolist()))
    for j in (j for j in edges if A1[j] < 0):
        for a in (v, drawn):
            a["W1"][j] = -a["W1"][j]
            a["b1"][j] = -a["b1"][j]


def _kill_lost(v: dict[str, np.ndarray], dtype: str) -> None:
    """Units whose activation still rounds to the other side of the kink (a drawn one, not a
    construction: scaled down by the tiny family, |a1| below half the dtype's smallest
    subnormal, e.g. seed 459's (64, 256, 2) float16 unit 76 with a1 = 2^-25) get W1_j = 0 and
    b1_j = 0: a1_j = 0 exactly for every sample, in every order, a kink the checks know."""
    lost = ~_signs_survive_rounding(v, dtype)
    v["W1"][lost] = 0.0
    v["b1"][lost] = 0.0


@functools.lru_cache(maxsize=512)
def _inputs(seed: int, shape: Shape, dtype: str, plan: str, family: str) -> Inputs:
    v = _draw(seed, shape)
    _before_rounding(v, family)
    for name in NAMES:
        v[name] = round_to(v[name], dtype)
    drawn = {n: v[n].copy() for n in ("W1", "b1")}
    if family == "zero-bias":
        _apply_kink_plan_bias_free(v, plan, dtype)
    else:
        _apply_kink_plan(v, plan, dtype)
    _wake_edge_units(v, drawn)
    _restore_lost(v, drawn, 1.0, dtype)
    factor = _after_kink_plan(v, family, plan, dtype)
    for name in NAMES:
        v[name] = round_to(v[name], dtype)  # exact but where a scaled value is subnormal
    _restore_lost(v, drawn, factor, dtype)
    _kill_lost(v, dtype)
    arrays = {n: v[n] for n in ("X", "Y", "W1", "b1", "W2", "b2")}
    for a in arrays.values():
        a.setflags(write=False)  # cached: nobody may change a case's numbers
    return Inputs(**arrays)


def inputs(case: Case) -> Inputs:
    """The case's numbers (cached; read-only arrays)."""
    return _inputs(case.seed, case.shape, case.dtype, case.kink_plan, case.family)


def make_cases(seeds, shapes, dtypes, devices, wide: bool | None = None) -> list[Case]:
    """Every seed x shape x dtype x device; and, with the default shapes (`wide` None) or
    `wide` True, the WIDE_SHAPES at the first seed and the first dtype (in DTYPES' order:
    float64 where it is selected) on each device: what they are for (a block loop's partial
    last block past 1024) shows at any seed and dtype, and they cost as much as all the
    other shapes together."""
    seeds, shapes, dtypes, devices = list(seeds), tuple(shapes), list(dtypes), list(devices)
    out = [Case(s, sh, dt, dev) for s in seeds for sh in shapes for dt in dtypes for dev in devices]
    if wide is None:
        wide = shapes == SHAPES
    if wide and seeds and dtypes:
        dtype = min(dtypes, key=lambda d: DTYPES.index(d) if d in DTYPES else len(DTYPES))
        out += [Case(min(seeds), sh, dtype, dev) for sh in WIDE_SHAPES for dev in devices]
    return out


def parse_seeds(text: str, option: str = "--seeds") -> list[int]:
    """'0-99', '1,5,7' or '0-3,10' -> a sorted list of distinct non-negative seeds; a
    ValueError naming `option` otherwise."""
    seeds: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        try:
            if "-" in part:
                lo, hi = (int(p) for p in part.split("-", 1))
                if lo > hi:
                    raise ValueError
                seeds.update(range(lo, hi + 1))
            else:
                seeds.add(int(part))
        except ValueError:
            raise ValueError(
                f"{option}: expected a list or range such as '0-99' or '1,5,7', got {text!r}"
            ) from None
    if not seeds or min(seeds) < 0:
        raise ValueError(f"{option}: expected non-negative seeds, got {text!r}")
    return sorted(seeds)


def near_fit(F: np.ndarray, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """(f, y) for the loss: f the given f rounded to the dtype, y = f (1 + 2^(2-p)) rounded,
    p the dtype's significant bits: a target that fits f to within a few units in its last
    place, so that r = f - y is exact and about 2^(2-p) |f|, where a loss that expands the
    square cancels catastrophically (`tolerances.near_fit_loss_bound`)."""
    p, _ = FORMATS[dtype]
    f = round_to(F, dtype)
    return f, round_to(f * (1.0 + 2.0 ** (2 - p)), dtype)


@functools.lru_cache(maxsize=512)
def _at_kink(seed: int, shape: Shape, dtype: str, family: str) -> Inputs:
    return _inputs(seed, shape, dtype, "exact-e1", family)


def at_kink(case: Case) -> Inputs:
    """The case's numbers with sample 0 rebuilt at the kink (plan "exact-e1")."""
    return _at_kink(case.seed, case.shape, case.dtype, case.family)


# --------------------------------------------------------------------------- batch sizes
def power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def uneven_batch(inp: Inputs, case: Case) -> Inputs:
    """The case's samples as a batch whose size B is not a power of two, where 1/B is not
    exact in any binary format (a mean rounded through a narrower format, or taken as a
    shift, is wrong there and right at B = 2^k): the case's own batch where its size is
    not a power of two; its first B - 1 samples where that is 3 or more; otherwise (B = 1
    or 2) samples appended up to three, each x drawn from the case's own input values with
    random signs and y from the case's target range, from a generator seeded by the case,
    rounded to the dtype and brought within its range (`within_range`)."""
    B = len(inp.X)
    if not power_of_two(B):
        return inp
    if B - 1 >= 3:
        return dataclasses.replace(inp, X=inp.X[: B - 1], Y=inp.Y[: B - 1])
    rng = np.random.default_rng([case.seed, 12])
    pool = np.abs(inp.X[inp.X != 0]) if np.any(inp.X != 0) else np.ones(1)
    d = inp.X.shape[1]
    extra = [rng.choice(pool, d) * rng.choice([-1.0, 1.0], d) for _ in range(3 - B)]
    X = round_to(np.vstack([inp.X, *extra]), case.dtype)
    Y = np.concatenate([inp.Y, round_to(rng.uniform(-3.0, 3.0, 3 - B), case.dtype)])
    return within_range(dataclasses.replace(inp, X=X, Y=Y), case.dtype)
