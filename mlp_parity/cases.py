"""Case generation: the one place where test inputs are drawn.

A case is (seed, shape, dtype, device). Its inputs are drawn once in float64 from
`np.random.default_rng(seed)` (the same draws for every dtype and device of that seed and
shape), then rounded to the dtype under test, so every implementation and every oracle sees
exactly the same numbers. After rounding, a few entries are set so that the case holds the
situations that hide bugs:

* non-zero biases (zero biases hide bias bugs), targets that are not 0/1 and residuals > 1;
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
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch

KINK_PLANS = ("exact-e1", "exact-zero-x", "near", "none")
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


# The seed's (d = 2, h = 4), with one sample and a batch; degenerate; d > h; h >> d; large.
SHAPES = (
    Shape(2, 4, 1),
    Shape(2, 4, 8),
    Shape(1, 1, 1),
    Shape(8, 3, 4),
    Shape(2, 64, 4),
    Shape(64, 256, 2),
)


@dataclass(frozen=True, order=True)
class Case:
    seed: int
    shape: Shape
    dtype: str
    device: str

    @property
    def id(self) -> str:
        return f"seed{self.seed}-{self.shape.id}-{self.dtype}-{self.device}"

    @property
    def kink_plan(self) -> str:
        """Rotates with seed and shape, so that any two seeds cover every plan."""
        offset = SHAPES.index(self.shape) if self.shape in SHAPES else 0
        return KINK_PLANS[(self.seed + offset) % len(KINK_PLANS)]

    def describe(self) -> str:
        s = self.shape
        return (
            f"{self.id} (seed={self.seed}, d={s.d}, h={s.h}, batch={s.batch}, "
            f"dtype={self.dtype}, device={self.device}, kink plan {self.kink_plan})"
        )


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
    return (
        torch.from_numpy(np.asarray(a, dtype=np.float64)).to(TORCH_DTYPES[dtype]).double().numpy()
    )


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
        "kink_units": rng.permutation(h)[: max(min(2, h), h // 3)],
        "near_sign": rng.choice([-1.0, 1.0], size=h),
    }


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
        a = W1[units] @ X[0]
        fine = 2.0**-20 if torch.finfo(TORCH_DTYPES[dtype]).eps < 2.0**-20 else 2.0**-6
        closeness = np.where(np.arange(units.size) % 2 == 0, 2.0**-6, fine)
        b1[units] = round_to(-a + v["near_sign"][units] * closeness * np.abs(a), dtype)


def _signs_survive_rounding(v: dict[str, np.ndarray], dtype: str) -> np.ndarray:
    """Per unit: does rounding a1 (float64, from the case's numbers) to the dtype keep the
    sign of every sample's activation? A near-kink activation below the dtype's smallest
    subnormal would round to 0, and the implementation, handed that 0, would rightly apply
    another ReLU mask than a float64 oracle."""
    A1 = v["X"] @ v["W1"].T + v["b1"]
    return np.all((A1 > 0) == (round_to(A1, dtype) > 0), axis=0)


@functools.lru_cache(maxsize=512)
def _inputs(seed: int, shape: Shape, dtype: str, plan: str) -> Inputs:
    v = _draw(seed, shape)
    for name in ("X", "W1", "b1", "W2", "b2", "Y"):
        v[name] = round_to(v[name], dtype)
    b1_drawn = v["b1"].copy()
    _apply_kink_plan(v, plan, dtype)
    lost = ~_signs_survive_rounding(v, dtype)
    v["b1"][lost] = b1_drawn[lost]  # a construction the dtype cannot hold: the drawn bias
    arrays = {n: v[n] for n in ("X", "Y", "W1", "b1", "W2", "b2")}
    for a in arrays.values():
        a.setflags(write=False)  # cached: nobody may change a case's numbers
    return Inputs(**arrays)


def inputs(case: Case) -> Inputs:
    """The case's numbers (cached; read-only arrays)."""
    return _inputs(case.seed, case.shape, case.dtype, case.kink_plan)


def make_cases(seeds, shapes, dtypes, devices) -> list[Case]:
    return [
        Case(s, sh, dt, dev) for s in seeds for sh in shapes for dt in dtypes for dev in devices
    ]


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


@functools.lru_cache(maxsize=512)
def _at_kink(seed: int, shape: Shape, dtype: str) -> Inputs:
    return _inputs(seed, shape, dtype, "exact-e1")


def at_kink(case: Case) -> Inputs:
    """The case's numbers with sample 0 rebuilt at the kink (plan "exact-e1")."""
    return _at_kink(case.seed, case.shape, case.dtype)
