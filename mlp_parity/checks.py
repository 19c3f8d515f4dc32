"""The checks, each a function of (implementation, case) that raises ParityError on failure.

Tests are one line each (tests/test_*.py); the mutation catalogue calls the same functions.
Every check compares through `compare`, with bounds from `tolerances`, on numbers from
`cases`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import torch

from mlp_parity import cases, compare, finite_diff, oracles, report, tolerances
from mlp_parity.cases import Case, Inputs
from mlp_parity.compare import ParityError, Where, expect_close, expect_identical, expect_meta
from mlp_parity.external import Implementation, ImplementationCrash, NumpyOutputs

PARAMS = ("W1", "b1", "W2", "b2")
GRADS = ("dW1", "db1", "dW2", "db2")


def _where(
    check: str, impl: Implementation, case: Case, against: str = "", sample_axis: bool = False
) -> Where:
    against = against or Where.against
    test = BY_NAME["vmap" if check == "batch" else check].test
    return Where(check, impl.name, case, against, sample_axis, impl.spec, test)


def run(name: str, impl: Implementation, case: Case) -> None:
    """Run the check called `name`; an exception raised inside the implementation becomes a
    ParityError (kind "crash") that names the check, the implementation and the case. The
    harness's own frames are hidden from pytest's traceback: the message says everything.
    A failure is also recorded (`report.add_failure`) for the diagnosis at the end of a run."""
    __tracebackhide__ = True
    try:
        BY_NAME[name].function(impl, case)
    except ImplementationCrash as exc:
        where = _where(name, impl, case)
        kind = compare.TYPE if isinstance(exc, NumpyOutputs) else compare.CRASH
        error = ParityError("\n".join([f"{name} check failed: {exc}", *where.footer()]), kind)
    except ParityError as exc:
        error = ParityError(str(exc), exc.kind, exc.tensor, exc.excess)
    else:
        return
    report.add_failure(
        Failure(name, case, str(error), error.kind, error.tensor, impl.name, error.excess)
    )
    raise error from None


# --------------------------------------------------------------------------- helpers
def _torch(inp: Inputs, case: Case) -> dict[str, torch.Tensor]:
    return inp.to_torch(case.dtype, case.device)


def _reference_forward(inp: Inputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A1 (B, h), H (B, h), F (B,) in float64."""
    outs = [oracles.reference_forward(x, *inp.params) for x in inp.X]
    return tuple(np.stack([np.asarray(o[k], dtype=np.float64) for o in outs]) for k in range(3))


def backward_inputs(inp: Inputs, dtype: str):
    """(a1, h, f) for backward: the float64 reference forward rounded to the dtype.

    Rounding keeps h = ReLU(a1) exact and keeps a1's sign (activations built to be 0 stay 0),
    so the implementation and the reference apply the same ReLU mask to the same numbers.
    """
    A1, _, F = _reference_forward(inp)
    A1r = cases.round_to(A1, dtype)
    return A1r, np.maximum(A1r, 0.0), cases.round_to(F, dtype)


def _manual_gradients(impl: Implementation, case: Case, inp: Inputs, where: Where):
    """The implementation's per-sample gradients, stacked (B, *param shape), shapes checked."""
    t = _torch(inp, case)
    A1r, Hr, Fr = backward_inputs(inp, case.dtype)
    dt, dev = cases.TORCH_DTYPES[case.dtype], case.device
    grads = []
    for i in range(inp.X.shape[0]):
        a1, h, f = (torch.tensor(v[i], dtype=dt, device=dev) for v in (A1r, Hr, Fr))
        g = impl.backward(t["X"][i], t["Y"][i], a1, h, f, t["W1"], t["W2"])
        _expect_grads_form(g, inp, where)
        grads.append(g)
    return [torch.stack([g[k] for g in grads]) for k in range(4)], (A1r, Hr, Fr)


OUTPUTS = {"forward": ("a1", "h", "f"), "backward": GRADS, "backward_batch": GRADS}


