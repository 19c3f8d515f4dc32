"""The checks, each a function of (implementation, case) that raises ParityError on failure.

Tests are one line each (tests/test_*.py); the mutation catalogue calls the same functions.
Every check compares through `compare`, with bounds from `tolerances`, on numbers from
`cases`.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import numpy as np
import torch

from mlp_parity import (
    call_patterns,
    cases,
    compare,
    finite_diff,
    oracles,
    process_state,
    report,
    threads,
    tolerances,
)
from mlp_parity.autograd_watch import AutogradWatch
from mlp_parity.call_patterns import Layout
from mlp_parity.cases import Case, Inputs
from mlp_parity.compare import (
    ParityError,
    Where,
    expect_close,
    expect_identical,
    expect_meta,
    expect_same_bits,
)
from mlp_parity.external import (
    ARGS,
    Y_FORMS,
    GlobalStateChange,
    Implementation,
    ImplementationCrash,
    NumpyOutputs,
)
from mlp_parity.kept_memory import KeptMemory

PARAMS = ("W1", "b1", "W2", "b2")
GRADS = ("dW1", "db1", "dW2", "db2")


def _where(
    check: str,
    impl: Implementation,
    case: Case,
    against: str = "",
    sample_axis: bool = False,
    pattern: str = "",
) -> Where:
    against = against or Where.against
    test = BY_NAME["vmap" if check == "batch" else check].test
    return Where(check, impl.name, case, against, sample_axis, impl.spec, test, pattern)


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
        kind = _CRASH_KINDS.get(type(exc), compare.CRASH)
        error = ParityError("\n".join([f"{name} check failed: {exc}", *where.footer()]), kind)
    except ParityError as exc:
        error = ParityError(str(exc), exc.kind, exc.tensor, exc.excess)
    else:
        return
    report.add_failure(
        Failure(name, case, str(error), error.kind, error.tensor, impl.name, error.excess)
    )
    raise error from None


# What a failure raised inside a call is, by its exception (anything else: a crash).
_CRASH_KINDS = {NumpyOutputs: compare.TYPE, GlobalStateChange: compare.GLOBAL_STATE}


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


def _manual_gradients(
    impl: Implementation,
    case: Case,
    inp: Inputs,
    where: Where,
    layout: Layout | None = None,
    y_form: str = "0-d",
):
    """The implementation's per-sample gradients, stacked (B, *param shape), shapes checked;
    the inputs handed over contiguous, or laid out by `layout`, y in `y_form`."""
    t = _torch(inp, case)
    A1r, Hr, Fr = backward_inputs(inp, case.dtype)
    dt, dev = cases.TORCH_DTYPES[case.dtype], case.device
    grads = []
    for i in range(inp.X.shape[0]):
        a1, h, f = (torch.tensor(v[i], dtype=dt, device=dev) for v in (A1r, Hr, Fr))
        x, y, W1, W2 = t["X"][i], t["Y"][i], t["W1"], t["W2"]
        g = impl.backward(x, y, a1, h, f, W1, W2, layout=layout, y_form=y_form)
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


def _forward_outputs(
    impl: Implementation, case: Case, inp: Inputs, where: Where, layout: Layout | None = None
):
    t = _torch(inp, case)
    h = inp.W1.shape[0]
    outs = []
    for i in range(inp.X.shape[0]):
        o = impl.forward(t["X"][i], t["W1"], t["b1"], t["W2"], t["b2"], layout=layout)
        o = _expect_arity(o, "forward", where)
        for name, out, shape in zip(("a1", "h", "f"), o, ((h,), (h,), ())):
            expect_meta(out, tensor=name, shape=shape, where=where)
        outs.append(o)
    return [torch.stack([o[k] for o in outs]) for k in range(3)]


# --------------------------------------------------------------------------- 1. forward
def check_forward(
    impl: Implementation, case: Case, inp: Inputs | None = None, layout: Layout | None = None
) -> None:
    """a1, h, f (and the loss, where the implementation has `loss(f, y)`) vs the float64
    reference; with `layout`, on inputs laid out that way (the layout check)."""
    inp = inp or cases.inputs(case)
    where = _layout_where("forward", impl, case, layout)
    A1, H, F = _forward_outputs(impl, case, inp, where, layout)
    A1e, He, Fe = _reference_forward(inp)
    e = tolerances.forward_bounds(inp.X, inp.W1, inp.b1, inp.W2, inp.b2, inp.Y, He, case.dtype)
    unchecked = "" if layout else _optional_unchecked(impl, "loss")
    for name, actual, expected in (("a1", A1, A1e), ("h", H, He), ("f", F, Fe)):
        note = unchecked if name == "f" else ""
        expect_close(actual, expected, e[name], tensor=name, where=where, note=note)
    if impl.has("loss") and not unchecked and not layout:
        for form in Y_FORMS[impl.kind]:  # every form of y a caller may pass
            w = (
                where
                if form == "0-d"
                else dataclasses.replace(where, pattern=f"y passed as {Y_FORM_TEXT[form]}")
            )
            L = _losses(impl, F, _torch(inp, case)["Y"], w, y_form=form)
            expect_close(L, 0.5 * (Fe - inp.Y) ** 2, e["loss"], tensor="loss", where=w)
        _check_near_fit_loss(impl, case, Fe, where)


def _check_near_fit_loss(impl: Implementation, case: Case, Fe: np.ndarray, where: Where) -> None:
    """loss(f, y) on its own, at targets that fit f to a few units in its last place
    (`cases.near_fit`): exact inputs, so its bound is that of 1/2 r^2 alone."""
    f, y = cases.near_fit(Fe, case.dtype)
    dt = cases.TORCH_DTYPES[case.dtype]
    p = tolerances.FORMATS[case.dtype][0]
    where = dataclasses.replace(
        where, pattern=f"loss(f, y) with y = f (1 + 2^{2 - p}) rounded: a near fit, r exact"
    )
    as_torch = [torch.tensor(v, dtype=dt, device=case.device) for v in (f, y)]
    L = _losses(impl, *as_torch, where)
    allowed = tolerances.near_fit_loss_bound(f - y, case.dtype)
    note = (
        "the loss loses its value where y fits f: form r = f - y first, then r r / 2 "
        "(1/2 (f^2 - 2 f y + y^2) cancels)"
    )
    try:
        expect_close(L, 0.5 * (f - y) ** 2, allowed, tensor="loss", where=where, note=note)
    except ParityError as exc:
        raise ParityError(str(exc), compare.CANCELLATION, exc.tensor, exc.excess) from None


def _losses(
    impl: Implementation, F: torch.Tensor, Y: torch.Tensor, where: Where, y_form: str = "0-d"
) -> torch.Tensor:
    """loss(f, y) of every sample, f in the form the module's forward returns it, y in
    `y_form`: its inputs left unmodified, each result one number (0-d, shape (1,) or a
    Python float) of the case's dtype and device."""
    losses = []
    for f, y in zip(F, Y):
        (L,) = _call_unmodified(
            impl, "loss", ARGS["loss"], (f, y), Y, where, single=True, y_form=y_form
        )
        shape = tuple(L.shape) if tuple(L.shape) in ((), (1,)) else ()
        expect_meta(L, tensor="loss", shape=shape, where=where)
        losses.append(L.reshape(()))
    return torch.stack(losses)


