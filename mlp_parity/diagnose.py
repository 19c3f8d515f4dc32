"""Diagnosis: after a run with failures, the cause named in a few lines, with its evidence.

One bug makes hundreds of failed checks; the diagnosis says what the bug is:

    diagnose(impl, failures) -> list[Diagnosis]     strongest first; [] when nothing failed
    format_diagnosis(diagnoses) -> list[str]        the lines the terminal shows

For an implementation with failed checks it

1. reads what the failures say as data (`Failure.kind`): shape, dtype, device, crash,
   mutates-input, nondeterministic, stateful, aliased-output name the pattern directly;
2. localises, on a few deterministic probe cases (`probes()`: (seed, shape) pairs, float64
   first, then the dtypes that failed): the forward is compared with the float64 reference
   stage by stage (a1 from the inputs; h from the module's own a1; f from its own h), so the
   first wrong stage carries the blame; the backward, given the reference (a1, h, f), with
   the reference gradient; where both differ, whether the backward is the gradient of the
   module's own forward (central differences along random directions);
3. classifies each tensor that differs, with patterns that must fit on every probe case and
   every element, within the same tolerances the checks use (`tolerances`):
   zero; sign / scale (actual = k x expected, one k, or k x n constant for n = h, d, B);
   transposed; missing-term / extra-term (actual - expected = c x b1, b2, W1, W2, or a
   constant; or a gradient that does not vanish at zero residual, f = y); precision (errors
   far above the dtype's rounding but small: the effective bits); mask-missing,
   mask-inverted, mask-wrong-at-kink (where a1 <= 0, everywhere, at or next to a1 = 0);
   partial (wrong only on some units, inputs, or a range of a1 or of the residual, with what
   is wrong there);
4. tells state from noise: two fresh copies of the module (its source executed again) given
   the same calls, and a fresh copy's first call against the module's answer after a run.

Nothing that fits: `unknown`, with the worst error. The vocabulary is `PATTERNS`; a pattern is
added only with a planted bug in tests/mutants/ that needs it (mask-inverted: inverted_mask).
The probes are calibrated on the mutation catalogue (each mutant declares its `DIAGNOSIS`) and
flag no correct implementation (tests/test_diagnose.py).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from mlp_parity import cases, checks, compare, oracles, process_state, tolerances
from mlp_parity.cases import Case, Shape
from mlp_parity.external import Implementation, ImplementationCrash
from mlp_parity.report import Diagnosis

PATTERNS = (
    "declaration",  # a declared network's code follows another declaration (network_diagnose)
    "activation-derivative",  # sigma' computed from the wrong variable (network_diagnose)
    "inconsistent",  # a declared network's gradient is not the gradient of its own loss
    "labels",  # classification targets read shifted by a class (network_diagnose)
    "not-finite",  # inf or NaN where the reference is finite
    "sign",
    "scale",
    "transposed",
    "mask-missing",
    "mask-inverted",
    "mask-wrong-at-kink",
    "zero",
    "partial",
    "missing-term",
    "extra-term",
    "precision",
    "shape",
    "dtype",
    "device",
    "mutates-input",
    "aliased-output",
    "nondeterministic",
    "stateful",
    "crash",
    "uses-autograd",
    "global-state",
    "layout",
    "wrong-order",
    "not-finite",
    "clipped",
    "rounding-mode",
    "unknown",
)
LOCATIONS = ("forward", "backward", "forward+backward", "contract")

# The probe cases, (seed, shape): two seeds over the case generator's shapes but the largest
# (probed only where a failure needs it), which hold every kink plan; and a square network,
# where a transposed dW1 keeps its shape, at the first two seeds whose case puts a unit just
# above the kink (`_just_above_kink`), so that a threshold in a mask shows in two cases.
SQUARE = Shape(4, 4, 2)
SMALL_SHAPES = tuple(s for s in cases.SHAPES if s.h * s.d <= 1024)


@functools.lru_cache(maxsize=1)
def probes() -> tuple[tuple[int, Shape], ...]:
    return (
        *((seed, s) for seed in (0, 1) for s in SMALL_SHAPES),
        *((seed, SQUARE) for seed in _just_above_kink(SQUARE, 2)),
    )


def _just_above_kink(shape: Shape, n: int) -> list[int]:
    """The first n seeds whose sample 0 has an activation in (0, 2^-20] at float64 and at
    float32: the near plan's construction on the positive side, below the 1e-6 that a
    threshold in a mask typically uses; in a family of ordinary magnitudes with W1 and W2
    non-zero (in the tiny family every activation is that small, and a threshold zeroes
    whole cases, which says nothing of where it cuts)."""
    found = []
    for seed in range(1000):
        if Case(seed, shape, "float64", "cpu").family not in ("typical", "zero-bias"):
            continue
        near = []
        for dtype in ("float64", "float32"):
            inp = cases.inputs(Case(seed, shape, dtype, "cpu"))
            a1 = inp.W1 @ inp.X[0] + inp.b1
            near.append(np.any((a1 > 0) & (a1 <= 2.0**-20)))
        if all(near):
            found.append(seed)
        if len(found) == n:
            break
    return found


# An element takes part in a pattern's fit ("decidable") where the value it is tested on is
# larger than this many tolerances: below, right and wrong cannot be told apart.
DECIDABLE = 4.0
# precision: errors at most this fraction of the magnitudes they are formed from (a bug that
# changes values outright errs by O(1) of them)
PRECISION_MAX = 2.0**-5
# mask-wrong-at-kink (a threshold): the wrong activations lie within this fraction of the
# median |a1| of the case set
NEAR_KINK = 2.0**-4
MAX_LISTED = 5  # diagnoses listed per implementation; the rest are counted
# What reading an implementation's outputs of an unexpected type can raise.
UNUSABLE = (TypeError, ValueError, IndexError, RuntimeError, AttributeError)

# Failure kinds that name their pattern directly.
KIND_PATTERN = {
    compare.SHAPE: "shape",
    compare.ARITY: "shape",
    compare.DTYPE: "dtype",
    compare.TYPE: "dtype",
    compare.DEVICE: "device",
    compare.CRASH: "crash",
    compare.MUTATES_INPUT: "mutates-input",
    compare.ALIASED_OUTPUT: "aliased-output",
    compare.NONDETERMINISTIC: "nondeterministic",
    compare.STATEFUL: "stateful",
    compare.CANCELLATION: "precision",
    compare.USES_AUTOGRAD: "uses-autograd",
    compare.GLOBAL_STATE: "global-state",
    compare.THREAD_UNSAFE: "stateful",  # state shared by calls that run at the same time
}
# The order diagnoses are listed in: state first (a module whose results depend on earlier
# calls crashes, or returns other shapes and dtypes, on a call after one of another shape or
# dtype: those are what the state does), then what stops everything, forms, values.
ORDER = (
    "global-state",
    "wrong-order",
    "layout",
    "stateful",
    "crash",
    "uses-autograd",
    "transposed",
    "shape",
    "dtype",
    "device",
    "nondeterministic",
    "mutates-input",
    "aliased-output",
)

HINTS = {
    "sign": "f - y and y - f swapped, or a - where a + belongs",
    "transposed": "outer(x, da1) where outer(da1, x) belongs, a missing .T, or a reshape "
    "where a transpose belongs",
    "zero": "the gradient is never computed (zeros_like, or an overwritten buffer)",
    "mask-missing": "the ReLU derivative 1[a1 > 0] is not applied",
    "mask-inverted": "the mask is 1[a1 <= 0] where 1[a1 > 0] belongs",
    "mask-wrong-at-kink": "ReLU'(0) = 0 (PyTorch's convention): the mask is a1 > 0, "
    "not a1 >= 0 nor a1 > t",
    "precision": "computed in a lower precision inside (a cast, or a float32 constant)",
    "stateful": "a cache, buffer or accumulator kept between calls",
    "nondeterministic": "an unseeded random draw, or a reduction in a changing order",
    "mutates-input": "an in-place operation (mul_, +=, out=) on an argument",
    "aliased-output": "an output that is an input, or a buffer the module keeps",
    "shape": "reshape the output to the parameter's shape",
    "dtype": "no silent promotion or demotion: return the inputs' dtype",
    "device": "create new tensors on the inputs' device",
    "uses-autograd": "gradients by hand: no requires_grad_, torch.autograd.grad or .backward() "
    "inside forward or backward",
    "wrong-order": "return the outputs in the contract's order: (a1, h, f) from forward, "
    "(dW1, db1, dW2, db2) from backward",
    "not-finite": "a division by a quantity that can be 0 (r, a1, a norm), a log or sqrt of 0, "
    "or 0 * inf: guard the special value, or form the expression without the division",
    "clipped": "a clamp where none belongs (gradient-value clipping, a saturating activation, "
    "a clipped residual)",
    "rounding-mode": "a conversion that truncates (drops bits, rounds toward zero or down) where "
    "round-to-nearest belongs: use .to(dtype), which rounds to nearest",
    "layout": "code that assumes contiguous memory (.view(), a write through .reshape(-1), "
    ".numpy() or data_ptr arithmetic on an argument): use .reshape or .contiguous() to read, "
    "and write into tensors of your own",
    "global-state": "a call that sets process-wide state (torch.manual_seed, "
    "torch.set_grad_enabled, torch.set_default_dtype, np.seterr, ...): use a local generator "
    "(torch.Generator, np.random.default_rng) or a context manager that puts the state back "
    "(torch.no_grad(), np.errstate)",
}


# --------------------------------------------------------------------------- the result
def format_diagnosis(diagnoses: Sequence[Diagnosis], failed: int | None = None) -> list[str]:
    """The lines for one implementation's diagnoses (empty when there are none)."""
    if not diagnoses:
        return []
    shown = list(diagnoses[:MAX_LISTED])
    count = "one finding" if len(diagnoses) == 1 else f"{len(diagnoses)} findings, strongest first"
    tests = f", {plural(failed, 'failed test')}" if failed else ""
    lines = [f"{diagnoses[0].impl}: {count}{tests}"]
    for i, d in enumerate(shown, 1):
        tensors = f"; {', '.join(d.tensors)}" if d.tensors else ""
        lines.append(f"  {i}. {d.pattern} ({d.location}{tensors})")
        lines.append(f"     {d.evidence}")
        if d.hint:
            lines.append(f"     usually: {d.hint}")
    if len(diagnoses) > len(shown):
        rest = ", ".join(d.pattern for d in diagnoses[len(shown) :])
        lines.append(f"  and {len(diagnoses) - len(shown)} more: {rest}")
    if diagnoses[0].where:
        lines.append(f"  where: {diagnoses[0].where}")
    return lines


# --------------------------------------------------------------------------- findings
@dataclass
class Finding:
    """A pattern found before merging: `text` is the evidence with {T} for the tensor list
    and {name} for the numbers in `nums`, which merging combines by the name's prefix
    (max_, min_, n_: largest, smallest, sum; others: the first finding's)."""

    pattern: str
    key: str
    stages: set[str]
    tensors: list[str]
    text: str
    nums: dict = field(default_factory=dict)
    hint: str = ""
    weight: float = 0.0
    loc: str = ""  # the location, where the stages do not say it
    explains: float = 0  # how many of the run's failures it accounts for (`_explains`)

    @property
    def evidence(self) -> str:
        text = self.text.format(T=", ".join(self.tensors), **self.nums)
        return text.replace("infx the tolerance", "beyond any tolerance")

    @property
    def location(self) -> str:
        if self.loc:
            return self.loc
        if "contract" in self.stages:
            return "contract"
        fwd = "forward" in self.stages
        bwd = bool(self.stages - {"forward"})
        return "forward+backward" if fwd and bwd else ("forward" if fwd else "backward")


def _merge(findings: Iterable[Finding]) -> list[Finding]:
    """Findings of the same pattern and key become one, over all their tensors."""
    merged: dict[tuple[str, str], Finding] = {}
    for f in findings:
        k = (f.pattern, f.key)
        if k not in merged:
            merged[k] = dataclasses.replace(
                f, stages=set(f.stages), tensors=list(f.tensors), nums=dict(f.nums)
            )
            continue
        m = merged[k]
        m.stages |= f.stages
        m.tensors += [t for t in f.tensors if t not in m.tensors]
        m.weight += f.weight
        m.explains = max(m.explains, f.explains)
        for name, v in f.nums.items():
            if name not in m.nums:
                m.nums[name] = v
            elif name.startswith("max_"):
                m.nums[name] = max(m.nums[name], v)
            elif name.startswith("min_"):
                m.nums[name] = min(m.nums[name], v)
            elif name.startswith("n_"):
                m.nums[name] = m.nums[name] + v
    return list(merged.values())


# --------------------------------------------------------------------------- probe tables
@dataclass
class Table:
    """One tensor of one stage over the probe cases, flattened: actual, expected, allowed
    error and the magnitude it is formed from, per element, with each element's attributes
    (case, sample, unit, input, a1, r = f - y, f, and the case's h, d, B)."""

    tensor: str
    stage: str  # forward, backward, zero-residual, batch
    dtype: str
    actual: np.ndarray
    expected: np.ndarray
    allowed: np.ndarray
    magnitude: np.ndarray
    attrs: dict[str, np.ndarray]
    unmasked: np.ndarray | None = None  # the value the ReLU mask is applied to, where it is
    terms: dict[str, np.ndarray] = field(default_factory=dict)  # candidate additive terms
    expected_t: np.ndarray | None = None  # expected transposed (square matrices), else NaN
    forms: Counter = field(default_factory=Counter)  # "transposed" / "shape (4,)": cases
    n_cases: int = 0

    @property
    def wrong(self) -> np.ndarray:
        """Elements outside their tolerance; inf - inf (an overflow where the large family
        expects one, or a NaN) is wrong too, without a warning."""
        with np.errstate(invalid="ignore", over="ignore"):
            return ~(np.abs(self.actual - self.expected) <= self.allowed)

    def subset(self, keep: np.ndarray) -> Table:
        pick = lambda a: None if a is None else a[keep]  # noqa: E731
        return dataclasses.replace(
            self,
            actual=self.actual[keep],
            expected=self.expected[keep],
            allowed=self.allowed[keep],
            magnitude=self.magnitude[keep],
            attrs={k: v[keep] for k, v in self.attrs.items()},
            unmasked=pick(self.unmasked),
            terms={k: v[keep] for k, v in self.terms.items()},
            expected_t=pick(self.expected_t),
            n_cases=len(np.unique(self.attrs["case"][keep])),
        )

    def cases_where(self, mask: np.ndarray) -> int:
        return len(np.unique(self.attrs["case"][mask]))