def _expect_arity(out, function: str, where: Where) -> tuple:
    """`function`'s outputs as a tuple of the length the contract names, else an ARITY
    failure: every zip over outputs goes through here, so none is silently truncated."""
    names = OUTPUTS[function]
    if isinstance(out, (tuple, list)) and len(out) == len(names):
        return tuple(out)
    got = f"{len(out)} values" if isinstance(out, (tuple, list)) else f"a {type(out).__name__}"
    raise ParityError(
        "\n".join(
            [
                f"{where.check} check failed: {function} of {where.impl} returned {got}, "
                f"expected ({', '.join(names)})",
                *where.footer(),
            ]
        ),
        compare.ARITY,
    )


def _expect_grads_form(g, inp: Inputs, where: Where) -> None:
    for name, out, p in zip(GRADS, _expect_arity(g, "backward", where), inp.params):
        expect_meta(out, tensor=name, shape=p.shape, where=where)


def _reference_gradients(inp: Inputs, A1r, Hr, Fr) -> list[np.ndarray]:
    outs = [
        oracles.reference_backward(inp.X[i], inp.Y[i], A1r[i], Hr[i], Fr[i], inp.W1, inp.W2)
        for i in range(inp.X.shape[0])
    ]
    return [np.stack([o[k] for o in outs]) for k in range(4)]


def _forward_outputs(impl: Implementation, case: Case, inp: Inputs, where: Where):
    t = _torch(inp, case)
    h = inp.W1.shape[0]
    outs = []
    for i in range(inp.X.shape[0]):
        o = impl.forward(t["X"][i], t["W1"], t["b1"], t["W2"], t["b2"])
        o = _expect_arity(o, "forward", where)
        for name, out, shape in zip(("a1", "h", "f"), o, ((h,), (h,), ())):
            expect_meta(out, tensor=name, shape=shape, where=where)
        outs.append(o)
    return [torch.stack([o[k] for o in outs]) for k in range(3)]


# --------------------------------------------------------------------------- 1. forward
def check_forward(impl: Implementation, case: Case, inp: Inputs | None = None) -> None:
    """a1, h, f (and the loss, where the implementation has `loss`) vs the float64 reference."""
    inp = inp or cases.inputs(case)
    where = _where("forward", impl, case, sample_axis=True)
    A1, H, F = _forward_outputs(impl, case, inp, where)
    A1e, He, Fe = _reference_forward(inp)
    e = tolerances.forward_bounds(inp.X, inp.W1, inp.b1, inp.W2, inp.b2, inp.Y, He, case.dtype)
    for name, actual, expected in (("a1", A1, A1e), ("h", H, He), ("f", F, Fe)):
        expect_close(actual, expected, e[name], tensor=name, where=where)
    if impl.has("loss"):
        t = _torch(inp, case)
        L = torch.stack([impl.call("loss", F[i], t["Y"][i]).reshape(()) for i in range(len(F))])
        expect_close(L, 0.5 * (Fe - inp.Y) ** 2, e["loss"], tensor="loss", where=where)


# --------------------------------------------------------------------------- 2. backward
def check_backward(impl: Implementation, case: Case, inp: Inputs | None = None) -> None:
    """dW1, db1, dW2, db2 vs the float64 reference, from the same (x, y, a1, h, f, W1, W2)."""
    inp = inp or cases.inputs(case)
    where = _where("backward", impl, case, sample_axis=True)
    grads, (A1r, Hr, Fr) = _manual_gradients(impl, case, inp, where)
    expected = _reference_gradients(inp, A1r, Hr, Fr)
    allowed = tolerances.backward_bounds(inp.X, inp.Y, Hr, Fr, inp.W2, case.dtype)
    for name, g, e in zip(GRADS, grads, expected):
        expect_close(g, e, allowed[name], tensor=name, where=where)


