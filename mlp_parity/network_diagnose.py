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
            out.append(({"loss": "bce"}, "the cross-entropy's delta f - y (no sigmoid' at the output)"))
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
        out.append(({"penalty": dataclasses.replace(pen, biases=not pen.biases)}, "the penalty " + ("without" if pen.biases else "on") + " the biases"))
        if not net.per_sample:
            out.append(({"penalty": dataclasses.replace(pen, per_sample=not pen.per_sample)}, "the penalty " + ("not " if pen.per_sample else "") + "divided by the batch size"))
        out.append(({"penalty": None}, "no penalty"))
    pairs = [(a, b) for i, a in enumerate(out) for b in out[i + 1 :] if not (set(a[0]) & set(b[0]))]
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
        items = [f"{k!r}: {{'lambda': {v:g}, 'form': {getattr(pen, k + '_form')!r}}}" for k, v in kinds.items()]
    items += [f"{f!r}: True" for f in ("per_sample", "biases") if getattr(pen, f)]
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
            except (ImplementationCrash, compare.ParityError) as exc:
                out.append(Probe(case, inp, None, str(exc).splitlines()[0]))
                continue
            grads = [door.canonical_grad(g, j, net).double().cpu().numpy() for j, g in enumerate(outcome.grads)]
            recovery = None
            if impl.declared.protocol == "sgd_step":  # the step back into a gradient
                theta = [np.broadcast_to(t, g.shape) for t, g in zip(network_checks._params_of(p), grads)]
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


def _fits(net: Network, probes: list[Probe], swap=None) -> tuple[bool, int]:
    """Whether every probe's gradients fit `net` within its bounds; (fits, probes compared).
    An sgd_step's gradient, read back from its step, carries the step's rounding / lr.
    `swap(depth) -> activations`: a hypothesis about the module's derivatives."""
    n = 0
    for pr in probes:
        if pr.grads is None:
            continue
        acts = swap(len(pr.inp.layers) - 1) if swap else None
        exp, allowed = _expected(net, pr.inp, acts)
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
            return [diagnose.Finding("inconsistent", keys, {"backward"}, [], _literal(text), {}, hint, math.inf)]
        text = (
            f"every gradient is that of {words} ({keys}) on {n} of {n} probe cases, not "
            f"the declared {declared}"
        )
        hint = f"declare {keys} if that is what the code means; otherwise the code is off by that convention"
        return [diagnose.Finding("declaration", keys, {"backward"}, [], _literal(text), {}, hint, math.inf)]
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
        for words, wrong in functions.WRONG_DERIVATIVES.get(kind, ()):
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
                fits, n = _fits(net, probes, swap)
                if fits:
                    if scope == "all":
                        where = f"in every {kind} layer"
                    elif scope == "output":
                        where = "in the output layer"
                    else:
                        where = f"in layer {scope + 1}"
                    text = f"every gradient fits the reference with {words}, {where}, on {n} of {n} probe cases"
                    return [diagnose.Finding("activation-derivative", f"{kind}{scope}", {"backward"}, [], text, {}, "compute the derivative from the right variable: sigma'(a) of the pre-activation, or its form in h = sigma(a)", math.inf)]
    return []


