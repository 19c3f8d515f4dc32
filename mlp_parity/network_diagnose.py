"""Diagnosis of a declared network's module: the cause named, in layers and in declarations.

After a run with failures (`diagnose(impl, failures)`, strongest first):

1. the failures' kinds that name their pattern (shape, dtype, crash, stateful, ...: the seed
   diagnosis's `kind_findings`), with a declaration named where the forms say which one the
   code follows (gradients of W come back (n_out, n_in) where rows were declared: "declare
   layout='columns'");
2. probes: a few small float64 cases of the declaration, where the module's gradients are set
   beside the reference's for the declaration and for each of its neighbours (the loss with
   or without 1/2, the other reduction, the other output reduction, the other ReLU'(0)). A
   module that fits a neighbour everywhere, within the same bounds, and the declaration
   nowhere is reported as a declaration mismatch ("declaration", naming the key and the
   value that fits), not as a bug;
3. otherwise each gradient that differs is classified by the seed diagnosis's classifiers
   (zero, sign, scale, transposed, missing / extra term, precision, partial), and the layers
   are read from the output down: the first layer whose gradient is wrong, below layers that
   are right, is where the error enters.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence

import numpy as np

from mlp_parity import compare, diagnose, door, network_cases, network_checks
from mlp_parity.declaration import Network
from mlp_parity.external import Implementation, ImplementationCrash
from mlp_parity.network_cases import NetCase
from mlp_parity.reference import network as refnet
from mlp_parity.report import Diagnosis
from mlp_parity.tolerances.layers import Sides, layer_bounds, max_finite
from mlp_parity.tolerances.per_sample import unit_roundoff

PROBE_SLOTS = (0, 1, 2, 3)  # the small architectures of network_cases.ARCHS
PROBE_SEEDS = (0, 1)
HINTS = {
    "declaration": "the code follows another convention than the declaration says",
    "zero": "the gradient is never computed (zeros_like, or an overwritten buffer)",
    "sign": "f - y and y - f swapped, or a - where a + belongs",
    "transposed": "a missing .T, or h^T g where g^T h belongs",
    "precision": "computed in a lower precision inside (a cast, or a float32 constant)",
}


def neighbours(net: Network) -> list[tuple[dict, str]]:
    """Declarations one convention away from `net`, each with the words for what differs."""
    out: list[tuple[dict, str]] = []
    if net.loss == "half_squared":
        out.append(({"loss": "squared"}, "without the 1/2"))
        if net.output == "sigmoid":
            out.append(
                ({"loss": "bce"}, "the cross-entropy's delta f - y (no sigmoid' at the output)")
            )
    elif net.loss == "squared":
        out.append(({"loss": "half_squared"}, "with a 1/2"))
    elif net.loss == "bce":
        out.append(({"loss": "half_squared"}, "the quadratic cost's delta (f - y) sigmoid'(a)"))
    if not net.per_sample:
        other = "sum" if net.reduction == "mean" else "mean"
        out.append(({"reduction": other}, f"the {other} over the batch"))
    if net.outputs == "any" or (isinstance(net.outputs, int) and net.outputs > 1):
        other = "mean" if net.output_reduction == "sum" else "sum"
        out.append(({"output_reduction": other}, f"the {other} over the outputs"))
    if net.has_kinks:
        other = 1 - net.relu_grad_at_zero
        out.append(({"relu_grad_at_zero": other}, f"ReLU'(0) = {other}"))
    pen = net.penalty
    if pen is not None:
        for kind in ("l2", "l1"):
            if getattr(pen, kind):
                form = getattr(pen, f"{kind}_form")
                other = "full" if form == "half" else "half"
                changed = dataclasses.replace(pen, **{f"{kind}_form": other})
                out.append(({"penalty": changed}, f"the {kind} penalty's {other} form"))
        out.append(
            (
                {"penalty": dataclasses.replace(pen, biases=not pen.biases)},
                "the penalty " + ("without" if pen.biases else "on") + " the biases",
            )
        )
        if not net.per_sample:
            out.append(
                (
                    {"penalty": dataclasses.replace(pen, per_sample=not pen.per_sample)},
                    "the penalty "
                    + ("not " if pen.per_sample else "")
                    + "divided by the batch size",
                )
            )
        out.append(({"penalty": None}, "no penalty"))
        if pen.l1 and pen.subgradient == "sign":
            out.append(
                (
                    {"penalty": dataclasses.replace(pen, subgradient="any")},
                    "L1's subgradient at W = 0 another value than sign(0) = 0",
                )
            )
        for kind in ("l2", "l1"):
            lam = getattr(pen, kind)
            if not lam:
                continue
            for factor, words in ((2.0, "twice"), (0.5, "half")):
                changed = dataclasses.replace(pen, **{kind: lam * factor})
                out.append(
                    ({"penalty": changed}, f"the {kind} penalty's gradient {words} its cost's")
                )
            other = "l1" if kind == "l2" else "l2"
            swapped = dataclasses.replace(
                pen,
                **{
                    kind: 0.0,
                    other: getattr(pen, other) + lam,
                    f"{other}_form": getattr(pen, f"{kind}_form"),
                },
            )
            out.append(
                (
                    {"penalty": swapped},
                    f"the {other} penalty's gradient where the {kind} penalty's belongs",
                )
            )
        if pen.l1 and pen.l2:
            for kind, other in (("l1", "l2"), ("l2", "l1")):
                changed = dataclasses.replace(pen, **{kind: getattr(pen, other)})
                out.append(
                    (
                        {"penalty": changed},
                        f"the {kind} penalty's gradient with the {other} penalty's lambda",
                    )
                )
    # pairs of two conventions (the penalty's variants only alone: they are many)
    plain = [n for n in out if "penalty" not in n[0]]
    pairs = [
        (a, b) for i, a in enumerate(plain) for b in plain[i + 1 :] if not (set(a[0]) & set(b[0]))
    ]
    out += [({**a[0], **b[0]}, f"{a[1]} and {b[1]}") for a, b in pairs]
    return out


def _say(change: dict) -> str:
    parts = []
    for k, v in change.items():
        if k == "penalty":
            parts.append("penalty=" + (repr(None) if v is None else _penalty_dict(v)))
        else:
            parts.append(f"{k}={v!r}")
    return ", ".join(parts)


def _penalty_dict(pen) -> str:
    kinds = {k: getattr(pen, k) for k in ("l2", "l1") if getattr(pen, k)}
    forms = {getattr(pen, f"{k}_form") for k in kinds}
    if len(forms) == 1:
        items = [f"{k!r}: {v:g}" for k, v in kinds.items()] + [f"'form': {forms.pop()!r}"]
    else:
        items = [
            f"{k!r}: {{'lambda': {v:g}, 'form': {getattr(pen, k + '_form')!r}}}"
            for k, v in kinds.items()
        ]
    items += [f"{f!r}: True" for f in ("per_sample", "biases") if getattr(pen, f)]
    items += ["'subgradient': 'any'"] * (pen.subgradient == "any")
    return "{" + ", ".join(items) + "}"


@dataclasses.dataclass
class Probe:
    """The module's gradients (canonical, float64) on the probe cases, and the reference's."""

    case: NetCase
    inp: network_cases.NetInputs
    grads: list[np.ndarray] | None  # None: the call raised or returned another form
    note: str = ""
    # what a gradient read back from an sgd_step may be off by, beyond its bound: the step
    # theta - lr g rounds to u |theta - lr g|, which / lr is far above g's own rounding
    recovery: list[np.ndarray] | None = None
    loss: np.ndarray | None = None  # the loss it returned: () or (B,) per sample
    form: str = ""  # the kind of a form failure (shape, dtype, ...) that stopped the probe


def _probes(impl: Implementation) -> list[Probe]:
    net = impl.declared.net
    arches = dict(network_cases.architectures(net))
    out = []
    for seed in PROBE_SEEDS:
        for slot in PROBE_SLOTS:
            case = NetCase(seed, arches[slot], "float64", "cpu", slot, net.hidden)
            case = dataclasses.replace(case, fam=network_cases.family_of(net, case))
            inp = network_cases.inputs(net, case)
            p = network_checks.Problem(impl, case, inp)
            where = network_checks._where("backward", impl, case)
            try:
                outcome = network_checks.call_module(p, where)
            except ImplementationCrash as exc:
                out.append(Probe(case, inp, None, str(exc).splitlines()[0]))
                continue
            except compare.ParityError as exc:  # a form the failures' kinds already name
                out.append(Probe(case, inp, None, "", form=exc.kind))
                continue
            grads = [
                door.canonical_grad(g, j, net).double().cpu().numpy()
                for j, g in enumerate(outcome.grads)
            ]
            recovery = None
            if impl.declared.protocol == "sgd_step":  # the step back into a gradient
                theta = [
                    np.broadcast_to(t, g.shape) for t, g in zip(network_checks._params_of(p), grads)
                ]
                u = Sides("float64").u
                recovery = [2 * u * (np.abs(t) + np.abs(g)) / door.LR for t, g in zip(theta, grads)]
                grads = [(t - g) / door.LR for t, g in zip(theta, grads)]
            loss = None if outcome.loss is None else outcome.loss.double().cpu().numpy()
            out.append(Probe(case, inp, grads, recovery=recovery, loss=loss))
    return out


def _expected(net: Network, inp, acts=None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(gradients, allowed errors) of `net` on `inp`, per sample where net is per-sample
    (`acts`: activations in place of the declaration's)."""
    layers = list(inp.layers)
    with np.errstate(all="ignore"):
        tr = refnet.trace(net, layers, inp.X, inp.Y, acts)
        b = layer_bounds(net, layers, inp.X, inp.Y, tr, Sides("float64"), acts=acts)
    if net.per_sample:
        grads, pairs = refnet.sample_gradients(tr, net.bias), zip(b.dW_sample, b.db_sample)
    else:
        grads, pairs = refnet.gradients(tr, net.bias), zip(b.dW, b.db)
    flat = [g for pair in grads for g in pair if g is not None]
    allowed = [e for pair in pairs for e in pair if e is not None]
    return flat, allowed