# --------------------------------------------------------------------------- 3. autograd
def check_autograd(impl: Implementation, case: Case) -> None:
    """Against torch autograd (reverse mode) at the same dtype and device."""
    inp = cases.inputs(case)
    t = _torch(inp, case)
    where = _where("autograd", impl, case, "torch autograd at the same dtype and device", True)
    params = tuple(t[n] for n in PARAMS)
    got, want, fwd = [], [], []
    for i in range(inp.X.shape[0]):
        (a1, h, f), g_auto = oracles.autograd_sample(params, t["X"][i], t["Y"][i])
        g = impl.backward(t["X"][i], t["Y"][i], a1, h, f, t["W1"], t["W2"])
        _expect_grads_form(g, inp, where)
        got.append(g)
        want.append(g_auto)
        fwd.append((h, f))
    H = torch.stack([h for h, _ in fwd]).double().cpu().numpy()
    F = torch.stack([f for _, f in fwd]).double().cpu().numpy()
    allowed = tolerances.backward_bounds(inp.X, inp.Y, H, F, inp.W2, case.dtype, n_sides=2)
    for k, name in enumerate(GRADS):
        actual = torch.stack([g[k] for g in got])
        expected = torch.stack([g[k] for g in want])
        expect_close(actual, expected, allowed[name], tensor=name, where=where)


# --------------------------------------------------------------------------- 4. jvp
def check_jvp(impl: Implementation, case: Case) -> None:
    """<manual gradient, v> against forward-mode torch.func.jvp (float64), v random."""
    inp = cases.inputs(case)
    where = _where("jvp", impl, case, "torch.func.jvp (forward mode, float64)", True)
    grads, (A1r, Hr, Fr) = _manual_gradients(impl, case, inp, where)
    _expect_same_masks(inp, A1r, where)
    rng = np.random.default_rng([case.seed, 4])
    tangents = {n: rng.standard_normal(p.shape) for n, p in zip(GRADS, inp.params)}
    p64 = tuple(torch.from_numpy(np.array(p)) for p in inp.params)
    v64 = tuple(torch.from_numpy(tangents[n]) for n in GRADS)
    X, Y = torch.from_numpy(np.array(inp.X)), torch.from_numpy(np.array(inp.Y))
    expected = torch.stack(
        [oracles.directional_derivative(p64, X[i], Y[i], v64) for i in range(len(X))]
    )
    actual = sum((g.double().cpu() * v).flatten(1).sum(1) for g, v in zip(grads, v64))
    allowed = tolerances.recomputed_backward_bounds(
        inp.X, inp.Y, inp.W1, inp.b1, inp.W2, inp.b2, Hr, Fr, case.dtype
    )
    mags = tolerances.backward_magnitudes(inp.X, inp.Y, Hr, Fr, inp.W2)
    n_params = sum(p.size for p in inp.params)
    bound = tolerances.directional_bound(allowed, mags, tangents, n_params)
    expect_close(actual, expected, bound, tensor="<grad, v>", where=where)


def _expect_same_masks(inp: Inputs, A1r: np.ndarray, where: Where) -> None:
    A1, _, _ = _reference_forward(inp)
    if np.any((A1 > 0) != (A1r > 0)):
        raise AssertionError(
            f"case generator: rounding flipped an activation's sign ({where.case.id})"
        )


# --------------------------------------------------------------------------- 5. vmap / batch
def check_vmap(impl: Implementation, case: Case) -> None:
    """Per-sample gradients vs torch.func.vmap(torch.func.grad(loss)) in float64; and, where
    the implementation has backward_batch, the batch gradient vs the mean of per-sample ones."""
    inp = cases.inputs(case)
    where = _where("vmap", impl, case, "torch.func.vmap(grad(loss)) in float64", True)
    grads, (A1r, Hr, Fr) = _manual_gradients(impl, case, inp, where)
    _expect_same_masks(inp, A1r, where)
    p64 = tuple(torch.from_numpy(np.array(p)) for p in inp.params)
    per_sample = oracles.per_sample_gradients(
        p64, torch.from_numpy(np.array(inp.X)), torch.from_numpy(np.array(inp.Y))
    )
    allowed = tolerances.recomputed_backward_bounds(
        inp.X, inp.Y, inp.W1, inp.b1, inp.W2, inp.b2, Hr, Fr, case.dtype
    )
    for name, g, e in zip(GRADS, grads, per_sample):
        expect_close(g, e, allowed[name], tensor=name, where=where)
    if impl.has("backward_batch"):  # every batch size, one sample included
        _check_batch_mean(impl, case, inp, grads, allowed, (A1r, Hr, Fr))


