"""Cases of a declared network: the one place where their inputs are drawn.

A case is (seed, architecture, dtype, device) for one declaration. Its numbers are drawn in
float64 from `np.random.default_rng([seed, *widths, B])`, then shaped by a family and a kink
plan that rotate with seed and architecture (any two seeds hold every family and plan at
every dtype), and rounded to the dtype: every implementation and every oracle sees exactly the
same numbers, exact in the dtype.

Architectures (`architectures`), for each depth L and output count k the declaration asks for
(depth "any": 1, 2, 3 rotating; outputs "any": 1, 3 rotating), input width d, hidden widths,
batch B (never a power of two but where B = 1 or B = 4... see ARCHS: 1, 5, 3, 6, 4, 3, 2,
so that 1/B is inexact in most cases, as a rounded 1/B must show):
    d=2  h=4..        B=1   the seed's widths
    d=3  h=3..        B=5   square (a transposed W keeps its shape)
    d=5  h=1..        B=3   width 1
    d=8  h=3,6,5..    B=6   every layer another width (a W of the wrong layer has the wrong shape)
    d=1  h=64,7,9..   B=4   one input, a wide first layer
    d=67 h=257,13,11  B=3   primes: every blocked loop has a partial last block
    d=3  h=1031,..    B=2   wider than 1024 (a block loop whose tail is wrong only past the
                            widths above), one seed and one dtype (`WIDE`)

Families (`FAMILIES`):
    typical      the draws as they are;
    large        x, every b and y scaled by the largest power of two for which every
                 intermediate of a correct computation stays below the dtype's CEILING
                 (`tolerances.layers` gives the peak, whatever the order of operations);
    tiny         x, every b, y and the output layer's W scaled down, to the largest power of
                 two for which every dW is below the smallest normal number, |x| < 1, |r| < 1;
    bf16-ties    every value halfway between two bfloat16 numbers, exact in float16;
    zero-bias    every b = 0 (a network without biases: zero-W instead);
    zero-W       the output layer's W = 0, and y = f for sample 0 (identity output): a zero
                 residual, every gradient of that sample exactly 0;
    saturated    sigmoid and tanh layers driven to |a| ~ 16 (their derivative vanishes, and
                 sigma(a) rounds to 1 in float32): ReLU-only networks take "typical".
Kink plans (networks with ReLU-like layers; `KINK_PLANS`): "exact" (sample 0 rebuilt so that
a third of layer 1's units sit at a = 0 exactly: x0 = 2^s e_1, b_j = -W_j1 2^s; and one unit of
every deeper ReLU-like layer a zero row and zero bias: a = 0 for every sample), "near" (layer
1's units within 2^-6 and 2^-20 relative of the kink, both sides), "none".
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np
import torch

from mlp_parity.cases import CEILING, round_to
from mlp_parity.declaration import Network
from mlp_parity.reference import network as refnet
from mlp_parity.tolerances.layers import Sides, layer_bounds
from mlp_parity.tolerances.per_sample import FORMATS

DTYPES = ("float64", "float32", "float16", "bfloat16")
TORCH_DTYPES = {name: getattr(torch, name) for name in DTYPES}
FAMILIES = ("typical", "large", "tiny", "bf16-ties", "zero-bias", "zero-W", "saturated")
KINK_PLANS = ("exact", "near", "none")


@dataclass(frozen=True, order=True)
class Arch:
    """Widths n_0 = d, n_1 ... n_L (hidden), n_{L+1} = k, and the batch B."""

    d: int
    hidden: tuple[int, ...]
    k: int
    batch: int

    @property
    def widths(self) -> tuple[int, ...]:
        return (self.d, *self.hidden, self.k)

    @property
    def depth(self) -> int:
        return len(self.hidden)

    @property
    def id(self) -> str:
        return f"d{self.d}h{'x'.join(map(str, self.hidden))}k{self.k}b{self.batch}"

    @property
    def n_params(self) -> int:
        w = self.widths
        return sum(w[i] * w[i + 1] + w[i + 1] for i in range(len(w) - 1))


# (d, hidden widths by layer, cycled for deeper networks, B)
ARCHS = (
    (2, (4,), 1),
    (3, (3,), 5),
    (5, (1,), 3),
    (8, (3, 6, 5), 6),
    (1, (64, 7, 9), 4),
    (67, (257, 13, 11), 3),
)
WIDE = (3, (1031, 5, 3), 2)  # one case: seed 0, float32 (`wide_case`)


def _arch(template, depth: int, k: int) -> Arch:
    d, hidden, B = template
    widths = tuple(hidden[i % len(hidden)] for i in range(depth))
    return Arch(d, widths, k, B)


@dataclass(frozen=True, order=True)
class NetCase:
    seed: int
    shape: Arch
    dtype: str
    device: str
    slot: int = 0  # the architecture template's index: rotates family and plan with seed
    hidden: tuple[str, ...] = ()  # the activations, for the id and describe()
    fam: str = ""  # the family its numbers have (`family_of`); "" until made for a network

    @property
    def rotation(self) -> str:
        """The family the seed and architecture ask for (`family` is what the network and
        the dtype allow of it)."""
        return FAMILIES[(self.seed + self.slot) % len(FAMILIES)]

    @property
    def family(self) -> str:
        return self.fam or self.rotation

    @property
    def kink_plan(self) -> str:
        return KINK_PLANS[(self.seed + self.slot) % len(KINK_PLANS)]

    @property
    def id(self) -> str:
        return f"seed{self.seed}-{self.shape.id}-{self.family}-{self.dtype}-{self.device}"

    def describe(self) -> str:
        s = self.shape
        acts = "/".join(self.hidden) if self.hidden else ""
        return (
            f"{self.id} (seed={self.seed}, d={s.d}, hidden={list(s.hidden)}"
            f"{' ' + acts if acts else ''}, k={s.k}, batch={s.batch}, dtype={self.dtype}, "
            f"device={self.device}, family {self.family}, kink plan {self.kink_plan})"
        )


def architectures(net: Network) -> list[tuple[int, Arch]]:
    """(slot, Arch) for the declaration; depth and outputs "any" rotate with the slot."""
    out = []
    depths, ks = net.depths, net.output_counts
    for slot, template in enumerate(ARCHS):
        depth = depths[slot % len(depths)]
        k = ks[(slot // len(depths)) % len(ks)] if len(ks) > 1 else ks[0]
        if net.targets == "flat":
            k = 1
        out.append((slot, _arch(template, depth, k)))
    return out


def make_cases(net: Network, seeds, dtypes, devices, wide: bool = True) -> list[NetCase]:
    acts = net.hidden
    cases = [
        NetCase(s, arch, dt, dev, slot, acts)
        for s in seeds
        for slot, arch in architectures(net)
        for dt in dtypes
        for dev in devices
    ]
    if wide and 0 in seeds and "float32" in dtypes:
        cases.append(wide_case(net, devices[0]))
    return [dataclasses.replace(c, fam=family_of(net, c)) for c in cases]


def wide_case(net: Network, device: str = "cpu") -> NetCase:
    depth = net.depths[0]
    k = 1 if net.targets == "flat" else net.output_counts[-1]
    return NetCase(0, _arch(WIDE, depth, k), "float32", device, len(ARCHS), net.hidden)


# --------------------------------------------------------------------------- the numbers
@dataclass(frozen=True)
class NetInputs:
    """One case's numbers, float64 arrays exact in the case's dtype, canonical form:
    X (B, d), Y (B, k), layers [(W_l (n_l, n_{l-1}), b_l (n_l,) or None)]."""

    X: np.ndarray
    Y: np.ndarray
    layers: tuple[tuple[np.ndarray, np.ndarray | None], ...]

    @property
    def params(self) -> list[np.ndarray]:
        out = []
        for W, b in self.layers:
            out.append(W)
            if b is not None:
                out.append(b)
        return out


def _y_range(net: Network) -> tuple[float, float]:
    return {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}.get(net.output, (-3.0, 3.0))


def targets(net: Network, arch: Arch, seed: int, rng: np.random.Generator) -> np.ndarray:
    """Y (B, k): uniform over the output's range for a regression loss; for softmax
    cross-entropy one-hot rows whose labels run through every class, the last included, and
    (one_hot labels, B > 1) sample 1 a probability row of powers of two (it sums to 1
    exactly in every dtype); for bce targets 0 and 1, sample 1 of 1/4 and 3/4 (one_hot)."""
    B, k = arch.batch, arch.k
    if not net.classification:
        lo, hi = _y_range(net)
        return rng.uniform(lo, hi, (B, k))
    labels = (np.arange(B) + seed) % k
    if net.loss == "softmax_cross_entropy":
        Y = np.eye(k)[labels]
        if net.labels == "one_hot" and B > 1:
            Y[1] = 0.0
            Y[1, labels[1]] = 0.5
            Y[1, (labels[1] + 1) % k] += 0.25
            Y[1, (labels[1] + 2) % k] += 0.25
        return Y
    if net.labels == "index" and k > 1:
        return np.eye(k)[labels]
    Y = rng.integers(0, 2, (B, k)).astype(np.float64)
    if net.labels == "one_hot" and B > 1:
        Y[1] = np.where(np.arange(k) % 2 == 0, 0.25, 0.75)
    return Y


def _draw(seed: int, arch: Arch, net: Network) -> dict:
    rng = np.random.default_rng([seed, *arch.widths, arch.batch])
    w = arch.widths
    scale = 2.0 ** int(rng.integers(-2, 4))
    layers = []
    for i in range(len(w) - 1):
        W = rng.standard_normal((w[i + 1], w[i])) / np.sqrt(w[i])
        b = 0.5 * rng.standard_normal(w[i + 1])
        layers.append([W, b if net.bias else None])
    return {
        "X": scale * rng.standard_normal((arch.batch, arch.d)),
        "Y": targets(net, arch, seed, rng),
        "layers": layers,
        "kink_units": rng.permutation(w[1])[: max(min(2, w[1]), w[1] // 3)],
        "deep_units": [int(rng.integers(0, n)) for n in w[2:-1]],
        "near_sign": rng.choice([-1.0, 1.0], size=w[1]),
    }


def _inputs_of(v: dict) -> NetInputs:
    return NetInputs(v["X"], v["Y"], tuple((W, b) for W, b in v["layers"]))


def _trace(net: Network, v: dict):
    inp = _inputs_of(v)
    return refnet.trace(net, list(inp.layers), inp.X, inp.Y)


def _round_all(v: dict, dtype: str) -> None:
    v["X"], v["Y"] = round_to(v["X"], dtype), round_to(v["Y"], dtype)
    for layer in v["layers"]:
        layer[0] = round_to(layer[0], dtype)
        if layer[1] is not None:
            layer[1] = round_to(layer[1], dtype)


def _relu_layers(net: Network, depth: int) -> list[int]:
    return [
        i for i, h in enumerate(net.hidden_at(depth)) if h.split(":")[0] in ("relu", "leaky_relu")
    ]


def _apply_kink_plan(v: dict, net: Network, arch: Arch, plan: str, dtype: str) -> None:
    relu = _relu_layers(net, arch.depth)
    if not relu or plan == "none":
        return
    X = v["X"]
    W1, b1 = v["layers"][0]
    units = v["kink_units"]
    if plan == "exact":
        if 0 in relu:
            X[0] = 0.0
            X[0, 0] = 1.0
            if b1 is not None:
                b1[units] = -W1[units, 0]
            else:
                W1[units, 0] = 0.0
        for layer, unit in zip(range(1, arch.depth), v["deep_units"]):
            if layer in relu:
                W, b = v["layers"][layer]
                W[unit] = 0.0
                if b is not None:
                    b[unit] = 0.0
    elif plan == "near" and 0 in relu and b1 is not None:
        a = W1[units] @ X[0]
        fine = 2.0**-20 if torch.finfo(TORCH_DTYPES[dtype]).eps < 2.0**-20 else 2.0**-6
        close = np.where(np.arange(units.size) % 2 == 0, 2.0**-6, fine)
        b1[units] = round_to(-a + v["near_sign"][units] * close * np.abs(a), dtype)


def _scale(v: dict, k: int, what=("X", "b", "Y")) -> None:
    """Multiply by 2^k: "X", "Y", every "b", the output layer's "Wout" and "bout"."""
    t = 2.0**k
    if "X" in what:
        v["X"] = v["X"] * t
    if "Y" in what:
        v["Y"] = v["Y"] * t
    last = len(v["layers"]) - 1
    for i, layer in enumerate(v["layers"]):
        if layer[1] is not None and ("b" in what or ("bout" in what and i == last)):
            layer[1] = layer[1] * t
        if "Wout" in what and i == last:
            layer[0] = layer[0] * t