def label_findings(impl: Implementation, probes: list[Probe]) -> list[diagnose.Finding]:
    """Classification: the gradients of targets shifted by one class (y - 1 or y + 1: labels
    read as 1-based, or an off-by-one in the one-hot encoding)."""
    net = impl.declared.net
    if not net.classification or not probes or _fits(net, probes)[0]:
        return []
    for shift, words in ((1, "y - 1 (labels read as 1-based)"), (-1, "y + 1")):
        moved = [dataclasses.replace(p, inp=network_cases.replace(p.inp, Y=np.roll(p.inp.Y, -shift, axis=1))) for p in probes]
        if all(p.inp.Y.shape[1] > 1 for p in moved) and _fits(net, moved)[0]:
            text = f"every gradient is that of the targets shifted by one class, {words}, on {len(moved)} probe cases"
            return [diagnose.Finding("labels", str(shift), {"backward"}, [], text, {}, "index the classes from 0, as the labels are given", math.inf)]
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
    """Classification heads: the loss or the gradients inf, NaN or wrong only on cases whose
    output pre-activations are large, right elsewhere: an unsafe formulation, named."""
    net = impl.declared.net
    if net.loss not in UNSAFE:
        return []
    bad = [f for f in failures if f.case is not None and f.kind == compare.VALUE]
    if not bad or len({f.check for f in failures} - {"forward", "finite-diff", "gradcheck", "training", "backward", "autograd", "vmap", "jvp", "layout", "kink"}):
        return []
    cases = {f.case.id: f.case for f in bad}
    tops, dtypes, nonfinite = [], set(), 0
    for case in list(cases.values())[:12]:
        inp = network_cases.inputs(net, case)
        tr = refnet.trace(net, list(inp.layers), inp.X, inp.Y)
        tops.append(float(np.abs(tr.A[-1]).max(initial=0.0)))
        dtypes.add(case.dtype)
    nonfinite = sum(1 for f in bad if "actual   = nan" in f.message or "actual   = inf" in f.message or "actual   = -inf" in f.message)
    template, limit_of = UNSAFE[net.loss]
    dtype = sorted(dtypes, key=lambda d: -limit_of(d))[-1] if dtypes else "float32"
    limit = limit_of(dtype)
    if not tops or min(tops) < 0.5 * limit_of(dtype) and nonfinite == 0:
        return []
    text = (
        f"the loss or its gradients are wrong only on cases whose output pre-activations reach "
        f"{min(tops):.3g} or more ({len(cases)} cases; {nonfinite} failures inf or NaN), right "
        "on the others"
    )
    hint = template.format(limit=limit, dtype=dtype)
    pattern = "not-finite" if nonfinite else "precision"
    return [diagnose.Finding(pattern, "head", {"forward"}, [], _literal(text), {}, hint, math.inf)]


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
            got = tuple(int(v) for v in line.split(".shape=(")[1].split(")")[0].split(",") if v.strip())
            want = tuple(int(v) for v in line.split("should be (")[1].split(")")[0].split(",") if v.strip())
        except (IndexError, ValueError):
            continue
        if "dW" in line and len(got) == 2 and got == want[::-1]:
            other = "columns" if net.layout == "rows" else "rows"
            text = f"weight gradients come back {got} where layout={net.layout!r} means {want}: the code stores W as layout={other!r} does"
            found.append(diagnose.Finding("declaration", "layout", {"backward"}, [], text, {}, f"declare layout={other!r} if that is what the code means", math.inf))
            break
        if "db" in line and math.prod(got) == math.prod(want) and got != want:
            shape = "flat" if len(got) == 1 else ("column" if got[-1] == 1 else "row")
            text = f"bias gradients come back {got} where bias_shape={net.bias_shape!r} means {want}"
            found.append(diagnose.Finding("declaration", "bias_shape", {"backward"}, [], text, {}, f"declare bias_shape={shape!r} if that is what the code means", math.inf))
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
            attrs = {
                "case": ci,
                "sample": -1,
                "unit": -1,
                "input": -1,
                "a1": np.nan,
                "r": np.nan,
                "f": np.nan,
                "h": arch.hidden[0],
                "d": arch.d,
                "B": arch.batch,
            }
            col.add("backward", door.layer_of(name), g, e, a, np.abs(e) + a, attrs)
    return col.tables()


def value_findings(impl: Implementation, probes: list[Probe]) -> tuple[list[diagnose.Finding], str]:
    tables = _tables(impl, probes)
    wrong = [t for t in tables if t.wrong.any()]
    found = []
    for t in wrong:
        got = [f for f in diagnose.classify(t) if not (f.pattern == "scale" and f.key == "1")]
        found += got or diagnose.precision(t, t.wrong) or [diagnose.unknown(t, t.wrong)]
    found = diagnose._merge(found)
    for f in found:
        if f.pattern in HINTS and not f.hint.startswith(HINTS[f.pattern][:10]):
            f.hint = HINTS[f.pattern]
    return found, _layers_text(impl, tables)


def _layers_text(impl: Implementation, tables: list[diagnose.Table]) -> str:
    """Where the error enters: the layers read from the output down."""
    if not tables:
        return ""
    by_layer: dict[int, bool] = {}
    for t in tables:
        layer = int(t.tensor.split()[1])
        by_layer[layer] = by_layer.get(layer, False) or bool(t.wrong.any())
    top = max(by_layer)
    wrong = [layer for layer in sorted(by_layer, reverse=True) if by_layer[layer]]
    if not wrong:
        return "every gradient agrees with the float64 reference on the probe cases"
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
    return text + f" - on {max(t.n_cases for t in tables)} probe cases at float64"


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
        kinds.append(diagnose.Finding("unknown", "", {"contract"}, [], f"the probes failed: {type(exc).__name__}: {exc}".replace("{", "{{").replace("}", "}}"), {}, "", 0))
    declared = declaration_findings(impl, probes) if probes else []
    live = [p for p in probes if p.grads is not None]
    if live and not declared:
        declared = derivative_findings(impl, live) or label_findings(impl, live)
    if not declared:
        declared = head_findings(impl, failures)
    values, where = ([], "") if declared or not probes else value_findings(impl, probes)
    raised = [p.note for p in probes if p.grads is None]
    if raised and not any(f.pattern == "crash" for f in kinds):
        text = f"{raised[0]} (on {len(raised)} of {len(probes)} probe cases)".replace("{", "{{").replace("}", "}}")
        kinds.append(diagnose.Finding("crash", "", {"contract"}, [], text, {}, "", 0))
    found = sorted(forms + declared + kinds + values, key=diagnose._rank)
    if forms or declared:
        found = forms + declared + [f for f in found if f not in forms + declared]
    if not found:
        worst = diagnose._worst_text(diagnose._worst_failure(failures)).replace("{", "{{").replace("}", "}}")
        found = [diagnose.Finding("unknown", "", set(), [], worst, {}, "", 0, loc="backward")]
    if raised and len(raised) == len(probes):
        where = f"the calls raised on all {len(probes)} probe cases"
    return [
        Diagnosis(impl.name, f.pattern, f.location, tuple(f.tensors), f.evidence, f.hint, where)
        for f in found
    ]

