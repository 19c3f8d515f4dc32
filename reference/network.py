"""NumPy reference of any declared network, in float64, written as the mathematics.

Layers l = 1 ... L+1, canonical (column) form per sample, here with the samples on the
leading axis (row b of every array is sample b):

    a_l = W_l h_{l-1} + b_l          h_0 = x            (b_l absent without biases)
    h_l = sigma_l(a_l)               f = h_{L+1} = sigma_out(a_{L+1})
    ell_b = c_k sum_k loss(f_bk, y_bk)          c_k = 1, or 1/k for output_reduction "mean"
    L = c_B sum_b ell_b                          c_B = 1/B for reduction "mean", 1 for "sum"

and backward, each rule beside the forward rule it inverts:

    g_{L+1} = d ell_b / d a_{L+1} = c_k loss'(f, y) sigma_out'(a_{L+1})
    dW_l    = c_B sum_b g_l h_{l-1}^T      (from a_l = W_l h_{l-1} + b_l)
    db_l    = c_B sum_b g_l
    g_{l-1} = (W_l^T g_l) * sigma'_{l-1}(a_{l-1})   (from h_{l-1} = sigma(a_{l-1}))

The activations and the loss heads come from the tables of `mlp_parity.functions` (sigma'
at a kink is the declared value). Inputs are float64 arrays holding numbers exact in the
dtype under test; `Trace` keeps every intermediate for the bounds of `tolerances.layers`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from mlp_parity import functions
from mlp_parity.declaration import Network

Layer = tuple[np.ndarray, np.ndarray | None]  # (W_l (n_l, n_{l-1}), b_l (n_l,) or None)


@dataclass(frozen=True)
class Trace:
    """One evaluation: A[l], H[l+1] for layers l = 0 ... L (H[0] = X), per-sample losses,
    the per-sample gradients g_l = d ell_b / d a_l, and the reduction factors."""

    A: list[np.ndarray]  # (B, n_l) pre-activations, l = 1 ... L+1
    H: list[np.ndarray]  # (B, n_l) activations, H[0] = X, H[-1] = f
    losses: np.ndarray  # (B,) ell_b
    G: list[np.ndarray]  # (B, n_l) d ell_b / d a_l, l = 1 ... L+1
    c_B: float  # 1/B or 1
    c_k: float  # 1/k or 1
    P: float = 0.0  # the penalty added to the reduced loss
    dP: list = dataclasses.field(default_factory=list)  # its gradient, per layer (dW, db)
    P1: float = 0.0  # the penalty added to one sample's loss (per-sample code: B = 1)
    dP1: list = dataclasses.field(default_factory=list)

    @property
    def f(self) -> np.ndarray:
        return self.H[-1]

    @property
    def loss(self) -> float:
        return float(self.c_B * np.sum(self.losses) + self.P)

    @property
    def sample_losses(self) -> np.ndarray:
        """Each sample's loss alone, as per-sample code returns it: ell_b + P (B = 1)."""
        return self.losses + self.P1


def forward(net: Network, layers: list[Layer], X: np.ndarray, acts=None):
    """(A, H): pre-activations and activations of every layer, H[0] = X, H[-1] = f.
    `acts`: the activations' table entries, where not the declaration's (the diagnosis
    evaluates hypotheses about a module's derivatives this way)."""
    acts = acts or net.activations(len(layers) - 1)
    A, H = [], [X]
    for (W, b), act in zip(layers, acts):
        a = H[-1] @ W.T + (b if b is not None else 0.0)  # a_l = W_l h_{l-1} + b_l
        A.append(a)
        H.append(act.f(a))  # h_l = sigma_l(a_l)
    return A, H


def factors(net: Network, B: int, k: int) -> tuple[float, float]:
    """(c_B, c_k): the batch's and the outputs' reduction factors."""
    c_B = 1.0 / B if net.reduction == "mean" else 1.0
    c_k = 1.0 / k if net.output_reduction == "mean" else 1.0
    return c_B, c_k


