"""Error bounds of a declared network, carried through the layers beside the reference.

A running error bound (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed.,
sec. 3.1 and the running error analysis of sec. 3.3): every intermediate x of the forward and
backward passes gets e_x >= |x^ - x|, where x^ is what ANY correct formulation computes in
the dtype under test from the same exactly representable inputs and x is the exact value,
computed here in float64 with the magnitudes it is formed from. `bound(n, S)` of
`per_sample` is the error of a result of n roundings formed from a magnitude S, on both sides
of the comparison (the module in its dtype, the float64 reference), with gradual underflow's
absolute floor n eta. Errors already made are propagated by the magnitudes they meet:

forward, layer l (n_{l-1} + 1 terms; the computed h_{l-1} within e_h of h_{l-1}):
    M_a = |W| (|h| + e_h) + |b|
    e_a = bound(n_{l-1} + 1, M_a) + |W| e_h                          (Higham 3.5 with an
          inexact h, as in `per_sample.forward_bounds`, which is the depth-1 case)
    e_h' = sup |sigma'| on [a - e_a, a + e_a] * e_a + own error of sigma (`functions`)
          (ReLU of an a^ certainly <= 0 is exactly 0: its e_h is 0)
loss (per sample, per output, r = f - y formed in one rounding from the computed f):
    e_r = e_f + u2 (|f| + |y| + e_f)
    half_squared: |r^2/2 - r~^2/2| <= e_r (2 |r| + e_r) / 2, plus 2 roundings of (|r| + e_r)^2/2
    squared:      e_r (2 |r| + e_r), plus 1 rounding of (|r| + e_r)^2
    then the sums over k and B (k B + 2 roundings with the factors c_k, c_B)
backward, from the top (`functions.derivative_error` for sigma'):
    g_{L+1} = c_k loss'(r) sigma_out'(a):  e = c (|s'| e_r + (|r| + e_r) e_s') + 4 roundings
    dW_l (sample b) = g h^T:  e = (|g| + e_g) e_h + e_g |h| + 1 rounding of (|g|+e_g)(|h|+e_h)
    dW_l (reduced) = c_B sum_b:  the samples' errors plus B + 2 roundings of their magnitudes
    g_h = W^T g:  e = bound(n_l, |W|^T (|g| + e_g)) + |W|^T e_g
    g_{l-1} = g_h * sigma'(a_{l-1}):  e = |s'| e_gh + (|g_h| + e_gh) e_s' + 1 rounding
The rounding counts are upper bounds for every order of operations and every place the
factors c_k, c_B (exact or not: 1/B costs two roundings, 1/B then the product) are applied.

Exact zeros. An activation is exactly 0, in every order of summation and every precision,
where all its terms but at most two are exact zeros and those two are exact in the dtype and
cancel (`cases` builds such kinks: x = 2^k e_1, b_j = -W_j1 2^k), or where all of them are
(a zero row and a zero bias; a unit fed only by units that ReLU zeroes for certain). There
its error is 0, so ReLU'(0) is decidable: the declared value is held exactly.

Parameter errors (`e_params`, the training check: a trajectory's parameters already differ
from the reference's) enter as |h| e_W + e_b in every a, and as e_W^T |g| in every g_h.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlp_parity import functions
from mlp_parity.declaration import Network
from mlp_parity.reference.network import Layer, Trace
from mlp_parity.tolerances.per_sample import FORMATS, gamma, smallest_subnormal, unit_roundoff


@dataclass(frozen=True)
class Sides:
    """The two computations a comparison holds against each other: the module in `dtype`
    and an oracle in `other` (float64 for the reference, the same dtype for autograd)."""

    dtype: str
    other: str = "float64"

    @property
    def u(self) -> float:
        return unit_roundoff(self.dtype) + unit_roundoff(self.other)

    @property
    def eta(self) -> float:
        return smallest_subnormal(self.dtype) + smallest_subnormal(self.other)

    def bound(self, n: int, magnitude) -> np.ndarray:
        return (gamma(n, self.dtype) + gamma(n, self.other)) * np.asarray(magnitude) + n * self.eta


@dataclass(frozen=True)
class Bounds:
    """Allowed errors of every intermediate and result, per element (float64 arrays).

    a, h: per layer l = 1 ... L+1, (B, n_l); h[-1] is f.  loss_sample: (B,) the loss of each
    sample alone (per-sample code); loss: the reduced loss.  dW_sample, db_sample: (B, ...)
    the gradient of each sample's loss; dW, db: of the reduced loss.  exact: (B, n_l) where
    the activation is exactly 0 by construction.  peak: the largest magnitude any
    intermediate reaches (any order of operations), for the case generator's ceilings."""

    a: list[np.ndarray]
    h: list[np.ndarray]
    loss_sample: np.ndarray
    loss: float
    dW_sample: list[np.ndarray]
    db_sample: list[np.ndarray | None]
    dW: list[np.ndarray]
    db: list[np.ndarray | None]
    exact: list[np.ndarray]
    peak: float
    magnitude_W: list[np.ndarray]  # (B, n_l, n_{l-1}): what each sample's dW is formed from
    magnitude_b: list[np.ndarray]