def _fits(net: Network, probes: list[Probe], swap=None, below_only=False) -> tuple[bool, int]:
    """Whether every probe's gradients fit `net` within its bounds; (fits, probes compared).
    An sgd_step's gradient, read back from its step, carries the step's rounding / lr.
    `swap(depth) -> activations`: a hypothesis about the module's derivatives; with
    `below_only` it holds for the layers below the output only, the output layer's own
    gradients being the declaration's (a derivative left out of the error passed down)."""
    n = 0
    for pr in probes:
        if pr.grads is None:
            continue
        acts = swap(len(pr.inp.layers) - 1) if swap else None
        exp, allowed = _expected(net, pr.inp, acts)
        if below_only:
            right, right_allowed = _expected(net, pr.inp)
            last = 2 if net.bias else 1
            exp = exp[:-last] + right[-last:]
            allowed = allowed[:-last] + right_allowed[-last:]
        if len(exp) != len(pr.grads):
            return False, n
        for j, (g, e, a) in enumerate(zip(pr.grads, exp, allowed)):
            if g.shape != e.shape:
                return False, n
            # the bound, and where a hypothesis stands in for sigma' (whose own error the
            # bound does not model) 2^-26 of the value: far above float64's rounding, far
            # below what tells one hypothesis from another
            slack = a + (pr.recovery[j] if pr.recovery else 0.0)
            if swap is not None:
                slack = slack + 2.0**-26 * np.abs(e)
            with np.errstate(invalid="ignore", over="ignore"):
                same = (g == e) | (np.abs(g - e) <= slack)
                if not np.all(same):
                    return False, n
        n += 1
    return n > 0, n


