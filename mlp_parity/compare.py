"""One comparison path for every check, with messages that say what is wrong and where.

`expect_meta` checks an output's shape, dtype and device; `expect_close` checks its values
element by element against an allowed error (an array from `tolerances`, one bound per
element, which `torch.testing.assert_close`'s scalar rtol/atol cannot express);
`expect_identical` checks bitwise equality through `torch.testing.assert_close` with zero
tolerances. A failure raises `ParityError` naming the check, tensor, implementation and case,
the worst element with actual vs expected, absolute, relative and ULP error, the allowed
error, how many elements failed, and the command that reruns just that case. Every value
comparison is recorded for the parity report, pass or fail.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

import numpy as np
import torch

from mlp_parity import report, tolerances
from mlp_parity.cases import Case

# What went wrong, as data (callers branch on `ParityError.kind`, never on message text):
VALUE = "value"  # a value outside its tolerance
SHAPE, DTYPE, DEVICE, TYPE = "shape", "dtype", "device", "type"  # an output of the wrong form
ARITY = "arity"  # forward / backward returned the wrong number of values
CRASH = "crash"  # the implementation raised
MUTATES_INPUT = "mutates-input"
NONDETERMINISTIC = "nondeterministic"  # a second call on the same inputs differed
STATEFUL = "stateful"  # a result depends on earlier calls
ALIASED_OUTPUT = "aliased-output"  # an output shares memory with an input, state or another
USES_AUTOGRAD = "uses-autograd"  # forward / backward used torch autograd or torch.func
GLOBAL_STATE = "global-state"  # a call left process-wide state changed (process_state)
THREAD_UNSAFE = "thread-unsafe"  # two calls at once in two threads gave other results
CANCELLATION = "cancellation"  # the loss off where y fits f: its square expanded, or the like
GRADCHECK = "gradcheck"  # torch.autograd.gradcheck's own verdict (no per-element error)
# a failed suite test that is not one comparison:
TRAJECTORY = "trajectory"  # training left the float64 reference trajectory
PROPERTY = "property"  # a Hypothesis property of the gradient does not hold
ERROR = "error"  # something else raised (the harness, or its environment)
FORM_KINDS = frozenset({SHAPE, DTYPE, DEVICE, TYPE, ARITY})
# failures that no tolerance scales: the margin of such a catch is infinite
NOT_SCALED = FORM_KINDS | {
    CRASH,
    MUTATES_INPUT,
    NONDETERMINISTIC,
    STATEFUL,
    ALIASED_OUTPUT,
    USES_AUTOGRAD,
    GLOBAL_STATE,
    THREAD_UNSAFE,
}


class ParityError(AssertionError):
    """A check failed; the message is meant to be read without a debugger, `kind` (one of
    the names above) and `tensor` say what failed as data."""

    def __init__(
        self, message: str, kind: str = VALUE, tensor: str = "", excess: float | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.tensor = tensor
        self.excess = excess  # error / tolerance at the worst element (value failures)


@dataclass(frozen=True)
class Where:
    """What a comparison is part of: the check, the implementation, the case."""

    check: str
    impl: str
    case: Case
    against: str = "the float64 NumPy reference"
    sample_axis: bool = False  # the first axis of compared arrays is the sample index
    spec: str = ""  # the --parity-impl value that selects the implementation ("": none)
    test: str = ""  # the suite's test function that runs this check
    pattern: str = ""  # how the harness called the implementation, where not plainly
    rows: tuple[str, ...] = ()  # with sample_axis: what each row is (default "sample i")

    @property
    def nodeid(self) -> str:
        """The test's name as pytest shows it: test_backward[impl-seed0-d2h4b8-float32-cpu]."""
        return f"{self.test}[{self.impl}-{self.case.id}]"

    @property
    def rerun(self) -> str:
        """The command that reruns just this check on just this case, from the folder the
        check was run in (the plugin collects the suite itself, so no path is needed)."""
        c = self.case
        return (
            f'pytest -k "{self.nodeid}" --parity-impl={shlex.quote(self.spec)} '
            f"--parity-seeds={c.seed} --parity-dtypes={c.dtype} --parity-devices={c.device}"
        )

    def header(self, tensor: str, what: str) -> str:
        return f"{self.check} check failed: {tensor} from {self.impl} {what}"

    def footer(self) -> list[str]:
        lines = [f"  call pattern: {self.pattern}"] if self.pattern else []
        lines.append(f"  case: {self.case.describe()}")
        if self.spec and self.test:
            lines.append(f"  rerun: {self.rerun}")
        return lines


def dtype_name(t: object) -> str:
    dt = getattr(t, "dtype", None)
    return str(dt).removeprefix("torch.") if dt is not None else type(t).__name__