def _check_batch_mean(impl, case, inp, grads, allowed, fwd) -> None:
    where = _where("batch", impl, case, "the mean of its per-sample gradients")
    t = _torch(inp, case)
    dt = cases.TORCH_DTYPES[case.dtype]
    A1, H, F = (torch.tensor(v, dtype=dt, device=case.device) for v in fwd)
    batch = impl.call("backward_batch", t["X"], t["Y"], A1, H, F, t["W1"], t["W2"])
    batch = _expect_arity(batch, "backward_batch", where)
    for name, out, p in zip(GRADS, batch, inp.params):
        expect_meta(out, tensor=name, shape=p.shape, where=where)
    batch_allowed = tolerances.backward_batch_bounds(
        inp.X, inp.Y, fwd[1], fwd[2], inp.W2, case.dtype
    )
    B = inp.X.shape[0]
    for name, b, g in zip(GRADS, batch, grads):
        mean = g.double().cpu().mean(0)
        mean_err = (
            allowed[name].mean(0)
            + tolerances.gamma(B, "float64") * g.double().abs().mean(0).cpu().numpy()
        )
        expect_close(b, mean, batch_allowed[name] + mean_err, tensor=name, where=where)


# --------------------------------------------------------------------------- 6. finite differences
def check_finite_differences(impl: Implementation, case: Case) -> None:
    """The implementation's float64 backward vs differences of its own float64 forward."""
    inp = cases.inputs(case)
    case64 = dataclasses.replace(case, dtype="float64")
    where = _where("finite-diff", impl, case64, "finite differences of its own forward (float64)")
    t = inp.to_torch("float64", case.device)
    params = tuple(t[n] for n in PARAMS)
    A1, H, F = _forward_outputs(impl, case64, inp, _where("finite-diff", impl, case64))
    grads = []
    for i in range(inp.X.shape[0]):
        g = impl.backward(t["X"][i], t["Y"][i], A1[i], H[i], F[i], t["W1"], t["W2"])
        _expect_grads_form(g, inp, where)
        grads.append([x.cpu().numpy() for x in g])
    B = inp.X.shape[0]
    H64, F64 = H.cpu().numpy(), F.cpu().numpy()
    e_grad = tolerances.backward_bounds(inp.X, inp.Y, H64, F64, inp.W2, "float64")
    base = (A1.cpu().numpy(), F64)
    rng = np.random.default_rng([case.seed, 6])
    for k, name in enumerate(GRADS):
        per_sample = np.stack([g[k] for g in grads])
        analytic = per_sample.mean(0)
        eg = e_grad[name].mean(0) + tolerances.gamma(B, "float64") * np.abs(per_sample).mean(0)
        out = finite_diff.check_tensor(impl, t["X"], t["Y"], params, k, base, analytic, eg, rng)
        ok = np.isfinite(out.estimate)
        note = (
            f"{out.coords.size} coordinates, {out.one_sided} one-sided (a ReLU mask flips "
            f"within the step), {out.unverifiable} unverifiable (both sides flip), "
            f"{'vectorised (vmap)' if out.vectorised else 'loop (forward not vmappable)'}"
        )
        expect_close(
            out.analytic[ok], out.estimate[ok], out.allowed[ok], tensor=name, where=where, note=note
        )