# Optional functions the checks use where a module has them, and how they are called.
OPTIONAL = {
    "loss": ("loss(f, y)", 2),
    "backward_batch": ("backward_batch(X, Y, A1, H, F, W1, W2)", 7),
}


def _optional_unchecked(impl: Implementation, function: str) -> str:
    """Nothing where the module has no `function` or one the check can call; otherwise the
    note that says it was not checked, and why (a function of that name with another signature)."""
    if not impl.has(function):
        return ""
    form, n_args = OPTIONAL[function]
    why = impl.callable_as(function, n_args)
    return f"{function} not checked: {why}; the harness checks {form} only" if why else ""


def _layout_where(check: str, impl: Implementation, case: Case, layout: Layout | None) -> Where:
    if layout is None:
        return _where(check, impl, case, sample_axis=True)
    return _where("layout", impl, case, sample_axis=True, pattern=layout.description)


# --------------------------------------------------------------------------- 2. backward
def check_backward(
    impl: Implementation,
    case: Case,
    inp: Inputs | None = None,
    layout: Layout | None = None,
    check: str = "backward",
) -> None:
    """dW1, db1, dW2, db2 vs the float64 reference, from the same (x, y, a1, h, f, W1, W2);
    with `layout`, on inputs laid out that way (the layout check); `check`: the check whose
    comparison this is (its message and rerun line name it)."""
    inp = inp or cases.inputs(case)
    where = _layout_where(check, impl, case, layout)
    grads, (A1r, Hr, Fr) = _manual_gradients(impl, case, inp, where, layout)
    expected = _reference_gradients(inp, A1r, Hr, Fr)
    allowed = tolerances.backward_bounds(inp.X, inp.Y, Hr, Fr, inp.W2, case.dtype)
    for name, g, e in zip(GRADS, grads, expected):
        expect_close(g, e, allowed[name], tensor=name, where=where)
    if check != "backward" or layout is not None:
        return
    for form in Y_FORMS[impl.kind][1:]:  # every other form of y a caller may pass
        w = dataclasses.replace(where, pattern=f"y passed as {Y_FORM_TEXT[form]}")
        grads, _ = _manual_gradients(impl, case, inp, w, y_form=form)
        for name, g, e in zip(GRADS, grads, expected):
            expect_close(g, e, allowed[name], tensor=name, where=w)


# How the messages name the forms of y (external.Y_FORMS).
Y_FORM_TEXT = {
    "0-d": "a 0-d tensor",
    "float": "a Python float (exact: float64 holds every dtype's numbers)",
    "numpy scalar": "a NumPy scalar (what indexing an array of targets gives)",
}


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
    expected = oracles.directional_derivatives(p64, X, Y, v64)
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
    unchecked = _optional_unchecked(impl, "backward_batch")
    for name, g, e in zip(GRADS, grads, per_sample):
        note = unchecked if name == "dW1" else ""
        expect_close(g, e, allowed[name], tensor=name, where=where, note=note)
    if impl.has("backward_batch") and not unchecked:
        for batch in _mean_batches(case, inp):
            if batch is inp:
                _check_batch_mean(impl, case, inp, grads, allowed, (A1r, Hr, Fr))
                continue
            g, fwd = _manual_gradients(impl, case, batch, where)
            bounds = tolerances.backward_bounds(
                batch.X, batch.Y, fwd[1], fwd[2], batch.W2, case.dtype
            )
            _check_batch_mean(impl, case, batch, g, bounds, fwd)


def _mean_batches(case: Case, inp: Inputs) -> list[Inputs]:
    """The batches backward_batch is compared on: one whose size is not a power of two
    (`cases.uneven_batch`: 1/B exact in every dtype would hide a mean rounded through a
    narrower format, or taken as a shift), and the case's single sample where it has one
    (B = 1, where len(X) and X.squeeze() part)."""
    uneven = cases.uneven_batch(inp, case)
    return [inp, uneven] if len(inp.X) == 1 else [uneven]


def _check_batch_mean(impl, case, inp, grads, allowed, fwd) -> None:
    """backward_batch on `inp`'s samples against the mean of the module's per-sample
    gradients `grads`, each within `allowed` of the exact gradient of its given inputs:
    the batch is within `backward_batch_bounds` of the exact mean, the float64 mean of the
    per-sample ones within the mean of `allowed` plus its own B roundings."""
    B, n = len(inp.X), case.shape.batch
    made = (
        ""
        if B == n
        else f" (the case's first {B} of {n})"
        if B < n
        else f" (the case's {n} and {B - n} made by the check)"
    )
    where = _where("batch", impl, case, "the mean of its per-sample gradients")
    where = dataclasses.replace(where, pattern=f"backward_batch on {B} samples{made}")
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


def _batch_checked(impl: Implementation) -> bool:
    """Whether the module has a backward_batch the checks can call."""
    return impl.has("backward_batch") and not _optional_unchecked(impl, "backward_batch")