class _Collector:
    """Gathers (stage, tensor) chunks, one per case, into Tables; and the outputs' forms."""

    def __init__(self, dtype: str, y_form: str = "0-d") -> None:
        self.dtype = dtype
        self.y_form = y_form  # the form backward is handed y in (external.Y_FORMS)
        self.chunks: dict[tuple[str, str], list[dict]] = {}
        self.forms: dict[tuple[str, str], dict[str, set[int]]] = {}  # note -> cases
        self.crashes: Counter = Counter()

    def form(self, stage: str, tensor: str, note: str, case: int) -> None:
        self.forms.setdefault((stage, tensor), {}).setdefault(note, set()).add(case)

    def add(
        self, stage: str, tensor: str, actual, expected, allowed, magnitude, attrs, **extra
    ) -> None:
        expected = np.asarray(expected, dtype=np.float64)
        shape = expected.shape
        chunk = {
            "actual": np.asarray(actual, dtype=np.float64).reshape(-1),
            "expected": expected.reshape(-1),
            "allowed": np.broadcast_to(np.asarray(allowed, dtype=np.float64), shape).reshape(-1),
            "magnitude": np.broadcast_to(np.asarray(magnitude, dtype=np.float64), shape).reshape(
                -1
            ),
            "attrs": {k: np.broadcast_to(v, shape).reshape(-1) for k, v in attrs.items()},
            "unmasked": None
            if extra.get("unmasked") is None
            else np.broadcast_to(extra["unmasked"], shape).reshape(-1),
            "terms": {
                k: np.broadcast_to(v, shape).reshape(-1) for k, v in extra.get("terms", {}).items()
            },
        }
        if extra.get("expected_t") is not None:  # what a transposed weight gives
            chunk["expected_t"] = np.asarray(extra["expected_t"], dtype=np.float64).reshape(-1)
        elif len(shape) == 3 and shape[1] > 1 and shape[2] > 1:  # (samples, n, m) matrices
            # expected.T read back in row-major order as (n, m): the transpose itself on
            # square matrices, and what .reshape(n, m) of the (m, n) product gives otherwise
            chunk["expected_t"] = np.swapaxes(expected, 1, 2).reshape(-1)
        else:
            chunk["expected_t"] = np.full(expected.size, np.nan)
        self.chunks.setdefault((stage, tensor), []).append(chunk)

    def _forms(self, stage: str, tensor: str) -> Counter:
        return Counter({k: len(v) for k, v in self.forms.get((stage, tensor), {}).items()})

    def tables(self) -> list[Table]:
        out = [
            _table(stage, tensor, self.dtype, chunks, self._forms(stage, tensor))
            for (stage, tensor), chunks in self.chunks.items()
        ]
        empty = np.zeros(0)
        for stage, tensor in self.forms:
            if (stage, tensor) not in self.chunks:  # never comparable: forms only
                forms = self._forms(stage, tensor)
                out.append(
                    Table(tensor, stage, self.dtype, *[empty] * 4, {"case": empty}, forms=forms)
                )
        return out


def _table(stage: str, tensor: str, dtype: str, chunks: list[dict], forms: Counter) -> Table:
    def cat(key: str, within: str | None = None) -> np.ndarray:
        return np.concatenate([c[within][key] if within else c[key] for c in chunks])

    attrs = {k: cat(k, "attrs") for k in chunks[0]["attrs"]}
    return Table(
        tensor,
        stage,
        dtype,
        cat("actual"),
        cat("expected"),
        cat("allowed"),
        cat("magnitude"),
        attrs,
        None if chunks[0]["unmasked"] is None else cat("unmasked"),
        {k: cat(k, "terms") for k in chunks[0]["terms"]},
        cat("expected_t"),
        forms,
        len(np.unique(attrs["case"])),
    )


def _f64(value) -> np.ndarray | None:
    """compare.as_float64, or None for an output that cannot be read as numbers."""
    try:
        return compare.as_float64(value)
    except (TypeError, ValueError, RuntimeError):
        return None


def _align(value, shape: tuple[int, ...]) -> tuple[np.ndarray | None, str]:
    """The output as an array of `shape`: as it is, transposed back (note "transposed"), or
    reshaped (note "shape (...)"); None when its size differs."""
    a = _f64(value)
    if a is None:
        return None, f"type {type(value).__name__}"
    if a.shape == shape:
        return a, ""
    if a.ndim == 2 and len(shape) == 2 and a.shape == shape[::-1]:
        return a.T, "transposed"
    if a.size == math.prod(shape):
        return a.reshape(shape), f"shape {a.shape}"
    return None, f"shape {a.shape}"


def _attrs(layout: str, ci: int, case: Case, A1: np.ndarray, R: np.ndarray, F: np.ndarray) -> dict:
    """Per-element attributes of a tensor stacked over the case's samples, (B, *shape), laid
    out over units ("h"), a (1, h) row ("1h"), units x inputs ("hd"), a scalar ("s") or a
    (1,) ("s1"); each value broadcasts against (B, *shape)."""
    nd = {"h": 1, "1h": 2, "hd": 2, "s": 0, "s1": 1}[layout]
    per_sample = lambda v: np.reshape(v, (len(R),) + (1,) * nd)  # noqa: E731
    s = case.shape
    common = {
        "case": ci,
        "sample": per_sample(np.arange(len(R))),
        "r": per_sample(R),
        "f": per_sample(F),
        "h": s.h,
        "d": s.d,
        "B": s.batch,
        "unit": -1,
        "input": -1,
        "a1": np.nan,
        # every unit of the sample off (a path that skips the hidden layer)
        "dead": per_sample(np.all(np.asarray(A1) <= 0, axis=-1)),
    }
    if layout == "h":
        return common | {"unit": np.arange(s.h), "a1": A1}
    if layout == "1h":
        return common | {"unit": np.arange(s.h)[None, :], "a1": A1[:, None, :]}
    if layout == "hd":
        return common | {
            "unit": np.arange(s.h)[:, None],
            "input": np.arange(s.d)[None, :],
            "a1": A1[:, :, None],
        }
    return common


def _reference_forward(inp: cases.Inputs):
    outs = [oracles.reference_forward(x, *inp.params) for x in inp.X]
    return tuple(np.stack([np.asarray(o[k], dtype=np.float64) for o in outs]) for k in range(3))


def _stack(col: _Collector, stage: str, name: str, outs: list, shape: tuple, ci: int):
    """The samples' outputs aligned to `shape` and stacked, (B, *shape); None where any
    sample's output cannot be compared. Form notes go to the collector."""
    aligned = [_align(o, shape) for o in outs]
    for _, note in aligned:
        if note:
            col.form(stage, name, note, ci)
    if any(a is None for a, _ in aligned):
        return None
    return np.stack([a for a, _ in aligned])


def _permutation(outs: list[tuple], expected: list[list], allowed: list) -> tuple[int, ...] | None:
    """The order the outputs came in, where it is not the contract's: pi with output k of
    every sample equal (its shape, and its values within the allowed error) to expected
    output pi[k]; None where the contract's order fits, or no order does. `expected[j]` and
    `allowed[j]`: output j of every sample (arrays, one per sample) and its bound."""
    n = len(expected)

    def fits(k: int, j: int) -> bool:
        for i, out in enumerate(outs):
            a = _f64(out[k])
            e = np.asarray(expected[j][i], dtype=np.float64)
            if a is None or a.shape != e.shape:
                return False
            tol = np.broadcast_to(np.asarray(allowed[j], dtype=np.float64)[i], e.shape)
            with np.errstate(invalid="ignore"):
                if not np.all(np.abs(a - e) <= tol):
                    return False
        return True

    match = [[fits(k, j) for j in range(n)] for k in range(n)]
    if all(match[k][k] for k in range(n)):
        return None
    for pi in itertools.permutations(range(n)):
        if pi != tuple(range(n)) and all(match[k][pi[k]] for k in range(n)):
            return pi
    return None


def _note_order(col: _Collector, stage: str, names: tuple[str, ...], pi, ci: int) -> None:
    if pi is not None:
        col.form(stage, "outputs", "order (" + ", ".join(names[j] for j in pi) + ")", ci)


def _forward_case(col: _Collector, impl: Implementation, case: Case, ci: int, layout=None) -> None:
    """Stage by stage: a1 against the reference, h against ReLU of the module's own a1, f
    against W2 h + b2 of its own h, the loss (where there is one) against 1/2 (f - y)^2."""
    inp = cases.inputs(case)
    t = inp.to_torch(case.dtype, case.device)
    A1e, He, Fe = _reference_forward(inp)
    e = tolerances.forward_bounds(inp.X, inp.W1, inp.b1, inp.W2, inp.b2, inp.Y, He, case.dtype)
    outs = [
        impl.forward(t["X"][i], t["W1"], t["b1"], t["W2"], t["b2"], layout=layout)
        for i in range(len(inp.X))
    ]
    if any(len(o) != 3 for o in outs):
        col.form("forward", "a1, h, f", f"{len(outs[0])} values", ci)
        return
    e_f = np.asarray(e["f"])
    order = _permutation(outs, [A1e, He, Fe], [e["a1"], e["a1"], e_f])
    _note_order(col, "forward", ("a1", "h", "f"), order, ci)
    h = case.shape.h
    A1, H, F = (
        _stack(col, "forward", n, [o[k] for o in outs], s, ci)
        for k, (n, s) in enumerate((("a1", (h,)), ("h", (h,)), ("f", ())))
    )
    R = Fe - inp.Y
    mag_a1 = np.abs(inp.X) @ np.abs(inp.W1).T + np.abs(inp.b1)
    if A1 is not None:
        attrs = _attrs("h", ci, case, A1e, R, Fe)
        square = case.shape.d == case.shape.h > 1  # W1 read as (d, h) keeps the shapes
        A1t = inp.X @ inp.W1 + inp.b1 if square else np.full(A1e.shape, np.nan)
        col.add(
            "forward", "a1", A1, A1e, e["a1"], mag_a1, attrs, terms={"b1": inp.b1}, expected_t=A1t
        )
    own_a1 = A1e if A1 is None else A1
    if H is not None:
        attrs = _attrs("h", ci, case, own_a1, R, Fe)
        col.add("forward", "h", H, np.maximum(own_a1, 0.0), e["a1"], mag_a1, attrs, unmasked=own_a1)
    own_h = He if H is None else H
    if F is None:
        return
    w2 = np.abs(inp.W2[0])
    mag_f = np.abs(own_h) @ w2 + abs(inp.b2[0])
    allowed_f = tolerances.bound(h + 1, mag_f, case.dtype) + e["a1"] @ w2
    attrs = _attrs("s", ci, case, A1e, R, Fe)
    expected_f = own_h @ inp.W2[0] + inp.b2[0]
    col.add("forward", "f", F, expected_f, allowed_f, mag_f, attrs, terms={"b2": inp.b2[0]})
    if impl.has("loss"):
        losses = [impl.call("loss", o[2], y) for o, y in zip(outs, t["Y"])]
        L = _stack(col, "forward", "loss", losses, (), ci)
        if L is not None:
            m = np.abs(F) + np.abs(inp.Y)
            col.add("forward", "loss", L, 0.5 * (F - inp.Y) ** 2, e["loss"], 0.5 * m * m, attrs)


GRAD_LAYOUT = {"dW1": "hd", "db1": "h", "dW2": "1h", "db2": "s1"}
RESIDUAL_B2 = "b2 in the residual"  # a term: the gradient's share of b2 through r = f - y


def _backward_case(col: _Collector, impl: Implementation, case: Case, ci: int, layout=None) -> None:
    """The backward given the reference (a1, h, f) rounded to the dtype, against the
    reference gradient; and again at zero residual (y = f), where every gradient is 0."""
    inp = cases.inputs(case)
    t = inp.to_torch(case.dtype, case.device)
    A1r, Hr, Fr = checks.backward_inputs(inp, case.dtype)
    dt = cases.TORCH_DTYPES[case.dtype]
    B = len(inp.X)
    for stage, Y in (("backward", inp.Y), ("zero-residual", Fr)):
        given = [torch.tensor(v, dtype=dt, device=case.device) for v in (A1r, Hr, Fr, Y)]
        outs = [
            impl.backward(
                t["X"][i],
                given[3][i],
                given[0][i],
                given[1][i],
                given[2][i],
                t["W1"],
                t["W2"],
                layout=layout,
                y_form=col.y_form,
            )
            for i in range(B)
        ]
        if any(len(g) != 4 for g in outs):
            col.form(stage, "dW1, db1, dW2, db2", f"{len(outs[0])} values", ci)
            return
        refs = [
            oracles.reference_backward(inp.X[i], Y[i], A1r[i], Hr[i], Fr[i], inp.W1, inp.W2)
            for i in range(B)
        ]
        allowed = tolerances.backward_bounds(inp.X, Y, Hr, Fr, inp.W2, case.dtype)
        mags = tolerances.backward_magnitudes(inp.X, Y, Hr, Fr, inp.W2)
        if stage == "backward":
            per_output = [[np.asarray(r[k], dtype=np.float64) for r in refs] for k in range(4)]
            bounds = [allowed[n] for n in checks.GRADS]
            order = _permutation(outs, per_output, bounds)
            _note_order(col, stage, checks.GRADS, order, ci)
        R = Fr - Y
        da1 = R[:, None] * inp.W2[0]
        unmasked = {
            "dW1": da1[:, :, None] * inp.X[:, None, :],
            "db1": da1,
            "dW2": (R[:, None] * A1r)[:, None, :],
        }
        # each gradient per unit of residual (it is linear in r), times b2: a residual formed
        # without b2 (f recomputed as W2 h) differs by minus this, one with b2 twice by plus it
        active = inp.W2[0] * (A1r > 0)
        per_r = {
            "dW1": active[:, :, None] * inp.X[:, None, :],
            "db1": active,
            "dW2": Hr[:, None, :],
            "db2": np.ones((B, 1)),
        }
        terms = {"dW1": {"W1": inp.W1}, "dW2": {"W2": inp.W2}}
        for k, (name, p) in enumerate(zip(checks.GRADS, inp.params)):
            actual = _stack(col, stage, name, [g[k] for g in outs], p.shape, ci)
            if actual is None:
                continue
            expected = np.stack([np.asarray(r[k], dtype=np.float64) for r in refs])
            attrs = _attrs(GRAD_LAYOUT[name], ci, case, A1r, R, Fr)
            residual_b2 = {RESIDUAL_B2: per_r[name] * inp.b2[0]}
            col.add(
                stage,
                name,
                actual,
                expected,
                allowed[name],
                mags[name][1],
                attrs,
                unmasked=unmasked.get(name),
                terms=terms.get(name, {}) | residual_b2,
            )
    if impl.has("backward_batch"):  # a batch of one included: len(X) and X.squeeze() differ
        # the batches the checks compare: a size that is not a power of two, and B = 1
        for j, batch in enumerate(checks._mean_batches(case, inp)):
            fwd = (A1r, Hr, Fr) if batch is inp else checks.backward_inputs(batch, case.dtype)
            _batch_case(col, impl, case, ci + 0.5 * j, batch, fwd, layout)