def _loss_fits(net: Network, probes: list[Probe]) -> bool | None:
    """Whether the losses the module returned fit `net` (None: it returns none)."""
    compared = False
    for pr in probes:
        if pr.grads is None or pr.loss is None:
            continue
        layers = list(pr.inp.layers)
        with np.errstate(all="ignore"):
            tr = refnet.trace(net, layers, pr.inp.X, pr.inp.Y)
            b = layer_bounds(net, layers, pr.inp.X, pr.inp.Y, tr, Sides("float64"), loss_only=True)
        want, allowed = (tr.sample_losses, b.loss_sample) if net.per_sample else (tr.loss, b.loss)
        if np.shape(want) != np.shape(pr.loss) or not np.all(np.abs(pr.loss - want) <= allowed):
            return False
        compared = True
    return True if compared else None


def declaration_findings(impl: Implementation, probes: list[Probe]) -> list[diagnose.Finding]:
    """The neighbouring declaration whose gradients the module's are. Where it returns a
    loss that fits the declaration as declared, the two disagree with each other:
    "inconsistent", not a convention."""
    net = impl.declared.net
    if _fits(net, probes)[0]:
        return []
    for change, words in neighbours(net):
        other = net.with_(**change)
        fits, n = _fits(other, probes)
        if not fits:
            continue
        keys = _say(change)
        declared = _say({k: getattr(net, k) for k in change})
        if _loss_fits(net, probes) and not _loss_fits(other, probes):
            text = (
                f"every gradient is that of {words} ({keys}) on {n} of {n} probe cases, but "
                f"the loss it returns is the declared {declared}'s: the gradient is not the "
                "gradient of the loss"
            )
            hint = "make the gradient's term match the loss's (a factor 2 or 1/2, a mean or a sum, a term on the biases)"
            return [
                diagnose.Finding(
                    "inconsistent", keys, {"backward"}, [], _literal(text), {}, hint, math.inf
                )
            ]
        text = (
            f"every gradient is that of {words} ({keys}) on {n} of {n} probe cases, not "
            f"the declared {declared}"
        )
        hint = f"declare {keys} if that is what the code means; otherwise the code is off by that convention"
        if impl.declared.protocol == "sgd_step" and set(change) <= {
            "loss",
            "reduction",
            "output_reduction",
        }:
            # a step of another length: a convention, or the update applied twice, or lr off
            text = text.replace("every gradient is that of", "every step is the one of")
            hint = f"a step that many times the declared one: the update applied more than once, lr scaled, or {keys} if that is the code's convention"
            return [
                diagnose.Finding(
                    "scale", keys, {"backward"}, [], _literal(text), {}, hint, math.inf
                )
            ]
        return [
            diagnose.Finding(
                "declaration", keys, {"backward"}, [], _literal(text), {}, hint, math.inf
            )
        ]
    return []


def _literal(text: str) -> str:
    """A finding's text is a format string: its own braces (a penalty dict) doubled."""
    return text.replace("{", "{{").replace("}", "}}")


def derivative_findings(impl: Implementation, probes: list[Probe]) -> list[diagnose.Finding]:
    """An activation's derivative computed wrongly (`functions.WRONG_DERIVATIVES`), in every
    layer of that activation or in one of them: the hypothesis that fits every probe."""
    from mlp_parity import functions

    net = impl.declared.net
    probes = [p for p in probes if p.case.family not in ("large", "tiny")]  # moderate values
    if not probes or _fits(net, probes)[0]:
        return []
    depth = min(len(p.inp.layers) for p in probes) - 1

    def kind_at(d: int, i: int) -> str:
        return [*net.hidden_at(d), net.output][i].split(":")[0]

    kinds = dict.fromkeys(kind_at(depth, i) for i in range(depth + 1))
    for kind in kinds:
        hypotheses = functions.WRONG_DERIVATIVES.get(kind, ())
        if kind == "leaky_relu":
            alpha = next(a.slope for a in net.activations(depth) if a.name.startswith("leaky_relu"))
            hypotheses = (*hypotheses, *functions.leaky_derivatives(alpha))
        for words, wrong in hypotheses:
            # every layer of that activation; the output layer alone; each hidden layer alone
            scopes = ["all", "output", *range(depth)]
            for scope in scopes:

                def swap(d, scope=scope, wrong=wrong, kind=kind):
                    acts = list(net.activations(d))
                    chosen = {"all": range(d + 1), "output": [d]}.get(scope, [scope])
                    for i in chosen:
                        if kind_at(d, i) == kind:
                            acts[i] = dataclasses.replace(acts[i], df=wrong)
                    return tuple(acts)

                at = depth if scope == "output" else (None if scope == "all" else scope)
                if at is not None and kind_at(depth, at) != kind:
                    continue
                if scope == "output" and net.classification:
                    continue  # the head folds the output's derivative in: p - t
                if scope == "output" and _fits(net, probes, swap, below_only=True)[0] and depth:
                    text = (
                        f"the output layer's gradients are right, and every layer below fits "
                        f"the reference with {words} in the error passed down to them (W^T "
                        f"times the output's error before its derivative), on the probe cases"
                    )
                    return [
                        diagnose.Finding(
                            "activation-derivative",
                            f"{kind}-passed",
                            {"backward"},
                            [],
                            _literal(text),
                            {},
                            "pass down W^T (error * sigma'(a_out)), the same error the output layer's dW is formed from",
                            math.inf,
                        )
                    ]
                fits, n = _fits(net, probes, swap)
                if fits:
                    if scope == "all":
                        where = f"in every {kind} layer"
                    elif scope == "output":
                        where = "in the output layer"
                    else:
                        where = f"in layer {scope + 1}"
                    text = f"every gradient fits the reference with {words}, {where}, on {n} of {n} probe cases"
                    return [
                        diagnose.Finding(
                            "activation-derivative",
                            f"{kind}{scope}",
                            {"backward"},
                            [],
                            text,
                            {},
                            "compute the derivative from the right variable: sigma'(a) of the pre-activation, or its form in h = sigma(a)",
                            math.inf,
                        )
                    ]
    return []


