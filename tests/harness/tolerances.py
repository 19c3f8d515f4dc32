"""Every tolerance of the harness, each derived from an error model written beside it.

Notation (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., ch. 2-3):
u is the unit roundoff of a dtype (half the distance from 1 to the next number),
gamma_n = n u / (1 - n u). A sum of n products computed in precision u, in any order, with or
without FMA, blocked or pairwise, satisfies

    |fl(sum_i a_i b_i) - sum_i a_i b_i| <= gamma_n * sum_i |a_i b_i|           (Higham 3.5)

and with gradual underflow each operation may add an absolute error of at most eta, the
smallest positive subnormal (Higham 2.2): that is the per-dtype floor, n * eta.

A comparison charges both sides: the implementation under test (dtype u) and the float64
reference that computes the same expression from the same, exactly representable inputs.
So every bound below is (gamma_n(u) + gamma_n(u64)) * S + n * (eta + eta64), where S is the
sum of magnitudes that the result is formed from, computed from the float64 reference.

For n u > 1/2 the worst-case bound is vacuous (gamma_n >= 1). There, and only there, we use
Higham & Mary's probabilistic bound lambda * sqrt(n) * u (SIAM J. Sci. Comput. 41(5), 2019,
Thm. 3.1), exceeded with probability at most 2 exp(-lambda^2 (1 - u)^2 / 2) per sum under
their model of independent rounding errors; lambda = 8 makes that 3e-14. This only arises
for bfloat16 with h = 256.

These bounds admit every correct formulation of the same mathematics (another order of
operations, outer products instead of matmuls, fused multiply-adds, float64 internals rounded
once at the end), and nothing whose error exceeds rounding.
"""

from __future__ import annotations

import math

import numpy as np

# dtype -> (precision p in bits including the implicit one, minimum normal exponent emin)
FORMATS: dict[str, tuple[int, int]] = {
    "float64": (53, -1022),
    "float32": (24, -126),
    "float16": (11, -14),
    "bfloat16": (8, -126),
}
PROBABILISTIC_LAMBDA = 8.0


def unit_roundoff(dtype: str) -> float:
    """u = 2^-p: float64 1.1e-16, float32 6.0e-8, float16 4.9e-4, bfloat16 3.9e-3."""
    p, _ = FORMATS[dtype]
    return 2.0**-p


def smallest_subnormal(dtype: str) -> float:
    """eta = 2^(emin - p + 1), the absolute error floor of one operation near underflow."""
    p, emin = FORMATS[dtype]
    return 2.0 ** (emin - p + 1)


def gamma(n: int, dtype: str) -> float:
    """gamma_n = n u / (1 - n u); the probabilistic lambda sqrt(n) u where n u > 1/2."""
    u = unit_roundoff(dtype)
    if n * u <= 0.5:
        return n * u / (1.0 - n * u)
    return PROBABILISTIC_LAMBDA * math.sqrt(n) * u


def bound(n: int, magnitude: np.ndarray, dtype: str) -> np.ndarray:
    """Allowed |actual - expected| for a result formed by n roundings from `magnitude`.

    Both sides counted: the implementation in `dtype`, the reference in float64.
    """
    coeff = gamma(n, dtype) + gamma(n, "float64")
    floor = n * (smallest_subnormal(dtype) + smallest_subnormal("float64"))
    return coeff * np.asarray(magnitude, dtype=np.float64) + floor


def ulp(value: np.ndarray, dtype: str) -> np.ndarray:
    """The spacing of `dtype` numbers at |value| (subnormal spacing below the normal range)."""
    p, emin = FORMATS[dtype]
    mantissa, exponent = np.frexp(np.abs(np.asarray(value, dtype=np.float64)))
    exponent = np.where(mantissa == 0, emin + 1, exponent)  # 0: the subnormal spacing
    return np.ldexp(1.0, np.maximum(exponent - 1, emin) - (p - 1))


