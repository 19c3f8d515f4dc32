"""Trajectory tolerances: how far an SGD run in a lower precision may drift from the float64
reference, step by step. Per-operation rounding comes from `per_sample`'s unit roundoff; the
propagation through the training dynamics is derived below."""

from __future__ import annotations

import numpy as np

from mlp_parity.tolerances.per_sample import unit_roundoff

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
