"""Training a declared network: the module's gradients (or its own sgd_step) drive SGD for a
few epochs, checked against the float64 reference trajectory at every update, with the
first step that leaves it named.

A gradient can be right at one point and still carry something from one step to the next (a
cache keyed by the parameters' address, an accumulator, an update applied twice): only a
trajectory shows it. The problem: N = 12 samples of width d = 3, hidden width 4 per layer,
the declaration's k, float32, lr = 2^-k (`step_size`), three epochs; per-sample code takes the
samples in order, batched code batches of 5, 5 and 2 (1/B inexact but for none).

Allowed error: a running bound, step by step, from the layered bounds with the parameters'
own error carried in (`tolerances.layers`, `e_params`). With e_0 = 0 and theta_k the
reference's,
    e_{k+1} = e_k + lr E_g(theta_k, e_k) + u2 (|theta_{k+1}| + lr |g_k| + lr E_g) + 2 eta,
E_g the gradient's allowed error at parameters known to within e_k (the step's update
theta - lr g is one rounding, lr a power of two). Worst case, it grows with every step, but
over 36 steps from float32's unit roundoff it stays far below what a wrong step does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from mlp_parity import compare, door, network_cases
from mlp_parity.cases import round_to
from mlp_parity.declaration import Network
from mlp_parity.external import Implementation, ImplementationCrash
from mlp_parity.network_checks import step_bound
from mlp_parity.reference import network as refnet
from mlp_parity.tolerances.layers import Sides, layer_bounds

N, D, WIDTH, EPOCHS, BATCH = 12, 3, 4, 3, 5
LR = 2.0**-4  # the largest step tried; `step_size` halves it where training would diverge
DTYPE = "float32"


@dataclass(frozen=True)
class Step:
    epoch: int
    samples: tuple[int, ...]


def problem(net: Network):
    """(X (N, d), Y (N, k), start layers) in float64, exact in float32."""
    depth = net.depths[min(1, len(net.depths) - 1)]
    k = 1 if net.targets == "flat" else net.output_counts[-1]
    rng = np.random.default_rng([42, depth, k])
    widths = (D, *([WIDTH] * depth), k)
    X = round_to(rng.standard_normal((N, D)), DTYPE)
    Y = round_to(
        network_cases.targets(net, network_cases.Arch(D, widths[1:-1], k, N), 42, rng), DTYPE
    )
    layers = []
    for i in range(len(widths) - 1):
        W = round_to(rng.standard_normal((widths[i + 1], widths[i])) / np.sqrt(widths[i]), DTYPE)
        b = round_to(0.1 * rng.standard_normal(widths[i + 1]), DTYPE) if net.bias else None
        layers.append((W, b))
    return X, Y, layers


def schedule(net: Network) -> list[Step]:
    steps = []
    for epoch in range(EPOCHS):
        if net.per_sample:
            steps += [Step(epoch, (i,)) for i in range(N)]
        else:
            steps += [Step(epoch, tuple(range(s, min(s + BATCH, N)))) for s in range(0, N, BATCH)]
    return steps


def _flat(layers) -> list[np.ndarray]:
    return [a for W, b in layers for a in (W, b) if a is not None]


def _layers(params: list[np.ndarray], bias: bool):
    step = 2 if bias else 1
    return [(params[i], params[i + 1] if bias else None) for i in range(0, len(params), step)]


def step_size(net: Network) -> float:
    """lr = 2^-k, k >= 4: the largest for which the float64 trajectory stays finite and its
    parameters within 8 (|theta_0| + 1) (a step too large for the problem, a sum over the
    batch with a squared loss in a linear network, say, makes SGD diverge, and a diverging
    run compares nothing)."""
    X, Y, layers = problem(net)
    start = max(float(np.abs(a).max(initial=0.0)) for a in _flat(layers))
    for k in range(4, 16):
        lr = 2.0**-k
        thetas = [_flat(layers)]
        with np.errstate(all="ignore"):
            for step in schedule(net):
                idx = list(step.samples)
                tr = refnet.trace(net, _layers(thetas[-1], net.bias), X[idx], Y[idx])
                grads = [
                    g for pair in refnet.gradients(tr, net.bias) for g in pair if g is not None
                ]
                thetas.append([t - lr * g for t, g in zip(thetas[-1], grads)])
        top = max(float(np.max(np.abs(a))) for theta in thetas for a in theta)
        if np.isfinite(top) and top <= 8 * (start + 1):
            return lr
    return 2.0**-16


def reference(net: Network, lr: float):
    """The float64 trajectory (theta after every step, as flat parameter lists) and the
    allowed error of each."""
    X, Y, layers = problem(net)
    sides = Sides(DTYPE)
    thetas, errors = [_flat(layers)], [[np.zeros_like(a) for a in _flat(layers)]]
    for step in schedule(net):
        idx = list(step.samples)
        lay = _layers(thetas[-1], net.bias)
        e_params = _layers(errors[-1], net.bias)
        e_params = [(eW, eb if eb is not None else None) for eW, eb in e_params]
        tr = refnet.trace(net, lay, X[idx], Y[idx])
        with np.errstate(all="ignore"):
            b = layer_bounds(net, lay, X[idx], Y[idx], tr, sides, e_params=e_params)
        grads = [g for pair in refnet.gradients(tr, net.bias) for g in pair if g is not None]
        e_g = [e for pair in zip(b.dW, b.db) for e in pair if e is not None]
        new = [t - lr * g for t, g in zip(thetas[-1], grads)]
        err = [
            e + step_bound(t, g, eg, lr, sides)
            for e, eg, t, g in zip(errors[-1], e_g, thetas[-1], grads)
        ]
        thetas.append(new)
        errors.append(err)
    return thetas, errors


def run_module(impl: Implementation, lr: float):
    """The module's trajectory: its gradients applied by the harness (theta - lr g in
    float32), or its own sgd_step."""
    decl = impl.declared
    net = decl.net
    X, Y, layers = problem(net)
    dt = torch.float32
    params = [torch.tensor(a, dtype=dt) for a in _flat(layers)]
    Xt, Yt = torch.tensor(X, dtype=dt), torch.tensor(Y, dtype=dt)
    names = door.param_names(len(layers), net.bias)
    shapes = door.user_shapes((D, *([WIDTH] * (len(layers) - 1)), Y.shape[1]), net)
    out = [[p.double().numpy() for p in params]]
    for k, step in enumerate(schedule(net)):
        idx = list(step.samples)
        lay = _layers(params, net.bias)
        native = door.user_params(lay, net)
        x, y = door.data_args(Xt[idx], Yt[idx], net)
        extra = (lr,) if decl.protocol == "sgd_step" else ()
        where = f"step {k + 1} (epoch {step.epoch + 1}, samples {idx[0]}-{idx[-1]})"
        try:
            with door.numpy_warnings_ignored():
                raw = impl.call_raw(decl.protocol, native, x, y, *extra)
        except ImplementationCrash as exc:
            from mlp_parity.checks import _CRASH_KINDS

            kind = _CRASH_KINDS.get(type(exc), compare.CRASH)  # global-state, NumPy outputs
            raise compare.ParityError(f"training check failed at {where}: {exc}", kind) from None
        try:
            if decl.protocol == "loss_and_grads":
                raw = door.split_loss_and_grads(raw)[1]
            if decl.protocol == "sgd_step" and raw is None:
                raw = native
            got = door.grads_list(raw, names, net, decl.protocol)
        except door.FormError as exc:
            raise compare.ParityError(
                f"training check failed at {where}: {exc}", exc.kind
            ) from None
        new = []
        for j, (g, shape) in enumerate(zip(got, shapes)):
            g = door.as_tensor(g, params[0])
            if not isinstance(g, torch.Tensor) or tuple(g.shape) != shape:
                raise compare.ParityError(
                    f"training check failed at {where}: {names[j]} came back as "
                    f"{getattr(g, 'shape', type(g).__name__)}, expected {shape}",
                    compare.SHAPE,
                )
            g = door.canonical_grad(g.to(dt), j, net)
            new.append(g.clone() if decl.protocol == "sgd_step" else params[j] - lr * g)
        params = new
        out.append([p.double().numpy() for p in params])
    return out


def expect_trajectory(impl: Implementation) -> None:
    net = impl.declared.net
    lr = step_size(net)
    thetas, errors = reference(net, lr)
    got = run_module(impl, lr)
    names = door.param_names(len(thetas[0]) if not net.bias else len(thetas[0]) // 2, net.bias)
    steps = schedule(net)
    for k in range(1, len(thetas)):
        for j, (a, e, tol) in enumerate(zip(got[k], thetas[k], errors[k])):
            err = np.where(np.isfinite(a), np.abs(a - e), np.inf)
            if np.all(err <= tol):
                continue
            i = np.unravel_index(int(np.argmax(err - tol)), a.shape)
            step = steps[k - 1]
            history = ", ".join(
                f"{float(np.abs(got[s][j] - thetas[s][j])[i]):.3g}" for s in range(max(1, k - 4), k)
            )
            idx = door.user_index([int(v) for v in i], j, net)
            raise compare.ParityError(
                "\n".join(
                    [
                        f"training check failed: {impl.name}'s trajectory leaves the float64 "
                        f"reference at step {k} (epoch {step.epoch + 1}, samples "
                        f"{step.samples[0]}-{step.samples[-1]})",
                        f"  {names[j]}{idx} after the step: {float(a[i])!r}, reference {float(e[i])!r}",
                        f"  error {float(err[i]):.3g}, allowed {float(tol[i]):.3g} (the bound carried "
                        "through every step so far)",
                        f"  its error over the steps before: {history or 'none'}",
                        f"  problem: N={N}, d={D}, hidden width {WIDTH}, {DTYPE}, lr=2^{int(np.log2(lr))}, "
                        f"{EPOCHS} epochs, {'one sample' if net.per_sample else 'batches of 5'} per step",
                    ]
                ),
                compare.TRAJECTORY,
                names[j],
            )
