"""The checks of a declared network, each a function of (implementation, case) that raises
ParityError on failure: the same check classes as the seed's (`checks`), spoken in layers.

Every comparison goes through `compare`, with bounds from `tolerances.layers`, on numbers
from `network_cases`; the module is called through `door` in its own conventions. A failure
names the tensor by layer ("layer 2 dW", "output f", "loss"), the element, the sample where
the module is per-sample, and the case.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable

import numpy as np
import torch

from mlp_parity import (
    call_patterns,
    compare,
    door,
    functions,
    network_cases,
    network_oracles,
    report,
)
from mlp_parity.compare import ParityError, Where, expect_close, expect_meta
from mlp_parity.declaration import Network
from mlp_parity.external import Implementation, ImplementationCrash
from mlp_parity.network_cases import NetCase, NetInputs
from mlp_parity.reference import network as refnet
from mlp_parity.tolerances import gamma
from mlp_parity.tolerances.layers import Bounds, Sides, layer_bounds


def _decl(impl: Implementation) -> door.Declared:
    assert impl.declared is not None, f"{impl.name} is not a declared network"
    return impl.declared


def _where(
    check: str,
    impl: Implementation,
    case: NetCase,
    against: str = "",
    sample_axis: bool = False,
    pattern: str = "",
) -> Where:
    return Where(
        check,
        impl.name,
        case,
        against or Where.against,
        sample_axis,
        impl.spec,
        BY_NAME[check].test,
        pattern,
    )


def _fail(where: Where, what: str, kind: str, tensor: str = "") -> ParityError:
    return ParityError(
        "\n".join([f"{where.check} check failed: {what}", *where.footer()]), kind, tensor
    )


def run(name: str, impl: Implementation, case: NetCase) -> None:
    """Run the check called `name`, as `checks.run` does for the seed's checks: a crash of the
    module or a form it cannot be read in becomes a ParityError naming check and case, and
    every failure is recorded for the diagnosis."""
    __tracebackhide__ = True
    from mlp_parity.checks import Failure

    try:
        BY_NAME[name].function(impl, case)
    except ImplementationCrash as exc:
        from mlp_parity.checks import _CRASH_KINDS

        where = _where(name, impl, case)
        kind = _CRASH_KINDS.get(type(exc), compare.CRASH)  # global-state, NumPy outputs
        error = ParityError("\n".join([f"{name} check failed: {exc}", *where.footer()]), kind)
    except ParityError as exc:
        error = ParityError(str(exc), exc.kind, exc.tensor, exc.excess)
    else:
        return
    report.add_failure(
        Failure(name, case, str(error), error.kind, error.tensor, impl.name, error.excess)
    )
    raise error from None


# --------------------------------------------------------------------------- the problem
@dataclasses.dataclass
class Problem:
    """One case of one declared module: the canonical numbers, the reference, the bounds."""

    impl: Implementation
    case: NetCase
    inp: NetInputs

    def __post_init__(self) -> None:
        self.decl = _decl(self.impl)
        self.net: Network = self.decl.net
        self.layers = list(self.inp.layers)
        self.names = door.param_names(len(self.layers), self.net.bias)
        self.trace, self._bounds = _reference(self.net, self.inp)

    # --- canonical torch tensors of the case's dtype and device
    def torch_layers(self, dtype: str | None = None):
        return [(self.t(W, dtype), None if b is None else self.t(b, dtype)) for W, b in self.layers]

    def t(self, a: np.ndarray, dtype: str | None = None) -> torch.Tensor:
        dt = network_cases.TORCH_DTYPES[dtype or self.case.dtype]
        return torch.tensor(np.asarray(a), dtype=dt, device=self.case.device)

    @property
    def per_sample(self) -> bool:
        return self.net.per_sample

    @property
    def B(self) -> int:
        return self.inp.X.shape[0]

    def bounds(self, other: str = "float64", dtype: str | None = None) -> Bounds:
        key = (dtype or self.case.dtype, other)
        if key not in self._bounds:
            with np.errstate(over="ignore", invalid="ignore", under="ignore"):
                self._bounds[key] = layer_bounds(
                    self.net, self.layers, self.inp.X, self.inp.Y, self.trace, Sides(*key)
                )
        return self._bounds[key]

    # --- what the module's gradients are compared with
    def expected(self) -> list[np.ndarray]:
        """Reference gradients in parameter order: reduced, or per sample (B, ...)."""
        grads = (
            refnet.sample_gradients(self.trace, self.net.bias)
            if self.per_sample
            else refnet.gradients(self.trace, self.net.bias)
        )
        return [g for pair in grads for g in pair if g is not None]

    def allowed(self, bounds: Bounds) -> list[np.ndarray]:
        if self.per_sample:
            pairs = zip(bounds.dW_sample, bounds.db_sample)
        else:
            pairs = zip(bounds.dW, bounds.db)
        return [e for pair in pairs for e in pair if e is not None]

    def magnitudes(self, bounds: Bounds) -> list[np.ndarray]:
        """What each gradient element is formed from (per sample, or summed with c_B)."""
        out = []
        for mW, mb in zip(bounds.magnitude_W, bounds.magnitude_b):
            for m in (mW, mb):
                if m is None:
                    continue
                out.append(m if self.per_sample else self.trace.c_B * m.sum(axis=0))
        return out

    def tensor_names(self) -> list[str]:
        if self.decl.protocol == "sgd_step":
            return [f"layer {n[1:]} {n[0]} after one step (lr = 2^-3)" for n in self.names]
        return [door.layer_of(n) for n in self.names]

    def user(self, arrays: list[np.ndarray]) -> list[np.ndarray]:
        """Canonical arrays in parameter order (per sample where the code is) in the
        module's form: messages then name elements as the module indexes them."""
        return [door.user_form(a, j, self.net, self.per_sample) for j, a in enumerate(arrays)]


_REFERENCES: dict = {}  # (net, id of the cached inputs) -> (trace, bounds by sides)


def _reference(net: Network, inp: NetInputs):
    """The reference's trace of a case's (cached, read-only) inputs, and a dict for its
    bounds: computed once per run for every check that compares with them."""
    key = (net, id(inp))
    if key not in _REFERENCES or _REFERENCES[key][0] is not inp:
        if len(_REFERENCES) > 256:
            _REFERENCES.clear()
        tr = refnet.trace(net, list(inp.layers), inp.X, inp.Y)
        _REFERENCES[key] = (inp, tr, {})
    _, tr, bounds = _REFERENCES[key]
    return tr, bounds


# --------------------------------------------------------------------------- calling the module
@dataclasses.dataclass
class Outcome:
    """One call's (or, per-sample, one call per sample's) results in canonical form."""

    grads: list[torch.Tensor]  # parameter order; per-sample: stacked (B, ...)
    loss: torch.Tensor | None  # () reduced, or (B,) per sample; float64 values
    loss_dtype: str = ""
    raw: list = dataclasses.field(default_factory=list)  # every raw output, in call order
    natives: list = dataclasses.field(default_factory=list)  # every native input, in order


