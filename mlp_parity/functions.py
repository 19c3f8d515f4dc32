"""The activations and the loss heads of a declared network, as small tables.

One entry per name (`ACTIVATIONS`, `LOSSES`), in the manner of scikit-learn's
`neural_network/_base.py`: each holds the function in float64 NumPy, its derivative, the same
function in torch (what the autograd and torch.func oracles differentiate), where its kinks
are, and the constants its error bound needs (`tolerances.layers` carries them through the
layers). Adding an activation is one entry here, its planted bugs and its reformulations.

Error of a computed activation, h^ = fl(sigma)(a) for an exact a (both sides of a comparison
add theirs: the module's in its dtype, u, and the reference's in float64, u64):

    |h^ - sigma(a)| <= c_rel u |sigma(a)| + c_abs u                              (*)

`c_rel` covers the formulations that keep relative accuracy: torch's own function (within
1 u for float16 and bfloat16, which it computes in float32 and rounds once, and 2.48 u for
float32 sigmoid) and 1 / (1 + exp(-a)) (exp within 1.05 u, then an addition and a division:
2.48 u measured). `c_abs` (in units of u, the functions' range being of order 1) admits the
formulations that are accurate in absolute terms only: 0.5 (1 + tanh(a / 2)) for sigmoid
(0.75 u absolute, but every relative digit lost where sigma(a) is small) and
(e^2a - 1) / (e^2a + 1) or 1 - 2 / (e^2a + 1) for tanh (2.97 u absolute, cancelling near
a = 0). Both constants are established, not assumed: tests/test_functions.py evaluates every
formulation over every float16 and bfloat16 number and a dense float32 sweep and holds each
to (*). A formulation that overflows (exp(a) / (1 + exp(a)) at a > 88 in float32: inf / inf
is NaN) is outside (*): the "large" case family finds it, and the diagnosis says so.

The derivative as code computes it, from a (sigma'(a^)) or from h (h (1 - h), 1 - h^2, what
PyTorch's own backward does), errs by at most

    sup |sigma''| over [a - e_a, a + e_a] * e_a  +  |d sigma' / d h| * e_own  +  3 u |sigma'(a)|

with e_own the own error (*) of h: `derivative_error`. A piecewise linear activation has
sigma'' = 0 away from its kink; at the kink its derivative jumps, and where the computed a may
lie on either side (|a| <= e_a, and a not exactly 0 by construction) either slope is right:
the derivative's error there is the jump, |1 - alpha|.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from mlp_parity import declaration

Array = np.ndarray


# --------------------------------------------------------------------------- helpers
def _sigmoid(a: Array) -> Array:
    """1 / (1 + e^-a), relatively accurate for every a (no overflow: e^-|a| <= 1)."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sup_abs(fn: Callable[[Array], Array], a: Array, e: Array, critical: tuple[float, ...]):
    """sup |fn| over [a - e, a + e], fn monotone between the `critical` points."""
    best = np.maximum(np.abs(fn(a - e)), np.abs(fn(a + e)))
    for c in critical:
        inside = (a - e <= c) & (c <= a + e)
        best = np.where(inside, np.maximum(best, abs(float(fn(np.float64(c))))), best)
    return best


@dataclass(frozen=True)
class Activation:
    """One activation: sigma, sigma' (the declared value at a kink), torch's sigma (whose
    autograd derivative at the kink is the declared one), and its error constants."""

    name: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]  # sigma'(a), float64
    torch_f: Callable[[torch.Tensor], torch.Tensor]
    kink_jump: float = 0.0  # |sigma'(0+) - sigma'(0-)|: 0 for a smooth function
    c_rel: float = 0.0  # (*) above, in units of u
    c_abs: float = 0.0
    lipschitz: Callable[[Array, Array], Array] | None = None  # sup |sigma'| on [a-e, a+e]
    curvature: Callable[[Array, Array], Array] | None = None  # sup |sigma''| on [a-e, a+e]
    dh: Callable[[Array], Array] | None = None  # |d sigma' / d h| at h (derivative from h)
    saturates: bool = False  # bounded, with vanishing derivative at large |a|
    slope: float = 1.0  # leaky_relu's alpha; 1 for the others

    @property
    def piecewise_linear(self) -> bool:
        return self.curvature is None

    @property
    def has_kink(self) -> bool:
        return self.kink_jump > 0