# --- forward: a1 = W1 x + b1, h = ReLU(a1), f = W2 h + b2, L = 1/2 (f - y)^2
def forward_bounds(x, W1, b1, W2, b2, y, h_ref, dtype: str) -> dict[str, np.ndarray]:
    """Allowed errors of a1, h, f and the loss; arguments are float64 arrays.

    Leading axes broadcast (samples, perturbed parameter sets): x (..., d), W1 (..., h, d),
    b1 (..., h), W2 (..., 1, h), b2 (..., 1), y (...), h_ref (..., h).

    a1_j: a sum of d products plus b1_j, n = d + 1, S = sum_k |W1_jk x_k| + |b1_j|.
    h_j:  ReLU is exact and 1-Lipschitz, so h inherits a1's bound (near the kink one side may
          give 0 and the other a tiny positive value: still within it).
    f:    formed from the computed h (each off by at most e_h) in h + 1 roundings:
          |f^ - f| <= gamma_{h+1} (sum |W2_j| (|h_j| + e_hj) + |b2|) + sum |W2_j| e_hj.
    L:    r = f - y is formed from |f| + |y| (covering forms that expand the square), so
          e_r = e_f + u (|f| + |y| + e_f); |L^ - L| <= (|f| + |y| + e_f) e_r
          + gamma_3 (|f| + |y| + e_f)^2 / 2.
    """
    d, h = W1.shape[-1], W1.shape[-2]
    e_a1 = bound(d + 1, np.einsum("...jk,...k->...j", np.abs(W1), np.abs(x)) + np.abs(b1), dtype)
    w2 = np.abs(W2[..., 0, :])
    e_f = bound(h + 1, np.sum(w2 * (np.abs(h_ref) + e_a1), axis=-1) + np.abs(b2[..., 0]), dtype)
    e_f = e_f + np.sum(w2 * e_a1, axis=-1)
    f_ref = np.sum(W2[..., 0, :] * h_ref, axis=-1) + b2[..., 0]
    m = np.abs(f_ref) + np.abs(y) + e_f
    e_r = e_f + (unit_roundoff(dtype) + unit_roundoff("float64")) * m
    e_loss = m * e_r + bound(3, 0.5 * m * m, dtype)
    return {"a1": e_a1, "h": e_a1, "f": np.asarray(e_f), "loss": np.asarray(e_loss)}


# --- backward, from given (x, y, a1, h, f, W1, W2), all exactly representable
def backward_bounds(x, y, h, f, W2, dtype: str, n_sides: int = 1) -> dict[str, np.ndarray]:
    """Allowed errors of dW1, db1, dW2, db2 for one sample; arguments are float64 arrays.

    With S_r = |f| + |y| (r = f - y may be formed by any correct expression):
      db2 = r                 1 rounding    S = S_r
      dW2_j = r h_j           2 roundings   S = S_r |h_j|
      db1_j = W2_j r 1[a1>0]  2 roundings   S = S_r |W2_j|   (the mask is exact: same a1)
      dW1_jk = db1_j x_k      3 roundings   S = S_r |W2_j| |x_k|
    `n_sides` = 2 when both sides run in `dtype` (an autograd oracle at the same dtype).
    Leading axes of x (..., d), y (...), h (..., h), f (...) are samples; they broadcast.
    """
    return {
        name: _sided(n, mag, dtype, n_sides)
        for name, (n, mag) in backward_magnitudes(x, y, h, f, W2).items()
    }


def recomputed_backward_bounds(x, y, W1, b1, W2, b2, h, f, dtype: str) -> dict[str, np.ndarray]:
    """`backward_bounds` for an oracle that recomputes the forward itself (vmap(grad), jvp).

    The implementation is handed h and f from the float64 reference forward, rounded to the
    dtype; the oracle uses its own float64 forward. So its r and h differ from the given ones
    by dr = u |f| + e_f and dh = u |h| + e_a1 (one rounding, plus both float64 forwards'
    bounds), and the gradients, linear in r and h, by
      db2: dr    dW2: dr |h| + (|f| + |y|) dh    db1: dr |W2|    dW1: dr |W2| |x|.
    (The ReLU masks agree: the caller checks that rounding kept every activation's sign.)
    """
    base = backward_bounds(x, y, h, f, W2, dtype)
    e = forward_bounds(x, W1, b1, W2, b2, y, h, "float64")
    u = unit_roundoff(dtype)
    dr = (u * np.abs(f) + e["f"])[..., np.newaxis]
    dh = u * np.abs(h) + e["a1"]
    w2 = np.abs(W2[..., 0, :])
    s_r = (np.abs(f) + np.abs(y))[..., np.newaxis]
    extra = {
        "dW1": (dr * w2)[..., :, np.newaxis] * np.abs(x)[..., np.newaxis, :],
        "db1": dr * w2,
        "dW2": (dr * np.abs(h) + s_r * dh)[..., np.newaxis, :],
        "db2": dr,
    }
    return {name: base[name] + extra[name] for name in base}