# --------------------------------------------------------------------------- 7. gradcheck
def off_kink(inp: Inputs, margin_rel: float = 1e-3) -> Inputs:
    """The case moved away from the kink: b1_j shifted until every |a1_ij| >= margin_j."""
    A1 = inp.X @ inp.W1.T + inp.b1
    margin = margin_rel * (np.abs(inp.W1) @ np.abs(inp.X).max(0) + np.abs(inp.b1) + 1.0)
    b1 = np.array(inp.b1)
    for j in range(b1.size):
        for k in range(4 * inp.X.shape[0] + 2):
            shift = (k + 1) // 2 * margin[j] * (1 if k % 2 else -1) * 2
            if np.all(np.abs(A1[:, j] + shift) >= margin[j]):
                b1[j] += shift
                break
    return dataclasses.replace(inp, b1=b1)


GRADCHECK_FULL_MAX = 64  # parameters; beyond, gradcheck's fast mode (random projections)


def check_gradcheck(impl: Implementation, case: Case) -> None:
    """torch.autograd.gradcheck on a Function whose backward is the manual backward.

    Every element of the Jacobian for small networks; for larger ones gradcheck's fast mode,
    which compares random projections u^T J v, since the full numerical Jacobian of the
    64 x 256 network takes minutes.
    """
    inp = off_kink(cases.inputs(case))
    case64 = dataclasses.replace(case, dtype="float64")
    where = _where("gradcheck", impl, case64, "torch.autograd.gradcheck")
    t = inp.to_torch("float64", case.device)
    X, Y = t["X"], t["Y"]

    class ManualLoss(torch.autograd.Function):
        @staticmethod
        def forward(ctx, W1, b1, W2, b2):
            outs = [_expect_arity(impl.forward(x, W1, b1, W2, b2), "forward", where) for x in X]
            ctx.save_for_backward(W1, W2)
            ctx.outs = outs
            return torch.stack([0.5 * (o[2].reshape(()) - y) ** 2 for o, y in zip(outs, Y)]).mean()

        @staticmethod
        def backward(ctx, grad_out):
            W1, W2 = ctx.saved_tensors
            gs = [impl.backward(x, y, *o, W1, W2) for x, y, o in zip(X, Y, ctx.outs)]
            for g in gs:
                _expect_grads_form(g, inp, where)
            return tuple(grad_out * torch.stack([g[k] for g in gs]).mean(0) for k in range(4))

    params = tuple(t[n].requires_grad_() for n in PARAMS)
    _, He, Fe = _reference_forward(inp)
    e = tolerances.forward_bounds(inp.X, inp.W1, inp.b1, inp.W2, inp.b2, inp.Y, He, "float64")
    e_grad = tolerances.backward_bounds(inp.X, inp.Y, He, Fe, inp.W2, "float64")
    atol = tolerances.gradcheck_atol(np.mean(e["loss"])) + max(
        float(v.max()) for v in e_grad.values()
    )
    try:
        torch.autograd.gradcheck(
            ManualLoss.apply,
            params,
            eps=tolerances.GRADCHECK_EPS,
            atol=atol,
            rtol=0.0,
            fast_mode=sum(p.numel() for p in params) > GRADCHECK_FULL_MAX,
        )
    except (ImplementationCrash, ParityError):  # raised, or returned the wrong form
        raise
    except Exception as exc:  # GradcheckError
        lines = [
            f"gradcheck check failed: the backward of {impl.name} disagrees with "
            "torch.autograd.gradcheck's differences of its forward (float64, off the kink)",
            *("  " + s for s in str(exc).splitlines()[:12]),
            *where.footer(),
        ]
        raise ParityError("\n".join(lines), compare.GRADCHECK) from None


