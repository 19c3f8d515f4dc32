"""Finite differences in float64 of an implementation's own forward, vectorised and kink-aware.

For each parameter tensor, the perturbed parameter sets theta +/- s e_i of the coordinates
under test are evaluated in ONE batched call: `torch.func.vmap` over the perturbations and
over the samples of the implementation's `forward`. An implementation that cannot run under
vmap (NumPy code, data-dependent Python control flow) falls back to a loop, and the outcome
says so.

Kinks: where the +s or -s evaluation flips any ReLU mask (a1 > 0) of any sample relative to
theta's, the central difference mixes two linear pieces; the analytic value is then checked
against the one-sided difference on the side that keeps theta's masks, corrected by its exact
truncation term (see `tolerances.fd_bound`). A coordinate whose both sides flip cannot be
checked by differences at that step; it is counted, never silently dropped. At a1 = 0
exactly, theta's mask is 0, so the side that keeps it is the one where a1 < 0: the one-sided
difference there agrees with ReLU'(0) = 0.

The loss is the batch mean of 1/2 (f_i - y_i)^2, and the analytic gradient the mean of the
implementation's per-sample `backward` at the implementation's own forward outputs: a
backward that disagrees with its own forward fails here even when both differ from the
reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.func import vmap

from mlp_parity import tolerances
from mlp_parity.external import Implementation

TENSORS = ("W1", "b1", "W2", "b2")
MAX_COORDS = 96  # coordinates per tensor; larger tensors get a seeded sample of this many


@dataclass(frozen=True)
class Outcome:
    tensor: str
    coords: np.ndarray  # flat indices checked
    analytic: np.ndarray
    estimate: np.ndarray  # NaN where unverifiable
    allowed: np.ndarray
    one_sided: int
    unverifiable: int
    vectorised: bool


def choose_coords(size: int, rng: np.random.Generator) -> np.ndarray:
    if size <= MAX_COORDS:
        return np.arange(size)
    return np.sort(rng.choice(size, MAX_COORDS, replace=False))


def _forward_loop(impl: Implementation, X, params, which: int, values):
    A1, F = [], []
    for v in values:
        ps = list(params)
        ps[which] = v
        outs = [impl.forward(x, *ps) for x in X]
        A1.append(torch.stack([o[0] for o in outs]))
        F.append(torch.stack([o[2].reshape(()) for o in outs]))
    return torch.stack(A1), torch.stack(F)


def evaluate(impl: Implementation, X, params, which: int, values) -> tuple[np.ndarray, ...]:
    """a1 (M, B, h) and f (M, B) for M parameter sets that differ in tensor `which`."""

    def one(value, x):
        ps = list(params)
        ps[which] = value
        a1, _, f = impl.forward(x, *ps)
        return a1, f.reshape(())

    vectorised = impl.kind == "torch"
    if vectorised:
        try:
            A1, F = vmap(vmap(one, in_dims=(None, 0)), in_dims=(0, None))(values, X)
        except Exception:  # not vmappable: fall back to a loop, and say so
            vectorised = False
    if not vectorised:
        A1, F = _forward_loop(impl, X, params, which, values)
    return A1.cpu().numpy(), F.cpu().numpy(), vectorised


def _loss_and_bound(A1, F, X, Y, p64, which: int, values: np.ndarray):
    """Batch-mean loss and its rounding bound at every parameter set (leading axis M)."""
    ps = [np.broadcast_to(p, (values.shape[0], *p.shape)) for p in p64]
    ps[which] = values
    W1, b1, W2, b2 = (p[:, np.newaxis] for p in ps)  # broadcast over samples
    H = np.maximum(A1, 0.0)
    e = tolerances.forward_bounds(X, W1, b1, W2, b2, Y, H, "float64")
    R = F - Y
    B = X.shape[0]
    L = np.mean(0.5 * R * R, axis=-1)
    e_L = np.mean(e["loss"], axis=-1) + tolerances.gamma(B, "float64") * L
    return L, e_L, e["f"]


def check_tensor(impl, X, Y, params, which: int, base, analytic, e_grad, rng) -> Outcome:
    """Difference quotients of the batch-mean loss for the chosen coordinates of one tensor."""
    p64 = [p.cpu().numpy() for p in params]
    theta = p64[which].reshape(-1)
    coords = choose_coords(theta.size, rng)
    s = tolerances.fd_step(theta[coords])
    up, down = theta[coords] + s, theta[coords] - s
    s_up, s_down = up - theta[coords], theta[coords] - down  # exact steps
    values = np.repeat(p64[which].reshape(1, -1), 2 * coords.size, axis=0)
    k = np.arange(coords.size)
    values[k, coords], values[coords.size + k, coords] = up, down
    values = values.reshape(2 * coords.size, *p64[which].shape)
    device = params[0].device
    A1, F, vectorised = evaluate(impl, X, params, which, torch.from_numpy(values).to(device))
    # the module's outputs may hold inf or NaN (a wrong module's): the harness's arithmetic on
    # them is done without warnings, which a filterwarnings = error would turn into an error
    # of the harness; the comparison then fails on them as it should
    with np.errstate(all="ignore"):
        return _differences(
            A1,
            F,
            vectorised,
            X,
            Y,
            p64,
            which,
            base,
            coords,
            s_up,
            s_down,
            values,
            analytic,
            e_grad,
        )


def _differences(
    A1, F, vectorised, X, Y, p64, which, base, coords, s_up, s_down, values, analytic, e_grad
) -> Outcome:
    A1_0, F_0 = base
    Xn, Yn = X.cpu().numpy(), Y.cpu().numpy()
    L, e_L, e_f = _loss_and_bound(A1, F, Xn, Yn, p64, which, values)
    L0, e_L0, e_f0 = _loss_and_bound(A1_0[None], F_0[None], Xn, Yn, p64, which, p64[which][None])
    n = coords.size
    mask0 = A1_0 > 0
    flip_up = np.any((A1[:n] > 0) != mask0, axis=(1, 2))
    flip_down = np.any((A1[n:] > 0) != mask0, axis=(1, 2))
    dF_up, dF_down = F[:n] - F_0, F[n:] - F_0
    central = (L[:n] - L[n:]) / (s_up + s_down)
    forward_ = (L[:n] - L0 - np.mean(0.5 * dF_up**2, axis=1)) / s_up
    backward_ = (L0 - L[n:] + np.mean(0.5 * dF_down**2, axis=1)) / s_down
    estimate = np.where(
        flip_up, np.where(flip_down, np.nan, backward_), np.where(flip_down, forward_, central)
    )
    g = analytic.reshape(-1)[coords]
    eg = np.broadcast_to(e_grad, analytic.shape).reshape(-1)[coords]
    # one-sided: the Delta f^2 correction is off by at most |Delta f| (e_f(a) + e_f(b)) / s
    corr_up = np.mean(np.abs(dF_up) * (e_f[:n] + e_f0), axis=1)
    corr_down = np.mean(np.abs(dF_down) * (e_f[n:] + e_f0), axis=1)
    allowed = np.where(
        flip_up,
        tolerances.fd_bound(e_L0, e_L[n:] + corr_down, s_down, eg),
        np.where(
            flip_down,
            tolerances.fd_bound(e_L[:n] + corr_up, e_L0, s_up, eg),
            tolerances.fd_bound(e_L[:n], e_L[n:], s_up + s_down, eg),
        ),
    )
    return Outcome(
        tensor=TENSORS[which],
        coords=coords,
        analytic=g,
        estimate=estimate,
        allowed=allowed,
        one_sided=int(np.sum(flip_up ^ flip_down)),
        unverifiable=int(np.sum(flip_up & flip_down)),
        vectorised=vectorised,
    )