def _arrange(native: dict, layout: call_patterns.Layout | None) -> dict:
    return native if layout is None else layout.arrange(native)


def call_module(
    p: Problem,
    where: Where,
    layers=None,
    X: torch.Tensor | None = None,
    Y: torch.Tensor | None = None,
    layout: call_patterns.Layout | None = None,
    natives: tuple | None = None,
) -> Outcome:
    """Call the module's protocol function on the problem's numbers (or those given), in its
    conventions: once on the batch, or once per sample. Forms are checked on the way back."""
    net, decl = p.net, p.decl
    layers = layers if layers is not None else p.torch_layers()
    X = X if X is not None else p.t(p.inp.X)
    Y = Y if Y is not None else p.t(p.inp.Y)
    rows = range(X.shape[0]) if net.per_sample else [None]
    grads, losses, loss_dtype, raws, ins = [], [], "", [], []
    for i in rows:
        Xi, Yi = (X, Y) if i is None else (X[i : i + 1], Y[i : i + 1])
        if natives is not None:
            args = natives[0 if i is None else i]
        else:
            params = door.user_params(layers, net)
            x, y = door.data_args(Xi, Yi, net)
            args = _layout_args(params, x, y, net, layout)
        ins.append(args)
        extra = (door.LR,) if decl.protocol == "sgd_step" else ()
        with door.numpy_warnings_ignored():  # warnings are not findings: values are
            raw = p.impl.call_raw(decl.protocol, *args, *extra)
        raws.append(raw)
        g, loss, ld = _read(p, raw, args, where, layers, i)
        grads.append(g)
        if loss is not None:
            losses.append(loss)
            loss_dtype = ld
    if net.per_sample:
        stacked = [torch.stack([g[j] for g in grads]) for j in range(len(grads[0]))]
        loss_t = torch.tensor(losses, dtype=torch.float64) if losses else None
    else:
        stacked = grads[0]
        loss_t = torch.tensor(losses[0], dtype=torch.float64) if losses else None
    return Outcome(stacked, loss_t, loss_dtype, raws, ins)


def _layout_args(params, x, y, net: Network, layout: call_patterns.Layout | None) -> tuple:
    if layout is None:
        return (params, x, y)
    names = list(params) if isinstance(params, dict) else [f"p{i}" for i in range(len(params))]
    values = list(params.values()) if isinstance(params, dict) else list(params)
    native = dict(zip(names, values))
    native["X"], native["Y"] = x, y
    arranged = layout.arrange(native)
    new = [arranged[n] for n in names]
    params = dict(zip(names, new)) if isinstance(params, dict) else new
    return (params, arranged["X"], arranged["Y"])


def _read(p: Problem, raw, args, where: Where, layers, i):
    """(canonical grads, loss or None, loss dtype) from one call's raw output; form failures
    raised as ParityError naming the output."""
    net, decl = p.net, p.decl
    like = layers[0][0]
    shapes = door.user_shapes(p.case.shape.widths, net)
    loss = ld = None
    try:
        if decl.protocol == "loss_and_grads":
            raw_loss, raw_grads = door.split_loss_and_grads(raw)
            loss, ld = door.loss_value(raw_loss)
        elif decl.protocol == "grads":
            raw_grads = raw
        else:
            raw_grads = args[0] if raw is None else raw
        items = door.grads_list(raw_grads, p.names, net, decl.protocol)
    except door.FormError as exc:
        raise _fail(where, f"{exc}", exc.kind) from None
    out = []
    for name, g, shape in zip(p.tensor_names(), items, shapes):
        g = door.as_tensor(g, like)
        expect_meta(g, tensor=name, shape=shape, where=where)
        out.append(g)
    if ld is not None and ld not in ("float", "float64") and _narrower(ld, p.case.dtype):
        raise _fail(
            where,
            f"the loss from {p.impl.name} has dtype {ld}, less precise than the inputs' "
            f"{p.case.dtype}",
            compare.DTYPE,
            "loss",
        )
    return out, loss, ld


PRECISION_ORDER = ("bfloat16", "float16", "float32", "float64")


def _narrower(a: str, b: str) -> bool:
    if a not in PRECISION_ORDER or b not in PRECISION_ORDER:
        return a != b
    return PRECISION_ORDER.index(a) < PRECISION_ORDER.index(b)


def step_bound(theta, g, e_g, lr: float, sides: Sides):
    """Allowed error of an updated parameter, theta - lr g: lr e_g, and 3 roundings of
    |theta| + lr |g|: the update written as theta - lr g (lr a power of two: one rounding)
    or with a penalty's decay factored out, (1 - lr lambda) theta - lr g_data (the factor,
    the product, the subtraction), whichever the code does."""
    return lr * e_g + sides.bound(3, np.abs(theta) + lr * (np.abs(g) + e_g))


def _step(p: Problem, grads: list[np.ndarray], allowed: list[np.ndarray], sides: Sides):
    """theta - lr g and its allowed error, for sgd_step (`step_bound`)."""
    lr = door.LR
    expected, bound = [], []
    for theta, g, e in zip(_params_of(p), grads, allowed):
        theta = np.broadcast_to(theta, g.shape) if p.per_sample else theta
        expected.append(theta - lr * g)
        bound.append(step_bound(theta, g, e, lr, sides))
    return expected, bound


def _params_of(p: Problem) -> list[np.ndarray]:
    return [a for W, b in p.layers for a in (W, b) if a is not None]


# --------------------------------------------------------------------------- 1. forward
def check_forward(impl: Implementation, case: NetCase) -> None:
    """The loss the module returns, and (where it has forward) every layer's activations,
    against the float64 reference."""
    p = Problem(impl, case, network_cases.inputs(impl.declared.net, case))
    where = _where("forward", impl, case, sample_axis=p.per_sample)
    bounds = p.bounds()
    checked = False
    if p.decl.has_loss:
        out = call_module(p, where)
        if p.per_sample:
            expect_close(out.loss, p.trace.losses, bounds.loss_sample, tensor="loss", where=where)
        else:
            expect_close(
                out.loss, np.float64(p.trace.loss), bounds.loss, tensor="loss", where=where
            )
        checked = True
    if p.decl.has_forward:
        _check_activations(p, where, bounds)
        checked = True
    if not checked:
        import pytest

        pytest.skip(f"{impl.name}: {p.decl.protocol} returns no loss and the module has no forward")