# --------------------------------------------------------------------------- 8. kink
def check_kink(impl: Implementation, case: Case) -> None:
    """At a1 = 0 exactly the gradient uses ReLU'(0) = 0, as PyTorch does.

    The case's sample 0 is rebuilt at the kink: x0 = (1, 0, ..., 0) and b1_j = -W1_j0 for the
    case's kink units, so a1_j = 0 exactly in any order of summation.
    """
    inp = cases.at_kink(case)
    where = _where("kink", impl, case, "ReLU'(0) = 0 (exactly zero)", True)
    grads, (A1r, _, _) = _manual_gradients(impl, case, inp, where)
    dead = A1r[0] == 0
    assert dead.any(), f"case generator: no activation at the kink ({case.id})"
    note = _kink_note(grads[1], A1r, dead)
    # sample 0's rows; only the units at the kink are held to exactly 0 here, the rest are
    # compared with the reference just below
    allowed = np.where(dead, 0.0, np.inf)
    for k, name in ((1, "db1"), (0, "dW1")):
        g = grads[k][:1]
        allowed_k = allowed if g.dim() == 2 else allowed[:, np.newaxis]
        expected = torch.zeros_like(g, dtype=torch.float64, device="cpu")
        expect_close(g, expected, allowed_k[np.newaxis], tensor=name, where=where, note=note)
    check_backward(impl, case, inp)


def _kink_note(db1: torch.Tensor, A1r: np.ndarray, dead: np.ndarray) -> str:
    """What the module's da1 (= db1, per sample) shows about its mask: where a1 = 0 in
    sample 0 (`dead`), and where a1 < 0 in any sample of the case."""
    g = db1.double().cpu().numpy()
    note = "a1 = 0 exactly at this unit: ReLU'(0) must be 0"
    if not np.any(g[0][dead] != 0):
        return note
    negative = A1r < 0
    if not negative.any():
        return f"{note}; the module's db1 is non-zero there"
    if np.any(g[negative] != 0):
        return f"{note}; db1 is also non-zero where a1 < 0: the ReLU mask is missing or wrong"
    return (
        f"{note}; db1 is 0 wherever a1 < 0 but not where a1 = 0: a mask a1 >= 0 breaks this "
        "(the mask must be a1 > 0)"
    )


# --------------------------------------------------------------------------- 9. contract
def _call_unmodified(impl: Implementation, function: str, names, args, like, where: Where):
    """Call the module's function on native copies of `args`; fail if it changed any of them."""
    native = [impl.to_native(a) for a in args]
    pristine = [impl.to_native(a) for a in args]
    out = _expect_arity(impl.call_native(function, *native), function, where)
    for name, a, b in zip(names, native, pristine):
        expect_identical(
            impl.from_native(a, like),
            impl.from_native(b, like),
            tensor=name,
            where=where,
            why=f"modified its input {name} in place ({function})",
            kind=compare.MUTATES_INPUT,
        )
    return tuple(impl.from_native(o, like) for o in out)


def _expect_all_identical(names, got, want, where: Where, why: str, kind: str) -> None:
    for name, a, b in zip(names, got, want):
        expect_identical(a, b, tensor=name, where=where, why=why, kind=kind)


def check_contract(impl: Implementation, case: Case) -> None:
    """Forms, inputs left unmodified, bitwise repeatable, and no state between calls."""
    inp = cases.inputs(case)
    where = _where("contract", impl, case)
    t = _torch(inp, case)
    xa, ya = t["X"][0], t["Y"][0]
    xb, yb = (t["X"][1], t["Y"][1]) if len(t["X"]) > 1 else (-xa, ya + 1)
    W1, b1, W2, b2 = (t[n] for n in PARAMS)

    def run_both(x, y):
        """forward then backward through the module itself; both must leave inputs alone."""
        fwd = _call_unmodified(impl, "forward", ("x", *PARAMS), (x, W1, b1, W2, b2), x, where)
        names = ("x", "y", "a1", "h", "f", "W1", "W2")
        bwd = _call_unmodified(impl, "backward", names, (x, y, *fwd, W1, W2), x, where)
        return (*fwd, *bwd)

    names = ("a1", "h", "f", *GRADS)
    first = run_both(xb, yb)
    h = inp.W1.shape[0]
    for name, out, shape in zip(names, first, ((h,), (h,), None, *(p.shape for p in inp.params))):
        if shape is None:  # f: 0-d, shape (1,) or a Python float are all accepted
            shape = tuple(out.shape) if tuple(out.shape) in ((), (1,)) else ()
        expect_meta(out, tensor=name, shape=shape, where=where)
    again = "is not bitwise repeatable: a second call on the same inputs gave another result"
    _expect_all_identical(names, run_both(xb, yb), first, where, again, compare.NONDETERMINISTIC)
    run_both(xa, ya)
    state = (
        "keeps state between calls: its result for one sample changed after a call on "
        "another sample"
    )
    _expect_all_identical(names, run_both(xb, yb), first, where, state, compare.STATEFUL)