def backward_magnitudes(x, y, h, f, W2) -> dict[str, tuple[int, np.ndarray]]:
    """(roundings n, magnitude S) of each gradient, as in `backward_bounds`."""
    s_r = (np.abs(f) + np.abs(y))[..., np.newaxis]  # (..., 1)
    w2 = np.abs(W2[..., 0, :])  # (..., h)
    return {
        "dW1": (3, (s_r * w2)[..., :, np.newaxis] * np.abs(x)[..., np.newaxis, :]),
        "db1": (2, s_r * w2),
        "dW2": (2, (s_r * np.abs(h))[..., np.newaxis, :]),
        "db2": (1, s_r),
    }


def backward_batch_bounds(X, Y, H, F, W2, dtype: str) -> dict[str, np.ndarray]:
    """Allowed errors of the batch-mean gradients: sums over B samples of the per-sample
    terms scaled by 1/B, so n grows by B + 1 (the sum and the scaling)."""
    B = X.shape[0]
    s_r = (np.abs(F) + np.abs(Y)) / B
    w2 = np.abs(W2[0])
    magnitudes = {
        "dW1": (B + 4, np.einsum("i,j,ik->jk", s_r, w2, np.abs(X))),
        "db1": (B + 3, s_r.sum() * w2),
        "dW2": (B + 3, (s_r @ np.abs(H))[np.newaxis, :]),
        "db2": (B + 2, np.atleast_1d(s_r.sum())),
    }
    return {name: bound(n, mag, dtype) for name, (n, mag) in magnitudes.items()}


def _sided(n: int, magnitude: np.ndarray, dtype: str, n_sides: int) -> np.ndarray:
    if n_sides == 1:
        return bound(n, magnitude, dtype)
    return n_sides * (gamma(n, dtype) * np.asarray(magnitude) + n * smallest_subnormal(dtype))


# --- overrides: (check, tensor, dtype) -> (factor, reason). Empty: no bound needs one.
OVERRIDES: dict[tuple[str, str, str], tuple[float, str]] = {}


def override(check: str, tensor: str, dtype: str, allowed: np.ndarray) -> np.ndarray:
    factor, _reason = OVERRIDES.get((check, tensor, dtype), (1.0, ""))
    return allowed * factor


# --- finite differences (float64, of an implementation's own forward)
def fd_step(theta: np.ndarray) -> np.ndarray:
    """s = cbrt(eps) max(1, |theta|), eps = 2^-52: the step that balances truncation (s^2)
    against rounding (eps / s) for a central difference of a smooth function."""
    return np.cbrt(np.finfo(np.float64).eps) * np.maximum(1.0, np.abs(theta))


def fd_bound(e_loss_a, e_loss_b, step, e_grad) -> np.ndarray:
    """Allowed |difference quotient - analytic gradient| for one coordinate.

    Within one side of every kink, f is linear in any single parameter (a1 is linear in it,
    the ReLU mask is fixed, f is linear in h), so the loss is exactly quadratic in it. A
    central difference of a quadratic has no truncation error, and a one-sided one has the
    truncation term s c / 2 with c = (df/dtheta)^2 exactly, which the caller subtracts.
    What is left is rounding: each loss value is off by at most its forward bound e_L
    (`forward_bounds`, evaluated at that very point), so the quotient is off by at most
    (e_L(a) + e_L(b)) / step, steps being exact (s = (theta + s) - theta). The analytic side,
    the implementation's float64 backward, adds its own bound e_grad.
    """
    return (np.asarray(e_loss_a) + np.asarray(e_loss_b)) / step + np.asarray(e_grad)


# --- directional derivatives: <g, v> against torch.func.jvp in float64
def directional_bound(allowed: dict, magnitudes: dict, tangents: dict, n_params: int):
    """Allowed |<g, v> - jvp| per sample, g the manual gradient, v the tangent.

    Each g_i is within allowed_i of the exact gradient, so <g, v> is within
    sum_i |v_i| allowed_i of the exact directional derivative; forming the dot product in
    float64 adds gamma_P(u64) sum_i |g_i v_i|. The jvp itself is a float64 evaluation of
    r (df . v), a sum over the same terms |r| |df_i/dtheta_i| |v_i| <= S_i |v_i| with the
    magnitudes S_i of `backward_magnitudes`, in at most P + 4 roundings.
    """
    total = 0.0
    for name, v in tangents.items():
        axes = tuple(range(-v.ndim, 0))
        _, mag = magnitudes[name]
        total = total + np.sum(np.abs(v) * allowed[name], axis=axes)
        total = total + (gamma(n_params, "float64") + gamma(n_params + 4, "float64")) * np.sum(
            np.abs(v) * mag, axis=axes
        )
    return total