def shape_hint(got: tuple[int, ...], want: tuple[int, ...]) -> str:
    """What a wrong shape most likely is, where its numbers say so ("" for the right one)."""
    if got == want:
        return ""
    if len(got) == len(want) == 2 and got == want[::-1]:
        return " (the transpose: computed in the other layout, or not transposed back)"
    if sorted(got) == sorted(want):
        return " (the same sizes in another order)"
    drop = tuple(n for n in want if n != 1)
    if tuple(n for n in got if n != 1) == drop:
        return " (the same sizes, with an axis of size 1 added or left out)"
    return ""


def expect_meta(actual: object, *, tensor: str, shape: tuple[int, ...], where: Where) -> None:
    """Shape exactly `shape`, dtype the case's dtype, device the case's device."""
    problems: list[tuple[str, str]] = []  # (kind, text)
    if not isinstance(actual, torch.Tensor):
        problems.append((TYPE, f"{tensor} is a {type(actual).__name__}, not an array or tensor"))
    else:
        if tuple(actual.shape) != tuple(shape):
            problems.append(
                (
                    SHAPE,
                    f"{tensor}.shape={tuple(actual.shape)}, but should be {tuple(shape)}"
                    + shape_hint(tuple(actual.shape), tuple(shape)),
                )
            )
        if dtype_name(actual) != where.case.dtype:
            problems.append(
                (
                    DTYPE,
                    f"{tensor}.dtype={dtype_name(actual)}, but should be {where.case.dtype} "
                    "(the inputs' dtype: no silent promotion or demotion)",
                )
            )
        if actual.device.type != torch.device(where.case.device).type:
            problems.append(
                (DEVICE, f"{tensor}.device={actual.device}, but should be {where.case.device}")
            )
    if problems:
        msg = [where.header(tensor, "has the wrong form"), *("  " + p for _, p in problems)]
        raise ParityError("\n".join([*msg, *where.footer()]), problems[0][0], tensor)


def as_float64(a: object) -> np.ndarray:
    """A tensor (any dtype or device), an array or a number as a float64 NumPy array: the one
    conversion through which the harness reads what an implementation returned."""
    if isinstance(a, torch.Tensor):
        return a.detach().to("cpu", torch.float64).numpy()
    return np.asarray(a, dtype=np.float64)


def _index_text(
    tensor: str, index: tuple[int, ...], sample_axis: bool, rows: tuple[str, ...] = ()
) -> str:
    if sample_axis and index:
        rest = f"[{', '.join(map(str, index[1:]))}]" if len(index) > 1 else ""
        return f"{tensor}{rest} of {rows[index[0]] if rows else f'sample {index[0]}'}"
    return f"{tensor}[{', '.join(map(str, index))}]" if index else tensor


def expect_close(
    actual: object,
    expected: object,
    allowed: object,
    *,
    tensor: str,
    where: Where,
    note: str = "",
) -> report.Record:
    """|actual - expected| <= allowed element by element; record the comparison."""
    a, e = as_float64(actual), as_float64(expected)
    if a.shape != e.shape:
        raise ParityError(
            "\n".join(
                [
                    where.header(tensor, "has the wrong shape"),
                    f"  {tensor}.shape={a.shape}, but should be {e.shape}",
                    *where.footer(),
                ]
            ),
            SHAPE,
            tensor,
        )
    tol = np.broadcast_to(np.asarray(allowed, dtype=np.float64), e.shape)
    err = np.where(np.isfinite(a), np.abs(a - e), np.inf)
    positive = (err > 0) & np.isfinite(tol)  # elements held to a bound, with an error
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        rel = np.where(e != 0, err / np.abs(e), np.where(err > 0, np.inf, 0.0))
        room = np.where(positive, tol / err, np.inf)  # headroom of each element
    failing = err > tol
    # the worst element: the least headroom (every failing element has headroom < 1); the
    # record's tolerance, headroom and worst_abs_err are all this one element's
    worst = np.unravel_index(int(np.argmin(room)), e.shape) if e.size else ()
    worst = tuple(int(i) for i in worst)
    headroom = float(room[worst]) if positive.any() else None
    rec = report.Record(
        check=where.check,
        impl=where.impl,
        tensor=tensor,
        case=where.case.id,
        seed=where.case.seed,
        shape=where.case.shape.id,
        dtype=where.case.dtype,
        device=where.case.device,
        max_abs_err=report.finite_or_none(float(err.max(initial=0.0))),
        max_rel_err=report.finite_or_none(float(rel.max(initial=0.0))),
        tolerance=float(tol[worst]) if e.size else 0.0,
        headroom=headroom,
        passed=not failing.any(),
        nodeid=where.nodeid,
        note=note,
        worst_abs_err=report.finite_or_none(float(err[worst])) if e.size else 0.0,
    )
    report.add(rec)
    if failing.any():
        raise ParityError(
            _message(a, e, tol, err, rel, failing, worst, tensor, where, note),
            VALUE,
            tensor,
            _excess(err[worst], tol[worst]),
        )
    return rec


