"""Per-sample tolerances: every bound of the per-sample checks, each derived beside it.

Notation (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., ch. 2-3):
u is the unit roundoff of a dtype (half the distance from 1 to the next number),
gamma_n = n u / (1 - n u). A sum of n products computed in precision u, in any order, with or
without FMA, blocked or pairwise, satisfies

    |fl(sum_i a_i b_i) - sum_i a_i b_i| <= gamma_n * sum_i |a_i b_i|           (Higham 3.5)

and with gradual underflow each operation may add an absolute error of at most eta, the
smallest positive subnormal (Higham 2.2): that is the per-dtype floor, n * eta.

That floor holds where no underflow's error is magnified. With gradual underflow, an addition
or subtraction whose result is subnormal is exact, and a multiplication gives
fl(a b) = a b (1 + delta) + epsilon with |epsilon| <= eta / 2, delta epsilon = 0 (the model
of Higham 2.2, with epsilon = 0 for + and -). Additions carry an epsilon on unchanged (up to
1 + gamma); a later multiplication by c scales it by |c|. So a result formed by n roundings
stays within n eta / 2 of the bound's relative part as long as every factor that multiplies
an already-rounded product has |c| <= 1. The results with two multiplications in a row are
the loss r r / 2 (c = 1/2, or c = |r| < 1 where r / 2 underflowed) and dW1 = W2 r x: its
floor carries max(1, |W2_j|, |f| + |y|, |x_k|) (`bound`'s `carry`). The tiny-magnitude case
family (`cases.FAMILIES`, "tiny") is built with |W2|, |x|, |r| < 1, and dW1, dW2 subnormal:
there the floor is exactly n eta.

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


def bound(n: int, magnitude: np.ndarray, dtype: str, carry: object = 1.0) -> np.ndarray:
    """Allowed |actual - expected| for a result formed by n roundings from `magnitude`.

    Both sides counted: the implementation in `dtype`, the reference in float64. `carry`
    (>= 1, broadcast) bounds the factors that may multiply a product after it underflowed:
    its floor n eta / 2 becomes at most n eta / 2 max(1, |c|) <= n eta carry (see above).
    """
    coeff = gamma(n, dtype) + gamma(n, "float64")
    floor = n * (smallest_subnormal(dtype) + smallest_subnormal("float64"))
    return coeff * np.asarray(magnitude, dtype=np.float64) + floor * np.asarray(carry)


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
    L:    r = f - y is formed from |f| + |y| (the computed f's error dominates; a form that
          expands the square is caught apart, on exact inputs: `near_fit_loss_bound`), so
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


def near_fit_loss_bound(r: np.ndarray, dtype: str) -> np.ndarray:
    """Allowed error of loss(f, y) = 1/2 (f - y)^2 for f and y exact in the dtype with
    y / 2 <= f <= 2 y (`cases.near_fit`): r = f - y is then exact (Sterbenz), r r is one
    rounding, the 1/2 exact but where it underflows, so n = 3 of |r|^2 / 2 and the floor.

    A form that expands the square, 1/2 (f^2 - 2 f y + y^2), rounds f^2, 2 f y and y^2
    (each about f^2) and cancels them down to r^2: an error of about u f^2, which for
    r = f 2^(2-p) is 2^(2p-3) / 3 times this bound (float16 about 10^5, bfloat16 about 3 000)."""
    return bound(3, 0.5 * np.asarray(r, dtype=np.float64) ** 2, dtype)


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
    dW1 is the one product of three factors: whichever two are multiplied first, an underflow
    there is multiplied by the third, at most max(|W2_j|, S_r, |x_k|) (`bound`'s carry).
    """
    s_r = (np.abs(f) + np.abs(y))[..., np.newaxis, np.newaxis]
    w2 = np.abs(W2[..., 0, :])[..., :, np.newaxis]
    carry = {"dW1": np.maximum(np.maximum(1.0, s_r), np.maximum(w2, np.abs(x)[..., np.newaxis, :]))}
    return {
        name: _sided(n, mag, dtype, n_sides, carry.get(name, 1.0))
        for name, (n, mag) in backward_magnitudes(x, y, h, f, W2).items()
    }


def recomputed_backward_bounds(x, y, W1, b1, W2, b2, h, f, dtype: str) -> dict[str, np.ndarray]:
    """`backward_bounds` for an oracle that recomputes the forward itself (vmap(grad), jvp).

    The implementation is handed h and f from the float64 reference forward, rounded to the
    dtype; the oracle uses its own float64 forward. So its r and h differ from the given ones
    by dr = u |f| + eta / 2 + e_f and dh = u |h| + eta / 2 + e_a1 (one rounding to nearest,
    |fl(v) - v| <= u |v| + eta / 2 with gradual underflow, plus both float64 forwards'
    bounds), and the gradients, linear in r and h, by
      db2: dr    dW2: dr |h| + (|f| + |y|) dh    db1: dr |W2|    dW1: dr |W2| |x|.
    The eta / 2 counts where h is subnormal in the dtype (a unit just off the kink on a large
    case): its rounding error is then absolute, and the residual multiplies it.
    (The ReLU masks agree: the caller checks that rounding kept every activation's sign.)
    """
    base = backward_bounds(x, y, h, f, W2, dtype)
    e = forward_bounds(x, W1, b1, W2, b2, y, h, "float64")
    u, half_eta = unit_roundoff(dtype), smallest_subnormal(dtype) / 2
    dr = (u * np.abs(f) + half_eta + e["f"])[..., np.newaxis]
    dh = u * np.abs(h) + half_eta + e["a1"]
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
    terms scaled by 1/B, so n grows by B + 1 (the sum and the scaling). dW1's underflow carry
    is `backward_bounds`' over every sample (the residuals taken before or after the 1/B)."""
    B = X.shape[0]
    s_r = (np.abs(F) + np.abs(Y)) / B
    w2 = np.abs(W2[0])
    magnitudes = {
        "dW1": (B + 4, np.einsum("i,j,ik->jk", s_r, w2, np.abs(X))),
        "db1": (B + 3, s_r.sum() * w2),
        "dW2": (B + 3, (s_r @ np.abs(H))[np.newaxis, :]),
        "db2": (B + 2, np.atleast_1d(s_r.sum())),
    }
    factors = np.maximum.outer(w2, np.abs(X).max(axis=0, initial=0.0))
    carry = {"dW1": np.maximum(np.maximum(1.0, B * s_r.max(initial=0.0)), factors)}
    return {
        name: bound(n, mag, dtype, carry.get(name, 1.0)) for name, (n, mag) in magnitudes.items()
    }


def _sided(n: int, magnitude: np.ndarray, dtype: str, n_sides: int, carry=1.0) -> np.ndarray:
    if n_sides == 1:
        return bound(n, magnitude, dtype, carry)
    floor = n * smallest_subnormal(dtype) * np.asarray(carry)
    return n_sides * (gamma(n, dtype) * np.asarray(magnitude) + floor)


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