def _check_activations(p: Problem, where: Where, bounds: Bounds) -> None:
    net = p.net
    X = p.t(p.inp.X)
    layers = p.torch_layers()
    depth = len(p.layers) - 1
    rows = range(p.B) if net.per_sample else [None]
    per_layer: list[list[torch.Tensor]] = []
    for i in rows:
        params = door.user_params(layers, net)
        Xi = X if i is None else X[i : i + 1]
        x = door._native(door.user_x(Xi[0], net) if i is not None else door.user_X(Xi, net), net)
        with door.numpy_warnings_ignored():
            raw = p.impl.call_raw("forward", params, x)
        try:
            outs = door.read_forward(raw, depth, layers[0][0])
        except door.FormError as exc:
            raise _fail(where, str(exc), exc.kind) from None
        per_layer.append(outs)
    n_out = len(per_layer[0])
    offset = depth + 1 - n_out  # f alone: compare the last only
    for j in range(n_out):
        layer = j + offset
        n = p.case.shape.widths[layer + 1]
        name = "output f" if layer == depth else f"layer {layer + 1} h"
        got = []
        for outs in per_layer:
            t = outs[j]
            if not isinstance(t, torch.Tensor):
                raise _fail(
                    where,
                    f"{name} from {p.impl.name} is a {type(t).__name__}, not an array",
                    compare.TYPE,
                    name,
                )
            c = door.canonical_activation(t, n, 1 if net.per_sample else p.B, net)
            if c is None:
                raise _fail(
                    where,
                    f"{name} from {p.impl.name} has shape {tuple(t.shape)}, expected "
                    f"{_activation_shape(n, p.B, net)} (layout {net.layout})",
                    compare.SHAPE,
                    name,
                )
            got.append(c)
        actual = torch.cat(got)
        expect_close(
            actual,
            p.trace.H[layer + 1],
            bounds.h[layer],
            tensor=name,
            where=dataclasses.replace(where, sample_axis=True),
        )


def _activation_shape(n: int, B: int, net: Network) -> tuple:
    if net.per_sample:
        return (n,) if net.sample_shape == "flat" else (n, 1)
    return (B, n) if net.layout == "rows" else (n, B)


# --------------------------------------------------------------------------- 2. backward
def check_backward(
    impl: Implementation, case: NetCase, inp: NetInputs | None = None, check: str = "backward"
) -> None:
    """Every gradient (or, for sgd_step, every updated parameter) against the float64
    reference, within the layered bound."""
    p = Problem(impl, case, inp or network_cases.inputs(impl.declared.net, case))
    where = _where(check, impl, case, sample_axis=p.per_sample)
    out = call_module(p, where)
    _compare_grads(p, out, p.bounds(), where)


def _compare_grads(
    p: Problem,
    out: Outcome,
    bounds: Bounds,
    where: Where,
    expected: list[np.ndarray] | None = None,
    note: str = "",
    sides: Sides | None = None,
) -> None:
    """The module's gradients against `expected` (the reference's by default) within
    `bounds`; for sgd_step, its updated parameters against theta - lr g."""
    grads, allowed = expected or p.expected(), p.allowed(bounds)
    if p.decl.protocol == "sgd_step":
        grads, allowed = _step(p, grads, allowed, sides or Sides(p.case.dtype))
    for name, g, e, a in zip(p.tensor_names(), out.grads, p.user(grads), p.user(allowed)):
        expect_close(g, e, a, tensor=name, where=where, note=note)


# --------------------------------------------------------------------------- 3. autograd
def check_autograd(impl: Implementation, case: NetCase) -> None:
    """Against torch autograd of the declared network at the same dtype and device (both
    sides rounding in the dtype: `Sides(dtype, dtype)`)."""
    p = Problem(impl, case, network_cases.inputs(impl.declared.net, case))
    where = _where(
        "autograd", impl, case, "torch autograd at the same dtype and device", p.per_sample
    )
    params = tuple(x for pair in p.torch_layers() for x in pair if x is not None)
    _, auto = network_oracles.autograd(p.net, params, p.t(p.inp.X), p.t(p.inp.Y), p.per_sample)
    out = call_module(p, where)
    bounds = p.bounds(other=p.case.dtype)
    expected = [a.double().cpu().numpy() for a in auto]
    _compare_grads(p, out, bounds, where, expected, sides=Sides(p.case.dtype, p.case.dtype))


# --------------------------------------------------------------------------- 4. jvp
def check_jvp(impl: Implementation, case: NetCase) -> None:
    """<gradient, v> against forward-mode torch.func.jvp of the declared loss (float64), v
    random: every parameter's gradient in one number per sample (or per batch)."""
    p = Problem(impl, case, network_cases.inputs(impl.declared.net, case))
    if p.decl.protocol == "sgd_step":
        _skip(
            "jvp",
            impl,
            "sgd_step returns parameters, not gradients: the backward check compares its step",
        )
    where = _where("jvp", impl, case, "torch.func.jvp (forward mode, float64)", p.per_sample)
    out = call_module(p, where)
    rng = np.random.default_rng([case.seed, 4])
    params64 = _params_of(p)
    tangents = [rng.standard_normal(a.shape) for a in params64]
    P = tuple(torch.from_numpy(np.array(a)) for a in params64)
    V = tuple(torch.from_numpy(v) for v in tangents)
    X, Y = torch.from_numpy(np.array(p.inp.X)), torch.from_numpy(np.array(p.inp.Y))
    expected = network_oracles.directional(p.net, P, X, Y, V, p.per_sample).numpy()
    axes = (lambda a: tuple(range(1, a.ndim))) if p.per_sample else (lambda a: tuple(range(a.ndim)))
    grads = [door.canonical_grad(g, j, p.net) for j, g in enumerate(out.grads)]
    actual = sum(
        np.sum(g.double().cpu().numpy() * v, axis=axes(g)) for g, v in zip(grads, tangents)
    )
    bounds = p.bounds()
    n_params = sum(a.size for a in params64)
    slack = gamma(n_params, "float64") + gamma(n_params + 4 * len(p.layers), "float64")
    allowed = sum(
        np.sum(np.abs(v) * a, axis=axes(a)) + slack * np.sum(np.abs(v) * m, axis=axes(m))
        for v, a, m in zip(tangents, p.allowed(bounds), p.magnitudes(bounds))
    )
    actual = np.asarray(actual).reshape(-1)
    expect_close(
        actual,
        expected.reshape(-1),
        np.asarray(allowed).reshape(-1),
        tensor="<grad, v>",
        where=where,
    )


def _skip(check: str, impl: Implementation, why: str):
    import pytest

    pytest.skip(f"{check}: {impl.name}: {why}")


# --------------------------------------------------------------------------- 5. vmap
def check_vmap(impl: Implementation, case: NetCase) -> None:
    """Against torch.func.vmap(torch.func.grad(ell)) in float64: the per-sample gradients,
    reduced as declared for batched code."""
    p = Problem(impl, case, network_cases.inputs(impl.declared.net, case))
    where = _where("vmap", impl, case, "torch.func.vmap(grad(loss)) in float64", p.per_sample)
    P = tuple(torch.from_numpy(np.array(a)) for a in _params_of(p))
    X, Y = torch.from_numpy(np.array(p.inp.X)), torch.from_numpy(np.array(p.inp.Y))
    per = network_oracles.per_sample_gradients(p.net, P, X, Y)
    dP = network_oracles.penalty_gradient(p.net, P, 1 if p.per_sample else p.B)
    c_B = p.trace.c_B
    expected = [
        (g.numpy() if p.per_sample else c_B * g.numpy().sum(axis=0)) + d.numpy()
        for g, d in zip(per, dP)
    ]
    out = call_module(p, where)
    _compare_grads(p, out, p.bounds(), where, expected)