def _relu_like(name: str, alpha: float, grad_at_zero: float) -> Activation:
    at_zero = 1.0 if grad_at_zero else alpha

    def f(a):
        return np.where(a > 0, a, alpha * a)

    def df(a):
        return np.where(a > 0, 1.0, np.where(a < 0, alpha, at_zero))

    def torch_f(a: torch.Tensor) -> torch.Tensor:
        # torch.where sends the gradient to the branch it picks: at a = 0 the first branch
        # (slope 1) where grad_at_zero = 1, the second (slope alpha) otherwise
        neg = a * alpha if alpha else torch.zeros_like(a)
        return torch.where(a >= 0, a, neg) if grad_at_zero else torch.where(a > 0, a, neg)

    return Activation(
        name,
        f,
        df,
        torch_f,
        kink_jump=abs(1.0 - alpha),
        # alpha a: the product's rounding, and alpha's own in the dtype (NumPy rounds a
        # Python float to a float16 array's dtype first)
        c_rel=2.0 if alpha not in (0.0, 1.0) else 0.0,
        c_abs=0.0,
        # sup |sigma'| over [a - e, a + e]: alpha where the interval lies at or below the kink
        # (relu: a computed a^ <= 0 gives h = 0 exactly, whatever its error), 1 elsewhere
        lipschitz=lambda a, e: np.where(a + e <= 0, abs(alpha), 1.0),
        slope=alpha,
    )


def _sigmoid_prime(a: Array) -> Array:
    s = _sigmoid(a)
    return s * _sigmoid(-a)


def _sigmoid_second(a: Array) -> Array:
    return _sigmoid_prime(a) * (1.0 - 2.0 * _sigmoid(a))


SIGMOID_CRITICAL = (0.0, float(np.log(2.0 + np.sqrt(3.0))), -float(np.log(2.0 + np.sqrt(3.0))))
TANH_CRITICAL = (0.0, float(np.arctanh(1.0 / np.sqrt(3.0))), -float(np.arctanh(1.0 / np.sqrt(3.0))))


def _tanh_prime(a: Array) -> Array:
    t = np.tanh(a)
    return 1.0 - t * t


def _tanh_second(a: Array) -> Array:
    t = np.tanh(a)
    return -2.0 * t * (1.0 - t * t)


def _identity() -> Activation:
    return Activation(
        "identity",
        lambda a: np.asarray(a, dtype=np.float64),
        lambda a: np.ones(np.shape(a)),
        lambda a: a,
        lipschitz=lambda a, e: np.ones(np.shape(a)),
    )


SIGMOID = Activation(
    "sigmoid",
    _sigmoid,
    _sigmoid_prime,
    torch.sigmoid,
    c_rel=3.0,
    c_abs=3.0,
    lipschitz=lambda a, e: _sup_abs(_sigmoid_prime, a, e, (0.0,)),
    curvature=lambda a, e: _sup_abs(_sigmoid_second, a, e, SIGMOID_CRITICAL),
    dh=lambda h: np.abs(1.0 - 2.0 * h),
    saturates=True,
)
TANH = Activation(
    "tanh",
    np.tanh,
    _tanh_prime,
    torch.tanh,
    c_rel=3.0,
    c_abs=3.0,
    lipschitz=lambda a, e: _sup_abs(_tanh_prime, a, e, (0.0,)),
    curvature=lambda a, e: _sup_abs(_tanh_second, a, e, TANH_CRITICAL),
    dh=lambda h: 2.0 * np.abs(h),
    saturates=True,
)