def label_findings(impl: Implementation, probes: list[Probe]) -> list[diagnose.Finding]:
    """Classification: the gradients of targets shifted by one class (y - 1 or y + 1: labels
    read as 1-based, or an off-by-one in the one-hot encoding)."""
    net = impl.declared.net
    if not net.classification or not probes or _fits(net, probes)[0]:
        return []
    for shift, words in ((1, "y - 1 (labels read as 1-based)"), (-1, "y + 1")):
        moved = [
            dataclasses.replace(
                p, inp=network_cases.replace(p.inp, Y=np.roll(p.inp.Y, -shift, axis=1))
            )
            for p in probes
        ]
        if all(p.inp.Y.shape[1] > 1 for p in moved) and _fits(net, moved)[0]:
            text = f"every gradient is that of the targets shifted by one class, {words}, on {len(moved)} probe cases"
            return [
                diagnose.Finding(
                    "labels",
                    str(shift),
                    {"backward"},
                    [],
                    text,
                    {},
                    "index the classes from 0, as the labels are given",
                    math.inf,
                )
            ]
    return []


# What an unsafe formulation of a head does, and where (`head_findings`): the threshold per
# dtype is derived, not tuned: exp overflows past log(largest finite number); sigmoid(a)
# rounds to 1 once e^-a < u, a > -log(u).
UNSAFE = {
    "softmax_cross_entropy": (
        "exp of an unshifted logit overflows above {limit:.4g} in {dtype} (log of its largest "
        "number), and log of a probability that underflows is -inf: subtract the row maximum "
        "(log_softmax, or logsumexp)",
        lambda dtype: math.log(max_finite(dtype)),
    ),
    "bce": (
        "the cross-entropy written through probabilities, -(y log p + (1 - y) log(1 - p)), "
        "loses every digit where p = sigmoid(a) rounds to 1 (a above {limit:.3g} in {dtype}): "
        "compute it from the logits, max(a, 0) - y a + log1p(exp(-|a|))",
        lambda dtype: -math.log(unit_roundoff(dtype)),
    ),
}


def head_findings(impl: Implementation, failures: Sequence) -> list[diagnose.Finding]:
    """Classification heads: the loss or the gradients inf, NaN (or past 1e300, what
    nan_to_num makes of inf) or wrong only on cases whose output pre-activations are large,
    right elsewhere: an unsafe formulation, named with the threshold it breaks at."""
    net = impl.declared.net
    if net.loss not in UNSAFE:
        return []
    bad = [f for f in failures if f.case is not None and f.kind == compare.VALUE]
    structural = {"contract", "ownership", "order", "layout"}
    if not bad or any(f.check in structural and f.kind != compare.VALUE for f in failures):
        return []
    losses = [f for f in bad if f.tensor == "loss"]
    if losses and all(f.check in ("forward", "finite-diff", "gradcheck") for f in bad):
        bad = losses  # the loss alone is wrong: the cases where it is
    cases = {f.case.id: f.case for f in bad}
    tops, dtypes = [], set()
    for case in list(cases.values())[:12]:
        inp = network_cases.inputs(net, case)
        tr = refnet.trace(net, list(inp.layers), inp.X, inp.Y)
        tops.append(float(np.abs(tr.A[-1]).max(initial=0.0)))
        dtypes.add(case.dtype)
    nonfinite = sum(1 for f in bad if _saturated(f.message))
    template, limit_of = UNSAFE[net.loss]
    dtype = min(dtypes, key=limit_of) if dtypes else "float32"
    limit = limit_of(dtype)
    if not tops or (min(tops) < 0.5 * limit and nonfinite == 0):
        return []
    what = "the loss" if bad is losses else "the loss or its gradients"
    text = (
        f"{what} wrong only on cases whose output pre-activations reach {min(tops):.3g} or "
        f"more ({len(cases)} cases; {nonfinite} failures inf, NaN or past 1e300), right on "
        "the others"
    )
    hint = template.format(limit=limit, dtype=dtype)
    pattern = "not-finite" if nonfinite else "precision"
    return [diagnose.Finding(pattern, "head", {"forward"}, [], _literal(text), {}, hint, math.inf)]