# --------------------------------------------------------------------------- 6. finite differences
FD_COORDS = 4  # coordinates per parameter tensor
# A central difference over a step in which no smooth unit's pre-activation moves by more than
# this is, to third order, a cubic there: its truncation s^2/6 |phi'''| is bounded by twice the
# largest |phi'''| at the step's three points. Where a step moves some pre-activation further
# (a large magnitude multiplies it), the coordinate is left out ("unverifiable"): no fixed step
# suits it, and the other checks hold those cases.
SMOOTH_REGIME = 2.0**-8


def _module_loss(p: Problem, layers, X, Y, where: Where) -> float:
    """The module's own loss (loss_and_grads), or the declared loss of its forward's f."""
    if p.decl.has_loss:
        out = call_module(p, where, layers=layers, X=X, Y=Y)
        return float(out.loss.sum())
    params = door.user_params(layers, p.net)
    x = door.user_x(X[0], p.net) if p.per_sample else door.user_X(X, p.net)
    with door.numpy_warnings_ignored():
        raw = p.impl.call_raw("forward", params, door._native(x, p.net))
    try:
        f = door.read_forward(raw, len(layers) - 1, layers[0][0])[-1]
    except door.FormError as exc:
        raise _fail(where, str(exc), exc.kind) from None
    F = door.canonical_activation(f, p.case.shape.k, X.shape[0], p.net)
    if F is None:
        raise _fail(where, f"forward's f has shape {tuple(f.shape)}", compare.SHAPE, "output f")
    head = functions.LOSSES[p.net.loss]
    F64, Y64 = F.double().cpu().numpy(), Y.double().cpu().numpy()
    ell = p.trace.c_k * head.value(F64, None, Y64).sum(axis=1)
    return float(ell.sum() * (1.0 if p.per_sample else p.trace.c_B))


def _third_derivatives(
    p: Problem, params: list[np.ndarray], points: list[tuple[int, int, float]]
) -> np.ndarray:
    """d^3/dt^3 of the declared loss at theta + t e for each (parameter, flat index, t), in
    float64: forward mode three times (torch.func.jvp) over the declaration's torch
    expression, vmapped over the points. 0 without computing where the network is piecewise
    linear and the loss quadratic in each coordinate."""
    if not points:
        return np.zeros(0)
    acts = p.net.activations(len(p.layers) - 1)
    if all(a.piecewise_linear for a in acts) and p.net.loss in functions.REGRESSION:
        return np.zeros(len(points))
    from torch.func import jvp, vmap

    P = tuple(torch.from_numpy(np.array(a)) for a in params)
    X, Y = torch.from_numpy(np.array(p.inp.X)), torch.from_numpy(np.array(p.inp.Y))
    sizes = [a.numel() for a in P]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    V = torch.zeros(len(points), int(offsets[-1]), dtype=torch.float64)
    T = torch.tensor([t for _, _, t in points], dtype=torch.float64)
    for row, (j, flat, _) in enumerate(points):
        V[row, int(offsets[j]) + flat] = 1.0

    def loss(theta):
        parts = tuple(
            theta[int(offsets[i]) : int(offsets[i + 1])].reshape(P[i].shape) for i in range(len(P))
        )
        if p.per_sample:
            return network_oracles.sample_losses(p.net, parts, X, Y).sum()
        return network_oracles.total_loss(p.net, parts, X, Y)

    flat0 = torch.cat([a.reshape(-1) for a in P])

    def third(v, t):
        def d1(th):
            return jvp(loss, (th,), (v,))[1]

        def d2(th):
            return jvp(d1, (th,), (v,))[1]

        return jvp(d2, (flat0 + t * v,), (v,))[1]

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated")  # torch's own
        return vmap(third)(V, T).numpy()


def _clip_binds(net: Network, layers, X, Y) -> bool:
    """Whether the declared clip changes the loss here: its gradient is then the unclipped
    one's (as the declaration says), which differences of the clipped loss cannot check."""
    if not net.clip:
        return False
    tr = refnet.trace(net, layers, X, Y)
    unclipped = refnet.trace(net.with_(clip=0.0), layers, X, Y)
    return not np.allclose(tr.losses, unclipped.losses, rtol=0.0, atol=0.0)


def _layers_of(params: list[np.ndarray], bias: bool):
    step = 2 if bias else 1
    return [(params[i], params[i + 1] if bias else None) for i in range(0, len(params), step)]