def _exact_first(W: np.ndarray, b: np.ndarray | None, X: np.ndarray, dtype: str) -> np.ndarray:
    """(B, n): a_1 = W x + b is exactly 0 for every order of summation: at most two non-zero
    terms (products W_jk x_k, and b_j), each exact in the dtype and in float64, summing to 0."""
    from mlp_parity.cases import round_to

    T = W[None, :, :] * X[:, None, :]  # (B, n, d), exact in float64 for dtype < float64
    terms = (
        [T] if b is None else [T, np.broadcast_to(b[None, :, None], (X.shape[0], W.shape[0], 1))]
    )
    T = np.concatenate(terms, axis=2)
    exact = round_to(T, dtype) == T
    if dtype == "float64":  # a product of float64 numbers is exact where x_k is a power of 2
        _, expo = np.frexp(np.abs(X))
        pow2 = (np.abs(X) == np.ldexp(0.5, expo)) | (X == 0)
        pow2 = (
            np.concatenate([pow2, np.ones((X.shape[0], 1), bool)], axis=1)
            if b is not None
            else pow2
        )
        exact &= pow2[:, None, :]
    nonzero = T != 0
    few = nonzero.sum(axis=2) <= 2
    cancel = np.sum(np.where(nonzero, T, 0.0), axis=2) == 0
    return few & cancel & np.all(exact | ~nonzero, axis=2)


def _exact_deeper(W: np.ndarray, b: np.ndarray | None, zero_h: np.ndarray) -> np.ndarray:
    """(B, n): every term W_jk h_k is an exact 0 (W_jk = 0 or h_k exactly 0) and b_j = 0."""
    live = (W[None, :, :] != 0) & ~zero_h[:, None, :]
    out = ~live.any(axis=2)
    return out if b is None else out & (b[None, :] == 0)