# Derivatives code gets wrong, by activation: (what the code does, sigma' it computes). The
# diagnosis holds a module's gradients against the reference with each of these in place of
# sigma' (`network_diagnose`): a fit names the mistake.
WRONG_DERIVATIVES: dict[str, tuple[tuple[str, Callable[[Array], Array]], ...]] = {
    "sigmoid": (
        (
            "sigma'(a) computed as a (1 - a): the formula h (1 - h) applied to the pre-activation",
            lambda a: a * (1.0 - a),
        ),
        (
            "sigma'(a) computed as sigma(h) (1 - sigma(h)): the derivative applied to the activation, sigma taken twice",
            lambda a: _sigmoid_prime(_sigmoid(a)),
        ),
        (
            "sigma'(a) replaced by sigma(a): the activation where its derivative belongs",
            lambda a: _sigmoid(a),
        ),
        ("sigma'(a) left out (taken as 1)", lambda a: np.ones(np.shape(a))),
        (
            "sigma'(a) computed as h (1 + h): a sign in the formula",
            lambda a: _sigmoid(a) * (1.0 + _sigmoid(a)),
        ),
    ),
    "tanh": (
        (
            "tanh'(a) computed as 1 - a^2: the formula 1 - h^2 applied to the pre-activation",
            lambda a: 1.0 - a * a,
        ),
        (
            "tanh'(a) computed as 1 - tanh(h)^2: the derivative applied to the activation",
            lambda a: 1.0 - np.tanh(np.tanh(a)) ** 2,
        ),
        ("tanh'(a) computed as 1 - h: the square left out", lambda a: 1.0 - np.tanh(a)),
        ("tanh'(a) left out (taken as 1)", lambda a: np.ones(np.shape(a))),
        ("tanh'(a) computed as 1 + h^2: a sign in the formula", lambda a: 1.0 + np.tanh(a) ** 2),
        (
            "tanh'(a) computed as h (1 - h): the sigmoid's derivative in a tanh layer",
            lambda a: np.tanh(a) * (1.0 - np.tanh(a)),
        ),
    ),
    "identity": (
        (
            "the identity's derivative taken as a, its value, where 1 belongs",
            lambda a: np.asarray(a, dtype=np.float64),
        ),
        ("a ReLU mask 1[a > 0] applied in an identity layer", lambda a: (a > 0).astype(np.float64)),
    ),
    "relu": (
        ("the ReLU mask 1[a > 0] left out", lambda a: np.ones(np.shape(a))),
        ("the ReLU mask inverted, 1[a <= 0]", lambda a: (a <= 0).astype(np.float64)),
    ),
    "leaky_relu": (
        (
            "leaky ReLU's negative slope taken as 0 (ReLU's derivative)",
            lambda a: (a > 0).astype(np.float64),
        ),
        ("leaky ReLU's derivative left out (taken as 1)", lambda a: np.ones(np.shape(a))),
    ),
}
# Slopes leaky ReLU code uses: where the backward takes one and the forward (or the
# declaration) another, the diagnosis names the slope that fits.
COMMON_SLOPES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.3, 0.5)


def leaky_derivatives(alpha: float) -> tuple[tuple[str, Callable[[Array], Array]], ...]:
    """Wrong derivatives of leaky_relu:alpha: another common slope, or the slopes swapped."""
    out = [
        (
            f"leaky ReLU's derivative with slope {s:g} where {alpha:g} is declared",
            lambda a, s=s: np.where(a > 0, 1.0, s),
        )
        for s in COMMON_SLOPES
        if s != alpha
    ]
    out.append(
        (
            f"leaky ReLU's slopes swapped: {alpha:g} for a > 0 and 1 for a < 0",
            lambda a: np.where(a > 0, alpha, 1.0),
        )
    )
    return tuple(out)


# The activations a declaration may name, for hidden layers and for the output.
HIDDEN, OUTPUT, LEAKY_DEFAULT = declaration.HIDDEN, declaration.OUTPUT, declaration.LEAKY_DEFAULT


def activation(spec: str, relu_grad_at_zero: int = 0) -> Activation:
    """The table entry for "relu", "leaky_relu:0.01", "sigmoid", "tanh" or "identity"
    (already validated by `mlp_parity.declaration`)."""
    name, _, arg = spec.partition(":")
    if name == "relu":
        return _relu_like("relu", 0.0, relu_grad_at_zero)
    if name == "leaky_relu":
        alpha = float(arg) if arg else LEAKY_DEFAULT
        return _relu_like(spec if arg else f"leaky_relu:{alpha:g}", alpha, relu_grad_at_zero)
    if name == "sigmoid":
        return SIGMOID
    if name == "tanh":
        return TANH
    if name == "identity":
        return _identity()
    raise KeyError(spec)


def own_error(act: Activation, h: Array, u: float, eta: float = 0.0) -> Array:
    """(*) for h = sigma(a): the error of computing sigma, with unit roundoff u (both sides'
    summed where the caller compares two); plus, where it rounds at all, the subnormal floor
    eta (leaky ReLU's alpha a of a small a is subnormal, its error absolute)."""
    floor = eta if (act.c_rel or act.c_abs) else 0.0
    return act.c_rel * u * np.abs(h) + act.c_abs * u + floor