def check_finite_differences(impl: Implementation, case: NetCase) -> None:
    """The module's float64 gradient against central differences of its own float64 loss
    (loss_and_grads), or of the declared loss of its forward's f, on a few coordinates of
    every parameter. s = cbrt(eps) max(1, |theta|), kept exact; allowed: the loss's rounding
    bound at both points over 2 s, the truncation s^2/6 |phi'''| (zero where the network is
    piecewise linear and the loss quadratic in one coordinate), and the gradient's own bound.
    A coordinate whose step flips a ReLU mask is left out."""
    net = impl.declared.net
    p = Problem(impl, case, network_cases.inputs(net, case))
    if p.decl.protocol == "sgd_step":
        _skip("finite-diff", impl, "sgd_step returns parameters: the backward check holds its step")
    if not (p.decl.has_loss or p.decl.has_forward):
        _skip(
            "finite-diff", impl, f"{p.decl.protocol} returns no loss and the module has no forward"
        )
    if not case_applies("finite-diff", case):  # (the suite makes no such test)
        _skip(
            "finite-diff",
            impl,
            f"{case.shape.n_params} parameters: finite differences are for {FD_MAX_PARAMS} or fewer",
        )
    where = _where("finite-diff", impl, case, "finite differences of its own loss (float64)")
    if p.per_sample:  # one call: the first sample
        p = Problem(impl, case, network_cases.replace(p.inp, X=p.inp.X[:1], Y=p.inp.Y[:1]))
    out = call_module(p, where)
    grads = [door.canonical_grad(g, j, net) for j, g in enumerate(out.grads)]
    grads = [g[0] if p.per_sample else g for g in grads]
    e_grad = [e[0] if p.per_sample else e for e in p.allowed(p.bounds())]
    params = _params_of(p)
    A0, _ = refnet.forward(net, p.layers, p.inp.X)
    smooth = [not a.piecewise_linear for a in net.activations(len(p.layers) - 1)]
    rng = np.random.default_rng([case.seed, 6])
    X, Y = p.t(p.inp.X), p.t(p.inp.Y)
    measured = []  # (j, flat, analytic, estimate, rounding part, step)
    skipped = dict.fromkeys(range(len(params)), 0)
    for j, (theta, g) in enumerate(zip(params, grads)):
        picks = rng.choice(theta.size, size=min(FD_COORDS, theta.size), replace=False)
        for flat in (int(f) for f in picks):
            value = float(theta.reshape(-1)[flat])
            s = np.cbrt(np.finfo(np.float64).eps) * max(1.0, abs(value))
            s = (value + s) - value
            losses, e_loss = [], 0.0
            for sign in (1.0, -1.0):
                shifted = [a.copy() for a in params]
                shifted[j].reshape(-1)[flat] = value + sign * s
                lay = _layers_of(shifted, net.bias)
                A, _ = refnet.forward(net, lay, p.inp.X)
                flips = any(np.any((a > 0) != (a0 > 0)) for a, a0 in zip(A[:-1], A0[:-1]))
                moved = max(
                    (
                        float(np.abs(a - a0).max(initial=0.0))
                        for a, a0, sm in zip(A, A0, smooth)
                        if sm
                    ),
                    default=0.0,
                )
                if flips or moved > SMOOTH_REGIME or _clip_binds(net, lay, p.inp.X, p.inp.Y):
                    break
                tr = refnet.trace(net, lay, p.inp.X, p.inp.Y)
                with np.errstate(all="ignore"):
                    b = layer_bounds(
                        net, lay, p.inp.X, p.inp.Y, tr, Sides("float64"), loss_only=True
                    )
                e_loss += float(b.loss_sample.sum()) if p.per_sample else b.loss
                torch_lay = [(p.t(W), None if c is None else p.t(c)) for W, c in lay]
                losses.append(_module_loss(p, torch_lay, X, Y, where))
            if len(losses) < 2:
                skipped[j] += 1
                continue
            rounding = e_loss / (2 * s) + float(e_grad[j].reshape(-1)[flat])
            estimate = (losses[0] - losses[1]) / (2 * s)
            measured.append((j, flat, float(g.double().reshape(-1)[flat]), estimate, rounding, s))
    points = [(j, flat, t) for j, flat, *_, s in measured for t in (-s, 0.0, s)]
    third = (
        np.abs(_third_derivatives(p, params, points)).reshape(-1, 3).max(axis=1) if points else []
    )
    # a coordinate whose third derivative is not finite in float64 has no truncation bound:
    # unverifiable, and counted so
    finite = [bool(np.isfinite(t)) for t in third]
    for (j, *_), ok in zip(measured, finite):
        skipped[j] += not ok
    measured = [m for m, ok in zip(measured, finite) if ok]
    third = [t for t, ok in zip(third, finite) if ok]
    for j, name in enumerate(p.tensor_names()):
        rows_j = [(m, t3) for m, t3 in zip(measured, third) if m[0] == j]
        if not rows_j:
            continue
        analytic = np.array([m[2] for m, _ in rows_j])
        estimate = np.array([m[3] for m, _ in rows_j])
        allowed = np.array([m[4] + 2 * t3 * m[5] ** 2 / 6 for m, t3 in rows_j])
        rows = []
        for (_, flat, *_), _ in rows_j:
            idx = [int(i) for i in np.unravel_index(flat, params[j].shape)]
            rows.append(f"element {door.user_index(idx, j, net)}")
        w = dataclasses.replace(where, sample_axis=True, rows=tuple(rows))
        note = (
            f"{len(rows_j)} coordinates, {skipped[j]} unverifiable (a ReLU mask flips within the "
            "step, or a pre-activation moves too far for a fixed step)"
        )
        expect_close(analytic, estimate, allowed, tensor=name, where=w, note=note)


# --------------------------------------------------------------------------- 7. gradcheck
GRADCHECK_MAX_PARAMS = 256  # gradcheck's full Jacobian, one coordinate at a time


def off_kink(net: Network, inp: NetInputs, margin_rel: float = 1e-3) -> NetInputs | None:
    """The problem moved away from every ReLU kink: layer by layer, b_j shifted until every
    sample's |a_j| >= margin_j; None where a unit without bias sits within its margin."""
    layers = [(W.copy(), None if b is None else b.copy()) for W, b in inp.layers]
    acts = net.activations(len(layers) - 1)
    H = inp.X
    for (W, b), act in zip(layers, acts):
        A = H @ W.T + (b if b is not None else 0.0)
        if act.has_kink:
            margin = margin_rel * (
                np.abs(H).max(axis=0, initial=0.0) @ np.abs(W).T
                + (np.abs(b) if b is not None else 0.0)
                + 1.0
            )
            for j in range(W.shape[0]):
                if np.all(np.abs(A[:, j]) >= margin[j]):
                    continue
                if b is None:
                    return None
                for k in range(4 * A.shape[0] + 2):
                    shift = (k + 1) // 2 * margin[j] * (1 if k % 2 else -1) * 2
                    if np.all(np.abs(A[:, j] + shift) >= margin[j]):
                        b[j] += shift
                        A[:, j] += shift
                        break
        H = act.f(A)
    return network_cases.replace(inp, layers=tuple(layers))


def _shifted_loss_bound(p: Problem, params: list[np.ndarray], step: float) -> float:
    """The largest rounding bound of the loss at theta +/- step e_i over every coordinate i
    (a step can change the loss by far more than its value at theta: on the tiny family,
    (r + step)^2 is step^2 where r^2 underflows)."""
    worst = 0.0
    for j, theta in enumerate(params):
        for flat in range(theta.size):
            for sign in (1.0, -1.0):
                shifted = [a.copy() for a in params]
                shifted[j].reshape(-1)[flat] += sign * step
                lay = _layers_of(shifted, p.net.bias)
                with np.errstate(all="ignore"):
                    tr = refnet.trace(p.net, lay, p.inp.X, p.inp.Y)
                    b = layer_bounds(
                        p.net, lay, p.inp.X, p.inp.Y, tr, Sides("float64"), loss_only=True
                    )
                worst = max(worst, float(b.loss_sample.sum()) if p.per_sample else b.loss)
    return worst