# --- torch.autograd.gradcheck (float64, away from the kink)
GRADCHECK_EPS = 1e-6  # gradcheck's own default step


def gradcheck_atol(e_loss: float) -> float:
    """gradcheck's central differences of a loss that is quadratic in each coordinate (off
    the kink, within eps) have no truncation error, only rounding: (2 e_L) / (2 eps)."""
    return float(e_loss) / GRADCHECK_EPS


# --- trajectories
# Per-sample and mini-batch SGD, theta_{k+1} = theta_k - lr g_k(theta_k), compared element by
# element with the float64 reference trajectory started from the same (exactly representable)
# parameters on the same data. theta is flat: (W1 row-major, b1, W2, b2), P = h d + 2h + 1.
#
# Error model. Write e_k = theta^_k - theta_k. To first order in e and u,
#
#     e_{k+1} = J_k e_k + delta_k,    J_k = I - lr H_k,    H_k = dg_k/dtheta at theta_k,
#
# where delta_k is the rounding committed in step k. With v = df/dtheta (v_A = (W2^T 1[a1>0])
# x~^T for A = [W1 | b1] and x~ = (x, 1); v_W2 = h; v_b2 = 1) and r = f - y, a batch of B
# samples (B = 1 per-sample) has g = (1/B) sum_i r_i v_i and
#
#     H = (1/B) sum_i (v_i v_i^T + r_i S_i),   S_i = d2f/dtheta2: W2_j <-> A_jk with m_ij x~_ik.
#
# No norm bound on J_k survives 25 000 steps: |I - lr H| >= 1 + lr |r| |x~| in the worst
# direction, so a worst-case recursion grows like 1.05^25000. The error does not: J_k contracts
# along v v^T and the indefinite r S part averages out over the samples. So the bound follows
# the actual linearised dynamics along the reference trajectory: rounding errors are modelled
# as independent, zero-mean and bounded (round-to-nearest), delta_k with covariance D_k, and
#
#     C_{k+1} = J_k C_k J_k^T + D_k,    C_0 = 0 (both start from the same parameters),
#
# is the covariance of e_k, propagated exactly (H applied in O(B P^2), no P^3 products).
# The allowed error is z sqrt(diag C_k) with z = 6: e_k is a sum of thousands of independent
# terms, close to normal, and P(|N(0,1)| > 6) = 2e-9 per compared element. The suite compares
# about 2e6 values, 4e-3 summed as if independent; neighbouring steps are strongly correlated,
# so the chance of a false alarm per run is smaller still. Added to it, deterministically:
#
#   lr rounding: an implementation holds lr as fl(lr) (its dtype, or float32 opmath), a
#       systematic relative error |eta| <= u of every step. t_k = dtheta_k/dlr obeys
#       t_{k+1} = J_k t_k - g_k, t_0 = 0, so the shift is at most u lr |t_k|.
#
# delta_k, per step (u: the implementation's dtype; the float64 reference has the same
# terms with u64, and both sides add up: variances (u^2 + u64^2), bounds (u + u64)):
#   a1_j = A_j . x~           d + 1 terms:   alpha_j = (d+1) sum_k |A_jk x~_k|
#   h_j = ReLU(a1_j)          exact, 1-Lipschitz: inherits alpha_j
#   f = W2 h + b2             h + 1 terms:   phi = (h+1)(sum_j |W2_j h_j| + |b2|) + sum_j |W2_j| alpha_j
#   r = (f - y) [/ B]         2 roundings:   rho = phi + 2 |r|
#   g_e = mean_i r_i v_ie     each product r v_e at most 3 roundings (W2_j x~_k, times r,
#                             times lr, in any order), h in v_W2 carries alpha_j, and a sum over
#                             B samples adds (B - 1) u sum_i |r_i v_ie| / B
#   theta - fl(lr) g          u |theta'| (the subtraction) + u lr |g| (lr held in the dtype,
#                             as a per-step error; its systematic part is the t_k term above)
# The rho part of each sample is one number shared by its whole gradient, so it enters D_k as
# the rank-1 term (lr rho_i / B)^2 v_i v_i^T; the rest is independent per element (diagonal).
# Each bounded error is taken as uniform on its whole range: variance bound^2 / 3.
#
# ReLU kinks: the first-order model assumes both sides take the same branch. Where the
# reference's |a1_ij| is within reach of the kink (|a1_ij| <= z sd(a1^_ij) + (u + u64)
# alpha_ij), the other side may legitimately take the other branch, and g jumps by
# (lr / B) r_i W2_j x~_i in the A_j block: that jump enters D_k whole (sd = its size), and
# the step is reported as ambiguous.
#
# The epoch loss: each r_i is off by at most z sd(v_i . e_k) + u lr |v_i . t_k| + (u + u64) rho_i
# =: e_r; 1/2 r^2 by |r| e_r + e_r^2 / 2 + 3 (u + u64) r^2 / 2 (squaring and halving in the
# dtype); the mean over N is taken in float64.
#
# Neglected: second-order terms (e^2, u e): e stays below 1e-5 |theta| at float32 here.
TRAJECTORY_Z = 6.0