def _batch_case(
    col: _Collector, impl: Implementation, case: Case, ci: int, inp, fwd, layout=None
) -> None:
    """backward_batch against the mean of the reference's per-sample gradients, the inputs
    laid out by `layout`."""
    t = inp.to_torch(case.dtype, case.device)
    dt = cases.TORCH_DTYPES[case.dtype]
    A1, H, F = (torch.tensor(v, dtype=dt, device=case.device) for v in fwd)
    args = (t["X"], t["Y"], A1, H, F, t["W1"], t["W2"])
    native = impl.natives("backward_batch", args, layout)
    out = impl.outputs(impl.call_native("backward_batch", *native), t["X"])
    refs = [
        oracles.reference_backward(
            inp.X[i], inp.Y[i], fwd[0][i], fwd[1][i], fwd[2][i], inp.W1, inp.W2
        )
        for i in range(len(inp.X))
    ]
    per_sample = tolerances.backward_bounds(inp.X, inp.Y, fwd[1], fwd[2], inp.W2, case.dtype)
    batch = tolerances.backward_batch_bounds(inp.X, inp.Y, fwd[1], fwd[2], inp.W2, case.dtype)
    B = len(inp.X)
    nan = np.full(1, np.nan)
    # what the batch would be without the ReLU mask: the mean of the unmasked gradients
    R = fwd[2] - inp.Y
    dA1 = R[:, None] * inp.W2[0]
    unmasked = {"dW1": (dA1[:, :, None] * inp.X[:, None, :]).mean(0), "db1": dA1.mean(0)}
    for k, (name, p) in enumerate(zip(checks.GRADS, inp.params)):
        expected = np.mean([np.asarray(r[k], dtype=np.float64) for r in refs], axis=0)
        actual = _stack(col, "batch", name, [out[k]], p.shape, ci)
        if actual is None:
            continue
        allowed = (
            batch[name]
            + per_sample[name].mean(0)
            + tolerances.gamma(B, "float64") * np.abs(expected)
        )
        attrs = _attrs(GRAD_LAYOUT[name], ci, case, np.full((1, case.shape.h), np.nan), nan, nan)
        attrs["B"] = B  # the batch compared (`checks._mean_batches`)
        col.add(
            "batch",
            name,
            actual,
            expected[None],
            allowed[None],
            np.abs(expected[None]) + allowed[None],
            attrs,
            unmasked=unmasked[name][None] if name in unmasked else None,
        )


def probe_cases(
    dtype: str, device: str = "cpu", which: Sequence[tuple[int, Shape]] | None = None
) -> list[Case]:
    return [Case(seed, shape, dtype, device) for seed, shape in which or probes()]


@dataclass
class Probe:
    """What the probes saw at one dtype."""

    dtype: str
    tables: list[Table]
    crashes: Counter  # crash text -> cases
    n_cases: int
    crashed: int = 0  # cases on which a call raised
    layout: object = None  # the call_patterns.Layout the inputs were passed in (None: contiguous)
    y_form: str = "0-d"  # the form backward was handed y in

    def wrong(self, stages: Iterable[str]) -> list[Table]:
        stages = set(stages)
        return [t for t in self.tables if t.stage in stages and (t.wrong.any() or t.forms)]


def run_probes(
    impl: Implementation,
    dtype: str,
    device: str = "cpu",
    which: Sequence[tuple[int, Shape]] | None = None,
    layout=None,
    y_form: str = "0-d",
) -> Probe:
    """The forward and backward probes on every probe case at `dtype`, the inputs passed in
    `layout` (a call_patterns.Layout; None: contiguous), y in `y_form`."""
    col = _Collector(dtype, y_form)
    case_list = probe_cases(dtype, device, which)
    crashed = set()
    for ci, case in enumerate(case_list):
        for stage in (_forward_case, _backward_case):
            try:
                # the module's outputs may hold inf or NaN: the evidence is computed from them
                # as they are, without warnings (which a filterwarnings = error turns into
                # a crash of the diagnosis)
                with np.errstate(all="ignore"):
                    stage(col, impl, case, ci, layout)
            except ImplementationCrash as exc:
                col.crashes[str(exc)] += 1
                crashed.add(ci)
            except UNUSABLE as exc:  # outputs the probe cannot read (None, strings, ...)
                function = stage.__name__.split("_")[1]
                col.crashes[f"{function}'s outputs could not be read: {exc}"] += 1
                crashed.add(ci)
    return Probe(dtype, col.tables(), col.crashes, len(case_list), len(crashed), layout, y_form)


# --------------------------------------------------------------------------- classifiers
def _g(x: float) -> str:
    return f"{x:.3g}"


def _times_tolerance(excess: float) -> str:
    """'12.5x the tolerance'; an infinite ratio (an inf or NaN value, or a comparison whose
    tolerance is 0) as words, not 'infx'."""
    return f"{_g(excess)}x the tolerance" if np.isfinite(excess) else "beyond any tolerance"


def _decidable(t: Table, w: np.ndarray) -> np.ndarray:
    """Elements that can show a bug: the expected value is above its tolerance, or wrong."""
    return (np.abs(t.expected) > DECIDABLE * t.allowed) | w


def _slack(t: Table, k: float) -> np.ndarray:
    """Allowed |actual - k x value| for an actual formed as k times a value within the
    tolerance: |k| times the tolerance, the tolerance itself, and the product's rounding."""
    return (1.0 + abs(k)) * t.allowed + 2.0 * tolerances.unit_roundoff(t.dtype) * np.abs(t.actual)


def _finding(
    t: Table, pattern: str, key: str, text: str, weight: float, hint: str = "", **nums
) -> Finding:
    return Finding(pattern, key, {t.stage}, [t.tensor], text, nums, hint, weight)


def _ratio_text(k: float) -> str:
    for n in range(1, 1025):
        if abs(k - n) <= 1e-9 * n:
            return str(n)
        if abs(k + n) <= 1e-9 * n:
            return f"-{n}"
        if abs(k - 1.0 / n) <= 1e-9 / n:
            return f"1/{n}"
        if abs(k + 1.0 / n) <= 1e-9 / n:
            return f"-1/{n}"
    return f"{k:.4g}"


def _scale_hint(k_text: str, t: Table) -> str:
    if k_text == "2" and t.tensor == "loss":
        return "the loss without its 1/2: (f - y)^2 where 1/2 (f - y)^2 belongs"
    if k_text == "2" and t.stage != "forward":
        return "the derivative of (f - y)^2 instead of 1/2 (f - y)^2"
    if k_text in ("1/2", "-1/2"):
        return "1/2 applied twice, or a mean over two"
    if k_text.startswith("-"):
        return "a sign error as well as a factor"
    return "a factor where none belongs"


def zero(t: Table, w: np.ndarray) -> list[Finding]:
    if not (w.any() and np.all(t.actual == 0)):
        return []
    return [
        _finding(
            t,
            "zero",
            "",
            "{T} = 0 on every element of {max_cases} cases (expected up to {max_e:.3g})",
            w.sum(),
            HINTS["zero"],
            max_cases=t.n_cases,
            max_e=float(np.abs(t.expected).max()),
        )
    ]


def _magnitude_cut(t: Table, w: np.ndarray, decidable: np.ndarray) -> bool:
    """Wrong exactly on the elements whose value lies below some magnitude (and right on
    every decidable one above it): a flush of small values, which `partial` names."""
    mag = np.abs(t.expected)
    below = mag <= mag[w].max(initial=0.0)
    return bool(w.any() and np.all(w[decidable & below]) and (decidable & ~below).any())


def zero_on_part(t: Table, w: np.ndarray) -> list[Finding]:
    """0 wherever it is wrong and on every element of a part named by the inputs, right
    elsewhere: whole cases (a flush of tiny values, an early exit for a zero weight or bias)
    or the elements where the parameter the tensor is the gradient of is 0 (a zero weight
    taken for a pruned one)."""
    if not w.any():
        return []
    decidable = np.abs(t.expected) > DECIDABLE * t.allowed
    if _magnitude_cut(t, w, decidable):
        return []  # wrong below some magnitude only: partial's, which names the cut
    parts = [("cases", np.isin(t.attrs["case"], np.unique(t.attrs["case"][w])), "")]
    if "dead" in t.attrs:
        parts.append(("dead", t.attrs["dead"] == 1, " of the samples where every unit is off"))
    parts += [
        (name, P == 0, f" where {name} = 0") for name, P in t.terms.items() if name != RESIDUAL_B2
    ]
    for key, hit, where in parts:
        if not (np.all(hit[w]) and np.all(t.actual[hit] == 0) and (decidable & ~hit).any()):
            continue
        text = (
            "{T} = 0 on every element"
            + where
            + " of {n_hit} of {max_cases} cases (expected up to {max_e:.3g}), right "
            + ("elsewhere" if where else "on the other cases")
        )
        return [
            _finding(
                t,
                "zero",
                key,
                text,
                w.sum(),
                "the value is not computed for some inputs (a flush to zero, an early exit, a "
                "special case for a zero weight or bias)",
                n_hit=t.cases_where(hit),
                max_cases=t.n_cases,
                max_e=float(np.abs(t.expected[hit]).max()),
            )
        ]
    return []


def scale(t: Table, w: np.ndarray) -> list[Finding]:
    """actual = k expected with one k everywhere (k = -1: sign), or k n = c constant for one
    of n = h, d, B (a mean where a sum belongs, or the reverse)."""
    dec = np.abs(t.expected) > DECIDABLE * t.allowed
    if not dec.any() or not np.isfinite(t.actual).all():
        return []
    ratios = t.actual[dec] / t.expected[dec]
    k = float(np.median(ratios))
    if k != 0 and np.all(np.abs(t.actual - k * t.expected) <= _slack(t, k)):
        k_text = _ratio_text(k)
        spread = float(np.max(np.abs(ratios - k)) / abs(k))
        pattern = "sign" if k_text == "-1" else "scale"
        text = (
            "{T} = "
            + f"{k:.4g}"
            + " x expected on {max_hit} of {max_cases} cases (spread {max_spread:.2g})"
        )
        hint = HINTS["sign"] if pattern == "sign" else _scale_hint(k_text, t)
        return [
            _finding(
                t,
                pattern,
                k_text,
                text,
                w.sum(),
                hint,
                max_hit=t.cases_where(dec),
                max_cases=t.n_cases,
                max_spread=spread,
            )
        ]
    return _scale_with_size(t, w, dec)


def _scale_with_size(t: Table, w: np.ndarray, dec: np.ndarray) -> list[Finding]:
    """One k per case (each fitting its case) with k n or k / n the same on every case."""
    ks = []
    for c in np.unique(t.attrs["case"][dec]):
        sel = t.attrs["case"] == c
        d = dec & sel
        k = float(np.median(t.actual[d] / t.expected[d]))
        if k == 0 or not np.all(np.abs(t.actual[sel] - k * t.expected[sel]) <= _slack(t, k)[sel]):
            return []
        ks.append((c, k))
    kv = np.array([k for _, k in ks])
    for n_name in ("h", "d", "B"):
        ns = np.array([t.attrs[n_name][t.attrs["case"] == c][0] for c, _ in ks], dtype=np.float64)
        if len(np.unique(ns)) < 2:
            continue
        sizes = ", ".join(str(int(n)) for n in sorted(set(ns)))
        for values, mean in ((kv * ns, True), (kv / ns, False)):
            c0 = float(values[0])
            if not np.all(np.abs(values - c0) <= 1e-9 * abs(c0)):
                continue
            c_text = _ratio_text(c0)
            if mean:
                k_text = f"{c_text}/{n_name}" if c_text != "1" else f"1/{n_name}"
                hint = "a mean where a sum belongs"
            else:
                k_text = n_name if c_text == "1" else f"{c_text} {n_name}"
                hint = "a sum where a mean belongs"
            text = (
                "{T} = "
                + k_text
                + " x expected on {max_hit} of {max_cases} cases ("
                + f"{n_name} = {sizes}; the ratio is constant within each case)"
            )
            return [
                _finding(
                    t, "scale", k_text, text, w.sum(), hint, max_hit=len(ks), max_cases=t.n_cases
                )
            ]
    return _scale_by_sizes(t, w, ks) or _scale_by_size(t, w, ks)


def _scale_by_sizes(t: Table, w: np.ndarray, ks: list[tuple[object, float]]) -> list[Finding]:
    """k = c n1 / n2 for two of h, d, B, one c on every case: a count of the wrong size
    where a mean divides (B / d: the sum over a batch divided by the input width)."""
    sizes = {
        n: np.array([float(t.attrs[n][t.attrs["case"] == c][0]) for c, _ in ks]) for n in "hdB"
    }
    kv = np.array([k for _, k in ks])
    for top, bottom in itertools.permutations("hdB", 2):
        ratio = sizes[top] / sizes[bottom]
        if len(np.unique(ratio)) < 2:
            continue
        values = kv / ratio
        c0 = float(values[0])
        if c0 == 0 or not np.all(np.abs(values - c0) <= 1e-9 * abs(c0)):
            continue
        c_text = _ratio_text(c0)
        k_text = f"{top}/{bottom}" if c_text == "1" else f"{c_text} {top}/{bottom}"
        text = (
            "{T} = "
            + k_text
            + " x expected on {max_hit} of {max_cases} cases (the ratio is constant within each "
            + f"case and follows {top}/{bottom}: a division by {bottom} where {top} belongs)"
        )
        hint = f"a mean over {bottom} where the count is {top} (X.shape[1] for X.shape[0])"
        return [
            _finding(t, "scale", k_text, text, w.sum(), hint, max_hit=len(ks), max_cases=t.n_cases)
        ]
    return []