def _copy(v: dict) -> dict:
    out = dict(v)
    out["layers"] = [[W.copy(), None if b is None else b.copy()] for W, b in v["layers"]]
    out["X"], out["Y"] = v["X"].copy(), v["Y"].copy()
    return out


def _peak(net: Network, v: dict, dtype: str) -> float:
    """The largest intermediate of a correct computation (inf where it overflows float64:
    the searches below step over such scalings)."""
    inp = _inputs_of(v)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        tr = refnet.trace(net, list(inp.layers), inp.X, inp.Y)
        bounds = layer_bounds(net, list(inp.layers), inp.X, inp.Y, tr, Sides(dtype))
    return bounds.peak if np.isfinite(bounds.peak) else np.inf


def _largest(fits, lo: int, hi: int) -> int | None:
    """The largest k in [lo, hi] with fits(k), fits monotone (true below, false above)."""
    if not fits(lo):
        return None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _large(net: Network, v: dict, dtype: str) -> dict | None:
    W = v["layers"][-1][0]
    w = int(np.floor(np.log2(np.abs(W).max(initial=0.0) or 1.0)))
    v = _copy(v)
    targets = () if net.classification else ("Y",)  # labels are not magnitudes
    _scale(v, -w, ("Wout", "bout", *targets))
    ceiling = CEILING[dtype]

    def fits(k: int) -> bool:
        t = _copy(v)
        _scale(t, k, ("X", "b", *targets))
        _round_all(t, dtype)
        return _peak(net, t, dtype) <= ceiling

    k = _largest(fits, -8, 600)
    if k is None:
        return None
    _scale(v, k, ("X", "b", *targets))
    return v