def _batch_args(inp: Inputs, case: Case) -> tuple[torch.Tensor, ...]:
    """backward_batch's arguments for the case's whole batch: X, Y, the float64 forward
    rounded to the dtype (`backward_inputs`), W1, W2."""
    t = _torch(inp, case)
    dt = cases.TORCH_DTYPES[case.dtype]
    A1, H, F = (
        torch.tensor(v, dtype=dt, device=case.device) for v in backward_inputs(inp, case.dtype)
    )
    return (t["X"], t["Y"], A1, H, F, t["W1"], t["W2"])


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
    check_backward(impl, case, inp, check="kink")  # the rest of the kink sample and the others


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
def _call_unmodified(
    impl: Implementation,
    function: str,
    names,
    args,
    like,
    where: Where,
    single: bool = False,
    y_form: str = "0-d",
):
    """Call the module's function on native copies of `args` (y in `y_form`); fail if it
    changed any of them. The outputs as tensors (`single`: a function of one output, as a
    tuple of one)."""
    native = impl.natives(function, args)
    pristine = impl.natives(function, args)
    if "y" in names:
        k = list(names).index("y")
        native[k], pristine[k] = (impl.native_y(a[k], y_form) for a in (native, pristine))
    out = impl.call_native(function, *native)
    out = (out,) if single else _expect_arity(out, function, where)
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
    """Forms, inputs left unmodified, bitwise repeatable, and no state between calls: sample
    b (`second_sample`, another ReLU mask than sample 0's) twice, sample 0, then b again;
    then a sample at each of the `special_values` (f = y, every unit dead, W1 = W2 = 0),
    twice: forms, inputs and repeatability there too, where shortcuts take other paths."""
    inp, b = second_sample(case)
    where = _where("contract", impl, case)
    t = _torch(inp, case)
    params = tuple(t[n] for n in PARAMS)
    names = ("a1", "h", "f", *GRADS)
    first = _watched(
        lambda: _run_both(impl, t["X"][b], t["Y"][b], params, where),
        impl,
        where,
        "forward or backward",
    )
    _expect_forms(first, inp, where)
    again = "is not bitwise repeatable: a second call on the same inputs gave another result"
    second = _run_both(impl, t["X"][b], t["Y"][b], params, where)
    _expect_all_identical(names, second, first, where, again, compare.NONDETERMINISTIC)
    _run_both(impl, t["X"][0], t["Y"][0], params, where)
    state = (
        "keeps state between calls: its result for one sample changed after a call on "
        "another sample"
    )
    third = _run_both(impl, t["X"][b], t["Y"][b], params, where)
    _expect_all_identical(names, third, first, where, state, compare.STATEFUL)
    live = _live_sample(cases.inputs(case))
    for label, special in special_values(case):
        ts = _torch(special, case)
        ps = tuple(ts[n] for n in PARAMS)
        w = dataclasses.replace(where, pattern=f"forward then backward of sample {live}, {label}")
        fit = label == "f = y"
        call = functools.partial(_run_both, impl, ts["X"][live], ts["Y"][live], ps, w, fit)
        one = _watched(call, impl, w, "forward or backward")
        _expect_forms(one, special, w)
        twice = call()
        _expect_all_identical(names, twice, one, w, again, compare.NONDETERMINISTIC)
    if _batch_checked(impl):
        _check_batch_contract(impl, case, inp, where)


def _run_both(impl: Implementation, x, y, params, where: Where, fit: bool = False) -> tuple:
    """forward then backward through the module itself, on (x, y) and the parameters; both
    must leave their inputs alone. `fit`: y is the f the module's forward returned, so that
    f - y = 0 exactly."""
    W1, b1, W2, b2 = params
    fwd = _call_unmodified(impl, "forward", ("x", *PARAMS), (x, W1, b1, W2, b2), x, where)
    if fit:
        y = fwd[2].reshape(())
    names = ("x", "y", "a1", "h", "f", "W1", "W2")
    bwd = _call_unmodified(impl, "backward", names, (x, y, *fwd, W1, W2), x, where)
    return (*fwd, *bwd)


def _expect_forms(outs: tuple, inp: Inputs, where: Where) -> None:
    h = inp.W1.shape[0]
    names = ("a1", "h", "f", *GRADS)
    for name, out, shape in zip(names, outs, ((h,), (h,), None, *(p.shape for p in inp.params))):
        if shape is None:  # f: 0-d, shape (1,) or a Python float are all accepted
            shape = tuple(out.shape) if tuple(out.shape) in ((), (1,)) else ()
        expect_meta(out, tensor=name, shape=shape, where=where)


def _watched(call: Callable[[], tuple], impl: Implementation, where: Where, what: str) -> tuple:
    """call() under an `AutogradWatch`: a call that used torch autograd or torch.func (or
    raised inside a torch.func transform, which refuses to run under the watch) fails with
    kind uses-autograd, naming what it used."""
    with AutogradWatch() as watch:
        try:
            out = call()
        except ImplementationCrash:
            if not watch.used:
                raise
            out = ()
    if watch.any:
        raise ParityError(
            "\n".join(
                [
                    f"contract check failed: {what} of {impl.name} used torch autograd "
                    f"({watch.describe()}); the contract is gradients by hand: no autograd "
                    "(torch.autograd, .backward(), torch.func's grad, vjp, jvp, jacrev, jacfwd) "
                    "inside the functions under test",
                    *where.footer(),
                ]
            ),
            compare.USES_AUTOGRAD,
        )
    return out


def _check_batch_contract(impl: Implementation, case: Case, inp: Inputs, where: Where) -> None:
    """backward_batch: inputs left unmodified, its forms, bitwise repeatable, and no state:
    the case's batch twice, the batch with every parameter negated, then the batch again."""
    batch, negated = _batch_args(inp, case), _batch_args(_negated(inp, case.dtype), case)

    def run_batch(args, label: str):
        w = dataclasses.replace(where, pattern=label)
        return _call_unmodified(impl, "backward_batch", ARGS["backward_batch"], args, args[0], w)

    label = _call_label("backward_batch", BATCH, "", len(inp.X))
    first = _watched(lambda: run_batch(batch, label), impl, where, "backward_batch")
    for name, out, p in zip(GRADS, first, inp.params):
        expect_meta(
            out, tensor=name, shape=p.shape, where=dataclasses.replace(where, pattern=label)
        )
    again = "is not bitwise repeatable: a second call on the same inputs gave another result"
    w = dataclasses.replace(where, pattern=f"{label}, twice")
    _expect_all_identical(GRADS, run_batch(batch, label), first, w, again, compare.NONDETERMINISTIC)
    other = _call_label("backward_batch", BATCH, NEGATED, len(inp.X))
    run_batch(negated, other)
    state = (
        "keeps state between calls: its result for one batch changed after a call on another batch"
    )
    w = dataclasses.replace(where, pattern=f"{label}, then {other}, then {label} again")
    _expect_all_identical(GRADS, run_batch(batch, label), first, w, state, compare.STATEFUL)