def _saturated(message: str) -> bool:
    """The failure's actual value is inf, NaN, or a number past 1e300."""
    line = next((x for x in message.splitlines() if x.strip().startswith("actual")), "")
    try:
        value = float(line.split("=", 1)[1])
    except (IndexError, ValueError):
        return False
    return not math.isfinite(value) or abs(value) > 1e300


def loss_findings(impl: Implementation, probes: list[Probe]) -> list[diagnose.Finding]:
    """Gradients right, the loss it returns wrong: the loss's value classified (not finite,
    a factor, lost digits)."""
    net = impl.declared.net
    live = [p for p in probes if p.grads is not None and p.loss is not None]
    if not live or not _fits(net, live)[0] or _loss_fits(net, live) is not False:
        return []
    ratios, rel, nonfinite = [], [], 0
    for pr in live:
        layers = list(pr.inp.layers)
        with np.errstate(all="ignore"):
            tr = refnet.trace(net, layers, pr.inp.X, pr.inp.Y)
            want = tr.sample_losses if net.per_sample else np.asarray(tr.loss)
            got = np.asarray(pr.loss, dtype=np.float64)
            nonfinite += int(np.sum(~np.isfinite(got) & np.isfinite(want)))
            ok = np.isfinite(got) & (want != 0)
            ratios += list((got[ok] / want[ok]).reshape(-1))
            rel += list((np.abs(got[ok] - want[ok]) / np.abs(want[ok])).reshape(-1))
    if nonfinite:
        text = f"the loss it returns is inf or NaN on {nonfinite} probe values where the reference is finite; its gradients are right"
        return [
            diagnose.Finding(
                "not-finite",
                "loss",
                {"forward"},
                ["loss"],
                _literal(text),
                {},
                "a formulation of the loss that overflows (an exp, a square of a large residual, a log of 0)",
                math.inf,
            )
        ]
    if ratios:
        k = float(np.median(ratios))
        if abs(k - 1) > 1e-6 and np.allclose(ratios, k, rtol=1e-9):
            text = f"the loss it returns is {diagnose._ratio_text(k)} x the reference's on every probe case; its gradients are right"
            return [
                diagnose.Finding(
                    "scale",
                    "loss",
                    {"forward"},
                    ["loss"],
                    _literal(text),
                    {},
                    "a factor in the loss that its gradient does not have (1/2, 1/B, 1/k)",
                    math.inf,
                )
            ]
        worst = max(rel)
        if worst < 2.0**-5:
            bits = max(0, int(-np.log2(worst))) if worst > 0 else 53
            text = f"the loss it returns is off by up to 2^-{bits} of its value (about {bits} bits of float64's 53); its gradients are right"
            return [
                diagnose.Finding(
                    "precision",
                    "loss",
                    {"forward"},
                    ["loss"],
                    _literal(text),
                    {},
                    "the loss computed in a lower precision, or in a form that cancels (1/2 (f^2 - 2 f y + y^2) where r = f - y belongs)",
                    math.inf,
                )
            ]
    return []


def forward_findings(impl: Implementation, failures: Sequence) -> list[diagnose.Finding]:
    """forward's activations wrong where the gradients are right: the pre-activations
    returned where the activations belong, or which layers' outputs differ."""
    net = impl.declared.net
    names = {f.tensor for f in failures if f.check == "forward" and f.tensor not in ("", "loss")}
    if not impl.declared.has_forward or not names:
        return []
    arches = dict(network_cases.architectures(net))
    pre, wrong, compared = 0, set(), 0
    for seed in PROBE_SEEDS:
        for slot in PROBE_SLOTS[:2]:
            case = NetCase(seed, arches[slot], "float64", "cpu", slot, net.hidden)
            inp = network_cases.inputs(net, case)
            p = network_checks.Problem(impl, case, inp)
            params = door.user_params(p.torch_layers(), net)
            X = p.t(inp.X)
            x = door.user_x(X[0], net) if net.per_sample else door.user_X(X, net)
            try:
                with door.numpy_warnings_ignored():
                    raw = impl.call_raw("forward", params, door._native(x, net))
                outs = door.read_forward(raw, len(inp.layers) - 1, X)
            except (ImplementationCrash, door.FormError):
                return []
            depth = len(inp.layers) - 1
            for j, o in enumerate(outs):
                layer = j + depth + 1 - len(outs)
                n = case.shape.widths[layer + 1]
                B = 1 if net.per_sample else inp.X.shape[0]
                c = door.canonical_activation(o, n, B, net) if hasattr(o, "shape") else None
                if c is None or layer == depth:
                    continue
                got = c.double().cpu().numpy()
                h = p.trace.H[layer + 1][:B]
                a = p.trace.A[layer][:B]
                tol = p.bounds().h[layer][:B]
                compared += 1
                if not np.all(np.abs(got - h) <= tol):
                    wrong.add(layer + 1)
                    if np.all(np.abs(got - a) <= p.bounds().a[layer][:B]):
                        pre += 1
    if compared and pre and pre == sum(1 for _ in range(pre)) and wrong:
        layers = ", ".join(str(w) for w in sorted(wrong))
        text = f"forward returns the pre-activations a (layer {layers}) where h = sigma(a) belongs; the gradients are right"
        return [
            diagnose.Finding(
                "missing-term",
                "forward",
                {"forward"},
                [f"layer {w} h" for w in sorted(wrong)],
                _literal(text),
                {},
                "return each layer's activation h = sigma(a), not the a it is computed from",
                math.inf,
            )
        ]
    return []