def _tiny(net: Network, v: dict, dtype: str) -> dict | None:
    if net.classification:
        return None  # p - t does not scale down with the inputs
    emin = FORMATS[dtype][1]
    v = _copy(v)
    W = v["layers"][-1][0]
    w = int(np.floor(np.log2(np.abs(W).max(initial=0.0) or 1.0)))
    _scale(v, -(max(w + 1, 0)), ("Wout",))

    def small(k: int) -> bool:  # every dW subnormal, |x| < 1, |r| < 1
        t = _copy(v)
        _scale(t, k, ("X", "b", "Y", "Wout"))
        _round_all(t, dtype)
        with np.errstate(under="ignore"):
            tr = _trace(net, t)
            grads = refnet.gradients(tr, net.bias)
        g = max(float(np.abs(dW).max(initial=0.0)) for dW, _ in grads)
        r = float(np.abs(tr.f - t["Y"]).max(initial=0.0))
        return g < 2.0**emin and float(np.abs(t["X"]).max(initial=0.0)) < 1 and r < 1

    j = _smallest(lambda j: small(-j), 0, 1100)  # the largest exponent that makes them so
    if j is None:
        return None
    _scale(v, -j, ("X", "b", "Y", "Wout"))
    return v


def _smallest(holds, lo: int, hi: int) -> int | None:
    """The smallest j in [lo, hi] with holds(j), holds monotone (false below, true above)."""
    if not holds(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if holds(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _ties(a: np.ndarray) -> np.ndarray:
    """sign(a) 2^floor(log2 |a|) (1 + 2^-8): halfway between two bfloat16 numbers."""
    _, exponent = np.frexp(np.abs(a))
    return np.where(a == 0, 0.0, np.sign(a) * np.ldexp(1.0 + 2.0**-8, exponent - 1))


def _bf16_ties(net: Network, v: dict) -> dict:
    v = _copy(v)
    v["X"] = _ties(v["X"])
    for layer in v["layers"]:
        layer[0] = _ties(layer[0])
        if layer[1] is not None:
            layer[1] = _ties(layer[1])
    tr = _trace(net, v)
    F = tr.f
    mag = np.where(F == 0, 1.0, np.ldexp(1.0, np.frexp(np.abs(F))[1]))
    if net.classification:
        pass  # labels and targets stay what they are
    elif net.output == "identity":
        v["Y"] = -np.where(F < 0, -1.0, 1.0) * mag * (1.0 + 2.0**-8)
    else:
        v["Y"] = _ties(v["Y"])
    scaled = ("X", "b") if net.classification else ("X", "b", "Y")  # labels stay labels
    for k in range(0, -40, -1):  # powers of two keep ties: fit float16
        t = _copy(v)
        _scale(t, k, scaled)
        if _peak(net, t, "float16") <= CEILING["float16"]:
            return t
    return v


def _saturated(net: Network, v: dict, depth: int) -> dict:
    """Sigmoid and tanh layers driven to |a| ~ 16; softmax cross-entropy's logits spread to
    about 64 (one class's probability rounds to 1 in float32, the others' far below)."""
    v = _copy(v)
    acts = net.activations(depth)
    for l, act in enumerate(acts):
        last = l == len(acts) - 1
        if last and net.loss == "softmax_cross_entropy":
            tr = _trace(net, v)
            spread = float(np.median(np.ptp(tr.A[l], axis=1))) or 1.0
            s = int(np.round(np.log2(64.0 / spread)))
            W, b = v["layers"][l]
            v["layers"][l][0] = W * 2.0**s
            if b is not None:
                v["layers"][l][1] = b * 2.0**s
            continue
        if not act.saturates:
            continue
        tr = _trace(net, v)
        med = float(np.median(np.abs(tr.A[l]))) or 1.0
        s = int(np.round(np.log2(16.0 / med)))
        W, b = v["layers"][l]
        v["layers"][l][0] = W * 2.0**s
        if b is not None:
            v["layers"][l][1] = b * 2.0**s
    return v


def _family(net: Network, case: NetCase) -> str:
    fam = case.rotation
    if fam == "zero-bias" and not net.bias:
        return "zero-W"
    saturating = any(a.saturates for a in net.activations(case.shape.depth))
    if fam == "saturated" and not (saturating or net.loss == "softmax_cross_entropy"):
        return "typical"
    return fam


@functools.lru_cache(maxsize=256)
def _inputs(
    net: Network, seed: int, arch: Arch, dtype: str, family: str, plan: str
) -> tuple[NetInputs, str]:
    v = _draw(seed, arch, net)
    if family == "zero-bias":
        for layer in v["layers"]:
            if layer[1] is not None:
                layer[1] = np.zeros_like(layer[1])
    elif family == "zero-W":
        v["layers"][-1][0] = np.zeros_like(v["layers"][-1][0])
        b = v["layers"][-1][1]
        if net.loss == "softmax_cross_entropy" and b is not None:
            b[:] = b[0]  # every logit equal: ties between all classes
    if net.loss == "softmax_cross_entropy" and family == "typical" and arch.k > 1:
        W, b = v["layers"][-1]
        W[1] = W[0]  # classes 0 and 1 tie exactly in every sample
        if b is not None:
            b[1] = b[0]
    elif family == "bf16-ties":
        v = _bf16_ties(net, v)
    elif family == "saturated":
        v = _saturated(net, v, arch.depth)
    _round_all(v, dtype)
    _apply_kink_plan(v, net, arch, plan, dtype)
    if family in ("large", "tiny"):
        scaled = (_large if family == "large" else _tiny)(net, v, dtype)
        if scaled is None:
            family = "typical"
        else:
            v = scaled
            _round_all(v, dtype)
    if family == "zero-W" and net.output == "identity" and not net.classification:
        tr = _trace(net, v)
        v["Y"][0] = tr.f[0]  # f = b_out exactly: y = f, a zero residual
    _round_all(v, dtype)
    if family not in ("typical", "large") and _peak(net, v, dtype) > CEILING[dtype]:
        # a family's values past what the dtype holds (a saturated layer's weights squared
        # by a penalty in float16): the typical case instead, said in its id
        return _inputs(net, seed, arch, dtype, "typical", plan)
    inp = _inputs_of(v)
    for a in (inp.X, inp.Y, *inp.params):
        a.setflags(write=False)
    return inp, family


def inputs(net: Network, case: NetCase) -> NetInputs:
    """The case's numbers (cached; read-only arrays)."""
    return _inputs(net, case.seed, case.shape, case.dtype, _family(net, case), case.kink_plan)[0]


def family_of(net: Network, case: NetCase) -> str:
    """The family the case's numbers actually have (one that does not apply to the network,
    or cannot be reached in its dtype, falls back to "typical")."""
    return _inputs(net, case.seed, case.shape, case.dtype, _family(net, case), case.kink_plan)[1]


def at_kink(net: Network, case: NetCase) -> NetInputs:
    """The case's numbers with the exact kink plan (typical magnitudes where the family's
    scaling would spoil the construction's exactness)."""
    fam = _family(net, case)
    fam = fam if fam in ("typical", "zero-bias", "bf16-ties", "saturated") else "typical"
    return _inputs(net, case.seed, case.shape, case.dtype, fam, "exact")[0]


def to_torch(a: np.ndarray, case: NetCase) -> torch.Tensor:
    return torch.tensor(np.asarray(a), dtype=TORCH_DTYPES[case.dtype], device=case.device)


def replace(inp: NetInputs, **changes) -> NetInputs:
    return dataclasses.replace(inp, **changes)


def other(net: Network, case: NetCase) -> NetInputs:
    """Another problem of the case's architecture and dtype (typical magnitudes, no kink
    construction): what the contract, ownership and order checks call between two calls on
    the case's own numbers."""
    return _inputs(net, case.seed + 7919, case.shape, case.dtype, "typical", "none")[0]