def derivative_error(act: Activation, a: Array, e_a: Array, exact: Array, u_both: float):
    """Allowed error of sigma'(a) as the module computes it, from an a^ within e_a of a
    (both sides' unit roundoffs summed in u_both); `exact`: where a^ = a = 0 is certain."""
    if act.piecewise_linear:
        if not act.has_kink:
            return np.zeros(np.shape(a))
        ambiguous = (np.abs(a) <= e_a) & ~exact
        # a slope that is not a power of two (leaky ReLU's alpha) is itself rounded to the
        # dtype where the code holds it in one
        slope = (
            np.where(a > 0, 0.0, u_both * abs(act.slope)) if act.slope not in (0.0, 1.0) else 0.0
        )
        return np.where(ambiguous, act.kink_jump, slope)
    h = act.f(a)
    e_own = own_error(act, h, u_both)
    assert act.curvature is not None and act.dh is not None
    return act.curvature(a, e_a) * e_a + act.dh(h) * e_own + 3.0 * u_both * np.abs(act.df(a))


# --------------------------------------------------------------------------- losses
@dataclass(frozen=True)
class Loss:
    """One loss head. `value(f, a, Y, clip)`: the per-sample, per-output terms ell_bk before
    the reductions (a sample's loss is their sum over k, or their mean with output_reduction
    "mean"); `grad(f, a, Y, out)`: d ell_b / d a_bk, folded through the output activation
    `out` (for the classification heads, the softmax or sigmoid is part of the head: p - t)."""

    name: str
    value: Callable[..., Array]
    grad: Callable[..., Array]
    classification: bool = False


def _half_squared(f, a, Y, clip=0.0):
    return 0.5 * (f - Y) ** 2


def _squared(f, a, Y, clip=0.0):
    return (f - Y) ** 2


def _squared_grad(factor: float):
    def grad(f, a, Y, out: Activation):
        return factor * (f - Y) * out.df(a)

    return grad


def log_softmax(a: Array) -> Array:
    """a - logsumexp(a) over the last axis, with the row maximum subtracted first."""
    m = np.max(a, axis=-1, keepdims=True)
    z = a - m
    return z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))


def softmax(a: Array) -> Array:
    return np.exp(log_softmax(a))


def _cross_entropy(f, a, Y, clip=0.0):
    """-t_k log p_k, p = softmax(a); with clip, p clipped to [clip, 1 - clip] first."""
    if clip:
        p = np.clip(softmax(a), clip, 1.0 - clip)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(Y == 0, 0.0, -Y * np.log(p))
    return np.where(Y == 0, 0.0, -Y * log_softmax(a))


def _cross_entropy_grad(f, a, Y, out: Activation):
    """d/da_k of -sum_j t_j log softmax(a)_j = p_k sum_j t_j - t_k."""
    return softmax(a) * np.sum(Y, axis=-1, keepdims=True) - Y


def _softplus(a: Array) -> Array:
    """log(1 + e^a) = max(a, 0) + log1p(e^-|a|): no overflow, no cancellation."""
    return np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a)))


def _bce(f, a, Y, clip=0.0):
    """-(y log p + (1 - y) log(1 - p)), p = sigmoid(a): softplus(a) - y a, the form that
    keeps every digit; with clip, from p clipped to [clip, 1 - clip]."""
    if clip:
        p = np.clip(_sigmoid(a), clip, 1.0 - clip)
        return -(Y * np.log(p) + (1.0 - Y) * np.log1p(-p))
    return _softplus(a) - Y * a


def _bce_grad(f, a, Y, out: Activation):
    return _sigmoid(a) - Y


LOSSES = {
    "half_squared": Loss("half_squared", _half_squared, _squared_grad(1.0)),
    "squared": Loss("squared", _squared, _squared_grad(2.0)),
    "bce": Loss("bce", _bce, _bce_grad, classification=True),
    "softmax_cross_entropy": Loss(
        "softmax_cross_entropy", _cross_entropy, _cross_entropy_grad, classification=True
    ),
}
REGRESSION = ("half_squared", "squared")