def layer_bounds(
    net: Network,
    layers: list[Layer],
    X: np.ndarray,
    Y: np.ndarray,
    tr: Trace,
    sides: Sides,
    e_params: list[tuple[np.ndarray, np.ndarray | None]] | None = None,
    loss_only: bool = False,
    acts=None,
) -> Bounds:
    """Every allowed error of the declared network on (layers, X, Y), per element
    (`loss_only`: the forward's and the loss's; the gradients' left empty; `acts`: the
    activations, where not the declaration's)."""
    acts = acts or net.activations(len(layers) - 1)
    u2, eta = sides.u, sides.eta
    B = X.shape[0]
    e_params = e_params or [
        (np.zeros_like(W), None if b is None else np.zeros_like(b)) for W, b in layers
    ]

    # ---- forward
    e_a, e_h, exact, zero_h = [], [np.zeros_like(X)], [], np.zeros(X.shape, bool)
    peak = float(np.abs(X).max(initial=0.0))
    for l, ((W, b), (eW, eb), act) in enumerate(zip(layers, e_params, acts)):
        h, eh = tr.H[l], e_h[-1]
        habs = np.abs(h) + eh
        M = habs @ np.abs(W).T + (np.abs(b) if b is not None else 0.0)
        n = W.shape[1] + (b is not None)
        e = sides.bound(n, M) + eh @ np.abs(W).T + habs @ eW.T + (eb if eb is not None else 0.0)
        if l == 0:
            ex = _exact_first(W, b, X, sides.dtype) & _exact_first(W, b, X, sides.other)
        else:
            ex = _exact_deeper(W, b, zero_h)
        ex &= ~np.any(eW != 0, axis=1)[None, :] if np.any(eW) else True
        e = np.where(ex, 0.0, e)
        a = tr.A[l]
        assert act.lipschitz is not None
        own = functions.own_error(act, act.f(a), u2, eta)
        h_next = act.lipschitz(a, e) * e + np.where(ex & (act.f(np.zeros(1))[0] == 0), 0.0, own)
        zero_h = (act.slope == 0.0) & (act.curvature is None) & ((a + e <= 0) | ex)
        zero_h |= ex & (act.f(np.zeros(1))[0] == 0)
        h_next = np.where(zero_h, 0.0, h_next)
        e_a.append(e)
        e_h.append(h_next)
        exact.append(ex)
        peak = max(peak, float(M.max(initial=0.0)), float(np.abs(a).max(initial=0.0)))

    # ---- loss, and the gradient at the output's pre-activation (per head: `_head`)
    k = tr.H[-1].shape[1]
    c_B, c_k = tr.c_B, tr.c_k
    e_ell, mag_ell, e_g, g_mag = _head(net, tr, acts[-1], e_a[-1], e_h[-1], exact[-1], Y, sides)
    pen = _penalty(net, layers, e_params, B, sides)
    pen1 = _penalty(net, layers, e_params, 1, sides)
    loss_sample = c_k * (np.sum(e_ell, axis=1) + sides.bound(k + 1, np.sum(mag_ell, axis=1)))
    loss_sample = (
        loss_sample + pen1.e_value + sides.u * (c_k * np.sum(mag_ell, axis=1) + pen1.value)
    )
    loss = c_B * (np.sum(loss_sample - pen1.e_value) + sides.bound(B + 2, c_k * np.sum(mag_ell)))
    loss = loss + pen.e_value + sides.u * (c_B * c_k * np.sum(mag_ell) + pen.value)
    peak = max(peak, float(np.max(mag_ell, initial=0.0)) * k * B, float(np.max(g_mag, initial=0.0)))
    peak = max(peak, pen.peak, pen.value)

    if loss_only:
        return Bounds(e_a, e_h[1:], loss_sample, float(loss), [], [], [], [], exact, peak, [], [])

    # ---- backward
    dW_s, db_s, dW, db, mW, mb = [], [], [], [], [], []
    for l in range(len(layers) - 1, -1, -1):
        W, b = layers[l]
        eW, _ = e_params[l]
        g = tr.G[l]
        h, eh = tr.H[l], e_h[l]
        gabs = np.abs(g) + e_g
        habs = np.abs(h) + eh
        mag_W = gabs[:, :, None] * habs[:, None, :]
        e_W = gabs[:, :, None] * eh[:, None, :] + e_g[:, :, None] * np.abs(h)[:, None, :]
        e_W = e_W + sides.bound(1, mag_W)
        (pW, epW), (pb, epb) = pen.grads[l], pen.grads_b[l]
        (pW1, epW1), (pb1, epb1) = pen1.grads[l], pen1.grads_b[l]
        # the penalty's gradient added: its own bound, and one rounding of the sum
        dW_s.insert(0, e_W + epW1 + sides.u * (mag_W + pW1))
        mW.insert(0, mag_W + pW1)
        e_red = c_B * (e_W.sum(axis=0) + sides.bound(B + 2, mag_W.sum(axis=0)))
        dW.insert(0, e_red + epW + sides.u * (c_B * mag_W.sum(axis=0) + pW))
        if b is not None:
            db_s.insert(0, e_g + epb1 + sides.u * (gabs + pb1))
            mb.insert(0, gabs + pb1)
            e_red = c_B * (e_g.sum(axis=0) + sides.bound(B + 2, gabs.sum(axis=0)))
            db.insert(0, e_red + epb + sides.u * (c_B * gabs.sum(axis=0) + pb))
        else:
            db_s.insert(0, None)
            mb.insert(0, None)
            db.insert(0, None)
        peak = max(peak, float(mag_W.sum(axis=0).max(initial=0.0)), float(gabs.max(initial=0.0)))
        if l == 0:
            break
        # g_h = W^T g, then g_{l-1} = g_h * sigma'(a_{l-1})
        M = gabs @ np.abs(W)
        e_gh = sides.bound(W.shape[0], M) + e_g @ np.abs(W) + gabs @ eW
        gh = g @ W
        act = acts[l - 1]
        ds = act.df(tr.A[l - 1])
        e_ds = functions.derivative_error(act, tr.A[l - 1], e_a[l - 1], exact[l - 1], u2)
        ghabs = np.abs(gh) + e_gh
        e_g = np.abs(ds) * e_gh + ghabs * e_ds + sides.bound(1, ghabs * (np.abs(ds) + e_ds))
        e_g = np.where((np.abs(ds) == 0) & (e_ds == 0), 0.0, e_g)  # a dead unit: exactly 0
        peak = max(peak, float(M.max(initial=0.0)))
    return Bounds(
        a=e_a,
        h=e_h[1:],
        loss_sample=loss_sample,
        loss=float(loss),
        dW_sample=dW_s,
        db_sample=db_s,
        dW=dW,
        db=db,
        exact=exact,
        peak=peak,
        magnitude_W=mW,
        magnitude_b=mb,
    )