def check_gradcheck(impl: Implementation, case: NetCase) -> None:
    """torch.autograd.gradcheck on a torch.autograd.Function whose forward is the module's
    float64 loss and whose backward is its gradient, off every kink; every element of the
    Jacobian (networks up to GRADCHECK_MAX_PARAMS parameters). atol: gradcheck's central
    differences at eps = 1e-6 err by the loss's rounding bound over eps, the truncation
    eps^2/6 |phi'''| (the largest over the coordinates, doubled) and the gradient's bound."""
    net = impl.declared.net
    p = Problem(impl, case, network_cases.inputs(net, case))
    if not p.decl.has_loss:
        _skip(
            "gradcheck",
            impl,
            f"{p.decl.protocol} returns no loss: finite-diff and the reference hold it",
        )
    if not case_applies("gradcheck", case):  # (the suite makes no such test)
        _skip(
            "gradcheck",
            impl,
            f"{case.shape.n_params} parameters: gradcheck is for {GRADCHECK_MAX_PARAMS} or fewer",
        )
    inp = off_kink(
        net,
        p.inp if not p.per_sample else network_cases.replace(p.inp, X=p.inp.X[:1], Y=p.inp.Y[:1]),
    )
    if inp is None:
        _skip("gradcheck", impl, "a unit without bias sits at a ReLU kink: no off-kink problem")
    p = Problem(impl, case, inp)
    if _clip_binds(net, p.layers, p.inp.X, p.inp.Y):
        _skip(
            "gradcheck", impl, "the declared clip binds here: the gradient is the unclipped loss's"
        )
    eps = 1e-6
    if (
        max((float(np.abs(h).max(initial=0.0)) for h in p.trace.H[:-1]), default=0.0) * eps
        > SMOOTH_REGIME
    ):
        _skip(
            "gradcheck",
            impl,
            "magnitudes too large for gradcheck's fixed step 1e-6 (finite-diff scales its step)",
        )
    where = _where("gradcheck", impl, case, "torch.autograd.gradcheck")
    params = _params_of(p)
    points = [
        (j, f, t) for j, a in enumerate(params) for f in range(a.size) for t in (-eps, 0.0, eps)
    ]
    third = float(np.abs(_third_derivatives(p, params, points)).max(initial=0.0))
    e_grad = max(float(e.max(initial=0.0)) for e in p.allowed(p.bounds()))
    atol = 2 * _shifted_loss_bound(p, params, eps) / (2 * eps) + 2 * third * eps * eps / 6 + e_grad
    if not np.isfinite(atol):  # a third derivative past float64 (a saturated output's)
        _skip("gradcheck", impl, "the loss's third derivative is not finite in float64 here")
    X, Y = p.t(p.inp.X), p.t(p.inp.Y)

    def split(flat_params):
        out, i = [], 0
        for _W, b in p.layers:
            out.append((flat_params[i], flat_params[i + 1] if b is not None else None))
            i += 2 if b is not None else 1
        return out

    class ModuleLoss(torch.autograd.Function):
        @staticmethod
        def forward(ctx, *theta):
            out = call_module(p, where, layers=split([t.detach() for t in theta]), X=X, Y=Y)
            ctx.grads = [door.canonical_grad(g, j, net) for j, g in enumerate(out.grads)]
            return out.loss.sum().to(theta[0].dtype)

        @staticmethod
        def backward(ctx, grad_out):
            grads = [g.sum(0) if p.per_sample else g for g in ctx.grads]
            return tuple(grad_out * g.to(grad_out.dtype) for g in grads)

    theta = tuple(p.t(a).requires_grad_() for a in params)
    try:
        torch.autograd.gradcheck(ModuleLoss.apply, theta, eps=eps, atol=atol, rtol=0.0)
    except (ImplementationCrash, ParityError):
        raise
    except Exception as exc:  # GradcheckError
        lines = [
            f"gradcheck check failed: the gradient of {impl.name} disagrees with "
            "torch.autograd.gradcheck's differences of its own loss (float64, off every kink)",
            *("  " + s for s in str(exc).splitlines()[:12]),
            *where.footer(),
        ]
        raise ParityError("\n".join(lines), compare.GRADCHECK) from None


# --------------------------------------------------------------------------- 8. kink
def check_kink(impl: Implementation, case: NetCase) -> None:
    """At a = 0 exactly, in every ReLU-like layer, the gradient uses the declared ReLU'(0)
    (relu_grad_at_zero): the case rebuilt so that units of layer 1 (sample 0) and one unit of
    every deeper ReLU-like layer (every sample) sit exactly at the kink."""
    net = impl.declared.net
    if not net.has_kinks:
        _skip("kink", impl, f"no ReLU-like layer in {net.describe().split(';')[0]}")
    inp = network_cases.at_kink(net, case)
    p = Problem(impl, case, inp)
    bounds = p.bounds()
    at_zero = sum(int(e.sum()) for e in bounds.exact[:-1])
    assert at_zero, f"case generator: no activation exactly at a kink ({case.id})"
    value = net.relu_grad_at_zero
    where = _where(
        "kink",
        impl,
        case,
        f"the reference with ReLU'(0) = {value} (relu_grad_at_zero = {value})",
        p.per_sample,
        pattern=f"{at_zero} activations exactly at a = 0",
    )
    out = call_module(p, where)
    note = (
        f"a = 0 exactly at {at_zero} activations: ReLU'(0) must be {value} there "
        f"(declare relu_grad_at_zero = {1 - value} if the code uses {1 - value})"
    )
    _compare_grads(p, out, bounds, where, note=note)


# --------------------------------------------------------------------------- structural checks
def _natives(p: Problem, inp: NetInputs | None = None) -> list[tuple]:
    """Fresh arguments in the module's form, one tuple per call (per-sample: per sample)."""
    inp = inp or p.inp
    layers = [(p.t(W), None if b is None else p.t(b)) for W, b in inp.layers]
    X, Y = p.t(inp.X), p.t(inp.Y)
    rows = range(X.shape[0]) if p.per_sample else [None]
    out = []
    for i in rows:
        Xi, Yi = (X, Y) if i is None else (X[i : i + 1], Y[i : i + 1])
        out.append((door.user_params(layers, p.net), *door.data_args(Xi, Yi, p.net)))
    return out


def _leaves(args: tuple, names: list[str]) -> list[tuple[str, object]]:
    """(name, array) for every array of a call's arguments: params['W1'] or params[0], X, Y;
    the parameters by their declared names (a key the module added or removed: `_keys`)."""
    params, *data = args
    if isinstance(params, dict):
        out = [(f"params[{k!r}]", params.get(k)) for k in names]
    else:
        out = [(f"params[{i}] ({names[i]})", v) for i, v in enumerate(params)]
    return out + list(zip(("X", "Y"), data))


def _keys(args: tuple) -> tuple:
    """The keys of a params dict (or the length of a params list): what a module that adds a
    cache to its parameters, or drops one, changes."""
    params = args[0]
    return tuple(params) if isinstance(params, dict) else (len(params),)


def _copy(v):
    if isinstance(v, torch.Tensor):
        return v.detach().clone()
    if isinstance(v, np.ndarray):
        return v.copy()
    return v


def _as_tensor(v) -> torch.Tensor:
    return v if isinstance(v, torch.Tensor) else torch.as_tensor(np.asarray(v))


def _expect_unmodified(p: Problem, before: list, after: list, where: Where, call: str) -> None:
    for (name, old), (_, new) in zip(before, after):
        if p.decl.protocol == "sgd_step" and name.startswith("params"):
            continue  # sgd_step may update its parameters in place
        if not compare.same_bits(_as_tensor(new), _as_tensor(old)):
            compare.expect_same_bits(
                _as_tensor(new),
                _as_tensor(old),
                tensor=name,
                where=dataclasses.replace(where, pattern=call),
                why=f"modified its input {name} in place ({p.decl.protocol})",
                kind=compare.MUTATES_INPUT,
                labels=("after the call", "before"),
            )