def _excess(err: float, tol: float) -> float:
    """error / tolerance of one element (inf where the tolerance is 0)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return float(err / tol) if tol > 0 else (np.inf if err > 0 else 0.0)


def _message(a, e, tol, err, rel, failing, worst, tensor, where, note) -> str:
    if e[worst] == 0:  # no relative or ULP error of an exact 0 means anything
        errors = f"    abs err  = {err[worst]:.3g}   (expected exactly 0)"
    else:
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            ulps = err[worst] / tolerances.ulp(e[worst], where.case.dtype)
        errors = (
            f"    abs err  = {err[worst]:.3g}   rel err = {rel[worst]:.3g}   "
            f"ULPs ({where.case.dtype}) = {ulps:.3g}"
        )
    if tol[worst] > 0:
        with np.errstate(over="ignore"):
            times = err[worst] / tol[worst]
        # a subnormal tolerance (an exact 0 expected) can make the ratio overflow to inf
        ratio = f"{times:.3g}x the tolerance" if np.isfinite(times) else "beyond any tolerance"
        allowed = f"    allowed  = {tol[worst]:.3g}   (the error is {ratio})"
    else:
        see = "; see the note" if note else ""
        allowed = (
            "    allowed  = 0   (the tolerance is 0: this element must equal the expected "
            f"value exactly{see})"
        )
    lines = [
        where.header(tensor, f"differs from {where.against}"),
        f"  worst element: {_index_text(tensor, worst, where.sample_axis, where.rows)}",
        f"    actual   = {float(a[worst])!r}",
        f"    expected = {float(e[worst])!r}",
        errors,
        allowed,
        f"  elements failing: {int(failing.sum())} of {failing.size}",
    ]
    if note:
        lines.append(f"  note: {note}")
    return "\n".join([*lines, *where.footer()])


def expect_identical(actual, expected, *, tensor: str, where: Where, why: str, kind: str) -> None:
    """Bitwise equality (NaN equal to NaN), via torch.testing.assert_close(rtol=0, atol=0);
    two tensors equal bit for bit pass at once (assert_close costs a hundred times more)."""
    if (
        isinstance(actual, torch.Tensor)
        and isinstance(expected, torch.Tensor)
        and "meta" not in (actual.device.type, expected.device.type)  # (no data to compare)
        and same_bits(actual, expected)
    ):
        return
    try:
        torch.testing.assert_close(
            actual, expected, rtol=0, atol=0, equal_nan=True, check_device=True, check_dtype=True
        )
    except AssertionError as exc:
        lines = [where.header(tensor, why), *("  " + s for s in str(exc).splitlines())]
        raise ParityError("\n".join([*lines, *where.footer()]), kind, tensor) from None


_BITS = {1: torch.int8, 2: torch.int16, 4: torch.int32, 8: torch.int64}


def bit_view(t: torch.Tensor) -> torch.Tensor:
    """The tensor's memory read as integers of the same width (a view, no copy): two floats
    are equal bit for bit exactly when these are equal."""
    t = t.detach()
    return t.view(_BITS[t.element_size()]) if t.dtype.is_floating_point else t


def same_bits(a: object, b: object) -> bool:
    """Two arrays (torch tensors or NumPy arrays; no copies made) equal bit for bit, with
    the same shape, dtype and device."""
    a, b = (
        torch.from_numpy(v) if isinstance(v, np.ndarray) else torch.as_tensor(v) for v in (a, b)
    )
    if a.shape != b.shape or a.dtype != b.dtype or a.device != b.device:
        return False
    return torch.equal(bit_view(a), bit_view(b))


def _bits(t: torch.Tensor) -> np.ndarray:
    return bit_view(t.detach().cpu().contiguous()).numpy()


def expect_same_bits(
    actual: object,
    expected: object,
    *,
    tensor: str,
    where: Where,
    why: str,
    kind: str,
    labels: tuple[str, str] = ("actual", "expected"),
) -> None:
    """`actual` equal to `expected` bit for bit (shape and dtype included); otherwise a
    ParityError naming the first differing element, both values, and how many differ."""
    a, e = (torch.as_tensor(v) for v in (actual, expected))
    if same_bits(a, e):
        return
    if a.shape != e.shape or a.dtype != e.dtype:
        detail = [
            f"  {labels[0]}: shape {tuple(a.shape)}, dtype {dtype_name(a)}",
            f"  {labels[1]}: shape {tuple(e.shape)}, dtype {dtype_name(e)}",
        ]
    else:
        differ = _bits(a) != _bits(e)
        if not differ.any():
            return
        first = tuple(int(i) for i in np.argwhere(differ)[0]) if differ.ndim else ()
        a64, e64 = as_float64(a), as_float64(e)
        width = max(len(label) for label in labels)
        detail = [
            f"  first differing element: {_index_text(tensor, first, False)}",
            f"    {labels[0]:<{width}} = {float(a64[first])!r}",
            f"    {labels[1]:<{width}} = {float(e64[first])!r}",
            f"  elements differing: {int(differ.sum())} of {differ.size}",
        ]
    lines = [where.header(tensor, why), *detail, *where.footer()]
    raise ParityError("\n".join(lines), kind, tensor)