def state_findings(impl: Implementation) -> list[diagnose.Finding]:
    """State or noise, told apart on two fresh copies of the module (its source executed
    again: module-level state starts empty): the first call of each on the same problem
    differ (noise: an unseeded draw, a changing order), or they agree and the module's answer
    to that problem after other calls differs from them (state kept between calls)."""
    one, two = diagnose.fresh_copy(impl), diagnose.fresh_copy(impl)
    if one is None or two is None:
        return []
    net = impl.declared.net
    slot, arch = network_cases.architectures(net)[1 if len(network_cases.ARCHS) > 1 else 0]
    case = NetCase(0, arch, "float64", "cpu", slot, net.hidden)
    where = network_checks._where("contract", impl, case)

    def first_call(module_impl, inputs):
        p = network_checks.Problem(module_impl, case, inputs)
        out = network_checks.call_module(p, where)
        return [g.double().cpu().numpy() for g in out.grads]

    try:
        a = first_call(one, network_cases.inputs(net, case))
        b = first_call(two, network_cases.inputs(net, case))
        first_call(one, network_cases.other(net, case))
        again = first_call(one, network_cases.inputs(net, case))
    except (ImplementationCrash, compare.ParityError):
        return []
    same = lambda x, y: all(np.array_equal(u, v, equal_nan=True) for u, v in zip(x, y))  # noqa: E731
    if not same(a, b):
        text = "two fresh copies of the module give different results for the same first call: noise, not state"
        return [
            diagnose.Finding(
                "nondeterministic",
                "",
                {"contract"},
                [],
                text,
                {},
                diagnose.HINTS["nondeterministic"],
                math.inf,
            )
        ]
    if not same(a, again):
        text = "a fresh copy's first answer to a problem changes after one call on another problem: the module keeps state between calls"
        return [
            diagnose.Finding(
                "stateful", "", {"contract"}, [], text, {}, diagnose.HINTS["stateful"], math.inf
            )
        ]
    return []


def form_findings(impl: Implementation, failures: Sequence) -> list[diagnose.Finding]:
    """Shapes that say which layout or bias shape the code follows."""
    net = impl.declared.net
    texts = [f.message for f in failures if f.kind == compare.SHAPE]
    found = []
    for text in texts:
        line = next((s for s in text.splitlines() if ".shape=" in s), "")
        if "dW" not in line and "db" not in line:
            continue
        try:
            got = tuple(
                int(v) for v in line.split(".shape=(")[1].split(")")[0].split(",") if v.strip()
            )
            want = tuple(
                int(v) for v in line.split("should be (")[1].split(")")[0].split(",") if v.strip()
            )
        except (IndexError, ValueError):
            continue
        if "dW" in line and len(got) == 2 and got == want[::-1]:
            text = (
                f"weight gradients come back {got}, transposed: the weights are {want} "
                f"(layout={net.layout!r})"
            )
            hint = (
                "return each gradient in its parameter's own shape (layout='rows' stores W as "
                "(in, out), 'columns' as (out, in)); declare the other layout only if the code "
                "takes its weights that way"
            )
            found.append(
                diagnose.Finding(
                    "transposed", "layout", {"backward"}, [], _literal(text), {}, hint, math.inf
                )
            )
            break
        if "db" in line and math.prod(got) == math.prod(want) and got != want:
            text = f"bias gradients come back {got} where the biases are {want} (bias_shape={net.bias_shape!r})"
            hint = (
                "return each bias gradient in its bias's own shape (reshape, or sum with keepdims)"
            )
            found.append(
                diagnose.Finding(
                    "shape", "bias_shape", {"backward"}, [], _literal(text), {}, hint, math.inf
                )
            )
            break
    return found


def _tables(impl: Implementation, probes: list[Probe]) -> list[diagnose.Table]:
    net = impl.declared.net
    names = None
    col = diagnose._Collector("float64")
    for ci, pr in enumerate(probes):
        if pr.grads is None:
            continue
        exp, allowed = _expected(net, pr.inp)
        names = door.param_names(len(pr.inp.layers), net.bias)
        arch = pr.case.shape
        for j, (name, g, e, a) in enumerate(zip(names, pr.grads, exp, allowed)):
            if g.shape != e.shape:
                continue
            a = a + (pr.recovery[j] if pr.recovery else 0.0)
            weight = name.startswith("W")
            # the unit (a row of W, an entry of b) and the input (a column of W) of each
            # element: "partial" names a set of them where only those are wrong
            unit = np.arange(e.shape[-2 if weight else -1])
            unit = np.broadcast_to(unit[:, None] if weight else unit, e.shape)
            inputs = np.broadcast_to(np.arange(e.shape[-1])[None, :], e.shape) if weight else -1
            attrs = {
                "case": ci,
                "sample": -1,
                "unit": unit,
                "input": inputs,
                "a1": np.nan,
                "r": np.nan,
                "f": np.nan,
                "h": arch.hidden[0],
                "d": arch.d,
                "B": arch.batch,
            }
            extra = {}
            if name.startswith("W") and e.ndim == 2 and min(e.shape) > 1:
                # what returning expected.T read back in its own shape gives, in the module's
                # frame (rows: W as (in, out)), brought back to the canonical one
                user = e.T if net.layout == "rows" else e
                flipped = user.T.reshape(user.shape)
                extra["expected_t"] = flipped.T if net.layout == "rows" else flipped
            col.add("backward", door.layer_of(name), g, e, a, np.abs(e) + a, attrs, **extra)
    return col.tables()