# --------------------------------------------------------------------------- 10. layout
def check_layout(impl: Implementation, case: Case) -> None:
    """forward and backward on inputs laid out as callers lay them out (`LAYOUTS`: W1
    column-major, strided slices, views into one flat buffer), on one sample whose dW1 is not
    zero, and on that sample at each of the `special_values` (f = y, every unit dead,
    W1 = W2 = 0; strided: SPECIAL_LAYOUTS): against the float64 reference, within the
    bounds of the forward and backward checks. Not bitwise against the contiguous call: a
    layout may change a kernel's order of summation (torch.addmv with a column-major W1
    does), and the bounds hold for every order."""
    inp = cases.inputs(case)
    i = _live_sample(inp)
    _layout_values(impl, case, _samples(inp, [i]), f"sample {i}")
    for label, special in special_values(case):  # in the layout that departs most from
        # contiguous memory: strided views at an offset (a .view or a flat write fails there)
        one = _samples(special, [i])
        _layout_values(impl, case, one, f"sample {i}, {label}", SPECIAL_LAYOUTS)
    if _batch_checked(impl):
        _check_batch_layouts(impl, case, inp)


SPECIAL_LAYOUTS = tuple(layout for layout in call_patterns.LAYOUTS if layout.name == "strided")


def _layout_values(
    impl: Implementation, case: Case, one: Inputs, sample: str, layouts=call_patterns.LAYOUTS
) -> None:
    """One sample (`one`) through forward and backward in each of `layouts`, against the
    float64 reference; `sample` says which in messages."""
    fwd, grads = [], []
    for layout in layouts:
        where = _layout_where("layout", impl, case, layout)
        where = dataclasses.replace(where, pattern=f"{layout.description}; {sample}")
        try:
            fwd.append(_forward_outputs(impl, case, one, where, layout))
            grads.append(_manual_gradients(impl, case, one, where, layout)[0])
        except ImplementationCrash as exc:
            pattern = f"{layout.description}; {sample}"
            raise type(exc)(f"{exc}\n  call pattern: {pattern}") from exc
    # one comparison per tensor, a row per layout
    where = dataclasses.replace(
        _where("layout", impl, case, sample_axis=True, pattern=f"{sample}, laid out as below"),
        rows=tuple(f"{sample} with {layout.description}" for layout in layouts),
    )
    A1r, Hr, Fr = backward_inputs(one, case.dtype)
    A1e, He, Fe = _reference_forward(one)
    e_fwd = tolerances.forward_bounds(one.X, one.W1, one.b1, one.W2, one.b2, one.Y, He, case.dtype)
    e_bwd = tolerances.backward_bounds(one.X, one.Y, Hr, Fr, one.W2, case.dtype)
    rows = len(layouts)
    expected = [
        *zip(("a1", "h", "f"), (A1e, He, Fe), (e_fwd[n] for n in ("a1", "h", "f"))),
        *zip(GRADS, _reference_gradients(one, A1r, Hr, Fr), (e_bwd[n] for n in GRADS)),
    ]
    got = [*zip(*fwd), *zip(*grads)]
    for (name, e, allowed), outs in zip(expected, got):
        expect_close(
            torch.cat(outs),
            np.repeat(e, rows, axis=0),
            np.repeat(np.broadcast_to(allowed, e.shape), rows, axis=0),
            tensor=name,
            where=where,
        )


def _check_batch_layouts(impl: Implementation, case: Case, inp: Inputs) -> None:
    """backward_batch on the whole batch laid out as each of `LAYOUTS`, against its result
    on contiguous inputs (checked against the per-sample mean by the vmap check). Each is
    within `backward_batch_bounds` of the exact mean, in any order of summation, so the two
    differ by at most twice that bound."""
    args = _batch_args(inp, case)
    layouts = call_patterns.LAYOUTS
    where = _where("layout", impl, case, "backward_batch on contiguous inputs")
    shapes = [p.shape for p in inp.params]
    plain = _batch_call(impl, args, shapes, None, dataclasses.replace(where, pattern="contiguous"))
    got = [
        _batch_call(impl, args, shapes, layout, _layout_where("layout", impl, case, layout))
        for layout in layouts
    ]
    where = dataclasses.replace(
        where,
        sample_axis=True,
        pattern="backward_batch, laid out as below",
        rows=tuple(f"backward_batch with {layout.description}" for layout in layouts),
    )
    Hr, Fr = (a.double().cpu().numpy() for a in args[3:5])
    bounds = tolerances.backward_batch_bounds(inp.X, inp.Y, Hr, Fr, inp.W2, case.dtype)
    for k, name in enumerate(GRADS):
        expected = plain[k].double().cpu().numpy()
        expect_close(
            torch.stack([g[k] for g in got]),
            np.repeat(expected[None], len(layouts), axis=0),
            np.repeat(np.broadcast_to(2 * bounds[name], expected.shape)[None], len(layouts), 0),
            tensor=name,
            where=where,
        )


def _batch_call(impl: Implementation, args, shapes, layout: Layout | None, where: Where) -> tuple:
    """backward_batch's outputs (copies, forms checked) on `args` laid out by `layout`."""
    native = impl.natives("backward_batch", args, layout)
    try:
        out = impl.call_native("backward_batch", *native)
    except ImplementationCrash as exc:
        if layout is None:
            raise
        raise type(exc)(f"{exc}\n  call pattern: {layout.description}") from exc
    out = impl.outputs(_expect_arity(out, "backward_batch", where), args[0])
    for name, o, shape in zip(GRADS, out, shapes):
        expect_meta(o, tensor=name, shape=shape, where=where)
    return out