class TrajectoryTolerance:
    """Allowed |theta^_k - theta_k| at every step and |loss^ - loss| for every epoch.

    theta, sd, drift: (K + 1, P), row k after k updates (sd: sqrt(diag C_k); drift: the lr
    rounding u lr |t_k|; theta = z sd + drift). loss: (epochs,). ambiguous: (K,) bool, step k
    had a ReLU within reach of its kink.
    """

    def __init__(self, theta, loss, ambiguous, sd, drift) -> None:
        self.theta, self.loss, self.ambiguous, self.sd, self.drift = (
            theta,
            loss,
            ambiguous,
            sd,
            drift,
        )


def flat_layout(d: int, h: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Indices of A = [W1 | b1] (h, d+1), of W2 (h,) and of b2 in the flat theta."""
    idx_A = np.empty((h, d + 1), dtype=np.int64)
    idx_A[:, :d] = np.arange(h * d).reshape(h, d)
    idx_A[:, d] = h * d + np.arange(h)
    return idx_A, h * d + h + np.arange(h), h * d + 2 * h


def _chunk_terms(thetas, theta_next, Xb, yb, w, lr: float, d: int, h: int):
    """Per-step terms for c steps at once, at the reference's theta (c, P), float64.

    Xb (c, Bmax, d), yb and w (c, Bmax): step k's samples, padded with w = 0 to Bmax.
    Returns a dict of r, V (c, Bmax, P), Q (c, h, d+1), alpha, a1 (c, Bmax, h), x~, rho,
    g (c, P), indep (c, P): the independent rounding bound of the step over u, and B (c,).
    """
    idx_A, idx_w2, idx_b2 = flat_layout(d, h)
    c, Bmax = w.shape
    B = w.sum(axis=1)
    A, w2, b2 = thetas[:, idx_A], thetas[:, idx_w2], thetas[:, idx_b2]
    Xt = np.concatenate([Xb, np.ones((c, Bmax, 1))], axis=2)
    a1 = np.einsum("cbk,cjk->cbj", Xt, A)
    m = a1 > 0
    hid = np.where(m, a1, 0.0)
    r = (np.einsum("cbj,cj->cb", hid, w2) + b2[:, None] - yb) * w
    V = np.zeros((c, Bmax, thetas.shape[1]))
    V[:, :, idx_A] = (w2[:, None, :] * m)[..., None] * Xt[:, :, None, :]
    V[:, :, idx_w2] = hid
    V[:, :, idx_b2] = 1.0
    V *= w[..., None]
    alpha = (d + 1) * np.einsum("cbk,cjk->cbj", np.abs(Xt), np.abs(A))
    phi = (h + 1) * (np.einsum("cbj,cj->cb", hid, np.abs(w2)) + np.abs(b2)[:, None])
    phi = phi + np.einsum("cbj,cj->cb", alpha, np.abs(w2))
    rho = (phi + 2 * np.abs(r)) * w
    rv = np.einsum("cb,cbp->cp", np.abs(r), np.abs(V))
    dv = np.einsum("cb,cbj->cj", np.abs(r), alpha)
    e_g = (3 + (B - 1)[:, None]) * rv
    e_g[:, idx_w2] += dv
    e_g /= B[:, None]
    g = np.einsum("cb,cbp->cp", r, V) / B[:, None]
    Q = np.einsum("cb,cbj,cbk->cjk", r, m * w[..., None], Xt)
    indep = np.abs(theta_next) + lr * (np.abs(g) + e_g)
    return {
        "r": r,
        "V": V,
        "Q": Q,
        "alpha": alpha,
        "a1": a1,
        "Xt": Xt,
        "rho": rho,
        "g": g,
        "indep": indep,
        "B": B,
        "w": w,
    }


def _apply_H(M, V, Q, idx_A, idx_w2, B: float):
    """H M for H = (V^T V + S_Q) / B, S_Q coupling W2_j with A_jk by Q_jk; O(B P q)."""
    out = V.T @ (V @ M)
    out[idx_w2] += np.einsum("jk,jkq->jq", Q, M[idx_A])
    out[idx_A] += Q[:, :, None] * M[idx_w2][:, None, :]
    return out / B


def _dense_H(V, Q, idx_A, idx_w2, B: float):
    """H as a dense (P, P) matrix (for small P)."""
    H = V.T @ V
    H[idx_w2[:, None], idx_A] += Q
    H[idx_A, idx_w2[:, None]] += Q
    return H / B


DENSE_MAX_P = 96  # dense J_k C J_k^T below this size; structured H products above


def _padded_batches(batches) -> tuple[np.ndarray, np.ndarray]:
    Bmax = max(len(b) for b in batches)
    idx = np.zeros((len(batches), Bmax), dtype=np.int64)
    w = np.zeros((len(batches), Bmax))
    for k, b in enumerate(batches):
        idx[k, : len(b)] = b
        w[k, : len(b)] = 1.0
    return idx, w


def trajectory_tolerance(
    ref_thetas: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    lr: float,
    batches,
    steps_per_epoch: int,
    dtype: str,
    z: float = TRAJECTORY_Z,
    dense: bool | None = None,
) -> TrajectoryTolerance:
    """Allowed deviation of an SGD trajectory run in `dtype` from the float64 reference.

    ref_thetas (K + 1, P): the float64 reference after every update (row 0: the start);
    X (N, d), y (N,): the data as float64 (the implementation's values, exactly); batches:
    K index arrays, step k's samples; steps_per_epoch: updates per epoch (N per-sample).
    `dense` forces one of the two equal ways of propagating C (None: by P).
    """
    u, u64 = unit_roundoff(dtype), unit_roundoff("float64")
    var_u, sum_u = u * u + u64 * u64, u + u64
    K, P = len(batches), ref_thetas.shape[1]
    d = X.shape[1]
    h = (P - 1) // (d + 2)
    idx_A, idx_w2, _ = flat_layout(d, h)
    dense = P <= DENSE_MAX_P if dense is None else dense
    idx_all, w_all = _padded_batches(batches)
    C = np.zeros((P, P))
    t = np.zeros(P)
    sd = np.zeros((K + 1, P))
    ts = np.zeros((K + 1, P))
    s_r = np.zeros(w_all.shape)
    r_all = np.zeros(w_all.shape)
    rho_all = np.zeros(w_all.shape)
    ambiguous = np.zeros(K, dtype=bool)
    chunk = max(1, 2**22 // (P * P * w_all.shape[1]))
    for k0 in range(0, K, chunk):
        k1 = min(K, k0 + chunk)
        idx = idx_all[k0:k1]
        T = _chunk_terms(
            ref_thetas[k0:k1], ref_thetas[k0 + 1 : k1 + 1], X[idx], y[idx], w_all[k0:k1], lr, d, h
        )
        r_all[k0:k1], rho_all[k0:k1] = T["r"], T["rho"]
        V, Q, B, Xt, g = T["V"], T["Q"], T["B"], T["Xt"], T["g"]
        c, Bmax = w_all[k0:k1].shape
        if dense:  # rows whose variance under C is that of a1_ij (x~_i in block A_j) and r_i
            Wr = np.zeros((c, Bmax, h, P))
            Wr[:, :, np.arange(h)[:, None], idx_A] = Xt[:, :, None, :]
            Wr = np.concatenate([Wr.reshape(c, Bmax * h, P), V], axis=1)
        reach = (np.abs(T["a1"]) - sum_u * T["alpha"]).reshape(c, Bmax * h)  # kink: z s_a >= reach
        reach[np.repeat(w_all[k0:k1], h, axis=1) == 0] = np.inf
        # D_k: the shared r rounding of every sample (rank 1 each) and the independent rest
        U = (lr / B)[:, None, None] * T["rho"][..., None] * V
        D = (var_u / 3) * np.einsum("cbp,cbq->cpq", U, U)
        D[:, np.arange(P), np.arange(P)] += (var_u / 3) * T["indep"] ** 2
        if dense:
            H = np.einsum("cbp,cbq->cpq", V, V)
            H[:, idx_w2[:, None], idx_A] += Q
            H[:, idx_A, idx_w2[:, None]] += Q
            J = np.eye(P) - (lr / B)[:, None, None] * H
        for i in range(c):
            k = k0 + i
            if dense:
                s2 = ((Wr[i] @ C) * Wr[i]).sum(1)
            else:  # the (d+1)-blocks of C that a1 sees, and v C v^T: O(B h d^2 + B P^2)
                C_A = C[idx_A[:, :, None], idx_A[:, None, :]]
                s2_a = np.einsum("bk,jkl,bl->bj", Xt[i], C_A, Xt[i]).reshape(-1)
                s2 = np.concatenate([s2_a, ((V[i] @ C) * V[i]).sum(1)])
            s = np.sqrt(np.maximum(s2, 0.0))
            s_r[k] = s[Bmax * h :]
            D_k = D[i]
            near = z * s[: Bmax * h] >= reach[i]
            if near.any():
                # the other side may take the other branch: g jumps in the A_j block
                ambiguous[k] = True
                D_k = D_k.copy()
                for bj in np.flatnonzero(near):
                    b, j = divmod(bj, h)
                    jump = np.zeros(P)
                    jump[idx_A[j]] = (
                        (lr / B[i]) * T["r"][i, b] * ref_thetas[k, idx_w2[j]] * Xt[i, b]
                    )
                    D_k += np.outer(jump, jump)
            if dense:
                C = J[i] @ C @ J[i].T + D_k
                t = J[i] @ t - g[i]
            else:
                HC = _apply_H(C, V[i], Q[i], idx_A, idx_w2, B[i])
                HCH = _apply_H(HC.T, V[i], Q[i], idx_A, idx_w2, B[i])
                C = C - lr * (HC + HC.T) + lr * lr * HCH + D_k
                t = t - lr * _apply_H(t[:, None], V[i], Q[i], idx_A, idx_w2, B[i])[:, 0] - g[i]
                C = 0.5 * (C + C.T)
            sd[k + 1] = np.sqrt(np.maximum(np.diag(C), 0.0))
            ts[k + 1] = t
    drift = u * lr * np.abs(ts)
    # the epoch loss: every sample's r, off by e_r, in the epoch of its step
    V_t = np.abs(np.einsum("kbp,kp->kb", _v_rows(ref_thetas, X, idx_all, w_all, d, h), ts[:-1]))
    e_r = z * s_r + u * lr * V_t + sum_u * rho_all
    per_sample = (np.abs(r_all) * e_r + 0.5 * e_r**2 + 1.5 * sum_u * r_all**2) * w_all
    epochs = np.arange(K) // steps_per_epoch
    loss = np.bincount(epochs, per_sample.sum(1)) / np.bincount(epochs, w_all.sum(1))
    return TrajectoryTolerance(z * sd + drift, loss, ambiguous, sd, drift)


def _v_rows(ref_thetas, X, idx_all, w_all, d: int, h: int) -> np.ndarray:
    """v_i = df/dtheta of every step's samples at the reference's theta, (K, Bmax, P)."""
    out = np.zeros((*w_all.shape, ref_thetas.shape[1]))
    chunk = max(1, 2**22 // (ref_thetas.shape[1] * w_all.shape[1]))
    for k0 in range(0, len(w_all), chunk):
        k1 = min(len(w_all), k0 + chunk)
        th = ref_thetas[k0:k1]
        out[k0:k1] = _chunk_terms(
            th, th, X[idx_all[k0:k1]], np.zeros(idx_all[k0:k1].shape), w_all[k0:k1], 0.0, d, h
        )["V"]
    return out