def _scale_by_size(t: Table, w: np.ndarray, ks: list[tuple[object, float]]) -> list[Finding]:
    """One k per case, the same k for every case of the same size n (h, d or B), and not
    the same for all sizes: the factor is a function of the size (a mean over a count
    that is wrong for some sizes only: a shift by log2 B, a float32 1/B, a divisor capped)."""
    for n_name in ("B", "h", "d"):
        by_n: dict[float, list[float]] = {}
        for c, k in ks:
            n = float(t.attrs[n_name][t.attrs["case"] == c][0])
            by_n.setdefault(n, []).append(k)
        if len(by_n) < 2 or max(len(v) for v in by_n.values()) < 2:
            continue  # one case per size: any factor is "a function of the size"
        same = all(np.all(np.abs(np.array(v) - v[0]) <= 1e-9 * abs(v[0])) for v in by_n.values())
        firsts = np.array([v[0] for v in by_n.values()])
        if not same or np.all(np.abs(firsts - firsts[0]) <= 1e-9 * abs(firsts[0])):
            continue
        if not np.any(np.abs(firsts - 1.0) > PRECISION_MAX):  # within a narrower format's
            continue  # rounding of 1: precision, not a factor
        listed = "; ".join(
            f"{_ratio_text(v[0])} at {n_name} = {int(n)}" for n, v in sorted(by_n.items())
        )
        text = (
            "{T} = k x expected with k set by "
            + n_name
            + " ("
            + listed
            + "; the ratio is constant within each of {max_hit} cases)"
        )
        hint = f"a mean over the wrong count, or a factor that depends on {n_name}"
        return [
            _finding(
                t,
                "scale",
                f"per-{n_name}",
                text,
                w.sum(),
                hint,
                max_hit=len(ks),
                max_cases=t.n_cases,
            )
        ]
    return []


def transposed(t: Table, w: np.ndarray) -> list[Finding]:
    """Returned as (d, h) where (h, d) belongs (right once transposed), or, wherever wrong,
    equal to expected.T read back in the tensor's own shape (the transpose itself on square
    networks; reshape where a transpose belongs on the others)."""
    flipped = t.forms.get("transposed", 0)
    matrix = np.isfinite(t.expected_t) if t.expected_t is not None else np.zeros(w.shape, bool)
    hit = w & matrix
    # evidence only where expected.T is not 0: a zero that also matches a zero of
    # expected.T (x = e1 holds many) says "zero", not "transposed"
    read_back = bool(
        hit.any()
        and np.all(np.abs(t.actual[hit] - t.expected_t[hit]) <= t.allowed[hit])
        and np.any(np.abs(t.expected_t[hit]) > t.allowed[hit])
    )
    if not (flipped or read_back) or w[~matrix].any() or (hit.any() and not read_back):
        return []
    parts = []
    if flipped:
        parts.append("with its shape reversed on {n_flip} cases")
    if read_back:
        parts.append("equal to expected.T read back in its shape on {n_read} cases")
    text = "{T} comes back transposed: " + ", ".join(parts) + "; values right once transposed"
    return [
        _finding(
            t,
            "transposed",
            "",
            text,
            max(float(w.sum()), 1.0),
            HINTS["transposed"],
            n_flip=flipped,
            n_read=t.cases_where(hit) if read_back else 0,
        )
    ]


def additive(t: Table, w: np.ndarray) -> list[Finding]:
    """actual - expected = c P for a parameter P the tensor is formed from (c = -1: P left
    out; c = 1: counted twice; else c P, e.g. weight decay), or a constant."""
    D = t.actual - t.expected
    if not np.isfinite(D).all():
        return []
    for name, P in t.terms.items():
        sel = np.abs(P) > DECIDABLE * t.allowed
        if not sel.any():
            continue
        c = float(np.median(D[sel] / P[sel]))
        # the term itself is formed and rounded with the rest: a few roundings of |c P| more
        room = _slack(t, c) + 8.0 * tolerances.unit_roundoff(t.dtype) * np.abs(c * P)
        if c == 0 or not np.all(np.abs(D - c * P) <= room):
            continue
        c_text = _ratio_text(c)
        if name == RESIDUAL_B2 and c_text in ("-1", "1"):
            left_out = c_text == "-1"
            text = (
                "{T} = the gradient of the residual "
                + ("f - b2 - y" if left_out else "f + b2 - y")
                + " on {max_cases} of {max_cases} cases: "
                + ("b2 is left out of f" if left_out else "b2 is counted twice in f")
            )
            hint = (
                "f recomputed from h without b2: use the f that forward returned"
                if left_out
                else "b2 added to an f that already holds it"
            )
            pattern = "missing-term" if left_out else "extra-term"
            return [_finding(t, pattern, name + c_text, text, w.sum(), hint, max_cases=t.n_cases)]
        if c_text == "-1":
            text = (
                "{T} = expected - "
                + name
                + " on {max_cases} of {max_cases} cases: "
                + name
                + " is left out"
            )
            return [
                _finding(t, "missing-term", name, text, w.sum(), f"add {name}", max_cases=t.n_cases)
            ]
        text = "{T} = expected + " + c_text + " x " + name + " on {max_cases} of {max_cases} cases"
        hint = (
            "weight decay where none belongs" if name.startswith("W") else f"{name} counted again"
        )
        return [_finding(t, "extra-term", name + c_text, text, w.sum(), hint, max_cases=t.n_cases)]
    c = float(np.median(D))
    if w.all() and c != 0 and np.all(np.abs(D - c) <= 2 * t.allowed):
        text = "{T} = expected + " + _g(c) + " (a constant) on {max_cases} of {max_cases} cases"
        return [
            _finding(
                t, "extra-term", "const", text, w.sum(), "a constant offset", max_cases=t.n_cases
            )
        ]
    return []


def significant_bits(values: np.ndarray) -> int:
    """The most significant bits any of the (float64) values carries (53 at most)."""
    v = np.abs(values[np.isfinite(values) & (values != 0)])
    if v.size == 0:
        return 0
    m, _ = np.frexp(v)
    ints = (m * 2.0**53).astype(np.int64)
    trailing = np.log2((ints & -ints).astype(np.float64)).astype(int)
    return int(53 - trailing.min())


FORMAT_BITS = {"float32": 24, "float16": 11, "bfloat16": 8}


def _narrower_tiny(dtype: str) -> float:
    """The smallest normal number of the formats whose range stops short of `dtype`'s below
    (float32 under float64; float16 under float32 and bfloat16): values under it are lost
    (flushed, or subnormal) by a computation in that format. 0 for float16 (none)."""
    mine = torch.finfo(cases.TORCH_DTYPES[dtype]).tiny
    tinies = [torch.finfo(cases.TORCH_DTYPES[f]).tiny for f in FORMAT_BITS]
    return max((x for x in tinies if x > mine), default=0.0)


def out_of_range(t: Table, w: np.ndarray) -> list[Finding]:
    """Where the tensor is wrong, inf or NaN where the value is finite (an intermediate
    beyond the range: a narrower format inside, a fixed loss scale), or 0 where the value
    lies below the smallest normal number of a narrower format (computed in it); every other
    element within the precision test's bound. The precision of a format includes its
    range."""
    lost = w & ~np.isfinite(t.actual) & np.isfinite(t.expected)
    lost |= w & (t.actual == 0) & (np.abs(t.expected) < _narrower_tiny(t.dtype))
    if not lost.any():
        return []
    rest = w & ~lost
    if rest.any():
        D = np.abs(t.actual[rest] - t.expected[rest])
        mag = t.magnitude[rest]
        if not (np.isfinite(D).all() and (mag > 0).all() and (D / mag <= PRECISION_MAX).all()):
            return []
    n_inf = int((lost & ~np.isfinite(t.actual)).sum())
    text = (
        "{T} out of range on {max_hit} of {max_cases} cases: inf or NaN on {n_inf} elements "
        "where the values are finite (up to {max_e:.3g}), 0 on {n_zero} where they are below "
        + f"{_narrower_tiny(t.dtype):.3g}"
        + "; {n_rest} other wrong elements within 2^-5 of their magnitudes"
        + _held(t)
    )
    return [
        _finding(
            t,
            "precision",
            t.dtype + "range",
            text,
            w.sum(),
            "an intermediate beyond the range of its format (a cast to a narrower format, "
            "a fixed loss scale)",
            max_hit=t.cases_where(lost),
            max_cases=t.n_cases,
            n_inf=n_inf,
            max_e=float(np.abs(t.expected[lost]).max()),
            n_zero=int(lost.sum()) - n_inf,
            n_rest=int(rest.sum()),
        )
    ]


def _held(t: Table) -> str:
    """'; every value fits in N bits (float32 has 24)' where the finite values returned
    carry no more bits than a narrower format holds; else ''."""
    p, _ = tolerances.per_sample.FORMATS[t.dtype]
    stored = significant_bits(t.actual)
    fits = [name for name, b in FORMAT_BITS.items() if stored <= b < p]
    if not fits:
        return ""
    return f"; every value fits in {stored} bits ({fits[-1]} has {FORMAT_BITS[fits[-1]]})"


def _special_place(t: Table, where: np.ndarray) -> str:
    """' at a1 = 0 (the kink)' / ' at f = y (zero residual)' / ...: the first condition that
    holds on every element of `where`; '' where none does."""
    a1, r = t.attrs.get("a1"), t.attrs.get("r")
    conditions = []
    if a1 is not None:
        conditions.append((" at a1 = 0 exactly (the kink)", a1 == 0))
        conditions.append((" where the unit is off (a1 <= 0)", a1 <= 0))
    if r is not None:
        conditions.append((" at f = y exactly (zero residual)", r == 0))
    for name, P in t.terms.items():
        if name != RESIDUAL_B2:
            conditions.append((f" where {name} = 0", P == 0))
    for text, holds in conditions:
        with np.errstate(invalid="ignore"):
            if np.all(holds[where]):
                return text
    return ""


def not_finite(t: Table, w: np.ndarray) -> list[Finding]:
    """NaN or inf where the reference is finite and of ordinary size: a division by a zero
    (r, a1, a norm), a log or square root of 0, 0 x inf. Where the reference values are
    near the top of the dtype's range, an intermediate overflowed: `out_of_range`'s."""
    bad = w & ~np.isfinite(t.actual) & np.isfinite(t.expected)
    if not bad.any():
        return []
    # where other wrong values show the precision or range of a narrower format, the inf is
    # that format's overflow (`out_of_range`); where the non-finite values are all that is
    # wrong, they are what the bug makes (a division by 0, a loss scale's overflow)
    tops = [float(torch.finfo(cases.TORCH_DTYPES[f]).max) for f in FORMAT_BITS]
    mine = float(torch.finfo(cases.TORCH_DTYPES[t.dtype]).max)
    narrower = min((m for m in tops if m < mine), default=math.inf)
    if (w & ~bad).any() and np.any(np.abs(t.expected[bad]) > narrower):
        return []
    place = _special_place(t, bad)
    n_nan = int(np.isnan(t.actual[bad]).sum())
    text = (
        "{T} NaN on {n_nan} and inf on {n_inf} elements"
        + place
        + ", in {max_hit} of {max_cases} cases, where the reference is finite (up to "
        + "{max_e:.3g})"
    )
    return [
        _finding(
            t,
            "not-finite",
            place,
            text,
            w.sum(),
            HINTS["not-finite"],
            n_nan=n_nan,
            n_inf=int(bad.sum()) - n_nan,
            max_hit=t.cases_where(bad),
            max_cases=t.n_cases,
            max_e=float(np.abs(t.expected[bad]).max()),
        )
    ]


def clipped(t: Table, w: np.ndarray) -> list[Finding]:
    """Values capped at a threshold c: equal to +-c wherever |expected| > c and right below
    it (a clamp of the value: gradient-value clipping, a saturating activation), or
    expected x c / |f - y| wherever |f - y| > c (the residual clamped), one c everywhere."""
    if not w.any() or not np.isfinite(t.actual[w]).all():
        return []
    dec = _decidable(t, w)
    room = _slack(t, 1.0)
    u = tolerances.unit_roundoff(t.dtype)
    eta = tolerances.smallest_subnormal(t.dtype)
    c = float(np.median(np.abs(t.actual[w])))
    if c > 0:
        # the cap itself, rounded in the dtype (not the expected value's tolerance: a value
        # far above the cap has a bound far larger than the cap)
        at_cap = np.abs(np.abs(t.actual) - c) <= 4.0 * u * c + 4.0 * eta
        above = np.abs(t.expected) > c + room
        same_side = np.sign(t.actual) == np.sign(t.expected)
        capped_from = np.unique(np.abs(t.expected[w]))
        if (
            np.all((at_cap & above & same_side)[w])
            and not (dec & above & ~w).any()
            and (dec & ~above & (np.abs(t.expected) > 0)).any()
            and capped_from.size >= 2  # several values, all brought to one: a cap, not a
            and capped_from[-1] - capped_from[0] > 2.0 * room.max()  # coincidence
        ):
            text = (
                "{T} capped at +-"
                + _g(c)
                + ": equal to +-"
                + _g(c)
                + " wherever |expected| > "
                + _g(c)
                + " ({n_wrong} elements in {max_hit} cases), right below it"
            )
            return [
                _finding(
                    t,
                    "clipped",
                    _g(c),
                    text,
                    w.sum(),
                    HINTS["clipped"],
                    n_wrong=int(w.sum()),
                    max_hit=t.cases_where(w),
                )
            ]
    r = np.abs(t.attrs["r"]) if "r" in t.attrs else None
    if r is None or not np.isfinite(r).all():
        return []
    sel = w & dec & (t.expected != 0)
    if not sel.any():
        return []
    with np.errstate(all="ignore"):
        caps = t.actual[sel] / t.expected[sel] * r[sel]
    c = float(np.median(caps))
    if not (c > 0 and np.all(np.abs(caps - c) <= 1e-6 * c)):
        return []
    with np.errstate(all="ignore"):
        shrink = np.where(r > c, c / r, 1.0)
        predicted = t.expected * shrink
        # the expected value's bound, shrunk with it, and the product's own rounding
        fit = 2.0 * t.allowed * shrink + 4.0 * u * np.abs(predicted) + 4.0 * eta
    if not np.all(np.abs(t.actual - predicted) <= fit):
        return []
    if not (dec & (r <= c) & (t.expected != 0) & ~w).any():  # no residual below the cap:
        return []  # a factor everywhere (scale), not a cap
    text = (
        "{T} = expected x "
        + _g(c)
        + " / |f - y| wherever |f - y| > "
        + _g(c)
        + " ({n_wrong} elements in {max_hit} cases), right where |f - y| <= "
        + _g(c)
        + ": the residual clipped at +-"
        + _g(c)
    )
    return [
        _finding(
            t,
            "clipped",
            "r" + _g(c),
            text,
            w.sum(),
            HINTS["clipped"],
            n_wrong=int(w.sum()),
            max_hit=t.cases_where(w),
        )
    ]