# --------------------------------------------------------------------------- 11, 12: calls
def second_sample(case: Case) -> tuple[Inputs, int]:
    """The case's numbers and a sample b != 0 whose ReLU mask differs from sample 0's: the
    first such sample of the case; where none does, one made of the case's own input values
    (a seeded choice, with random signs) and appended."""
    inp = cases.inputs(case)
    masks = _activations(inp) > 0
    differ = [i for i in range(1, len(masks)) if np.any(masks[i] != masks[0])]
    if differ:
        return inp, differ[0]
    rng = np.random.default_rng([case.seed, 9])
    pool = np.abs(inp.X[inp.X != 0]) if np.any(inp.X != 0) else np.ones(1)
    for _ in range(16):
        x = rng.choice(pool, inp.X.shape[1]) * rng.choice([-1.0, 1.0], inp.X.shape[1])
        if np.any(((inp.W1 @ x + inp.b1) > 0) != masks[0]):
            break
    y = cases.round_to(rng.uniform(-3.0, 3.0, 1), case.dtype)
    X, Y = np.vstack([inp.X, x]), np.concatenate([inp.Y, y])
    return cases.within_range(dataclasses.replace(inp, X=X, Y=Y), case.dtype), len(inp.X)


def _live_sample(inp: Inputs) -> int:
    """A sample whose dW1 is not zero, so that a write that goes astray shows: a non-zero x,
    an active unit, and of those the largest residual relative to |f| + |y| (the rounding of
    r = f - y, relative to r, is smallest there, and so is the gradients' tolerance)."""
    A1 = _activations(inp)
    F = np.maximum(A1, 0.0) @ inp.W2[0] + inp.b2[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        clear = np.abs(F - inp.Y) / (np.abs(F) + np.abs(inp.Y))
    live = (A1 > 0).any(axis=1) & (inp.X != 0).any(axis=1)
    return int(np.argmax(np.where(live, np.nan_to_num(clear), -1.0)))


def _activations(inp: Inputs) -> np.ndarray:
    """A1 (B, h) in float64, in one product: where a check only needs the ReLU masks, or
    inputs for backward that need not be the reference's to the last bit."""
    return inp.X @ inp.W1.T + inp.b1


def _samples(inp: Inputs, index: list[int]) -> Inputs:
    return dataclasses.replace(inp, X=inp.X[index], Y=inp.Y[index])


def _negated(inp: Inputs, dtype: str) -> Inputs:
    """The same samples with every parameter negated (exact): every activation that is not
    0 changes sign, and with it the ReLU mask (`cases.within_range`: scaled down where the
    new mask would take an intermediate past the dtype's range)."""
    negated = dataclasses.replace(inp, W1=-inp.W1, b1=-inp.b1, W2=-inp.W2, b2=-inp.b2)
    return cases.within_range(negated, dtype)


class _Calls:
    """The torch arguments of forward / backward for sample i of `inp`, backward's a1, h, f
    the float64 forward rounded to the dtype (the checks that use them compare the module with
    itself); calls that name the call pattern when the implementation raises; outputs checked
    for form."""

    def __init__(
        self, impl: Implementation, case: Case, inp: Inputs, where: Where, variant: str = ""
    ) -> None:
        self.impl, self.case, self.where, self.variant = impl, case, where, variant
        self.n = len(inp.X)
        self.t = _torch(inp, case)
        dt = cases.TORCH_DTYPES[case.dtype]
        fwd = backward_inputs(inp, case.dtype)
        self.fwd = [torch.tensor(v, dtype=dt, device=case.device) for v in fwd]
        self.h = inp.W1.shape[0]
        self.params = inp.params

    def label(self, function: str, s: int) -> str:
        """How a call is named in messages (`_call_label`)."""
        return _call_label(
            function, s, self.variant, self.n if s == BATCH else self.case.shape.batch
        )

    def args(self, function: str, i: int) -> tuple[torch.Tensor, ...]:
        """The arguments of `function` for sample i (backward_batch: the whole batch)."""
        t = self.t
        if function == "forward":
            return (t["X"][i], t["W1"], t["b1"], t["W2"], t["b2"])
        if function == "backward_batch":
            return (t["X"], t["Y"], *self.fwd, t["W1"], t["W2"])
        a1, h, f = (v[i] for v in self.fwd)
        return (t["X"][i], t["Y"][i], a1, h, f, t["W1"], t["W2"])

    def call(self, function: str, native: list, pattern: str) -> tuple:
        """The raw outputs (the module's own objects), their number and forms checked."""
        try:
            out = self.impl.call_native(function, *native)
        except ImplementationCrash as exc:
            raise type(exc)(f"{exc}\n  call pattern: {pattern}") from exc
        where = dataclasses.replace(self.where, pattern=pattern)
        names = OUTPUTS[function]
        out = _expect_arity(out, function, where)
        for name, o, shape in zip(names, self.converted(function, out), self._shapes(function)):
            expect_meta(o, tensor=name, shape=shape, where=where)
        return tuple(out)

    def converted(self, function: str, out) -> tuple:
        """Copies of raw outputs as tensors (forward's f 0-d)."""
        like = self.t["X"]
        if function == "forward":
            return self.impl.forward_outputs(out, like)
        return tuple(self.impl.outputs(tuple(out), like))

    def _shapes(self, function: str):
        if function == "forward":
            return ((self.h,), (self.h,), ())
        return tuple(p.shape for p in self.params)


NEGATED = "parameters negated"


def special_values(case: Case) -> list[tuple[str, Inputs]]:
    """The case's samples with the special values where shortcuts live, for the structural
    checks (ownership, layout, contract): (what is special, the inputs).

    * "f = y": y set to the f that backward is handed (the float64 forward rounded to the
      dtype, `backward_inputs`), so r = f - y = 0 exactly and every gradient is 0;
    * "every unit dead": b1_j = -2^k with 2^k >= 2 max_i sum_k |W1_jk x_ik| + 1, so that
      a1 = W1 x + b1 <= -2^(k-1) < 0 in every sample, exactly and in any rounding (the
      computed sum is within gamma_(d+1) of |W1 x| + |b1| < 2^k of it); h = 0, dW1 = db1 = 0;
    * "W1 = 0 and W2 = 0": a zero-initialised network, a1 = b1 and f = b2, dW1 = db1 = 0.
    Each within the dtype's range (`cases.within_range`: powers of two keep b1 exact)."""
    inp = cases.inputs(case)
    _, _, F = backward_inputs(inp, case.dtype)
    fit = dataclasses.replace(inp, Y=F)
    reach = 2.0 * (np.abs(inp.X) @ np.abs(inp.W1).T).max(axis=0, initial=0.0) + 1.0
    b1 = -(2.0 ** np.ceil(np.log2(reach)))
    dead = cases.within_range(dataclasses.replace(inp, b1=b1), case.dtype)
    zero = dataclasses.replace(inp, W1=np.zeros_like(inp.W1), W2=np.zeros_like(inp.W2))
    return [("f = y", fit), ("every unit dead", dead), ("W1 = 0 and W2 = 0", zero)]


def check_ownership(impl: Implementation, case: Case) -> None:
    """Outputs belong to the caller: no output shares memory with an input of its call, with
    another output of it or with an output of an earlier call, none changes when the module
    is called again, and the module keeps none of them.

    forward and backward (and backward_batch, on the whole batch) on sample 0, on sample b
    (`second_sample`, another ReLU mask) with every parameter negated, then sample 0 negated
    and sample b as it is (any unit's mask takes both values; where h = 1 two calls have
    every unit dead), then a sample at each of the `special_values` (f = y, every unit dead,
    W1 = W2 = 0: where shortcuts return shared zeros). Every call's raw outputs are kept, and
    compared bit for bit after every later call with the copies taken right after it; then
    the check lets go of everything it holds, and any output whose memory is still alive is
    held by the module (`kept_memory`): a buffer, a ring of them or a cache, caught whatever
    the number of calls between its reuses."""
    where = _where("ownership", impl, case)
    watch = _ownership_calls(impl, case, where)
    held = watch.kept()
    if held:
        (name, label) = held[0]
        more = f" (and {len(held) - 1} more outputs)" if len(held) > 1 else ""
        raise ParityError(
            "\n".join(
                [
                    where.header(
                        name,
                        f"returned by {label} is still held by the module after the caller let go "
                        f"of every reference to it{more}: memory the module keeps (a buffer, a "
                        "ring of buffers, a cache), which a later call may write into",
                    ),
                    "  outputs belong to the caller: a module may keep no reference to what it "
                    "returns",
                    *where.footer(),
                ]
            ),
            compare.ALIASED_OUTPUT,
            name,
        )


def _ownership_calls(impl: Implementation, case: Case, where: Where) -> KeptMemory:
    """The ownership check's calls (every output kept and compared after every later call);
    returns weak references to the outputs' memory, once every reference of the check's own
    is gone (with this function's frame)."""
    inp, b = second_sample(case)
    settings = [
        _Calls(impl, case, inp, where, ""),
        _Calls(impl, case, _negated(inp, case.dtype), where, NEGATED),
    ]
    plan = [(0, settings[0]), (b, settings[1]), (0, settings[1]), (b, settings[0])]
    live = _live_sample(cases.inputs(case))  # a sample of special_values(case)
    for label, special in special_values(case):
        setting = _Calls(impl, case, special, where, label)
        settings.append(setting)
        plan.append((live, setting))
    like = settings[0].t["X"]
    functions = ("forward", "backward", *(["backward_batch"] if _batch_checked(impl) else []))
    kept: list[tuple[str, str, object, torch.Tensor]] = []  # (call, output, raw, copy)
    watch = KeptMemory()
    batched: set[int] = set()
    for sample, calls in plan:
        for function in functions:
            s = BATCH if function == "backward_batch" else sample
            if s == BATCH and id(calls) in batched:
                continue  # the batch once per setting
            if s == BATCH:
                batched.add(id(calls))
            label = calls.label(function, s)
            native = impl.natives(function, calls.args(function, s))
            raw = calls.call(function, native, label)
            _expect_unshared(raw, native, function, dataclasses.replace(where, pattern=label))
            for before, name, o, copy in kept:
                if _unchanged(o, copy):  # (no copy made: the usual case, every pair)
                    continue
                expect_same_bits(
                    impl.from_native(o, like),
                    copy,
                    tensor=name,
                    where=dataclasses.replace(where, pattern=f"{before}, then {label}"),
                    why=f"returned by {before} changed when the module was called again "
                    f"({label}): it is memory the module keeps, not the caller's",
                    kind=compare.ALIASED_OUTPUT,
                    labels=("now", f"right after {before}"),
                )
            # a buffer the module overwrites fails above, with the numbers; one it never
            # writes again (a cached zero tensor) shares memory all the same
            _expect_unshared(raw, (), function, dataclasses.replace(where, pattern=label), kept)
            for name, o in zip(OUTPUTS[function], raw):
                kept.append((label, name, o, impl.from_native(o, like)))
                watch.add(o, (name, label))
    return watch


def _unchanged(raw, copy: torch.Tensor) -> bool:
    """Whether a raw output still holds the bits of its copy, read in place (a tensor, or a
    NumPy array through a view); a Python number cannot change."""
    if isinstance(raw, torch.Tensor):
        now = raw.detach()
    elif isinstance(raw, np.ndarray):
        now = torch.from_numpy(np.ascontiguousarray(raw)) if raw.size else torch.from_numpy(raw)
    else:
        return True
    if now.device != copy.device or "meta" in (now.device.type, copy.device.type):
        return False  # expect_same_bits says what differs (or, on the meta device, nothing)
    return compare.same_bits(now, copy)


# The "sample" of a backward_batch call: the whole batch.
BATCH = -1


def _call_label(function: str, s: int, variant: str, batch: int) -> str:
    """ "forward(sample 3)", "backward(sample 4 (made by the check), parameters negated)",
    "backward(sample 1, f = y)", "backward_batch(the batch of 2 samples)"."""
    more = f", {variant}" if variant else ""
    if s == BATCH:
        return f"{function}(the batch of {batch} sample{'s' if batch > 1 else ''}{more})"
    made = " (made by the check)" if s >= batch else ""
    return f"{function}(sample {s}{made}{more})"


def _expect_unshared(raw, native, function: str, where: Where, earlier=()) -> None:
    """No output shares memory with an input of the call, with another output, or with an
    output of an earlier call (`earlier`: (call, output, raw, copy))."""
    outputs = list(zip(OUTPUTS[function], raw))
    inputs = list(zip(ARGS[function], native))
    for k, (name, o) in enumerate(outputs):
        others = [(f"its input {n}", a) for n, a in inputs]
        others += [(f"{n}, another output of {function}", b) for n, b in outputs[:k]]
        others += [(f"{n} returned by {call}", e) for call, n, e, _ in earlier]
        for what, other in others:
            if call_patterns.shares_memory(o, other):
                raise ParityError(
                    "\n".join(
                        [
                            where.header(name, f"shares memory with {what}"),
                            "  outputs belong to the caller: an output may share memory with "
                            "no input, no other output and nothing the module keeps",
                            *where.footer(),
                        ]
                    ),
                    compare.ALIASED_OUTPUT,
                    name,
                )


def check_order(impl: Implementation, case: Case) -> None:
    """Every result depends on the call's arguments only, never on the calls made before it.

    Forward then backward of sample 0, then of sample b (`second_sample`: another ReLU mask)
    with every parameter negated, each on fresh tensors, as a training loop orders them.
    Then, on tensors the caller keeps (one set of parameter tensors, one set of tensors per
    sample, passed again and again): forward(0), forward(b), backward(0), which holds forward
    after backward of another call and backward for another sample than the last forward
    (with the same parameter tensors); then sample b and the negated parameters are written
    in place into sample 0's tensors and the parameters, as a loop that refills its buffers
    and updates its parameters in place does, and forward and backward called on them. Each
    output must equal, bit for bit, the same call's on fresh tensors (forward(b) there is
    only made, not compared)."""
    inp, b = second_sample(case)
    order = _Order(impl, case, inp)
    batch = [("backward_batch", BATCH)] if _batch_checked(impl) else []
    for sample, sign in ((0, 1), (b, -1)):
        for function, s in (("forward", sample), ("backward", sample), *batch):
            native = impl.natives(function, order.calls[sign].args(function, s))
            order.natural[(function, s, sign)] = order.call(function, s, sign, native)
    kept = _CallerTensors(impl, order.calls[1], (0, b, *(s for _, s in batch)))
    for function, s in (("forward", 0), ("forward", b), ("backward", 0), *batch):
        label, before = order.label(function, s, 1), order.history[-1]
        if s in (0, BATCH):
            why = (
                f"depends on the calls made before it: {label} after {before}, on tensors the "
                "caller keeps (one set of parameter tensors for every call)"
            )
            order.expect_natural(function, s, 1, kept.args(function, s), why=why)
        else:
            order.call(function, s, 1, kept.args(function, s))
        kept.expect_unmodified(function, dataclasses.replace(order.where, pattern=order.pattern))
    kept.refill(0, order.calls[-1], b)
    for function, s in (("forward", b), ("backward", b), *batch):
        note = (
            " on the batch's tensors, refilled in place"
            if s == BATCH
            else " on sample 0's tensors, refilled in place"
        )
        label = order.label(function, s, -1) + note
        why = f"ignores that its input tensors were written in place: {label}"
        order.expect_natural(function, s, -1, kept.args(function, 0 if s == b else s), note, why)
        kept.expect_unmodified(function, dataclasses.replace(order.where, pattern=order.pattern))


class _CallerTensors:
    """Tensors a caller keeps and passes again and again: one set of parameters, and x, y,
    a1, h, f for each of some samples, in the module's kind."""

    def __init__(self, impl: Implementation, calls: _Calls, samples: tuple[int, ...]) -> None:
        self.impl, self.like = impl, calls.t["X"]
        params = impl.natives("forward", calls.args("forward", samples[0]))[1:]
        self.params = dict(zip(ARGS["forward"][1:], params))
        self.samples = {s: self._sample(calls, s) for s in samples}
        self.written = self._snapshot()

    def _sample(self, calls: _Calls, s: int) -> dict:
        """Sample s's x, y, a1, h, f (s = BATCH: the batch's X, Y, A1, H, F)."""
        function = "backward_batch" if s == BATCH else "backward"
        native = self.impl.natives(function, calls.args(function, s))
        return {n: v for n, v in zip(ARGS[function], native) if n not in self.params}

    def args(self, function: str, s: int) -> list:
        everything = {**self.params, **self.samples[s]}
        return [everything[n] for n in ARGS[function]]

    def refill(self, s: int, calls: _Calls, new: int) -> None:
        """Write sample `new` of `calls` and its parameters into sample s's tensors and the
        parameters, and the batch of `calls` into the batch's tensors, in place (a scalar f,
        which cannot be written in place, is replaced)."""
        params = self.impl.natives("forward", calls.args("forward", new))[1:]
        for n, v in zip(ARGS["forward"][1:], params):
            self.params[n] = call_patterns.copy_into(self.params[n], v)
        for t, source in ((s, new), *([(BATCH, BATCH)] if BATCH in self.samples else [])):
            for n, v in self._sample(calls, source).items():
                self.samples[t][n] = call_patterns.copy_into(self.samples[t][n], v)
        self.written = self._snapshot()

    def _snapshot(self) -> dict:
        return {
            (s, n): self.impl.from_native(v, self.like)
            for s, tensors in ((None, self.params), *self.samples.items())
            for n, v in tensors.items()
        }

    def expect_unmodified(self, function: str, where: Where) -> None:
        for (s, n), before in self.written.items():
            now = self.params[n] if s is None else self.samples[s][n]
            if isinstance(now, (torch.Tensor, np.ndarray)) and not compare.same_bits(now, before):
                expect_same_bits(
                    self.impl.from_native(now, self.like),
                    before,
                    tensor=n,
                    where=where,
                    why=f"modified its input {n} in place ({function})",
                    kind=compare.MUTATES_INPUT,
                    labels=("after the call", "before"),
                )


class _Order:
    """The order check's calls: the results on fresh tensors, and every later call compared
    with them."""

    def __init__(self, impl: Implementation, case: Case, inp: Inputs) -> None:
        self.impl, self.batch, self.n = impl, case.shape.batch, len(inp.X)
        self.where = _where("order", impl, case)
        self.calls = {
            1: _Calls(impl, case, inp, self.where),
            -1: _Calls(impl, case, _negated(inp, case.dtype), self.where, NEGATED),
        }
        self.natural: dict[tuple[str, int, int], tuple] = {}
        self.history: list[str] = []

    @property
    def pattern(self) -> str:
        """The last calls made, oldest first."""
        return ", ".join(self.history[-4:])

    def label(self, function: str, s: int, sign: int) -> str:
        return self.calls[sign].label(function, s)

    def call(self, function: str, s: int, sign: int, native: list, note: str = "") -> tuple:
        """The outputs as tensors; the call pattern named on a crash or a wrong form."""
        self.history.append(self.label(function, s, sign) + note)
        raw = self.calls[sign].call(function, native, self.pattern)
        return self.calls[sign].converted(function, raw)

    def expect_natural(
        self, function: str, s: int, sign: int, native: list, note: str = "", why: str = ""
    ) -> None:
        got = self.call(function, s, sign, native, note)
        label, before = self.history[-1], self.history[-2]
        why = why or f"depends on the calls made before it: {label} after {before}"
        where = dataclasses.replace(self.where, pattern=self.pattern)
        fresh = (
            "the same call on fresh tensors"
            if s == BATCH
            else "right after forward of the same sample"
        )
        for name, a, e in zip(OUTPUTS[function], got, self.natural[(function, s, sign)]):
            expect_same_bits(
                a,
                e,
                tensor=name,
                where=where,
                why=f"{why} gave another result than {fresh}"
                + ("" if s == BATCH else " on fresh tensors"),
                kind=compare.STATEFUL,
                labels=("in this order", fresh),
            )


# --------------------------------------------------------------------------- 13. threads
def check_threads(impl: Implementation, case: Case) -> None:
    """Two calls at once, from two threads, give what each gives alone, bit for bit: forward,
    backward (and backward_batch) on sample 0 and on sample b (`second_sample`) with every
    parameter negated, so that every value and every ReLU mask differs between the two.

    The threads take turns statement by statement (`threads.interleaved`): a module-level
    buffer or variable that the first call writes and reads back later is written by the
    second in between, on every run. Each call alone runs in a thread of its own. The module's functions are called directly (process-wide state is
    put back afterwards, and left to the checks that call through `call_native` to report)."""
    inp, b = second_sample(case)
    where = _where("threads", impl, case)
    settings = {
        1: _Calls(impl, case, inp, where),
        -1: _Calls(impl, case, _negated(inp, case.dtype), where, NEGATED),
    }
    batch = ["backward_batch"] if _batch_checked(impl) else []
    before = process_state.snapshot()
    try:
        for function in ("forward", "backward", *batch):
            s_a, s_b = (BATCH, BATCH) if function == "backward_batch" else (0, b)
            calls = [(settings[1], s_a), (settings[-1], s_b)]
            _check_interleaved(impl, function, calls, where)
    finally:
        process_state.restore(before)


def _check_interleaved(impl: Implementation, function: str, calls, where: Where) -> None:
    fn = getattr(impl.module, function)
    labels = [c.label(function, s) for c, s in calls]
    traced = threads.user_code(impl.module)

    def make(c: _Calls, s: int):
        """The call, its outputs copied in its own thread as soon as it returns (the harness's
        code takes no turns: the other call waits), so that an output buffer the two calls
        share is the ownership check's to report, not this one's."""
        native = impl.natives(function, c.args(function, s))

        def call():
            out = fn(*native)
            try:
                return c.converted(function, _expect_arity(out, function, where))
            except ParityError as exc:  # a form failure, raised in this thread's stead
                return exc

        return call

    def results(which: list[int], outcomes, what: str) -> list[tuple]:
        """The outputs of calls `which` (indices into `calls`), their forms checked; a call
        that raised: a crash alone, a failure of this check together."""
        out = []
        for k, o in zip(which, outcomes):
            c, _ = calls[k]
            if o.error is not None:
                exc = o.error
                text = (
                    f"{function} of {impl.name} raised {type(exc).__name__}: {exc} "
                    f"({labels[k]}, {what})"
                )
                if what == "alone":
                    raise ImplementationCrash(text)
                raise ParityError(
                    "\n".join(
                        [
                            f"threads check failed: {text}, where alone it returned: the module "
                            "shares state between calls that run at the same time",
                            *dataclasses.replace(where, pattern=labels[k]).footer(),
                        ]
                    ),
                    compare.THREAD_UNSAFE,
                )
            if isinstance(o.value, ParityError):
                raise o.value
            w = dataclasses.replace(where, pattern=f"{labels[k]}, {what}")
            for name, got, shape in zip(OUTPUTS[function], o.value, c._shapes(function)):
                expect_meta(got, tensor=name, shape=shape, where=w)  # forms, as every check's
            out.append(o.value)
        return out

    # alone: each in a thread of its own, as together (tracing changes no number)
    alone = [results([k], threads.interleaved([make(*calls[k])]), "alone")[0] for k in (0, 1)]
    order = (0, 1)  # one call's write between the other's write and its read suffices
    together = results(
        list(order), threads.interleaved([make(*calls[k]) for k in order], traced), "together"
    )
    for k in order:
        other = labels[1 - k]
        w = dataclasses.replace(
            where, pattern=f"{labels[k]} and {other} at once, {labels[order[0]]} first"
        )
        for name, got, want in zip(OUTPUTS[function], together[k], alone[k]):
            expect_same_bits(
                got,
                want,
                tensor=name,
                where=w,
                why=f"differs when {other} runs at the same time in another thread (the "
                "two interleaved statement by statement): the module shares mutable state "
                "between calls (a module-level buffer or variable)",
                kind=compare.THREAD_UNSAFE,
                labels=("together", "alone"),
            )


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
    Check("layout", check_layout, "test_layout"),
    Check("ownership", check_ownership, "test_ownership"),
    Check("order", check_order, "test_order"),
    Check("threads", check_threads, "test_threads"),
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
        if c is None:
            case = None
        elif "slot" in c:  # a declared network's case
            from mlp_parity.network_cases import Arch, NetCase

            shape = {**c["shape"], "hidden": tuple(c["shape"]["hidden"])}
            case = NetCase(
                c["seed"],
                Arch(**shape),
                c["dtype"],
                c["device"],
                c["slot"],
                tuple(c["hidden"]),
                c["fam"],
            )
        else:
            case = Case(c["seed"], cases.Shape(**c["shape"]), c["dtype"], c["device"])
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