def _flip(a: np.ndarray, net: Network) -> np.ndarray:
    """What returning W's gradient as its transpose read back in W's own shape gives (the
    transpose itself where W is square), in the canonical frame: the module's frame is
    (in, out) for rows."""
    user = a.T if net.layout == "rows" else a
    flipped = user.T.reshape(user.shape)
    return flipped.T if net.layout == "rows" else flipped


def transposed_findings(impl: Implementation, probes: list[Probe]) -> list[diagnose.Finding]:
    """A weight gradient, wherever wrong, equal to the reference's transposed and read back
    in its own shape (the transpose on square layers; a reshape where a transpose belongs
    elsewhere), within the bound of the element it came from."""
    net = impl.declared.net
    names, hits = None, {}
    for pr in probes:
        if pr.grads is None:
            continue
        exp, allowed = _expected(net, pr.inp)
        names = door.param_names(len(pr.inp.layers), net.bias)
        for name, g, e, a in zip(names, pr.grads, exp, allowed):
            if not name.startswith("W") or g.shape != e.shape or e.ndim != 2 or min(e.shape) < 2:
                continue
            with np.errstate(invalid="ignore"):
                wrong = ~(np.abs(g - e) <= a)
                if not wrong.any():
                    continue
                fits = np.all(np.abs(g - _flip(e, net)) <= _flip(a, net))
            seen = hits.setdefault(name, [0, 0])
            seen[0] += 1
            seen[1] += int(fits)
    bad = [n for n, (n_wrong, n_fit) in hits.items() if n_fit == n_wrong]
    if not bad or len(bad) < len(hits):
        return []
    tensors = [door.layer_of(n) for n in bad]
    text = f"{', '.join(tensors)} come back as the reference's transpose read back in the weight's own shape, on every probe case where they differ"
    return [
        diagnose.Finding(
            "transposed",
            "",
            {"backward"},
            tensors,
            _literal(text),
            {},
            diagnose.HINTS["transposed"],
            math.inf,
        )
    ]


def value_findings(impl: Implementation, probes: list[Probe]) -> tuple[list[diagnose.Finding], str]:
    tables = _tables(impl, probes)
    wrong = [t for t in tables if t.wrong.any()]
    flipped = transposed_findings(impl, probes)
    if flipped:
        return flipped, _layers_text(impl, tables, probes)
    found = []
    for t in wrong:
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(t.actual) & np.isfinite(t.expected)
        if bad.any():
            text = f"{{T}} inf or NaN on {int(bad.sum())} elements of {t.cases_where(bad)} probe cases where the reference is finite (up to {float(np.abs(t.expected[bad]).max()):.3g})"
            bits = diagnose.significant_bits(t.actual[t.wrong & ~bad])
            narrow = next((f for f, n in (("bfloat16", 8), ("float16", 11)) if 0 < bits <= n), "")
            if narrow:  # the finite wrong values carry a narrower format's bits: its overflow
                text += f"; the other wrong values fit in {bits} bits, as {narrow}'s do"
                found.append(
                    diagnose.Finding(
                        "precision",
                        narrow,
                        {t.stage},
                        [t.tensor],
                        text,
                        {},
                        f"computed in {narrow} inside, which overflows where the values are large",
                        float(bad.sum()),
                    )
                )
                continue
            found.append(
                diagnose.Finding(
                    "not-finite",
                    "",
                    {t.stage},
                    [t.tensor],
                    text,
                    {},
                    "an overflow (exp of a large argument, a square) or 0/0 (a ratio at a kink, h / a)",
                    float(bad.sum()),
                )
            )
            continue
        got = [f for f in diagnose.classify(t) if not (f.pattern == "scale" and f.key == "1")]
        found += got or diagnose.precision(t, t.wrong) or [diagnose.unknown(t, t.wrong)]
    found = diagnose._merge(found)
    for f in found:
        if f.pattern in HINTS and not f.hint.startswith(HINTS[f.pattern][:10]):
            f.hint = HINTS[f.pattern]
    return found, _layers_text(impl, tables, probes)


def _loss_against_its_gradients(
    impl: Implementation, probes: list[Probe]
) -> list[diagnose.Finding]:
    """Gradients that are the declared network's on every probe, with a returned loss that
    is not: the loss is not the one whose gradient the code computes ("inconsistent", in
    the forward: the cost function)."""
    live = [pr for pr in probes if pr.grads is not None]
    if not live or _loss_fits(impl.declared.net, live) is not False:
        return []
    losses = np.concatenate([np.ravel(pr.loss) for pr in live if pr.loss is not None])
    if diagnose.significant_bits(losses) <= diagnose.FORMAT_BITS["float32"]:
        return []  # a loss computed in a narrower format: a precision finding's, not this
    fits, n = _fits(impl.declared.net, live)
    if not fits:
        return []
    text = (
        f"every gradient is the declared network's on {n} of {n} probe cases, but the loss it "
        "returns is not: the loss is not the one whose gradient the code computes"
    )
    hint = (
        "the cost function: a term of the loss (a penalty, the 1/2, the mean) written "
        "otherwise than in the gradient"
    )
    return [diagnose.Finding("inconsistent", "", {"forward"}, ["loss"], text, {}, hint, math.inf)]