def _head(net: Network, tr: Trace, out, e_a, e_f, exact, Y, sides: Sides):
    """(e_ell, mag_ell, e_g, g_mag), (B, k) each: the allowed error of the loss's
    per-output terms and what they are formed from, and of g_{L+1} = d ell / d a_{L+1}.

    half_squared, squared (r = f - y, one rounding from the computed f):
        |r^2/2 - r~^2/2| <= e_r (2 |r| + e_r) / 2, plus 2 roundings of (|r| + e_r)^2 / 2;
        g = c k' r sigma'(a): e = c (|s'| e_r + (|r| + e_r) e_s') plus 4 roundings.
    softmax_cross_entropy (p = softmax(a) with the row maximum subtracted; t the targets):
        a change of at most e in every logit changes each p_k by a factor in [e^-2e, e^2e],
        and the computation itself (k exps of error c_exp u, their sum, a division) adds
        (k + c_exp + 2) u relative: e_p = p ((e^2e - 1) + (k + c_exp + 2) u), and at most
        1 + (k + c_exp + 2) u, since any computed p lies in [0, 1] up to those roundings;
        g = c_k (p sum(t) - t): e = c_k (sum(t) e_p) plus 2 roundings;
        -t log p = t (LSE(a) - a): LSE moves by at most max e_a and is computed to within
        (k + c_exp + 1) u + c_log u |log S| + u |LSE| (Higham's logsumexp); the term adds
        t (e_LSE + e_a) and 2 roundings. A formulation that exponentiates a raw logit
        overflows past log(max finite) (88.7 in float32): outside, by design.
    bce (p = sigmoid(a)):
        g = c_k (p - y): e = c_k (e_p + 2 roundings), e_p = sigma's own error + sup sigma' e_a;
        ell = softplus(a) - y a: moves by at most (|p - y| + sup sigma' e_a) e_a and is
        computed within (c_exp + c_log1p + 3) u (softplus + |y a|); -log(sigma(a)) written
        through probabilities cancels where sigma(a) rounds to 1: outside, by design.
    With `clip`, the loss's probabilities are clipped to [clip, 1 - clip] (the gradient is
    the unclipped one): log p then moves by at most e_p / max(p, clip)."""
    a = tr.A[-1]
    f = tr.H[-1]
    u2 = sides.u
    k = f.shape[1]
    c_k = tr.c_k
    if net.loss in ("half_squared", "squared"):
        r = f - Y
        e_r = e_f + u2 * (np.abs(f) + np.abs(Y) + e_f)
        rr = np.abs(r) + e_r
        if net.loss == "half_squared":
            e_ell, mag_ell, n_ell, factor = e_r * (2 * np.abs(r) + e_r) / 2, rr * rr / 2, 2, 1.0
        else:
            e_ell, mag_ell, n_ell, factor = e_r * (2 * np.abs(r) + e_r), rr * rr, 1, 2.0
        e_ell = e_ell + sides.bound(n_ell, mag_ell)
        ds = out.df(a)
        e_ds = functions.derivative_error(out, a, e_a, exact, u2)
        c = c_k * factor
        g_mag = c * rr * (np.abs(ds) + e_ds)
        e_g = c * (np.abs(ds) * e_r + rr * e_ds) + sides.bound(4, g_mag)
        return e_ell, mag_ell, e_g, g_mag
    c_exp, c_log = LIBRARY["exp"], LIBRARY["log"]
    if net.loss == "softmax_cross_entropy":
        p = functions.softmax(a)
        e_max = np.max(e_a, axis=1, keepdims=True)
        with np.errstate(over="ignore"):
            rel = np.expm1(np.minimum(2 * e_max, 700.0)) + (k + c_exp + 2) * u2
        # every sound formulation gives a computed p in [0, 1] (each e^(a - max) in [0, 1],
        # their sum at least 1) up to its roundings: an error past 1 says nothing more
        e_p = np.minimum(p * rel, 1.0 + (k + c_exp + 2) * u2)
        S = np.sum(Y, axis=1, keepdims=True)
        g_mag = c_k * (p * S + np.abs(Y) + S * e_p)
        e_g = c_k * S * e_p + sides.bound(2, g_mag)
        m = np.max(a, axis=1, keepdims=True)
        lse = m + np.log(np.sum(np.exp(a - m), axis=1, keepdims=True))
        e_lse = e_max + (k + c_exp + 1) * u2 + c_log * u2 * np.abs(lse - m) + u2 * np.abs(lse)
        mag_ell = np.abs(Y) * (np.abs(lse) + np.abs(a))
        if net.clip:
            pc = np.maximum(p, net.clip)
            e_ell = np.abs(Y) * (e_p / pc + c_log * u2 * np.abs(np.log(pc)))
            e_ell = e_ell + np.abs(Y) * _clip_rounding(net.clip, p, sides.dtype)
            mag_ell = np.abs(Y) * np.abs(np.log(pc))
        else:
            e_ell = np.abs(Y) * (e_lse + e_a)
        return e_ell + sides.bound(2, mag_ell), mag_ell, e_g, g_mag
    # bce
    p = out.f(a)
    assert out.lipschitz is not None
    slope = out.lipschitz(a, e_a)
    e_p = functions.own_error(out, p, u2, sides.eta) + slope * e_a
    g_mag = c_k * (p + np.abs(Y) + e_p)
    e_g = c_k * e_p + sides.bound(2, g_mag)
    soft = np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a)))
    mag_ell = soft + np.abs(Y * a)
    if net.clip:
        pc = np.clip(p, net.clip, 1.0 - net.clip)
        e_ell = np.abs(Y) * e_p / pc + np.abs(1.0 - Y) * e_p / (1.0 - pc)
        e_ell = e_ell + c_log * u2 * (np.abs(Y * np.log(pc)) + np.abs((1.0 - Y) * np.log1p(-pc)))
        e_ell = e_ell + (np.abs(Y) + np.abs(1.0 - Y)) * _clip_rounding(net.clip, p, sides.dtype)
        mag_ell = np.abs(Y * np.log(pc)) + np.abs((1.0 - Y) * np.log1p(-pc))
    else:
        e_ell = (np.abs(p - Y) + slope * e_a) * e_a
        e_ell = e_ell + (c_exp + LIBRARY["log1p"] + 3) * u2 * mag_ell
    return e_ell + sides.bound(2, mag_ell), mag_ell, e_g, g_mag