def _call_watched(p: Problem, where: Where, natives: list[tuple], label: str) -> Outcome:
    """Call on `natives`, failing a module that modifies them or uses torch's autograd
    (`autograd_watch`: an entry point of autograd or torch.func called, or a graph recorded;
    a call that raises after one is reported as that, not as a crash)."""
    from mlp_parity.autograd_watch import AutogradWatch

    before = [[(n, _copy(v)) for n, v in _leaves(a, p.names)] for a in natives]
    keys = [_keys(a) for a in natives]
    crash = None
    with AutogradWatch() as watch:
        try:
            out = call_module(p, dataclasses.replace(where, pattern=label), natives=tuple(natives))
        except ImplementationCrash as exc:
            crash = exc
    if watch.any:
        raise _fail(
            where,
            f"{p.decl.protocol} of {p.impl.name} used torch autograd ({watch.describe()}); "
            "the contract is gradients by hand, autograd off",
            compare.USES_AUTOGRAD,
        )
    if crash is not None:
        raise type(crash)(f"{crash}\n  call pattern: {label}") from crash
    for b, a, k in zip(before, natives, keys):
        if _keys(a) != k:
            raise _fail(
                dataclasses.replace(where, pattern=label),
                f"{p.decl.protocol} of {p.impl.name} modified its input params: its entries "
                f"were {list(k)}, after the call {list(_keys(a))}",
                compare.MUTATES_INPUT,
                "params",
            )
        _expect_unmodified(p, b, _leaves(a, p.names), where, label)
    return out


def _expect_same(
    p: Problem, got: Outcome, want: Outcome, where: Where, why: str, kind: str, labels
) -> None:
    names = p.tensor_names()
    for name, a, b in zip(names, got.grads, want.grads):
        compare.expect_same_bits(a, b, tensor=name, where=where, why=why, kind=kind, labels=labels)
    if got.loss is not None and want.loss is not None:
        compare.expect_same_bits(
            got.loss, want.loss, tensor="loss", where=where, why=why, kind=kind, labels=labels
        )


def check_contract(impl: Implementation, case: NetCase) -> None:
    """Inputs left unmodified, forms, no autograd, bitwise repeatable, and no state between
    calls: the case's problem twice, another problem (`network_cases.other`), then the
    case's again."""
    net = impl.declared.net
    p = Problem(impl, case, network_cases.inputs(net, case))
    q = Problem(impl, case, network_cases.other(net, case))
    where = _where("contract", impl, case)
    first = _call_watched(p, where, _natives(p), "the case's problem")
    again = _call_watched(p, where, _natives(p), "the case's problem, again")
    _expect_same(
        p,
        again,
        first,
        dataclasses.replace(where, pattern="the case's problem, twice"),
        "is not bitwise repeatable: a second call on the same inputs gave another result",
        compare.NONDETERMINISTIC,
        ("second call", "first call"),
    )
    _call_watched(q, where, _natives(q), "another problem of the same shapes")
    last = _call_watched(p, where, _natives(p), "the case's problem after another")
    _expect_same(
        p,
        last,
        first,
        dataclasses.replace(where, pattern="the case's problem, another, the case's again"),
        "keeps state between calls: its result for one problem changed after a call on another",
        compare.STATEFUL,
        ("after another call", "first call"),
    )


# Layouts callers hand arrays in: every matrix column-major, every array strided, every array
# a view into one flat buffer (call_patterns fills the memory around views with NaN).
def _column_major_all(args: dict) -> dict:
    out = dict(args)
    for name, a in args.items():
        t = call_patterns._torch_view(a)
        if t is not None and t.dim() == 2:
            out[name] = call_patterns._like(t.T.contiguous().T, a)
    return out


def _floating_only(arrange):
    """A layout of the floating-point arrays only: integer labels stay contiguous (the NaN
    around views has no integer counterpart)."""

    def apply(args: dict) -> dict:
        floats = {
            n: a
            for n, a in args.items()
            if (t := call_patterns._torch_view(a)) is not None and t.dtype.is_floating_point
        }
        return {**args, **arrange(floats)}

    return apply


LAYOUTS = tuple(
    call_patterns.Layout(name, text, _floating_only(fn))
    for name, text, fn in (
        (
            "column-major",
            "every matrix (weights, X, Y) passed as a transposed view (column-major)",
            _column_major_all,
        ),
        (
            call_patterns.LAYOUTS[1].name,
            call_patterns.LAYOUTS[1].description,
            call_patterns.LAYOUTS[1].arrange,
        ),
        (
            call_patterns.LAYOUTS[2].name,
            call_patterns.LAYOUTS[2].description,
            call_patterns.LAYOUTS[2].arrange,
        ),
    )
)


def check_layout(impl: Implementation, case: NetCase) -> None:
    """The problem with its arrays laid out as callers lay them out (`LAYOUTS`), against the
    float64 reference within the same bounds (a layout may change a kernel's order of
    summation; the bounds hold for every order)."""
    p = Problem(impl, case, network_cases.inputs(impl.declared.net, case))
    bounds = p.bounds()
    for layout in LAYOUTS:
        where = _where("layout", impl, case, sample_axis=p.per_sample, pattern=layout.description)
        try:
            out = call_module(p, where, layout=layout)
        except ImplementationCrash as exc:
            raise type(exc)(f"{exc}\n  call pattern: {layout.description}") from exc
        _compare_grads(p, out, bounds, where)


def _outputs(out: Outcome, p: Problem) -> list[tuple[str, object]]:
    """(name, array) of every array a call returned (the loss included where it is one)."""
    found = []
    for k, raw in enumerate(out.raw):
        tag = f" of sample {k}" if p.per_sample else ""
        items: list = []
        if p.decl.protocol == "loss_and_grads" and isinstance(raw, (tuple, list)) and len(raw) == 2:
            items.append(("loss" + tag, raw[0]))
            raw = raw[1]
        if p.decl.protocol == "sgd_step" and raw is None:
            continue  # updated in place: the caller's own arrays
        try:
            grads = door.grads_list(raw, p.names, p.net, p.decl.protocol)
        except door.FormError:
            grads = []
        items += [(n + tag, g) for n, g in zip(p.tensor_names(), grads)]
        found += [(n, v) for n, v in items if isinstance(v, (torch.Tensor, np.ndarray))]
    return found