def batch_mask(t: Table, w: np.ndarray) -> list[Finding]:
    """backward_batch's mask, which no per-element activation can show (a batch gradient
    sums over samples with other masks): equal to the mean of the unmasked per-sample
    gradients (the mask left out of the batch path), or to that mean less the right one (the
    mask inverted there)."""
    if t.stage != "batch" or t.unmasked is None or not w.any():
        return []
    if not np.isfinite(t.actual).all():
        return []
    room = 2.0 * t.allowed + 4.0 * tolerances.unit_roundoff(t.dtype) * np.abs(t.unmasked)
    for pattern, value, what in (
        ("mask-missing", t.unmasked, "the mean of the unmasked per-sample gradients"),
        ("mask-inverted", t.unmasked - t.expected, "the mean over the inactive units only"),
    ):
        if np.all(np.abs(t.actual - value) <= room):
            text = (
                "backward_batch's {T} = "
                + what
                + " on {max_hit} of {max_cases} batches: the ReLU mask of the batch path"
                + (" is left out" if pattern == "mask-missing" else " is inverted")
            )
            return [
                _finding(
                    t,
                    pattern,
                    "batch",
                    text,
                    w.sum(),
                    HINTS[pattern] + " (in backward_batch: 1[A1 > 0])",
                    max_hit=t.cases_where(w),
                    max_cases=t.n_cases,
                )
            ]
    return []


ROUNDING_MIN_ELEMENTS = 6  # one-sided errors on fewer wrong elements may be chance (1 in 32)


def rounding_mode(t: Table, w: np.ndarray) -> list[Finding]:
    """Every wrong element off by less than one step of one grid, all to one side (toward
    zero, down or up), and on that grid: the value rounded in another mode than to nearest.
    The grids: the dtype's own and each narrower float format (a conversion that truncates,
    such as dropping a float32's low 16 bits for bfloat16), and a fixed-point grid 2^k (a
    floor or ceiling to a fixed step). Round to nearest errs by half a step, to both sides."""
    if w.sum() < ROUNDING_MIN_ELEMENTS or not np.isfinite(t.actual[w]).all():
        return []
    D = t.actual - t.expected
    sides = {
        "toward zero": (np.abs(t.actual) <= np.abs(t.expected))
        & ((np.sign(t.actual) == np.sign(t.expected)) | (t.actual == 0)),
        "down (toward -inf)": D <= 0,
        "up (toward +inf)": D >= 0,
    }
    side = next((name for name, holds in sides.items() if holds[w].all()), None)
    if side is None:
        return []
    # where the wrong values landed: on several grid points, not all on 0 (a flush to zero is
    # no rounding mode, and every grid holds 0)
    if np.unique(t.actual[w][t.actual[w] != 0]).size < 2:
        return []
    p, _ = tolerances.per_sample.FORMATS[t.dtype]
    grids = [(t.dtype, p)] + [(f, b) for f, b in FORMAT_BITS.items() if b < p]
    for fmt, bits in grids:
        step = tolerances.ulp(t.expected, fmt)
        on_grid = cases.round_to(t.actual[w], fmt) == t.actual[w]
        if np.all(np.abs(D[w]) < step[w] + t.allowed[w]) and on_grid.all():
            grid = f"{fmt}'s ({bits} significant bits)"
            return [_rounding_finding(t, w, side, grid)]
    worst = float(np.abs(D[w]).max())
    finite = t.actual[np.isfinite(t.actual)]
    if worst > 0:
        # the step: the power of two at or above the largest error (an error of a whole step
        # is the float64 rounding of one just below it); every value the tensor holds, right
        # or wrong, on that grid: the whole result quantised, not a few values that happen
        # to be round
        fixed = 2.0 ** math.ceil(math.log2(worst))
        with np.errstate(all="ignore"):
            on_grid = bool(np.all(np.mod(finite, fixed) == 0))
        if on_grid and np.all(np.abs(D[w]) <= fixed):
            return [_rounding_finding(t, w, side, f"a fixed-point grid of {_g(fixed)}")]
    return []


def _rounding_finding(t: Table, w: np.ndarray, side: str, grid: str) -> Finding:
    text = (
        "{T} rounded "
        + side
        + " on "
        + grid
        + ": every wrong element ({n_wrong} in {max_hit} cases) is less than one step of that "
        + "grid off, all to the same side, where rounding to nearest errs by half a step to "
        + "either side"
    )
    return _finding(
        t,
        "rounding-mode",
        side + grid,
        text,
        w.sum(),
        HINTS["rounding-mode"],
        n_wrong=int(w.sum()),
        max_hit=t.cases_where(w),
    )


def rounded_target(t: Table, w: np.ndarray) -> list[Finding]:
    """A gradient of the residual computed with the target y rounded to a narrower format
    first: every gradient is linear in r = f - y, so actual = expected (f - fl(y)) / (f - y)
    sample by sample, with fl the narrower format's rounding (inf beyond its range, 0 below
    its subnormals). Typically a Python float made a tensor without a dtype (float32)."""
    if t.stage != "backward" or not w.any():
        return []
    r, f = t.attrs["r"], t.attrs["f"]
    if not (np.isfinite(r).all() and np.isfinite(f).all()):
        return []
    y = f - r
    p, _ = tolerances.per_sample.FORMATS[t.dtype]
    for fmt, bits in FORMAT_BITS.items():
        if bits >= p:
            continue
        with np.errstate(all="ignore"):
            r_fmt = f - cases.round_to(y, fmt)
            ratio = np.where(r != 0, r_fmt / np.where(r != 0, r, 1.0), np.nan)
            predicted = t.expected * ratio
            # the actual's own error (allowed, scaled by the ratio with the residual), the
            # reference's (the same), and the prediction's three float64 roundings
            # (no share of |actual| here: an inf would allow itself)
            room = (
                2.0 * t.allowed * (1.0 + np.abs(ratio))
                + 2.0 * tolerances.unit_roundoff(t.dtype) * np.abs(predicted)
                + 4.0 * tolerances.unit_roundoff("float64") * np.abs(predicted)
            )
        usable = (r != 0) & np.isfinite(predicted)
        off = (r != 0) & ~np.isfinite(predicted)  # the target beyond the format's range
        with np.errstate(invalid="ignore"):
            fits = np.abs(t.actual - predicted) <= room
        if not (usable[w] | off[w]).all() or not fits[usable].all():
            continue
        if not (w & usable & fits).any():  # no finite wrong value that the rounding explains
            continue
        if not (np.isfinite(t.actual[off]).sum() == 0):
            continue
        text = (
            "{T} are the gradients of y rounded to "
            + fmt
            + f" ({bits} significant bits"
            + (", and inf beyond its range" if off.any() else "")
            + ") on {max_hit} of {max_cases} cases: the target goes through "
            + fmt
            + " before r = f - y is formed"
        )
        return [
            _finding(
                t,
                "precision",
                fmt + "target",
                text,
                w.sum(),
                "the target converted without the inputs' dtype (torch.tensor(y) of a Python "
                "float is float32): use torch.as_tensor(y, dtype=x.dtype)",
                max_hit=t.cases_where(w),
                max_cases=t.n_cases,
            )
        ]
    return []


def precision(t: Table, w: np.ndarray) -> list[Finding]:
    """Errors beyond the dtype's rounding bound but at most PRECISION_MAX of the magnitudes
    they are formed from: what rounding at fewer bits gives. Effective bits = -log2 of the
    largest error relative to its magnitude. Non-finite errors: `out_of_range`."""
    if not np.isfinite(np.abs(t.actual - t.expected)).all():
        return out_of_range(t, w)
    D = np.abs(t.actual - t.expected)
    if not (np.isfinite(D).all() and (t.magnitude[w] > 0).all()):
        return []
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(t.magnitude > 0, D / t.magnitude, 0.0)
    worst = float(rel.max())
    p, _ = tolerances.per_sample.FORMATS[t.dtype]
    bits = -math.log2(worst) if worst > 0 else math.inf
    if not (worst <= PRECISION_MAX and bits < p - 1):
        return []
    held = _held(t)
    text = (
        "{T} off by up to 2^-{min_bits:.0f} of the magnitudes they are formed from, on {max_hit} of "
        "{max_cases} cases (up to {max_pct:.0f}% of a tensor's elements beyond the "
        + t.dtype
        + " rounding bound): about {min_bits:.0f} effective bits of "
        + f"{t.dtype}'s {p}"
        + held
    )
    return [
        _finding(
            t,
            "precision",
            t.dtype + held,
            text,
            w.sum(),
            HINTS["precision"],
            min_bits=bits,
            max_hit=t.cases_where(w),
            max_cases=t.n_cases,
            max_pct=100.0 * w.mean(),
        )
    ]


def mask(t: Table, w: np.ndarray) -> list[Finding]:
    """For a tensor the ReLU mask 1[a1 > 0] is applied to (db1, dW1, dW2, h): the wrong
    elements against the unit's activation a1."""
    if t.unmasked is None or not w.any():
        return []
    U, a1, A = t.unmasked, t.attrs["a1"], t.actual
    if not (np.isfinite(a1[w]).all() and np.isfinite(A).all()):
        return []
    on, off, kink = a1 > 0, a1 < 0, a1 == 0
    dec = np.abs(U) > DECIDABLE * t.allowed
    if not dec[w].all():
        return []
    found = _inverted(t, w, dec, on) or _missing(t, w, on, off, kink) or _at_kink(t, w, dec, a1)
    return found


def _inverted(t, w, dec, on) -> list[Finding]:
    if not ((dec & on).any() and (dec & ~on).any() and w[dec].all()):
        return []
    flipped = np.where(on, 0.0, t.unmasked)
    if not np.all(np.abs(t.actual - flipped) <= 2 * t.allowed + _slack(t, 1.0)):
        return []
    text = (
        "{T} takes the unmasked value where a1 <= 0 and is 0 where a1 > 0: the mask reversed on "
        "{n_wrong} of {n_wrong} decidable elements in {max_hit} cases"
    )
    return [
        _finding(
            t,
            "mask-inverted",
            "",
            text,
            w.sum(),
            HINTS["mask-inverted"],
            n_wrong=int(w.sum()),
            max_hit=t.cases_where(w),
        )
    ]


def _missing(t, w, on, off, kink) -> list[Finding]:
    if w[on].any() or not (w & off).any():
        return []
    s = float(np.median(t.actual[w] / t.unmasked[w]))
    if not np.all(np.abs(t.actual[w] - s * t.unmasked[w]) <= _slack(t, s)[w]):
        return []
    visible = off & (np.abs(s * t.unmasked) > DECIDABLE * t.allowed)
    if not w[visible].all():
        return []
    value = _times_unmasked(s)
    text = (
        "{T} wrong exactly where a1 <= 0 (the unit is off): there "
        + value
        + ", on {n_wrong} of {n_off} such elements in {max_hit} cases; right where a1 > 0 "
        "({n_on} elements)"
    )
    hint = HINTS["mask-missing"] + ("" if abs(s - 1) < 1e-9 else f" (a leaky slope {s:.3g}?)")
    return [
        _finding(
            t,
            "mask-missing",
            _g(s),
            text,
            w.sum(),
            hint,
            n_wrong=int(w.sum()),
            n_off=int((visible | w).sum()),
            max_hit=t.cases_where(w),
            n_on=int(on.sum()),
        )
    ]


def _times_unmasked(s: float) -> str:
    if abs(s - 1) < 1e-9:
        return "the unmasked value"
    if s == 0:
        return "0, masked as if off"
    return f"{s:.3g} x the unmasked value"


def _at_kink(t, w, dec, a1) -> list[Finding]:
    s = float(np.median(t.actual[w] / t.unmasked[w]))
    if np.all(a1[w] == 0):
        text = (
            "{T} wrong only where a1 = 0 exactly ({n_wrong} elements in {max_hit} cases; there "
            + _times_unmasked(s)
            + ", expected 0); right everywhere else ({n_right} elements)"
        )
        return [
            _finding(
                t,
                "mask-wrong-at-kink",
                "exact",
                text,
                w.sum(),
                HINTS["mask-wrong-at-kink"],
                n_wrong=int(w.sum()),
                max_hit=t.cases_where(w),
                n_right=int((~w).sum()),
            )
        ]
    if _magnitude_cut(t, w, dec & (np.abs(t.expected) > DECIDABLE * t.allowed)):
        return []  # wrong exactly below a magnitude of the value: a flush, not a threshold
    lo, hi = float(a1[w].min()), float(a1[w].max())
    inside = dec & (a1 >= lo) & (a1 <= hi)
    scale_a1 = float(np.median(np.abs(a1[dec]))) if dec.any() else 0.0
    if (inside & ~w).any() or t.cases_where(w) < 2 or max(abs(lo), abs(hi)) > NEAR_KINK * scale_a1:
        return []
    beyond = dec & ~w & (a1 > hi) if hi > 0 else dec & ~w & (a1 < lo)
    nxt = float(a1[beyond].min() if hi > 0 else a1[beyond].max()) if beyond.any() else math.nan
    text = (
        "{T} wrong only where "
        + f"{_g(lo)} <= a1 <= {_g(hi)}"
        + " ({n_wrong} elements in {max_hit} cases; there "
        + f"{_times_unmasked(s)}); right {'from' if hi > 0 else 'down from'} a1 = {_g(nxt)}"
        + (" and at a1 = 0" if (dec & (a1 == 0) & ~w).any() else "")
        + ": the mask cuts at some t between "
        + f"{_g(hi if hi > 0 else lo)} and {_g(nxt)}, not at 0"
    )
    return [
        _finding(
            t,
            "mask-wrong-at-kink",
            "threshold",
            text,
            w.sum(),
            HINTS["mask-wrong-at-kink"],
            n_wrong=int(w.sum()),
            max_hit=t.cases_where(w),
        )
    ]