def _unknown_against_its_loss(
    impl: Implementation, probes: list[Probe], values: list[diagnose.Finding]
) -> list[diagnose.Finding]:
    """Gradients no pattern fits, from a module whose returned loss is the declared one on
    every probe: the gradient is not the gradient of its own loss ("inconsistent"), which
    puts the bug in the backward pass, whatever it is; said instead of "unknown"."""
    unknown = [f for f in values if f.pattern == "unknown"]
    if not unknown or len(unknown) < len(values) or not _loss_fits(impl.declared.net, probes):
        return values
    n = sum(pr.grads is not None and pr.loss is not None for pr in probes)
    tensors = [t for f in unknown for t in f.tensors]
    text = (
        f"the loss it returns is the declared one on {n} of {n} probe cases, but {{T}} "
        "are not its gradient: the gradient is not the gradient of the loss"
    )
    hint = (
        "the backward pass: derive each wrong gradient again from the loss the code computes "
        "(the finite-diff check differences that loss)"
    )
    weight = max(f.weight for f in unknown)
    return [diagnose.Finding("inconsistent", "", {"backward"}, tensors, text, {}, hint, weight)]


def _layers_text(impl: Implementation, tables: list[diagnose.Table], probes=None) -> str:
    """Where the error enters: the layers read from the output down, on the first probe
    case where a gradient differs (layer numbers of other depths are other layers)."""
    if not tables:
        return ""
    by_layer: dict[int, bool] = {}
    for pr in probes or []:
        if pr.grads is None:
            continue
        exp, allowed = _expected(impl.declared.net, pr.inp)
        names = door.param_names(len(pr.inp.layers), impl.declared.net.bias)
        with np.errstate(invalid="ignore"):
            wrong = {
                n: bool(np.any(~(np.abs(g - e) <= a)))
                for n, g, e, a in zip(names, pr.grads, exp, allowed)
            }
        if any(wrong.values()):
            for n, w in wrong.items():
                by_layer[int(n[1:])] = by_layer.get(int(n[1:]), False) or w
            break
    if not by_layer:
        return "every gradient agrees with the float64 reference on the probe cases"
    top = max(by_layer)
    wrong = [layer for layer in sorted(by_layer, reverse=True) if by_layer[layer]]
    first = wrong[0]
    above = f"layer {top}" if first + 1 == top else f"layers {first + 1}-{top}"
    if first == top:
        text = f"the output layer's gradients (layer {top}) already differ: the error is in the loss's gradient or the last layer"
    else:
        text = (
            f"{above} agree with the reference, layer {first} does not: the "
            f"error enters between layer {first + 1} and layer {first} (W{first + 1}^T g, "
            f"the derivative of layer {first}'s activation, or layer {first}'s own dW / db)"
        )
    return text + " - on the first probe case (float64) where a gradient differs"


def diagnose_declared(impl: Implementation, failures: Iterable) -> list[Diagnosis]:
    failures = [f for f in failures if not f.impl or f.impl == impl.name]
    if not failures:
        return []
    kinds = diagnose.kind_findings(failures)
    forms = form_findings(impl, failures)
    try:
        probes = _probes(impl)
    except Exception as exc:  # the harness's own error: said, not raised
        probes = []
        kinds.append(
            diagnose.Finding(
                "unknown",
                "",
                {"contract"},
                [],
                f"the probes failed: {type(exc).__name__}: {exc}".replace("{", "{{").replace(
                    "}", "}}"
                ),
                {},
                "",
                0,
            )
        )
    declared = declaration_findings(impl, probes) if probes else []
    live = [p for p in probes if p.grads is not None]
    if live and (not declared or declared[0].key.startswith("loss=")):
        # a loss declared and another's gradient may be one activation's derivative left out
        # at the output (the cross-entropy's delta f - y): the derivative, named, first
        derived = derivative_findings(impl, live) or (
            [] if declared else label_findings(impl, live)
        )
        declared = derived + declared
    if {compare.NONDETERMINISTIC, compare.STATEFUL} & {f.kind for f in failures}:
        state = state_findings(impl)
        if state:  # the probe tells state from noise: it replaces what the kinds guessed
            kinds = [f for f in kinds if f.pattern not in ("stateful", "nondeterministic")] + state
    if not declared:
        declared = (
            head_findings(impl, failures)
            or loss_findings(impl, probes)
            or forward_findings(impl, failures)
            or _loss_against_its_gradients(impl, probes)
        )
    values, where = ([], "") if declared or not probes else value_findings(impl, probes)
    values = _unknown_against_its_loss(impl, probes, values)
    raised = [p.note for p in probes if p.grads is None and not p.form]
    if raised and not any(f.pattern == "crash" for f in kinds):
        text = f"{raised[0]} (on {len(raised)} of {len(probes)} probe cases)".replace(
            "{", "{{"
        ).replace("}", "}}")
        kinds.append(diagnose.Finding("crash", "", {"contract"}, [], text, {}, "", 0))
    found = sorted(forms + declared + kinds + values, key=diagnose._rank)
    if forms or declared:
        found = forms + declared + [f for f in found if f not in forms + declared]
    if not found:
        worst = (
            diagnose._worst_text(diagnose._worst_failure(failures))
            .replace("{", "{{")
            .replace("}", "}}")
        )
        found = [diagnose.Finding("unknown", "", set(), [], worst, {}, "", 0, loc="backward")]
    if raised and len(raised) == len(probes):
        where = f"the calls raised on all {len(probes)} probe cases"
    return [
        Diagnosis(impl.name, f.pattern, f.location, tuple(f.tensors), f.evidence, f.hint, where)
        for f in found
    ]