def check_ownership(impl: Implementation, case: NetCase) -> None:
    """Outputs belong to the caller: across four calls (the case's problem, another, the
    case's, the other), no output shares memory with an input of its call, another output,
    or any output returned before, and none changes after it was returned."""
    net = impl.declared.net
    p = Problem(impl, case, network_cases.inputs(net, case))
    q = Problem(impl, case, network_cases.other(net, case))
    where = _where("ownership", impl, case)
    kept: list[tuple[str, str, object, torch.Tensor]] = []  # (call, name, raw, copy)
    for k, (prob, what) in enumerate(((p, "the case's problem"), (q, "another problem")) * 2):
        label = f"call {k + 1} ({what})"
        w = dataclasses.replace(where, pattern=label)
        natives = _natives(prob)
        out = call_module(prob, w, natives=tuple(natives))
        outputs = _outputs(out, prob)
        inputs = [(n, v) for a in natives for n, v in _leaves(a, prob.names)]
        if prob.decl.has_forward:  # forward's activations belong to the caller too
            args = _natives(prob)[0][:2]
            with door.numpy_warnings_ignored():
                raw = prob.impl.call_raw("forward", *args)
            items = list(raw) if isinstance(raw, (tuple, list)) else [raw]
            if len(items) == len(prob.layers) + 1:  # scikit-learn's list: X first, its own
                items = [None, *items[1:]]
            outputs += [
                (f"forward's output {i}", o)
                for i, o in enumerate(items)
                if isinstance(o, (torch.Tensor, np.ndarray))
            ]
            inputs += [(f"forward's {n}", v) for n, v in _leaves((*args, None), prob.names)[:-1]]
        for j, (name, o) in enumerate(outputs):
            others = [(f"its input {n}", v) for n, v in inputs if p.decl.protocol != "sgd_step"]
            others += [(f"{n}, another output of the same call", v) for n, v in outputs[:j]]
            others += [(f"{n} returned by {c}", v) for c, n, v, _ in kept]
            for what_, other in others:
                if call_patterns.shares_memory(o, other):
                    raise ParityError(
                        "\n".join(
                            [
                                w.header(name, f"shares memory with {what_}"),
                                "  outputs belong to the caller: an output may share memory "
                                "with no input, no other output and nothing the module keeps",
                                *w.footer(),
                            ]
                        ),
                        compare.ALIASED_OUTPUT,
                        name,
                    )
        for c, name, o, copy in kept:
            compare.expect_same_bits(
                _as_tensor(o),
                copy,
                tensor=name,
                where=dataclasses.replace(where, pattern=f"{c}, then {label}"),
                why=f"returned by {c} changed when the module was called again ({label}): it "
                "is memory the module keeps, not the caller's",
                kind=compare.ALIASED_OUTPUT,
                labels=("now", f"right after {c}"),
            )
        kept += [(label, n, o, _as_tensor(_copy(o))) for n, o in outputs]


def check_order(impl: Implementation, case: NetCase) -> None:
    """Results depend on the call's arguments only: the case's problem on arrays the caller
    keeps, then the other problem's values written into those same arrays in place (as a
    training loop refills its batch and updates its parameters in place), and called again:
    each result must equal, bit for bit, the same call on fresh arrays."""
    net = impl.declared.net
    p = Problem(impl, case, network_cases.inputs(net, case))
    q = Problem(impl, case, network_cases.other(net, case))
    where = _where("order", impl, case)
    fresh_q = call_module(q, where, natives=tuple(_natives(q)))
    kept = _natives(p)
    call_module(p, dataclasses.replace(where, pattern="the case's problem"), natives=tuple(kept))
    for mine, theirs in zip(kept, _natives(q)):
        for (name, a), (_, b) in zip(_leaves(mine, p.names), _leaves(theirs, q.names)):
            if not isinstance(a, (torch.Tensor, np.ndarray)) or tuple(a.shape) != tuple(b.shape):
                raise _fail(
                    where,
                    f"{p.decl.protocol} of {p.impl.name} replaced its input {name} (now "
                    f"{type(a).__name__} {tuple(getattr(a, 'shape', ()))}): a caller's arrays are "
                    "the caller's",
                    compare.MUTATES_INPUT,
                    name,
                )
            call_patterns.copy_into(a, b)
    label = "another problem written in place into the arrays of the case's problem"
    got = call_module(q, dataclasses.replace(where, pattern=label), natives=tuple(kept))
    _expect_same(
        q,
        got,
        fresh_q,
        dataclasses.replace(where, pattern=label),
        f"ignores that its input arrays were written in place ({label})",
        compare.STATEFUL,
        ("refilled arrays", "fresh arrays"),
    )


# --------------------------------------------------------------------------- the list
@dataclasses.dataclass(frozen=True)
class Check:
    name: str
    function: Callable[[Implementation, NetCase], None]
    test: str
    dtypes: tuple[str, ...] | None = None


CHECKS = (
    Check("forward", check_forward, "test_net_forward"),
    Check("backward", check_backward, "test_net_backward"),
    Check("autograd", check_autograd, "test_net_autograd"),
    Check("jvp", check_jvp, "test_net_jvp"),
    Check("vmap", check_vmap, "test_net_vmap"),
    Check("finite-diff", check_finite_differences, "test_net_finite_differences", ("float64",)),
    Check("gradcheck", check_gradcheck, "test_net_gradcheck", ("float64",)),
    Check("kink", check_kink, "test_net_kink"),
    Check("contract", check_contract, "test_net_contract"),
    Check("layout", check_layout, "test_net_layout"),
    Check("ownership", check_ownership, "test_net_ownership"),
    Check("order", check_order, "test_net_order"),
)
BY_NAME = {c.name: c for c in CHECKS}
BY_TEST = {c.test: c for c in CHECKS}


def not_applicable(impl: Implementation, check: str) -> str:
    """Why `check` has nothing to check in this module ("" where it has): such tests are not
    made at all (a check that cannot fail is not counted as passed)."""
    decl = impl.declared
    if check == "kink" and not decl.net.has_kinks:
        return "no ReLU-like layer"
    if check == "forward" and not (decl.has_loss or decl.has_forward):
        return f"{decl.protocol} returns no loss and the module has no forward"
    if check == "finite-diff" and (
        decl.protocol == "sgd_step" or not (decl.has_loss or decl.has_forward)
    ):
        return f"{decl.protocol} gives no loss to difference (no loss returned, no forward)"
    if check == "gradcheck" and not decl.has_loss:
        return f"{decl.protocol} returns no loss for gradcheck to difference"
    if check == "jvp" and decl.protocol == "sgd_step":
        return "sgd_step returns parameters, not a gradient to project"
    return ""


# Finite differences difference the whole loss once per coordinate and bound its truncation by
# third derivatives in forward mode: on networks up to this many parameters (the reference,
# autograd, jvp and vmap hold the larger ones in full).
FD_MAX_PARAMS = 2048


def case_applies(check: str, case: NetCase) -> bool:
    """Whether `check` runs on `case` at all (its size: finite differences and gradcheck
    are for the small networks)."""
    if check == "finite-diff":
        return case.shape.n_params <= FD_MAX_PARAMS
    if check == "gradcheck":
        return case.shape.n_params <= GRADCHECK_MAX_PARAMS
    return True


def sweep(
    impl: Implementation, case_list, only: tuple[str, ...] | None = None, records=None
) -> list:
    """Every applicable check (or those named in `only`) on every case the module supports;
    the failures (`checks.Failure`), in order. For the harness's own tests and catalogues:
    the comparisons go to `records` when given, never to a session's report."""
    import pytest

    from mlp_parity.checks import Failure

    failures = []
    with report.capture() as captured:
        for case in case_list:
            if case.dtype not in impl.dtypes:
                continue
            for check in CHECKS:
                name = check.name
                if only and name not in only:
                    continue
                if check.dtypes and case.dtype not in check.dtypes:
                    continue
                if not_applicable(impl, name) or not case_applies(name, case):
                    continue
                try:
                    run(name, impl, case)
                except ParityError as exc:
                    failures.append(
                        Failure(name, case, str(exc), exc.kind, exc.tensor, impl.name, exc.excess)
                    )
                except pytest.skip.Exception:
                    continue
    if records is not None:
        records.extend(captured)
    return failures