# -- partial: wrong only on a part, named
INDEX_ATTRS = {
    "unit": "units",
    "input": "inputs",
    "B": "batch sizes",
    "h": "hidden widths h",
    "d": "input widths d",
}
# the attribute that counts an index attribute's range in its case
WIDTH_OF = {"unit": "h", "input": "d"}
VALUE_ATTRS = {"absval": "|value|", "a1": "a1", "absr": "|f - y|", "r": "f - y", "f": "f"}


def _ranges(values: Iterable[int]) -> str:
    vs = sorted(int(v) for v in set(values))
    parts, start = [], None
    for i, v in enumerate(vs):
        if start is None:
            start = v
        if i + 1 == len(vs) or vs[i + 1] != v + 1:
            parts.append(str(start) if start == v else f"{start}-{v}")
            start = None
    return ", ".join(parts[:6]) + (f", ... ({len(vs)} in all)" if len(parts) > 6 else "")


@dataclass
class _Part:
    keep: np.ndarray
    text: str  # "units 8-255 (right on units 0-7, 120 elements)"
    key: str
    pure: bool


def _index_part(t: Table, w: np.ndarray, dec: np.ndarray, attr: str) -> _Part | None:
    """Wrong only on the tail of each case's range ("the last h mod 64 units"), from some
    index on ("units >= 8"), up to one, or on a set of them: the first of these that holds
    every decidable element inside it wrong (pure), else the first with a contrast."""
    v = t.attrs[attr]
    if (v[w] < 0).any():
        return None
    noun = INDEX_ATTRS[attr]
    S = np.unique(v[w])
    valid = v >= 0
    options = [_tail(t, w, dec, attr)] if attr in WIDTH_OF else []
    options += [
        (valid & (v >= S.min()), f"{noun} >= {int(S.min())}"),
        (valid & (v <= S.max()), f"{noun} <= {int(S.max())}"),
        (valid & np.isin(v, S), f"{noun} {_ranges(S)}"),
    ]
    parts = []
    for option in options:
        if option is None:
            continue
        keep, what = option
        outside = dec & valid & ~keep
        if outside.any():
            text = (
                f"on {what} (right on {noun} {_ranges(v[outside])}, {int(outside.sum())} elements)"
            )
            if attr in WIDTH_OF:  # an index within a case: every element inside wrong
                pure = bool(w[dec & keep].all())
            else:  # a size of the case: every case inside has wrong elements
                pure = t.cases_where(keep) == t.cases_where(w & keep)
            parts.append(_Part(keep, text, what, pure))
    return next((p for p in parts if p.pure), parts[0] if parts else None)


def _tail(t: Table, w: np.ndarray, dec: np.ndarray, attr: str):
    """(keep, text) where, in every case with wrong elements, they are exactly the indices
    from n - n mod B on (n the case's width, B one power of two >= 8 for all cases): a loop
    over blocks of B that drops its partial last block. None where that does not hold."""
    v, n, case = t.attrs[attr], t.attrs[WIDTH_OF[attr]], t.attrs["case"]
    starts = {}
    for c in np.unique(case[w]):
        sel = case == c
        first = int(v[sel & w].min())
        if first == 0 or (dec & sel & (v >= first) & ~w).any():  # the whole range, or a
            return None  # right element inside the tail
        starts[c] = (first, int(n[sel][0]))
    for k in range(12, 2, -1):  # B = 4096 down to 8
        B = 2**k
        if all(first == width - width % B and first < width for first, width in starts.values()):
            keep = np.zeros_like(w)
            for c, (first, _) in starts.items():
                keep |= (case == c) & (v >= first)
            widths = ", ".join(f"from {f} of {n_}" for f, n_ in sorted(set(starts.values())))
            noun = INDEX_ATTRS[attr]
            what = f"the last {WIDTH_OF[attr]} mod {B} {noun} ({widths})"
            return keep, what + f": a partial last block of {B} left out"
    return None


def _value_part(t: Table, w: np.ndarray, dec: np.ndarray, attr: str) -> _Part | None:
    """Wrong on every decidable element within a range of the value, right outside it. For
    a1 of a masked tensor, the right elements that make the contrast must lie on the same
    side of the kink: that a masked gradient is right where the unit is off says nothing."""
    if attr == "absval":  # the value itself: the expected one
        v = np.abs(t.expected)
    else:
        v = np.abs(t.attrs["r"]) if attr == "absr" else t.attrs[attr]
    if not np.isfinite(v[w]).all():
        return None
    lo, hi = float(v[w].min()), float(v[w].max())
    inside = (v >= lo) & (v <= hi)
    if (dec & inside & ~w).any() or lo == hi:
        return None
    outside = dec & ~inside & np.isfinite(v)
    if attr == "a1" and t.unmasked is not None and (lo > 0 or hi <= 0):
        outside &= (v > 0) if lo > 0 else (v <= 0)
    if not outside.any() or t.cases_where(w) < 2:
        return None
    name = VALUE_ATTRS[attr]
    below, above = outside & (v < lo), outside & (v > hi)
    if not above.any():
        where, contrast = f"{name} >= {_g(lo)}", f"up to {name} = {_g(float(v[below].max()))}"
    elif not below.any():
        where, contrast = f"{name} <= {_g(hi)}", f"from {name} = {_g(float(v[above].min()))}"
    else:
        where = f"{_g(lo)} <= {name} <= {_g(hi)}"
        contrast = f"outside ({_g(float(v[below].max()))}, {_g(float(v[above].min()))})"
    key = where
    if attr == "absval":  # one finding for every tensor flushed below some magnitude
        key = "small values"
        if hi < torch.finfo(cases.TORCH_DTYPES[t.dtype]).tiny:
            where += f", below {t.dtype}'s smallest normal number (subnormal)"
            key = "subnormal values"
    return _Part(
        inside, f"where {where} (right {contrast}, {int(outside.sum())} elements)", key, True
    )


SUB_CLASSIFIERS: tuple[Callable[[Table, np.ndarray], list[Finding]], ...] = ()  # set below


def partial(t: Table, w: np.ndarray) -> list[Finding]:
    """Wrong only on a part that a simple description names: a range of a1, of the
    residual or of f (every decidable element inside wrong), or a set of units or inputs
    (outside it every element right, inside it a pattern that fits there)."""
    if not w.any():
        return []
    dec = _decidable(t, w)
    # for a1, an element can also show a mask bug where the value before the mask is large
    dec_mask = dec if t.unmasked is None else dec | (np.abs(t.unmasked) > DECIDABLE * t.allowed)
    candidates = [_value_part(t, w, dec_mask if a == "a1" else dec, a) for a in VALUE_ATTRS]
    candidates += [_index_part(t, w, dec, a) for a in INDEX_ATTRS]
    candidates = [c for c in candidates if c is not None]
    for part in sorted(candidates, key=lambda c: not c.pure):
        sub_t = t.subset(part.keep)
        sub = next((f for clf in SUB_CLASSIFIERS if (f := clf(sub_t, sub_t.wrong))), [])
        if not (part.pure or sub):
            continue
        text = "{T} wrong only " + part.text.replace("{", "{{").replace("}", "}}")
        text += " - {n_wrong} wrong elements in {max_hit} cases"
        text += f"; there: {sub[0].pattern}" if sub else ""
        where = part.key.replace("{", "{{").replace("}", "}}")
        sub = [
            dataclasses.replace(f, text=f.text.replace("{T} ", "{T}, " + f"on {where}: ", 1))
            if f.text.startswith("{T} ")
            else f
            for f in sub
        ]
        found = _finding(
            t,
            "partial",
            part.key,
            text,
            w.sum() + 0.5,
            "",
            n_wrong=int(w.sum()),
            max_hit=t.cases_where(w),
        )
        return [found, *sub]
    return []


CLASSIFIERS = (
    rounded_target,
    not_finite,
    zero,
    zero_on_part,
    clipped,
    rounding_mode,
    scale,
    additive,
    mask,
    batch_mask,
    precision,
    partial,
)
SUB_CLASSIFIERS = (zero, scale, additive, mask)


def unknown(t: Table, w: np.ndarray) -> Finding:
    D = np.abs(t.actual - t.expected)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        excess = np.where(w, D / t.allowed, 0.0)
    text = "{T} off by up to {max_err:.3g} ({max_excess:.3g}x the tolerance) on {max_hit} of {max_cases} cases; no pattern fits"
    worst = float(np.nanmax(np.where(np.isfinite(D), D, np.inf)))
    return _finding(
        t,
        "unknown",
        "",
        text,
        w.sum(),
        "",
        max_err=worst,
        max_excess=float(np.nanmax(excess)),
        max_hit=t.cases_where(w),
        max_cases=t.n_cases,
    )


def classify(t: Table) -> list[Finding]:
    """The first pattern that fits the tensor (with its part's pattern, for partial);
    [unknown] when none does; [] when the tensor is right. The ratios and differences the
    classifiers form may overflow or be undefined (an inf returned on the large family, a
    subnormal expected value on the tiny one): every classifier tests what it forms for
    finiteness, so these are computed without warnings."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _classify(t)


def _classify(t: Table) -> list[Finding]:
    w = t.wrong
    found = transposed(t, w)
    if found or not w.any():
        return found
    flipped = t.forms.get("transposed", 0)
    note = (
        [
            _finding(
                t,
                "transposed",
                "",
                "{T} comes back with its shape reversed on {n_flip} cases",
                1.0,
                HINTS["transposed"],
                n_flip=flipped,
            )
        ]
        if flipped
        else []
    )
    for clf in CLASSIFIERS:
        found = clf(t, w)
        if found:
            return note + found
    return [*note, unknown(t, w)]


def wrong_order(t: Table) -> list[Finding]:
    """The outputs of a function in another order than the contract's (`_permutation`: each
    equal to another output's reference, within its tolerance), on every case that the
    probes could compare."""
    out = []
    for note, n in t.forms.items():
        if not note.startswith("order "):
            continue
        names = note.removeprefix("order (").removesuffix(")").split(", ")
        expected = list(OUTPUT_NAMES[t.stage])
        moved = [e for e, g in zip(expected, names) if e != g]
        text = (
            t.stage
            + " returns its outputs in another order: "
            + f"({', '.join(names)}) where ({', '.join(expected)}) belongs, on "
            + "{max_hit} probe cases (each output equal, within its tolerance, to the one named "
            + f"there: {names[expected.index(moved[0])]} comes back where {moved[0]} belongs)"
        )
        out.append(
            Finding(
                "wrong-order",
                t.stage,
                {t.stage},
                moved,
                text,
                {"max_hit": n},
                HINTS["wrong-order"],
                math.inf,
            )
        )
    return out


OUTPUT_NAMES = {"forward": ("a1", "h", "f"), "backward": checks.GRADS}


def _zero_residual(tables: list[Table]) -> list[Finding]:
    """At f = y every gradient is 0: what is left is a term that does not vanish with the
    residual (a target used wrongly, weight decay, an offset)."""
    out = []
    for t in tables:
        w = t.wrong
        if not w.any():
            continue
        nan = not_finite(t, w)
        if nan:  # NaN or inf where every gradient is 0: a division by the residual, or such
            out.extend(nan)
            continue
        D = np.abs(t.actual)
        text = (
            "with f = y (zero residual) {T} not 0 on {max_hit} of {max_cases} cases (up to {max_d:.3g}, "
            "allowed {max_tol:.3g}): a term that does not vanish with the residual f - y"
        )
        out.append(
            Finding(
                "extra-term",
                "zero-residual",
                {"backward"},
                [t.tensor],
                text,
                {
                    "max_hit": t.cases_where(w),
                    "max_cases": t.n_cases,
                    "max_d": float(D.max()),
                    "max_tol": float(t.allowed[w].max()),
                },
                "the target, or a term that is not part of the gradient of 1/2 (f - y)^2",
                float(w.sum()),
            )
        )
    return out


def value_findings(probe: Probe) -> list[Finding]:
    """Every tensor's pattern, merged over tensors; a gradient that is wrong because it does
    not vanish at zero residual is an extra-term."""
    main = [t for t in probe.tables if t.stage != "zero-residual" and t.tensor != "outputs"]
    found = [f for t in probe.tables if t.tensor == "outputs" for f in wrong_order(t)]
    reordered = {t.stage for t in probe.tables if t.tensor == "outputs" and wrong_order(t)}
    # in a function whose outputs come in another order, every value and shape is wrong for
    # that reason alone
    found += [f for t in main if t.stage not in reordered for f in classify(t)]
    vague = ("unknown", "partial")  # a part named, not what is wrong there
    explained = {tensor for f in found if f.pattern not in vague for tensor in f.tensors}
    zr = _zero_residual([t for t in probe.tables if t.stage == "zero-residual"])
    zr = [f for f in zr if f.tensors[0] not in explained]
    if zr:
        covered = {f.tensors[0] for f in zr}
        found = [f for f in found if not (f.pattern in vague and set(f.tensors) <= covered)]
    return _merge(found + zr)


# --------------------------------------------------------------------------- state
def fresh_copy(impl: Implementation) -> Implementation | None:
    """The implementation with its module's source executed again into a new module object
    (module-level state starts afresh; sys.modules is left alone). None where the module
    has no source to execute (functions handed over directly) or executing it fails."""
    spec = getattr(impl.module, "__spec__", None)
    if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
        return None
    if getattr(impl.module, "__name__", "") == "__main__":  # a running script: not again
        return None
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception:  # its import failing a second time: no fresh copy, no state probe
        return None
    return dataclasses.replace(impl, module=module)


def _state_inputs(dtype: str, device: str):
    """Two samples of one case whose ReLU masks differ most: (case, inputs, i, j). Eight
    inputs, so that a sum in a changing order changes its rounding."""
    case = Case(0, Shape(8, 16, 4), dtype, device)
    inp = cases.inputs(case)
    A1 = inp.X @ inp.W1.T + inp.b1
    j = int(np.argmax([np.sum((A1[k] > 0) != (A1[0] > 0)) for k in range(len(A1))]))
    return case, inp, 0, j if j != 0 else 1


def _calls(
    impl: Implementation,
    case: Case,
    inp,
    order: Sequence[int],
    forward: bool = True,
    backward: bool = True,
) -> list[tuple]:
    """forward, then backward given the reference (a1, h, f), for the samples in `order`:
    the outputs as float64 arrays (forward's 3, backward's 4, of the calls made)."""
    t = inp.to_torch(case.dtype, case.device)
    A1r, Hr, Fr = checks.backward_inputs(inp, case.dtype)
    dt = cases.TORCH_DTYPES[case.dtype]
    out: list = []
    for i in order:
        try:
            fwd = impl.forward(t["X"][i], t["W1"], t["b1"], t["W2"], t["b2"]) if forward else ()
            bwd = ()
            if backward:
                given = (torch.tensor(v[i], dtype=dt, device=case.device) for v in (A1r, Hr, Fr))
                bwd = impl.backward(t["X"][i], t["Y"][i], *given, t["W1"], t["W2"])
        except ImplementationCrash as exc:  # a call that raises is an outcome like another
            out.append(Raised(str(exc).splitlines()[0]))
            continue
        out.append(tuple(_f64(o) for o in (*fwd, *bwd)))
    return out


@dataclass(frozen=True)
class Raised:
    """A probe call that raised, in the place of its outputs (a cache of another shape, a
    stale entry: a state probe compares where calls raise too)."""

    text: str


def _backward_after_other_forward(impl: Implementation, case: Case, inp, a: int, b: int):
    """forward of sample a, then forward of sample b, then backward of sample a (given a's
    reference a1, h, f): forward a's outputs and that backward's, as `_calls` gives them."""
    t = inp.to_torch(case.dtype, case.device)
    try:
        fwd = impl.forward(t["X"][a], t["W1"], t["b1"], t["W2"], t["b2"])
    except ImplementationCrash as exc:
        return Raised(str(exc).splitlines()[0])
    _calls(impl, case, inp, (b,), backward=False)
    (bwd,) = _calls(impl, case, inp, (a,), forward=False)
    if isinstance(bwd, Raised):
        return bwd
    return tuple(_f64(o) for o in fwd) + bwd


NAMES = ("a1", "h", "f", *checks.GRADS)


def _differ(a, b) -> list[str]:
    """The outputs (by name) that are not bitwise equal (a call that raised where the other
    returned, or raised otherwise: every output)."""
    if isinstance(a, Raised) or isinstance(b, Raised):
        return [] if a == b else list(NAMES)
    out = []
    for name, x, y in zip(NAMES, a, b):
        if x is None or y is None or x.shape != y.shape or not np.array_equal(x, y, equal_nan=True):
            out.append(name)
    return out


def state_findings(impl: Implementation, dtype: str, device: str) -> list[Finding]:
    """Two fresh copies make the same calls (samples A, B, A, A, B, A, A, A): if they
    disagree with each other, the module is nondeterministic; if they agree but A's answer
    changed after B, or differs from what the module (after the run) answers, or B's answer
    depends on whether A came first, or A's backward after B's forward differs from A's
    backward after A's forward, results depend on earlier calls: stateful."""
    copies = [fresh_copy(impl) for _ in range(4)]
    if any(c is None for c in copies):
        return []
    case, inp, a, b = _state_inputs(dtype, device)
    try:
        one = _calls(copies[0], case, inp, (a, b, a, a, b, a, a, a))
        two = _calls(copies[1], case, inp, (a, b, a, a, b, a, a, a))
        b_first = _calls(copies[2], case, inp, (b,))[0]
        interleaved = _backward_after_other_forward(copies[3], case, inp, a, b)
        used = _calls(impl, case, inp, (a,))[0]
    except (ImplementationCrash, *UNUSABLE):
        return []
    noisy = sorted({n for x, y in zip(one, two) for n in _differ(x, y)}, key=NAMES.index)
    if noisy:
        text = (
            "two fresh copies of the module, making the same calls in the same order, return "
            "different {T} (" + ", ".join(_delta(one, two, n) for n in noisy[:2]) + ")"
        )
        stages = {"forward" if n in ("a1", "h", "f") else "backward" for n in noisy}
        return [
            Finding(
                "nondeterministic", "", stages, noisy, text, {}, HINTS["nondeterministic"], math.inf
            )
        ]
    changed = {
        "after a call on another sample": _differ(one[0], one[2]),
        "as a fresh copy's first call": _differ(b_first, one[1]),
        "after the checks' calls": _differ(one[0], used),
        "in backward after the forward of another sample": _differ(one[0], interleaved),
    }
    tensors = sorted({n for v in changed.values() for n in v}, key=NAMES.index)
    if not tensors:
        return []
    how = "; ".join(
        what if len(v) == len(tensors) else f"{what} ({', '.join(v)})"
        for what, v in changed.items()
        if v
    )
    text = (
        "the same sample gives another {T} depending on the calls made before ("
        + how
        + "), and reproducibly: two fresh copies making the same calls agree bitwise"
    )
    stages = {"forward" if n in ("a1", "h", "f") else "backward" for n in tensors}
    return [Finding("stateful", "", stages, tensors, text, {}, HINTS["stateful"], math.inf)]