def _clip_rounding(clip: float, p: np.ndarray, dtype: str) -> np.ndarray:
    """Where a clip may bind, the code clips at the dtype's own clip and 1 - clip (1e-7 is
    1.19e-7 in float16, and 1 - 1e-7 is 1): the log of either bound moves by as much."""
    from mlp_parity.cases import round_to

    lo, hi = float(round_to(np.array(clip), dtype)), float(round_to(np.array(1.0 - clip), dtype))
    with np.errstate(divide="ignore"):
        d_lo = abs(np.log(max(lo, 1e-300)) - np.log(clip))
        d_hi = abs(np.log1p(-min(hi, 1.0 - 1e-300)) - np.log1p(-(1.0 - clip)))
    near = (p <= max(lo, clip)) | (p >= min(hi, 1.0 - clip))
    return np.where(near, d_lo + d_hi, 0.0)


# The relative error, in units of u, of the library functions the heads use: measured over
# every float16 and bfloat16 number and a dense float32 sweep (tests/test_functions.py:
# exp 1.05 u, log 1.38 u, log1p 2 u), rounded up.
LIBRARY = {"exp": 1.5, "log": 1.5, "log1p": 2.0}


@dataclass(frozen=True)
class PenaltyBounds:
    value: float  # |P| (for the rounding of its sum with the data loss)
    e_value: float
    grads: list  # per layer (|dP/dW|, its allowed error)
    grads_b: list  # per layer (|dP/db|, its allowed error)
    peak: float = 0.0  # the largest sum of W^2 or |W| it is formed from