# --------------------------------------------------------------------------- all of them
@dataclasses.dataclass(frozen=True)
class Check:
    """One check: its name (in messages and the report), the function, the suite test that
    runs it, and the dtypes it runs at (None: every dtype)."""

    name: str
    function: Callable[[Implementation, Case], None]
    test: str
    dtypes: tuple[str, ...] | None = None


# The one list of the checks.
CHECKS = (
    Check("forward", check_forward, "test_forward"),
    Check("backward", check_backward, "test_backward"),
    Check("autograd", check_autograd, "test_autograd"),
    Check("jvp", check_jvp, "test_jvp"),
    Check("vmap", check_vmap, "test_vmap_per_sample"),
    Check("finite-diff", check_finite_differences, "test_finite_differences", ("float64",)),
    Check("gradcheck", check_gradcheck, "test_gradcheck", ("float64",)),
    Check("kink", check_kink, "test_kink_convention"),
    Check("contract", check_contract, "test_contract"),
)
BY_NAME = {c.name: c for c in CHECKS}
BY_TEST = {c.test: c for c in CHECKS}


def applicable(impl: Implementation, case: Case) -> list[str]:
    """The checks that run on this case for this implementation, in order."""
    if case.dtype not in impl.dtypes:
        return []
    return [c.name for c in CHECKS if not c.dtypes or case.dtype in c.dtypes]


@dataclasses.dataclass(frozen=True)
class Failure:
    """One failed check: what failed (kind, tensor) as data, the message as the user saw it.
    `case` is None for a suite test that is not one of CHECKS (a property, the training run)."""

    check: str
    case: Case | None
    message: str
    kind: str = compare.VALUE
    tensor: str = ""
    impl: str = ""  # the implementation's name
    excess: float | None = None  # error / tolerance at the worst element (value failures)

    def to_dict(self) -> dict:
        """Plain JSON-able data (pytest-xdist hands failures from its workers this way)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Failure:
        c = data.get("case")
        case = (
            None
            if c is None
            else Case(c["seed"], cases.Shape(**c["shape"]), c["dtype"], c["device"])
        )
        return cls(**{**data, "case": case})


def sweep(
    impl: Implementation,
    case_list,
    only: tuple[str, ...] | None = None,
    records: list[report.Record] | None = None,
) -> list[Failure]:
    """Every check (or those named in `only`) on every case the implementation supports;
    the failures, in order. Used by the harness's own tests and the mutation run; the
    comparisons go to `records` when given, never to the session's report."""
    with report.capture() as captured:
        failures = _sweep(impl, case_list, only)
    if records is not None:
        records.extend(captured)
    return failures


def _sweep(impl: Implementation, case_list, only: tuple[str, ...] | None) -> list[Failure]:
    failures = []
    for case in case_list:
        for name in applicable(impl, case):
            if only and name not in only:
                continue
            try:
                run(name, impl, case)
            except ParityError as exc:
                failures.append(
                    Failure(name, case, str(exc), exc.kind, exc.tensor, impl.name, exc.excess)
                )
    return failures