REPEATS = 8


def _repeats_differ(impl: Implementation, dtype: str, device: str) -> bool:
    """Whether forward or backward, called REPEATS times in a row on the very same argument
    objects (in a fresh copy of the module, where there is one), ever returns other bits:
    noise (a random draw, a changing order of summation), which a cache keyed by the
    arguments' identity or address never shows."""
    target = fresh_copy(impl) or impl
    case, inp, _, _ = _state_inputs(dtype, device)
    a = int(np.argmax((inp.X != 0).sum(axis=1)))  # every input in play: an order can show
    t = inp.to_torch(case.dtype, case.device)
    A1r, Hr, Fr = checks.backward_inputs(inp, case.dtype)
    dt = cases.TORCH_DTYPES[case.dtype]
    given = [torch.tensor(v[a], dtype=dt, device=case.device) for v in (A1r, Hr, Fr)]
    calls = {
        "forward": (t["X"][a], t["W1"], t["b1"], t["W2"], t["b2"]),
        "backward": (t["X"][a], t["Y"][a], *given, t["W1"], t["W2"]),
    }
    for function, args in calls.items():
        native = target.natives(function, args)
        seen = None
        for _ in range(REPEATS):
            try:
                out = target.outputs(target.call_native(function, *native), args[0])
            except (ImplementationCrash, *UNUSABLE):
                return False
            got = [_f64(o) for o in out]
            if seen is not None and any(
                g is None or s is None or not np.array_equal(g, s, equal_nan=True)
                for g, s in zip(got, seen)
            ):
                return True
            seen = got
    return False


def _delta(one: list[tuple], two: list[tuple], name: str) -> str:
    k = NAMES.index(name)
    diffs = [
        np.abs(x[k] - y[k])
        for x, y in zip(one, two)
        if not isinstance(x, Raised)
        and not isinstance(y, Raised)
        and x[k] is not None
        and y[k] is not None
        and x[k].shape == y[k].shape
    ]
    worst = max((float(d.max()) for d in diffs if d.size), default=math.nan)
    return f"{name} by up to {_g(worst)}"


# --------------------------------------------------------------------------- mutated inputs
def mutation_findings(impl: Implementation, dtype: str, device: str) -> list[Finding]:
    """Which function changes which argument in place, and how much of it."""
    changed: Counter = Counter()
    n = 0
    for case in probe_cases(dtype, device)[:6]:
        inp = cases.inputs(case)
        t = inp.to_torch(dtype, device)
        A1r, Hr, Fr = checks.backward_inputs(inp, dtype)
        dt = cases.TORCH_DTYPES[dtype]
        given = [torch.tensor(v[0], dtype=dt, device=device) for v in (A1r, Hr, Fr)]
        calls = (
            (
                "forward",
                ("x", "W1", "b1", "W2", "b2"),
                (t["X"][0], t["W1"], t["b1"], t["W2"], t["b2"]),
            ),
            (
                "backward",
                ("x", "y", "a1", "h", "f", "W1", "W2"),
                (t["X"][0], t["Y"][0], *given, t["W1"], t["W2"]),
            ),
        )
        n += 1
        for function, names, args in calls:
            native = [impl.to_native(a) for a in args]
            pristine = [impl.to_native(a) for a in args]
            try:
                impl.call_native(function, *native)
            except (ImplementationCrash, *UNUSABLE):
                continue
            for name, x, y in zip(names, native, pristine):
                x, y = _f64(impl.from_native(x, args[0])), _f64(impl.from_native(y, args[0]))
                if x is not None and y is not None and not np.array_equal(x, y, equal_nan=True):
                    changed[(function, name)] += 1
    out = []
    for (function, name), count in changed.items():
        text = (
            function + " changes {T} in place (an argument) on {max_hit} of {max_cases} probe cases"
        )
        nums = {"max_hit": count, "max_cases": n}
        out.append(
            Finding(
                "mutates-input",
                function,
                {"contract"},
                [name],
                text,
                nums,
                HINTS["mutates-input"],
                math.inf,
            )
        )
    return _merge(out)


# --------------------------------------------------------------------------- self-consistency
FD_STEP = 2.0**-20


def self_consistent(impl: Implementation, device: str = "cpu", n_cases: int = 6) -> tuple[int, int]:
    """(agreeing, tested) samples: the backward, given the module's own forward, against
    central differences of the module's own loss 1/2 (f - y)^2 along a random direction, in
    float64, where no ReLU switches within the step. The loss is quadratic along the
    direction there, so the difference has only rounding error, ~1e-10 relative with this
    step, far below the 1e-6 relative allowed. The large and tiny families are left out:
    there 1/2 (f - y)^2 leaves float64's range (2^1024 above, subnormal below), and the
    difference of two such losses says nothing."""
    agree = tested = 0
    usable = [c for c in probe_cases("float64", device) if c.family not in ("large", "tiny")]
    for case in usable[:n_cases]:
        inp = cases.inputs(case)
        t = inp.to_torch("float64", device)
        params = [t[n] for n in checks.PARAMS]
        rng = np.random.default_rng([case.seed, 11])
        v = [
            torch.tensor(rng.standard_normal(p.shape), dtype=torch.float64, device=device)
            for p in params
        ]
        for i in range(len(inp.X)):
            try:
                verdict = _agrees(impl, t["X"][i], t["Y"][i], params, v)
            except (ImplementationCrash, *UNUSABLE):
                return agree, tested
            if verdict is not None:
                tested += 1
                agree += verdict
    return agree, tested


def _agrees(impl: Implementation, x, y, params, v) -> bool | None:
    """<backward, v> against the central difference of the own loss; None where that cannot
    be told (a ReLU switches within the step, outputs of the wrong form)."""
    a1, hh, f = impl.forward(x, *params)
    g = impl.backward(x, y, a1, hh, f, params[0], params[2])
    ends = [
        impl.forward(x, *(p + sign * FD_STEP * d for p, d in zip(params, v))) for sign in (1, -1)
    ]
    outs = [[_f64(o) for o in end] for end in ends]
    base = [_f64(a1), _f64(hh)]
    grads = [_f64(gk) for gk in g]
    if len(g) != 4 or any(o is None for o in [*base, *outs[0], *outs[1]]):
        return None
    if any(gk is None or gk.size != d.numel() for gk, d in zip(grads, v)):
        return None
    if not all(
        np.array_equal(e[0] > 0, base[0] > 0) and np.array_equal(e[1] == 0, base[1] == 0)
        for e in outs
    ):
        return None
    loss = [0.5 * (float(e[2].reshape(-1)[0]) - float(y)) ** 2 for e in outs]
    fd = (loss[0] - loss[1]) / (2 * FD_STEP)
    terms = [gk.reshape(-1) * d.cpu().numpy().reshape(-1) for gk, d in zip(grads, v)]
    dot = sum(float(np.sum(term)) for term in terms)
    size = sum(float(np.sum(np.abs(term))) for term in terms)
    return abs(dot - fd) <= 1e-6 * (size + abs(fd)) + 1e-12


def probe_findings(impl: Implementation, dtype: str, device: str = "cpu") -> list[Finding]:
    """Everything the probes find at one dtype, whatever the checks said: the values, the
    state and the inputs. Empty for a correct implementation (tests/test_diagnose.py)."""
    values = value_findings(run_probes(impl, dtype, device))
    return values + state_findings(impl, dtype, device) + mutation_findings(impl, dtype, device)


# --------------------------------------------------------------------------- failure kinds
def _detail(f: checks.Failure) -> str:
    """The line of a failure's message that says what is wrong."""
    lines = f.message.splitlines()
    if f.kind in (compare.SHAPE, compare.DTYPE, compare.DEVICE, compare.TYPE) and len(lines) > 1:
        return lines[1].strip()
    head = re.sub(r"^[\w-]+ check failed: ", "", lines[0]) if lines else ""
    return head.replace(f" from {f.impl} ", " ").replace(f" of {f.impl} ", " ")


def kind_findings(failures: Sequence[checks.Failure]) -> list[Finding]:
    """The failures whose kind names the pattern, one finding per pattern, with the most
    common message and where it occurred."""
    by_pattern: dict[str, list[checks.Failure]] = {}
    for f in failures:
        if f.kind in KIND_PATTERN:
            by_pattern.setdefault(KIND_PATTERN[f.kind], []).append(f)
    out = []
    for pattern, fs in by_pattern.items():
        details = Counter(_detail(f) for f in fs)
        top, _ = details.most_common(1)[0]
        others = f" (and {len(details) - 1} other messages)" if len(details) > 1 else ""
        case_ids = {f.case.id for f in fs if f.case}
        dtypes = sorted({f.case.dtype for f in fs if f.case}, key=cases.DTYPES.index)
        checks_ = sorted({f.check for f in fs})
        text = (
            top.replace("{", "{{").replace("}", "}}")
            + others
            + f" - {plural(len(fs), 'failure')} in {plural(len(case_ids), 'case')}"
            + (f" ({', '.join(dtypes)})" if dtypes else "")
            + f", checks: {', '.join(checks_)}"
        )
        tensors = sorted({f.tensor for f in fs if f.tensor})
        hint = ARITY_HINT if fs[0].kind == compare.ARITY else HINTS.get(pattern, "")
        # state only two calls at once share (a scratch buffer): it explains those failures,
        # not every other one as state between calls does
        key = "threads" if all(f.kind == compare.THREAD_UNSAFE for f in fs) else ""
        out.append(
            Finding(pattern, key, {"contract"}, tensors, text, {}, hint, math.inf, explains=len(fs))
        )
    return out


ARITY_HINT = "return every output: (a1, h, f) from forward, (dW1, db1, dW2, db2) from backward"


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _worst_failure(failures: Sequence[checks.Failure]) -> checks.Failure:
    def excess(f: checks.Failure) -> float:
        return -1.0 if f.excess is None or math.isnan(f.excess) else f.excess

    return max(failures, key=excess)