def _penalty(net: Network, layers, e_params, B: int, sides: Sides) -> PenaltyBounds:
    """P = s (lambda_2 c_2 sum W^2 + lambda_1 c_1 sum |W|) over N weights: N + 4 roundings
    of its magnitude (the sums, lambda, c, s = 1/B), and the parameters' own errors e_W
    (training) times |dP/dW|; dP/dW = s (2 c_2 lambda_2 W + c_1 lambda_1 sign W): 4
    roundings, plus s 2 c_2 lambda_2 e_W (and the jump 2 s c_1 lambda_1 of sign where W may
    have either sign)."""
    pen = net.penalty
    zeros = [(0.0, 0.0)] * len(layers)
    if pen is None:
        return PenaltyBounds(0.0, 0.0, zeros, zeros, 0.0)
    s = 1.0 / B if pen.per_sample else 1.0
    c2 = 0.5 if pen.l2_form == "half" else 1.0
    c1 = 0.5 if pen.l1_form == "half" else 1.0
    value, e_value, grads, grads_b, n, peak = 0.0, 0.0, [], [], 0, 0.0
    for (W, b), (eW, eb) in zip(layers, e_params):
        out = []
        for p, e, on in ((W, eW, True), (b, eb, pen.biases)):
            if p is None or not on:
                out.append((0.0, 0.0))
                continue
            e = 0.0 if e is None else e
            n += p.size
            mag = s * (pen.l2 * c2 * p * p + pen.l1 * c1 * np.abs(p))
            # the sums sum W^2 and sum |W| before lambda multiplies them: the largest partial
            peak = max(peak, float(np.sum(p * p)), float(np.sum(np.abs(p))))
            value += float(mag.sum())
            g = s * (2 * c2 * pen.l2 * np.abs(p) + c1 * pen.l1 * (p != 0))
            e_value += float(np.sum(g * e))
            # sign(W) may have flipped only where W's own error reaches across 0 (a weight
            # exactly 0 with no error has sign 0, the declared subgradient, held exactly);
            # with subgradient "any", any value in [-c lambda, c lambda] at W = 0
            jump = np.where(np.abs(p) < e, 2 * s * c1 * pen.l1, 0.0)
            if pen.subgradient == "any":
                jump = jump + np.where(p == 0, s * c1 * pen.l1, 0.0)
            out.append((g, sides.bound(4, g) + s * 2 * c2 * pen.l2 * e + jump))
        grads.append(out[0])
        grads_b.append(out[1])
    e_value += float(sides.bound(n + 4, value))
    return PenaltyBounds(value, e_value, grads, grads_b, peak)


def max_finite(dtype: str) -> float:
    """The dtype's largest finite number, (2 - 2^(1-p)) 2^emax."""
    p, _ = FORMATS[dtype]
    emax = {"float64": 1023, "float32": 127, "bfloat16": 127, "float16": 15}[dtype]
    return (2.0 - 2.0 ** (1 - p)) * 2.0**emax
