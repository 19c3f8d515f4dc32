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
from mlp_parity.tolerances.layers import Sides, layer_bounds

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
    elif net.loss == "squared":
        out.append(({"loss": "half_squared"}, "with a 1/2"))
    if not net.per_sample:
        other = "sum" if net.reduction == "mean" else "mean"
        out.append(({"reduction": other}, f"the {other} over the batch"))
    if net.outputs == "any" or (isinstance(net.outputs, int) and net.outputs > 1):
        other = "mean" if net.output_reduction == "sum" else "sum"
        out.append(({"output_reduction": other}, f"the {other} over the outputs"))
    if net.has_kinks:
        other = 1 - net.relu_grad_at_zero
        out.append(({"relu_grad_at_zero": other}, f"ReLU'(0) = {other}"))
    pairs = [(a, b) for i, a in enumerate(out) for b in out[i + 1 :]]
    out += [({**a[0], **b[0]}, f"{a[1]} and {b[1]}") for a, b in pairs]
    return out


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
            out.append(Probe(case, inp, grads, recovery=recovery))
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


def declaration_findings(impl: Implementation, probes: list[Probe]) -> list[diagnose.Finding]:
    net = impl.declared.net
    if _fits(net, probes)[0]:
        return []
    for change, words in neighbours(net):
        other = net.with_(**change)
        fits, n = _fits(other, probes)
        if fits:
            keys = ", ".join(f"{k}={v!r}" for k, v in change.items())
            declared = ", ".join(f"{k}={getattr(net, k)!r}" for k in change)
            text = (
                f"every gradient is that of {words} ({keys}) on {n} of {n} probe cases, not "
                f"the declared {declared}"
            )
            hint = f"declare {keys} if that is what the code means; otherwise the code is off by that convention"
            return [diagnose.Finding("declaration", keys, {"backward"}, [], text, {}, hint, math.inf)]
    return []


def derivative_findings(impl: Implementation, probes: list[Probe]) -> list[diagnose.Finding]:
    """An activation's derivative computed wrongly (`functions.WRONG_DERIVATIVES`), in every
    layer of that activation or in one of them: the hypothesis that fits every probe."""
    from mlp_parity import functions

    net = impl.declared.net
    probes = [p for p in probes if p.case.family not in ("large", "tiny")]  # moderate values
    if not probes:
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
    if probes and not declared and any(p.grads is not None for p in probes):
        declared = derivative_findings(impl, [p for p in probes if p.grads is not None])
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