def _worst_text(f: checks.Failure) -> str:
    lines = [line.strip() for line in f.message.splitlines()]
    pick = [line for line in lines if line.startswith(("worst element", "actual", "expected"))]
    head = re.sub(r"^[\w-]+ check failed: ", "", lines[0]) if lines else f.check
    case = f" in {f.case.id}" if f.case else ""
    more = f" ({'; '.join(pick)})" if pick else ""
    times = "" if f.excess is None else f", {_times_tolerance(f.excess)}"
    return f"worst failure: {f.check} check{case}: {head}{more}{times}"


# --------------------------------------------------------------------------- the diagnosis
VALUE_KINDS = {compare.VALUE, compare.GRADCHECK}


def _layouts_named(message: str) -> list[str]:
    """The layouts (call_patterns.LAYOUTS, by name) a layout failure's message blames: its
    worst element's row, or its call pattern."""
    from mlp_parity import call_patterns

    lines = [
        line
        for line in message.splitlines()
        if line.strip().startswith(("worst element", "call pattern", "first differing"))
    ]
    text = " ".join(lines) or message
    return [layout.name for layout in call_patterns.LAYOUTS if layout.description in text]


def layout_findings(failures: Sequence[checks.Failure]) -> list[Finding]:
    """Where every failure of a value or a crash is the layout check's, the results depend on
    how the inputs lie in memory: contiguous inputs pass every other check. Names the
    layouts, and what goes wrong there (a crash's first line; wrong values are classified by
    the layout probe, listed after this)."""
    blamed = [f for f in failures if f.check == "layout"]
    if not blamed or len(blamed) < len(failures):
        return []
    names = Counter(n for f in blamed for n in _layouts_named(f.message))
    crashes = [f for f in blamed if f.kind == compare.CRASH]
    tensors = sorted({f.tensor for f in blamed if f.tensor})
    listed = ", ".join(names) if names else "a layout other than contiguous"
    what = (
        f"; there: {_detail(crashes[0])}".replace("{", "{{").replace("}", "}}")
        if crashes
        else "; there the values are wrong"
    )
    text = (
        ("{T} wrong" if tensors else "the calls fail")
        + f" only with the inputs laid out in memory as callers lay them out ({listed}): "
        + f"{plural(len(blamed), 'failure')}, all in the layout check; contiguous inputs pass "
        + "every other check"
        + what
    )
    found = Finding("layout", "", {"contract"}, tensors, text, {}, HINTS["layout"], math.inf)
    return [dataclasses.replace(found, explains=len(blamed))]


def _probe_sets(impl: Implementation, failures: Sequence[checks.Failure]) -> list[tuple]:
    """(dtype, probes) to run in turn until one shows wrong values: float64 on the probe
    cases, then each dtype that failed; then, with (up to two of) the failed cases whose
    shape the probes leave out (the largest network), the same again."""
    failing = [f.case for f in failures if f.case and f.kind in VALUE_KINDS]
    failed_dtypes = {c.dtype for c in failing} - {"float64"}
    order = ["float64", *(d for d in cases.DTYPES if d in failed_dtypes)]
    dtypes = [d for d in order if d in impl.dtypes]
    probed = {s for _, s in probes()}
    more = sorted({(c.seed, c.shape) for c in failing if c.shape not in probed})[:2]
    wide = sorted({c.seed for c in failing if c.shape in cases.WIDE_SHAPES})[:1]
    if wide:  # every wide shape, the one that passed as the contrast of the one that failed
        more = sorted(
            {*more, *((wide[0], s) for s in cases.WIDE_SHAPES)},
            key=lambda m: (m[1] not in cases.WIDE_SHAPES, m),
        )[:3]
    sets = [(d, probes()) for d in dtypes]
    return sets + [(d, (*probes(), *more)) for d in dtypes] if more else sets


def _device(failures: Sequence[checks.Failure]) -> str:
    from mlp_parity.options import device_available

    devices = [f.case.device for f in failures if f.case]
    device = Counter(devices).most_common(1)[0][0] if devices else "cpu"
    return device if device_available(device) else "cpu"


def _where(probe: Probe | None, impl: Implementation, device: str) -> tuple[str, str]:
    """(location, the sentence that localises it)."""
    if probe is None:
        return "contract", ""
    fwd = sorted({t.tensor for t in probe.wrong({"forward"}) if t.wrong.any()})
    bwd = sorted(
        {t.tensor for t in probe.wrong({"backward", "zero-residual", "batch"}) if t.wrong.any()}
    )
    n = probe.n_cases
    at = f"{n} probe cases at {probe.dtype}"
    if probe.layout is not None:
        at += f", {probe.layout.description}"
    if probe.y_form != "0-d":
        at += f", y passed as {checks.Y_FORM_TEXT[probe.y_form]}"
    if not fwd and not bwd:
        return "contract", _nothing_wrong(probe, at)
    f_text = (
        f"forward differs from the float64 reference ({', '.join(fwd)})"
        if fwd
        else "forward agrees with the float64 reference"
    )
    b_text = (
        f"backward, given the reference (a1, h, f), differs ({', '.join(bwd)})"
        if bwd
        else "backward, given the reference (a1, h, f), agrees"
    )
    text = f"{f_text}; {b_text} - on {at}"
    if probe.crashes:
        text += f" (the calls raised on {probe.crashed} of them)"
    if fwd and bwd:
        agree, tested = self_consistent(impl, device)
        if tested:
            verdict = "is" if agree == tested else "is not"
            text += (
                f"; its backward {verdict} the gradient of its own forward (float64 central "
                f"differences: "
                f"{agree} of {tested} samples agree)"
            )
    location = "forward+backward" if fwd and bwd else ("forward" if fwd else "backward")
    return location, text


def _nothing_wrong(probe: Probe, at: str) -> str:
    """Where the probes found no wrong value: on how many cases that was measured at all."""
    if not probe.crashed:
        return f"forward and backward agree with the float64 reference on {at}"
    text, _ = probe.crashes.most_common(1)[0]
    first = text.splitlines()[0]
    if probe.crashed >= probe.n_cases:
        return f"the calls raised on every one of the {at}, so no value was compared ({first})"
    returned = probe.n_cases - probe.crashed
    return (
        f"forward and backward agree with the float64 reference on the {returned} of the {at} "
        f"where the calls returned; on the other {probe.crashed} they raised ({first})"
    )


def _layout_probe(
    impl: Implementation, failures: Sequence[checks.Failure], probe: Probe, device: str
) -> Probe:
    """Where only the layout check failed, the probes again with the inputs in each layout it
    passes, until one shows wrong values (else the contiguous probe)."""
    from mlp_parity import call_patterns

    layout_failures = [f for f in failures if f.check == "layout" and f.kind in VALUE_KINDS]
    if not layout_failures:
        return probe
    dtype = layout_failures[0].case.dtype if layout_failures[0].case else probe.dtype
    for layout in call_patterns.LAYOUTS:
        found = run_probes(impl, dtype, device, probes(), layout)
        if any(t.wrong.any() for t in found.tables):
            return found
    return probe


def _form_probe(
    impl: Implementation, failures: Sequence[checks.Failure], probe: Probe, device: str
) -> Probe:
    """Where the values failed only with y in another form than a 0-d tensor (a Python
    float, a NumPy scalar: the backward check's other calls), the probes again with y in
    each of those forms, until one shows wrong values (else the probe as it was)."""
    from mlp_parity.external import Y_FORMS

    marked = [
        f for f in failures if f.kind in VALUE_KINDS and "call pattern: y passed as" in f.message
    ]
    if not marked:
        return probe
    dtype = marked[0].case.dtype if marked[0].case else probe.dtype
    which = (*probes(), *sorted({(f.case.seed, f.case.shape) for f in marked if f.case})[:2])
    for form in Y_FORMS[impl.kind][1:]:
        found = run_probes(impl, dtype, device, which, y_form=form)
        if any(t.wrong.any() for t in found.tables):
            return found
    return probe


def _rank(f: Finding) -> tuple:
    """A named pattern before "unknown"; among them, the finding that explains the most
    failures first; among equals, ORDER (state, which makes other failures, before forms and
    values), then the one with the most evidence."""
    order = ORDER.index(f.pattern) if f.pattern in ORDER else len(ORDER)
    return (f.pattern == "unknown", -f.explains, order, -f.weight)


# The outputs each comparison's tensor stands for: a directional derivative is every gradient.
_STANDS_FOR = {"<grad, v>": set(checks.GRADS)}
# Failures a value pattern accounts for, by kind.
_VALUE_LIKE = VALUE_KINDS | {compare.CANCELLATION}


def _explains(f: Finding, failures: Sequence[checks.Failure]) -> float:
    """How many failures a finding accounts for: a finding named by the failures' kind, those
    failures; one from the probes, those of a value kind whose tensor is one of its tensors (a
    directional derivative: any gradient; gradcheck names none: any finding of the backward);
    a state that changes results, every failure (what else fails, fails because of it);
    outputs in another order, every failure of a value or a form."""
    if f.pattern in ("stateful", "nondeterministic") and f.key != "threads":
        # results that depend on earlier calls (or on nothing) make every other failure:
        # wrong values, and crashes or other shapes after a call of another shape
        return len(failures)
    if f.explains:
        return f.explains
    if f.pattern == "partial":  # where, with what is wrong there: before its own sub-pattern
        return _explains(dataclasses.replace(f, pattern="value"), failures) + 0.5
    if f.pattern == "wrong-order":
        return sum(1 for x in failures if x.kind in _VALUE_LIKE | compare.FORM_KINDS)
    mine = set(f.tensors)
    count = 0
    for x in failures:
        if x.kind not in _VALUE_LIKE:
            continue
        names = _STANDS_FOR.get(x.tensor, {x.tensor})
        if names & mine or (not x.tensor and f.location != "forward"):
            count += 1
    return count


def diagnose(impl: Implementation, failures: Iterable[checks.Failure]) -> list[Diagnosis]:
    """What is wrong with `impl`, strongest first, given the checks it failed ([] when it
    failed none: a correct implementation gets no diagnosis). Runs the probes (about a
    second for the small networks used); never raises for what the implementation does."""
    failures = [f for f in failures if not f.impl or f.impl == impl.name]
    if not failures:
        return []
    # process-wide state a call leaves changed is put back and, here, tolerated: the checks
    # have said so (global-state), and the probes look for whatever else is wrong
    with process_state.tolerated():
        return _diagnose(impl, failures)


def _diagnose(impl: Implementation, failures: list[checks.Failure]) -> list[Diagnosis]:
    kinds = {f.kind for f in failures}
    device = _device(failures)
    found = [
        f
        for f in kind_findings(failures)
        if f.pattern not in ("nondeterministic", "stateful", "mutates-input")
    ]
    probe = None
    for dtype, which in _probe_sets(impl, failures):
        probe = run_probes(impl, dtype, device, which)
        if any(t.wrong.any() for t in probe.tables):
            break
    contiguous_right = probe is None or not (
        probe.crashed or any(t.wrong.any() or t.forms for t in probe.tables)
    )
    if contiguous_right:  # only then can a layout be what makes the values wrong
        found += layout_findings(failures)
    if probe is not None and not any(t.wrong.any() for t in probe.tables):
        probe = _layout_probe(impl, failures, probe, device)
    if probe is not None and not any(t.wrong.any() for t in probe.tables):
        probe = _form_probe(impl, failures, probe, device)
    values = value_findings(probe) if probe else []
    state: list[Finding] = []
    if (
        kinds & {compare.NONDETERMINISTIC, compare.STATEFUL}
        or any(f.pattern != "transposed" for f in values)
        or (kinds & VALUE_KINDS and not values)  # wrong values the probes do not reproduce
    ):
        state = state_findings(impl, probe.dtype if probe else "float64", device)
    if not state:
        state = [
            f for f in kind_findings(failures) if f.pattern in ("nondeterministic", "stateful")
        ]
        patterns = {f.pattern for f in state}
        if {"nondeterministic", "stateful"} <= patterns:
            # the checks saw both; the same call repeated on the very same arguments tells
            # them apart: noise differs there, a cache keyed by the arguments does not
            noise = _repeats_differ(impl, probe.dtype if probe else "float64", device)
            keep = "nondeterministic" if noise else "stateful"
            state = [f for f in state if f.pattern == keep]
    if any(f.pattern == "stateful" for f in state):
        values = []  # the wrong values are what the state does
    if compare.MUTATES_INPUT in kinds:
        mutated = mutation_findings(impl, probe.dtype if probe else "float64", device)
        found += mutated or [f for f in kind_findings(failures) if f.pattern == "mutates-input"]
    found = [
        dataclasses.replace(f, explains=_explains(f, failures)) for f in found + state + values
    ]
    # an output buffer the module keeps is also state two threads share, and so is torch's
    # autograd state (forward mode's dual level is process-wide): the threads check's
    # failures are the aliasing's, or the autograd's, too
    races = sum(1 for x in failures if x.kind == compare.THREAD_UNSAFE)
    found = [
        dataclasses.replace(f, explains=f.explains + races)
        if f.pattern in ("aliased-output", "uses-autograd")
        else f
        for f in found
    ]
    found = sorted(found, key=_rank)
    flipped = {t for f in found if f.pattern in ("transposed", "wrong-order") for t in f.tensors}
    found = [  # a shape that is the transposition's needs no advice of its own
        dataclasses.replace(f, hint="") if f.pattern == "shape" and set(f.tensors) <= flipped else f
        for f in found
    ]
    location, where = _where(probe, impl, device)
    if probe is not None and probe.crashes and not any(f.pattern == "crash" for f in found):
        text, count = probe.crashes.most_common(1)[0]
        text = f"{text} (on {count} probe cases)".replace("{", "{{").replace("}", "}}")
        found.append(Finding("crash", "", {"contract"}, [], text, {}, "", 0))
    if not found or all(f.pattern == "unknown" for f in found):
        worst = _worst_text(_worst_failure(failures)).replace("{", "{{").replace("}", "}}")
        if found:
            found = [dataclasses.replace(f, text=f.text + "; " + worst) for f in found[:1]] + found[
                1:
            ]
        else:
            tensors = sorted({f.tensor for f in failures if f.tensor})
            found = [Finding("unknown", "", set(), tensors, worst, {}, "", 0, loc=location)]
    return [
        Diagnosis(impl.name, f.pattern, f.location, tuple(f.tensors), f.evidence, f.hint, where)
        for f in found
    ]