def trace(net: Network, layers: list[Layer], X: np.ndarray, Y: np.ndarray, acts=None) -> Trace:
    """Forward, loss and the per-sample gradients with respect to every pre-activation."""
    acts = acts or net.activations(len(layers) - 1)
    head = functions.LOSSES[net.loss]
    A, H = forward(net, layers, X, acts)
    B, k = X.shape[0], H[-1].shape[1]
    c_B, c_k = factors(net, B, k)
    losses = c_k * np.sum(head.value(H[-1], A[-1], Y, net.clip), axis=1)  # ell_b
    g = c_k * head.grad(H[-1], A[-1], Y, acts[-1])  # g_{L+1} = d ell_b / d a_{L+1}
    G = [g]
    for l in range(len(layers) - 1, 0, -1):
        W, _ = layers[l]
        g = (g @ W) * acts[l - 1].df(A[l - 1])  # g_{l-1} = (W_l^T g_l) * sigma'(a_{l-1})
        G.insert(0, g)
    P, dP = penalty(net, layers, B)
    P1, dP1 = penalty(net, layers, 1)
    return Trace(A, H, losses, G, c_B, c_k, P, dP, P1, dP1)


def sample_gradients(tr: Trace, bias: bool) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """d ell_b / d W_l = g_l h_{l-1}^T and d ell_b / d b_l = g_l, per sample (B, ...), and the
    penalty's gradient with B = 1 (per-sample code's loss is ell_b + P)."""
    out = []
    for (g, h), (pW, pb) in zip(zip(tr.G, tr.H[:-1]), _or_zeros(tr.dP1, len(tr.G))):
        dW = g[:, :, None] * h[:, None, :] + pW
        out.append((dW, g + pb if bias else None))
    return out


def gradients(tr: Trace, bias: bool) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """dL/dW_l = c_B sum_b g_l h_{l-1}^T + dP/dW_l, dL/db_l = c_B sum_b g_l + dP/db_l."""
    out = []
    for (g, h), (pW, pb) in zip(zip(tr.G, tr.H[:-1]), _or_zeros(tr.dP, len(tr.G))):
        out.append((tr.c_B * (g.T @ h) + pW, tr.c_B * g.sum(axis=0) + pb if bias else None))
    return out


def _or_zeros(dP: list, n: int) -> list:
    return dP if dP else [(0.0, 0.0)] * n


def penalty(net: Network, layers: list[Layer], B: int) -> tuple[float, list]:
    """(P, [(dP/dW_l, dP/db_l), ...]) of the declared penalty for a batch of B samples:
    l2: lambda c sum W^2, gradient 2 c lambda W;  l1: lambda c sum |W|, gradient
    c lambda sign(W) (sign(0) = 0);  c = 1/2 ("half") or 1 ("full");
    biases too where declared; divided by B where per_sample."""
    pen = net.penalty
    if pen is None:
        return 0.0, []
    scale = 1.0 / B if pen.per_sample else 1.0
    c2 = 0.5 if pen.l2_form == "half" else 1.0
    c1 = 0.5 if pen.l1_form == "half" else 1.0
    total, grads = 0.0, []
    for W, b in layers:
        pair = []
        for p, on in ((W, True), (b, pen.biases)):
            if p is None or not on:
                pair.append(0.0 if p is not None else None)
                continue
            total += scale * (pen.l2 * c2 * np.sum(p * p) + pen.l1 * c1 * np.sum(np.abs(p)))
            pair.append(scale * (2.0 * c2 * pen.l2 * p + c1 * pen.l1 * np.sign(p)))
        grads.append((pair[0], pair[1] if pair[1] is not None else 0.0))
    return float(total), grads


def loss_and_gradients(net: Network, layers: list[Layer], X: np.ndarray, Y: np.ndarray):
    """(L, [(dW_l, db_l), ...]) of the declared network in float64."""
    tr = trace(net, layers, X, Y)
    return tr.loss, gradients(tr, net.bias)
